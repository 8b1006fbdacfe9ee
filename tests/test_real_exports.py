"""What real archives and pages hold (issue 15), through the real import path and the CLI."""

from __future__ import annotations

import json

from .conftest import FIXTURES

GIF_PAGE = FIXTURES / "threadreader-html" / "gif-tweet.html"


def test_a_gif_in_a_thread_reader_page_is_a_video_with_its_address(cli):
    assert cli("import", GIF_PAGE).code == 0
    shown = json.loads(cli("show", "1631700000000000000", "--json").out)
    assert shown["posts"][0]["media"] == [
        {"kind": "video", "url": "https://video.twimg.com/tweet_video/FqLoomGif.mp4", "alt": None}]
    assert shown["posts"][0]["text"] == "How the loom threads itself, in one loop:"
    text = cli("show", "1631700000000000000").out
    assert "How the loom threads itself, in one loop:\n[video]\n" in text


IMAGE_FIRST = FIXTURES / "bluesky" / "image-first.json"
IMAGE_ONLY_NO_ALT = FIXTURES / "bluesky" / "image-only-no-alt.json"


def titles(cli) -> dict[str, str]:
    return {t["id"]: t["title"] for t in json.loads(cli("list", "--json").out)}


def test_a_first_post_holding_only_an_image_is_titled_by_its_alt_text_else_the_next_post(cli):
    assert cli("import", IMAGE_FIRST, IMAGE_ONLY_NO_ALT).code == 0
    assert titles(cli) == {
        "at://did:plc:fen4/app.bsky.feed.post/3lfa": "[image: River Festival logo]",
        "at://did:plc:fen4/app.bsky.feed.post/3lga": "Eel pass, before and after.",
    }
    listed = cli("list").out
    assert "[image: River Festival logo]" in listed and "Eel pass, before and after." in listed


def test_a_title_runs_on_past_a_line_break_in_mid_sentence_and_stops_at_a_sentence_end():
    from tui.model import title_of

    assert title_of("Excited to be a speaker for the\nRiver Festival this June!\nMy talk is on eel passes.") == (
        "Excited to be a speaker for the River Festival this June!")
    assert title_of("Bread notes, a thread 🧵\nDay one") == "Bread notes, a thread 🧵"
    assert title_of("No full stop here\n\nA second paragraph") == "No full stop here"


def test_alt_text_keeps_its_paragraph_breaks_in_show_json_text_and_export(cli, tmp_path):
    assert cli("import", IMAGE_FIRST).code == 0
    thread_id = "at://did:plc:fen4/app.bsky.feed.post/3lfa"
    shown = json.loads(cli("show", thread_id, "--json").out)
    alt = "River Festival logo\n\nWhite wavy lines on a dark blue ground"
    assert shown["posts"][0]["media"][0]["alt"] == alt
    assert f"[image: {alt}]" in cli("show", thread_id).out
    assert cli("export", thread_id, "--out", tmp_path / "out").code == 0
    (exported,) = (tmp_path / "out").iterdir()
    markdown = exported.read_text()
    assert ("- [image](<https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:fen4/bafkimg1@jpeg>)\n\n"
            "  River Festival logo\n\n  White wavy lines on a dark blue ground\n") in markdown
