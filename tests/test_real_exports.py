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
