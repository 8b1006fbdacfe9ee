"""What real archives and pages hold (issue 15), through the real import path and the CLI."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

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


MASTODON = FIXTURES / "mastodon-api"


def test_a_mastodon_status_saved_alone_is_a_one_post_thread(cli):
    result = cli("import", MASTODON / "status-alone.json")
    assert (result.code, "1 added" in result.out, result.err) == (0, True, "")
    thread_id = "https://toot.example/users/ivy/statuses/112233445566778899"
    shown = json.loads(cli("show", thread_id, "--json").out)
    assert (shown["post_count"], shown["complete"], shown["title"]) == (
        1, True, "A long post on why rye needs a wetter dough than wheat.")
    assert "in_reply_to" not in shown
    assert cli("show", thread_id).out.startswith("Ivy Moor (@ivy@toot.example) · 9 Mar 2024 · 1 post · ")


def test_a_post_answering_someone_saved_alone_is_a_preview_that_says_whom_it_answers(cli, tmp_path):
    assert cli("import", MASTODON / "reply-alone.json").code == 0
    thread_id = "https://toot.example/users/ivy/statuses/112233445566779900"
    shown = json.loads(cli("show", thread_id, "--json").out)
    assert (shown["post_count"], shown["complete"]) == (1, False)
    assert shown["in_reply_to"] == {"handle": "bo@crumb.example", "url": None}
    text = cli("show", thread_id).out.splitlines()
    assert text[0].startswith("Ivy Moor (@ivy@toot.example) · in reply to @bo@crumb.example · 9 Mar 2024 · ")
    assert text[1] == shown["url"] and text[2] == ""  # the post's address below the header, where known
    assert text[3] == "One post on its own: it answers another post (@bo@crumb.example), not in this copy."
    assert "in reply to @bo@crumb.example: @bo Yes: a longer, cooler proof helps rye too." in cli("list").out
    assert cli("export", thread_id, "--out", tmp_path).code == 0
    (exported,) = tmp_path.glob("*.md")
    assert "**Ivy Moor (@ivy@toot.example)** · in reply to @bo@crumb.example · 9 Mar 2024" in exported.read_text()


BLUESKY = FIXTURES / "bluesky"


def test_a_self_thread_answering_someone_else_says_so_and_is_found_by_is_reply(cli):
    assert cli("import", BLUESKY / "reply-to-someone.json", BLUESKY / "one-post-answer.json").code == 0
    listed = {t["id"]: t for t in json.loads(cli("list", "--json").out)}
    thread_id = "at://did:plc:sam1/app.bsky.feed.post/3sma"
    shown = json.loads(cli("show", thread_id, "--json").out)
    assert (shown["post_count"], shown["complete"]) == (2, True)
    assert shown["in_reply_to"] == {"handle": "lu.example.com",
                                    "url": "https://bsky.app/profile/lu.example.com/post/3lua"}
    assert cli("show", thread_id).out.startswith(
        "Sam Rowe (@samrowe.bsky.social) · in reply to @lu.example.com "
        "(https://bsky.app/profile/lu.example.com/post/3lua) · 1 Jun 2024 · 2 posts")
    one = json.loads(cli("show", "at://did:plc:sam1/app.bsky.feed.post/3smc", "--json").out)
    assert (one["post_count"], one["complete"], one["in_reply_to"]["handle"]) == (1, False, "lu.example.com")
    assert set(listed) == {thread_id, "at://did:plc:sam1/app.bsky.feed.post/3smc"}


ARCHIVE = FIXTURES / "mastodon-archive"
IVY = "https://toot.example/users/ivy/statuses/"


def test_a_mastodon_archive_leaves_direct_messages_out_and_says_how_many(cli):
    result = cli("import", ARCHIVE)
    assert result.code == 0
    assert "warning: " in result.err and "2 direct messages left out (import with --keep-direct-messages" in result.err
    assert "2 added" in result.out
    assert {t["id"] for t in json.loads(cli("list", "--json").out)} == {IVY + "201", IVY + "401"}
    assert json.loads(cli("import", ARCHIVE, "--json").out)["warnings"][0]["reason"].startswith(
        "2 direct messages left out")


def test_an_option_keeps_direct_messages_marked_as_such(cli):
    assert cli("import", ARCHIVE, "--keep-direct-messages").code == 0
    shown = cli("show", IVY + "301").out
    assert "1/2 · direct message\n@bo here is the address of the mill" in shown


def test_followers_only_and_unlisted_posts_are_marked_in_show_json_text_and_export(cli, tmp_path):
    assert cli("import", ARCHIVE).code == 0
    shown = json.loads(cli("show", IVY + "201", "--json").out)
    assert [p.get("visibility") for p in shown["posts"]] == [None, "unlisted", "followers", None]
    text = cli("show", IVY + "201").out
    assert "1/4\nNotes from a week of rye" in text
    assert "2/4 · unlisted\nDay two" in text and "3/4 · followers only\nDay three" in text
    assert cli("export", IVY + "201", "--out", tmp_path).code == 0
    (exported,) = tmp_path.glob("*.md")
    assert "## 3/4 · followers only" in exported.read_text()


def test_an_archived_self_thread_answering_someone_else_says_whom(cli):
    assert cli("import", ARCHIVE).code == 0
    shown = json.loads(cli("show", IVY + "401", "--json").out)
    assert (shown["post_count"], shown["complete"]) == (2, True)
    assert shown["in_reply_to"] == {"handle": "bo@crumb.example", "url": "https://crumb.example/users/bo/statuses/110"}
    assert "in reply to @bo@crumb.example: @bo Rye takes more water than you think." in cli("list").out


def test_export_of_two_prefixes_of_one_id_writes_and_says_one_file(cli, tmp_path):
    assert cli("import", GIF_PAGE).code == 0
    result = cli("export", "1631", "16317000", "--out", tmp_path / "out")
    assert (result.code, result.out.split(" to ")[0]) == (0, "Wrote 1 Markdown file")
    assert len(list((tmp_path / "out").iterdir())) == 1


def test_the_stored_source_is_the_absolute_path_whatever_folder_the_import_ran_in(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(GIF_PAGE.parent.parent)
    assert cli("import", "threadreader-html/gif-tweet.html").code == 0
    monkeypatch.chdir(tmp_path)
    assert json.loads(cli("list", "--json").out)[0]["source"] == str(GIF_PAGE)


NUMBERED = FIXTURES / "threadreader-html" / "numbered-with-gaps.html"


def test_the_authors_numbering_tells_how_many_posts_and_where_the_gaps_are(cli):
    result = cli("import", NUMBERED)
    assert result.code == 0 and "the page says 14 tweets but holds 12" in result.err
    shown = json.loads(cli("show", "1631700000000000000", "--json").out)
    assert (shown["post_count"], shown["declared_count"], shown["complete"]) == (12, 14, False)
    text = cli("show", "1631700000000000000").out.splitlines()
    assert text[1] == "https://x.com/rowan_example/status/1631700000000000000" and text[2] == ""
    assert text[3] == "Gaps: 12 of 14 tweets, by the author's numbering. Tweets 8 and 9 are missing from this copy."
    assert "  12/14  [1/14] Step 1" in cli("list").out


def test_numbering_is_read_only_where_it_is_consistent():
    from tui.numbering import Numbering, author_numbering

    assert author_numbering(["1/4 a", "b 2/4", "(4/4) c"]) == Numbering(4, (3,))
    assert author_numbering(["1/4 a", "b", "4/4 c"]) == Numbering(4, ())  # an unnumbered post: gaps unknown
    assert author_numbering(["1/2 a", "2/2 b"]) is None  # nothing missing
    assert author_numbering(["1/5 a", "2/6 b"]) is None  # two totals
    assert author_numbering(["3/5 a", "2/5 b"]) is None  # not rising
    assert author_numbering(["Rates rose 1/4 point", "a"]) is None  # one mark is not numbering
    assert author_numbering(["see 24/7 support", "call 1/2 price"]) is None


def test_an_x_archive_thread_answering_someone_says_whom_with_the_address(cli):
    assert cli("import", FIXTURES / "twitter-archive-replies").code == 0
    shown = json.loads(cli("show", "1730000000000000200", "--json").out)
    assert (shown["post_count"], shown["complete"]) == (2, True)
    assert shown["in_reply_to"] == {"handle": "mill_example",
                                    "url": "https://x.com/mill_example/status/1729999999999999000"}
    assert "in reply to @mill_example: @mill_example The stone-ground rye" in cli("list").out


def test_threads_of_one_day_are_newest_first_by_time(cli, tmp_path):
    status = json.loads((MASTODON / "status-alone.json").read_text())
    later = dict(status, id="112233445566790000", uri="https://toot.example/users/ivy/statuses/112233445566790000",
                 created_at="2024-03-09T23:50:00.000Z", content="<p>Zebra bread, a late note.</p>")
    (tmp_path / "later.json").write_text(json.dumps(later))
    saved = [MASTODON / "status-alone.json", tmp_path / "later.json", MASTODON / "reply-alone.json"]
    assert cli("import", *saved).code == 0
    assert [t["title"][:12] for t in json.loads(cli("list", "--json").out)] == [
        "Zebra bread,", "@bo Yes: a l", "A long post "]  # 23:50, 11:00, 10:15 on 9 Mar 2024


def test_a_late_answer_to_an_earlier_post_follows_its_branch_and_says_which_post_it_answers(cli, tmp_path):
    assert cli("import", ARCHIVE).code == 0
    shown = json.loads(cli("show", IVY + "201", "--json").out)
    assert [p["id"].rsplit("/", 1)[1] for p in shown["posts"]] == ["201", "202", "203", "204"]
    assert [p.get("answers") for p in shown["posts"]] == [None, None, None, IVY + "201"]
    text = cli("show", IVY + "201").out
    assert "4/4 · answers 1/4\nLater: a reader asked about the first loaf." in text
    assert "2/4 · unlisted\n" in text  # the post above answers nothing else: no mark
    assert cli("export", IVY + "201", "--out", tmp_path).code == 0
    (exported,) = tmp_path.glob("*.md")
    assert "## 4/4 · answers 1/4" in exported.read_text()


def test_the_whole_thread_then_a_copy_lacking_its_first_post_is_one_thread(cli):
    whole = [FIXTURES / "mastodon" / "status.json", FIXTURES / "mastodon" / "context.json"]
    assert "1 added" in cli("import", *whole).out
    result = cli("import", MASTODON / "context-of-first-post.json")
    assert (result.code, "0 added" in result.out, "1 unchanged" in result.out) == (0, True, True), result.out
    (only,) = json.loads(cli("list", "--json").out)
    assert (only["id"], only["post_count"], only["complete"]) == (
        "https://toot.example/users/ivy/statuses/101", 3, True)


def test_a_copy_lacking_its_first_post_then_the_whole_thread_is_one_thread_too(cli):
    assert "1 added" in cli("import", MASTODON / "context-of-first-post.json").out
    result = cli("import", FIXTURES / "mastodon" / "status.json", FIXTURES / "mastodon" / "context.json")
    assert "0 added, 1 updated" in result.out
    (only,) = json.loads(cli("list", "--json").out)
    assert (only["post_count"], only["complete"]) == (3, True)


async def test_the_reader_shows_whom_a_thread_answers_which_post_a_reply_answers_and_visibility(db_path):
    from tui.app import ThreadsApp
    from tui.importing import run_import
    from tui.library import Library
    from tui.widgets.reading_pane import ThreadView
    from tui.widgets.thread_list import ThreadList

    assert not run_import([ARCHIVE], Library.open(db_path)).failures
    app = ThreadsApp(Library.open(db_path))
    app.session.delays.mark_read_after = app.session.delays.save_state_after = app.session.delays.search_delay = app.session.delays.open_after = 0
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        header = str(app.screen.query_one("#thread-header").render())
        assert header.startswith("Ivy Moor (@ivy@toot.example) · in reply to @bo@crumb.example "
                                 "(https://crumb.example/users/bo/statuses/110) · 4 Apr 2024")
        thread_list = app.screen.query_one(ThreadList)
        first_row = [line.plain for line in thread_list.format_item(thread_list.items[0], 80)]
        assert "in reply to @bo@crumb.example" in first_row[1]
        await pilot.press("j", "enter")
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        shown = "\n".join(text.plain for text, _ in app.screen.query_one(ThreadView)._lines)
        assert "2/4 · unlisted" in shown and "3/4 · followers only" in shown and "4/4 · answers 1/4" in shown


def _copies_of_one_thread():
    """The whole thread, a preview of its first posts without post ids, and a copy lacking its first post."""
    from tui.model import Post, Thread

    whole_posts = [Post(f"Step {n} of the rye loaf, and why it matters.", id=f"https://toot.example/s/{n}")
                   for n in range(1, 6)]
    whole = Thread(posts=whole_posts, author_handle="ivy@toot.example", source="whole")
    preview = Thread(posts=[Post(p.text) for p in whole_posts[:2]], author_handle="ivy@toot.example",
                     declared_count=5, complete=False, source="preview")
    lacking_first = Thread(posts=whole_posts[1:], author_handle="ivy@toot.example", complete=False,
                           source="lacking first")
    return whole, [whole, preview, lacking_first]


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(3)), cuts=st.sets(st.integers(1, 2)))
def test_copies_of_one_thread_imported_in_any_order_and_batches_give_that_thread(order, cuts):
    import tempfile
    from pathlib import Path

    from tui.library import Library

    whole, copies = _copies_of_one_thread()
    ordered = [copies[i] for i in order]
    bounds = [0, *sorted(cuts), 3]
    with tempfile.TemporaryDirectory() as folder:
        library = Library.open(Path(folder) / "library.json")
        for start, end in zip(bounds, bounds[1:], strict=False):
            if ordered[start:end]:
                library.add_threads(ordered[start:end])
        (only,) = library.summaries()
        kept = library.thread(only["id"])
        assert kept is not None and kept.to_dict() == whole.to_dict()
