"""The Thread Reader HTML importer on saved pages (made-up people and text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.importers import IMPORTERS
from tui.importers.base import ImportFailure, Source
from tui.importers.threadreader_html import ThreadReaderHtmlImporter, parse_page
from tui.importers.threadreader_text import ThreadReaderTextImporter
from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

NOTE_EXAMPLE = FIXTURES / "threadreader-html" / "note-example.html"
SAMPLE_PAGE = SAMPLES / "threadreader-html" / "mara-reading.html"
FIRST_ID = "1631700000000000000"  # 3 Mar 2023, 16:56:10 UTC
HEADER = """<div class="mb-2"><img class="avatar" src="https://pbs.twimg.com/p.jpg" alt="Dana Example Profile picture">
<div><a href="/user/dana_example">Dana Example</a><div class="small">3 Mar, 2 tweets, 1 min read</div></div></div>"""


def page(tweets: str, header: str = HEADER, after: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>Thread by @dana_example on Thread Reader App</title></head>"
            f"<body><nav>Thread Reader</nav>{header}<div class=\"t-main\">{tweets}</div>"
            f"<div>• • •</div>{after}<footer>Did Thread Reader help you today?</footer></body></html>")


def tweet(body: str, tweet_id: str = FIRST_ID) -> str:
    return f'<div class="content-tweet" data-tweet="{tweet_id}" data-screenname="dana_example">{body}</div>'


def parse(path: Path):
    return ThreadReaderHtmlImporter().parse(Source(str(path), path=path))


def parse_html(tmp_path: Path, html: str):
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    return parse(path)


def first_post(tmp_path: Path, body: str):
    return parse_html(tmp_path, page(tweet(body))).threads[0].posts[0]


# The note's example

def test_note_example_through_the_cli_gives_exactly_what_the_note_says(cli):
    result = cli("import", NOTE_EXAMPLE)
    assert (result.code, result.err) == (0, "")
    assert [t["id"] for t in json.loads(cli("list", "--json").out)] == [FIRST_ID]
    shown = json.loads(cli("show", FIRST_ID, "--json").out)
    assert {k: shown[k] for k in ("author_name", "author_handle", "date", "post_count", "declared_count",
                                  "complete")} == {
        "author_name": "Dana Example", "author_handle": "dana_example", "date": "2023-03-03",
        "post_count": 3, "declared_count": 3, "complete": True}
    assert [(p["text"], p["links"], [(m["kind"], m["url"]) for m in p["media"]]) for p in shown["posts"]] == [
        ("I kept a paper notebook next to my keyboard for a year.\n\nHere is what changed & why. ↓", [], []),
        ("First, I stopped losing hypotheses. Notes: https://example.com/notebook-method",
         ["https://example.com/notebook-method"], []),
        ("One page per day.", [], [("image", "https://pbs.twimg.com/media/Fq1abc.jpg")]),
    ]
    assert [p["id"] for p in shown["posts"]] == [FIRST_ID, "1631700004194304000", "1631700008388608000"]


def test_note_example_through_the_parser():
    result = parse(NOTE_EXAMPLE)
    assert result.warnings == []
    (thread,) = result.threads
    assert (thread.id, thread.author_name, thread.author_handle) == (FIRST_ID, "Dana Example", "dana_example")
    assert (thread.date, thread.declared_count, thread.complete, thread.read_minutes) == (
        PartialDate(2023, 3, 3), 3, True, 1)
    assert thread.posts[0].time == "2023-03-03T16:56:10Z"
    assert all("twitter.com" not in link for post in thread.posts for link in post.links)
    assert all("More from" not in p.text and "flaky" not in p.text for p in thread.posts)


# Text

def test_links_put_the_full_href_in_text_and_links_never_the_permalink(tmp_path):
    post = first_post(tmp_path, (
        'Read <a class="entity-url" data-preview="true" href="https://example.net/long-path?a=1&amp;section=2">'
        'example.net/long-pa…</a> and <a href="/user/theo_example">@theo_example</a>'
        '<span class="tw-permalink"><a href="https://twitter.com/dana_example/status/1">link</a></span>'))
    assert post.text == "Read https://example.net/long-path?a=1&section=2 and @theo_example"
    assert post.links == ["https://example.net/long-path?a=1&section=2"]


def test_addresses_written_as_text_are_links_too_each_once_in_order(tmp_path):
    post = first_post(tmp_path, (
        'Plain https://example.org/a, then <a class="entity-url" href="https://example.com/b">example.com/b</a>, '
        'www.example.net/c and <a class="entity-url" href="https://example.org/a">example.org/a</a> again. '
        'Red https://example.org/&#27;[31md'))
    assert post.text == ("Plain https://example.org/a, then https://example.com/b, www.example.net/c and "
                         "https://example.org/a again. Red https://example.org/d")
    assert post.links == ["https://example.org/a", "https://example.com/b", "www.example.net/c",
                          "https://example.org/d"]


def test_a_link_cut_up_by_truncation_spans_is_its_href(tmp_path):
    post = first_post(tmp_path, (
        'Long read: <a class="entity-url" data-preview="true" href="https://example.org/essays/notebooks-2023">'
        '<span class="invisible">https://</span><span class="js-display-url">example.org/essays/no</span>'
        '<span class="invisible">tebooks-2023</span><span class="tco-ellipsis">…</span></a> (worth it)'))
    assert post.text == "Long read: https://example.org/essays/notebooks-2023 (worth it)"
    assert post.links == ["https://example.org/essays/notebooks-2023"]


def test_a_video_without_an_address_has_a_null_url_and_one_lazy_loaded_has_its_data_src(tmp_path):
    tweets = tweet('Clip:<div class="entity-video"><video poster="/images/1px.png"></video></div>') + tweet(
        'Lazy:<span class="entity-video"><video data-src="https://video.twimg.com/lazy.mp4" '
        'src="/images/1px.png"></video></span>', "1631700004194304000")
    bare, lazy = parse_html(tmp_path, page(tweets)).threads[0].posts
    assert [(p.text, [m.to_dict() for m in p.media]) for p in (bare, lazy)] == [
        ("Clip:", [{"kind": "video", "url": None, "alt": None}]),
        ("Lazy:", [{"kind": "video", "url": "https://video.twimg.com/lazy.mp4", "alt": None}]),
    ]


@pytest.mark.parametrize("br", ["<br>", "<br/>", "<br />", "<BR />", "<BR>", "<br\n>"])
def test_br_written_any_way_breaks_lines_and_two_end_a_paragraph(tmp_path, br):
    post = first_post(tmp_path, f"\n   One line{br}\n   next line{br}{br}\n   A new   paragraph\n   here.\n")
    assert post.text == "One line\nnext line\n\nA new paragraph here."


def test_entities_are_decoded_once_and_escaped_tags_stay_text(tmp_path):
    post = first_post(tmp_path, "&lt;b&gt;not bold&lt;/b&gt; &amp;lt; &quot;quoted&quot; it&#39;s [bold]x[/bold]")
    assert post.text == "<b>not bold</b> &lt; \"quoted\" it's [bold]x[/bold]"


def test_control_characters_are_stripped(tmp_path):
    post = first_post(tmp_path, "Red &#27;[31malert&#27;[0m\x07 done")
    assert post.text == "Red alert done"


def test_tweet_holding_only_an_image_and_a_video(tmp_path):
    tweets = tweet('<span class="entity-image"><img src="/images/1px.png" '
                   'data-src="https://pbs.twimg.com/media/A.jpg" alt="Image"></span>') + tweet(
        '<div class="entity-video"><video poster="/images/1px.png">'
        '<source src="https://video.twimg.com/v.mp4" type="video/mp4"></video></div>', "1631700004194304000")
    image_post, video_post = parse_html(tmp_path, page(tweets)).threads[0].posts
    assert (image_post.text, [m.to_dict() for m in image_post.media]) == (
        "", [{"kind": "image", "url": "https://pbs.twimg.com/media/A.jpg", "alt": None}])
    assert [m.to_dict() for m in video_post.media] == [
        {"kind": "video", "url": "https://video.twimg.com/v.mp4", "alt": None}]


def test_emoji_drawn_as_images_keep_their_alt_inline(tmp_path):
    post = first_post(tmp_path, (
        'Reading list <img class="emoji" draggable="false" alt="📚" '
        'src="https://abs.twimg.com/emoji/v2/72x72/1f4da.png"> for March<img class="emoji" alt="🧵" '
        'data-src="https://abs.twimg.com/emoji/v2/72x72/1f9f5.png"><br>'
        'Families too: <img alt="👩‍👩‍👧‍👦" src="https://abs.twimg.com/emoji/v2/72x72/x.png">, and '
        '<img src="https://abs.twimg.com/emoji/v2/72x72/y.png"> none without alt.'
        '<span class="entity-image"><img src="/images/1px.png" data-src="https://pbs.twimg.com/media/B.jpg" '
        'alt="Cat"></span>'))
    assert post.text == "Reading list 📚 for March🧵\nFamilies too: 👩‍👩‍👧‍👦, and none without alt."
    assert [m.to_dict() for m in post.media] == [
        {"kind": "image", "url": "https://pbs.twimg.com/media/B.jpg", "alt": "Cat"}]


def test_quoted_tweet_is_kept_apart_from_the_tweet_text(tmp_path):
    post = first_post(tmp_path, (
        'Agreed with this:<div class="entity-embed"><blockquote class="twitter-tweet">'
        '<p>Margins are the cheapest notebook.</p>&mdash; Theo Example (@theo_example) '
        '<a href="https://twitter.com/theo_example/status/1598255583851446272">1 Dec 2022</a></blockquote></div>'))
    assert post.text == "Agreed with this:"
    assert post.quoted is not None
    assert post.quoted.text == "Margins are the cheapest notebook.\n— Theo Example (@theo_example) 1 Dec 2022"
    assert (post.quoted.id, post.quoted.time) == ("1598255583851446272", "2022-12-01T10:00:00Z")


def test_chrome_inside_and_outside_the_thread_is_dropped(tmp_path):
    tweets = tweet('Only this.<script>var x = "no";</script><div class="row"><button>Share</button>'
                   '<a href="#">Copy link</a></div>')
    after = ('<h3>More from @dana_example</h3><div class="card">'
             + tweet("A preview tweet, not in the thread.", "1630538302878646272") + "</div>")
    thread = parse_html(tmp_path, page(tweets, after=after)).threads[0]
    assert [p.text for p in thread.posts] == ["Only this."]


# Header

def test_missing_header_leaves_name_and_count_empty(tmp_path):
    result = parse_html(tmp_path, page(tweet("Hello."), header=""))
    thread = result.threads[0]
    assert (thread.author_name, thread.declared_count, thread.author_handle) == (None, None, "dana_example")
    assert thread.date == PartialDate(2023, 3, 3)
    assert result.warnings == []


def test_header_date_when_the_id_is_no_snowflake(tmp_path):
    thread = parse_html(tmp_path, page(tweet("Hello.", tweet_id="12345"))).threads[0]
    assert (thread.date, thread.id, thread.posts[0].time) == (PartialDate(None, 3, 3), "12345", None)


def test_an_impossible_header_date_is_no_date(tmp_path):
    header = '<div>Feb 30, 2021</div><div>Mar 3, 2021</div>'
    thread = parse_html(tmp_path, page(tweet("Hello.", tweet_id="12345"), header=header)).threads[0]
    assert thread.date == PartialDate(2021, 3, 3)
    only_bad = parse_html(tmp_path, page(tweet("Hello.", tweet_id="12345"), header="<div>31 Apr</div>"))
    assert (only_bad.threads[0].date, only_bad.warnings) == (None, [])


def test_header_in_another_shape_is_found_by_its_text(tmp_path):
    header = ('<header><span>Mar 3, 2023</span> · <b>7 tweets, 2 min read</b>'
              '<img alt="Ana María Example Profile picture"></header>')
    result = parse_html(tmp_path, page(tweet("Hello."), header=header))
    thread = result.threads[0]
    assert (thread.author_name, thread.declared_count, thread.read_minutes) == ("Ana María Example", 7, 2)
    assert result.warnings == ["the page says 7 tweets but holds 1"]


@pytest.mark.parametrize("header,expected", [
    ('<div class="small">3 Mar · 1 tweets, 1 min read</div>', (PartialDate(None, 3, 3), 1, 1)),
    ('<div><a href="/user/dana_example">@dana_example</a> <span>@dana_example 3 Mar</span></div>'
     '<div>1 tweets</div>', (PartialDate(None, 3, 3), 1, None)),
    ("<div>Mar 3, 2021 · 1 tweet</div>", (PartialDate(2021, 3, 3), 1, None)),
    ('<div>Top 10 tweets of May 5 fans</div><div>3 Mar</div><div>1 tweets, 1 min read</div>',
     (PartialDate(None, 3, 3), 1, 1)),
    ("<div>Published on 3 March 2021, 1,204 tweets later</div>", (PartialDate(2021, 3, 3), 1204, None)),
], ids=["middle-dot", "after-handle-bare-count", "year-bare-count", "date-line-wins", "in-a-sentence"])
def test_header_date_and_counts_in_other_shapes(tmp_path, header, expected):
    thread = parse_html(tmp_path, page(tweet("Hello.", tweet_id="12345"), header=header)).threads[0]
    assert (thread.date, thread.declared_count, thread.read_minutes) == expected


def test_handle_is_from_data_screenname_whatever_the_header_shows(tmp_path):
    header = ('<div><img alt="Dana Example Profile picture"><a href="/user/dana_old">@dana_old</a>'
              '<div>3 Mar, 1 tweets, 1 min read</div></div>')
    thread = parse_html(tmp_path, page(tweet("Hello."), header=header)).threads[0]
    assert (thread.author_handle, thread.author_name) == ("dana_example", "Dana Example")


def test_header_date_with_a_year_when_the_id_is_no_snowflake(tmp_path):
    header = '<div><img alt="Dana Example Profile picture"><div>Mar 3, 2021</div><div>1 tweets, 1 min read</div></div>'
    thread = parse_html(tmp_path, page(tweet("Hello.", tweet_id="20"), header=header)).threads[0]
    assert (thread.date, thread.id, thread.posts[0].time, thread.declared_count) == (
        PartialDate(2021, 3, 3), "20", None, 1)


# Bad input

def library_listing(cli) -> list[dict]:
    return json.loads(cli("list", "--json").out)


@pytest.mark.parametrize("html,reason", [
    (page("<p>Nothing here yet.</p>"), ".t-main holds no tweets (no div.content-tweet)"),
    (page(""), ".t-main holds no tweets (no div.content-tweet)"),
    ("<!DOCTYPE html><html><head><title>Thread Reader App</title></head><body><p>Log in</p></body></html>",
     "no .t-main element: not a saved Thread Reader thread"),
])
def test_pages_without_tweets_fail_with_one_line_and_leave_the_library_alone(cli, tmp_path, html, reason):
    cli("import", NOTE_EXAMPLE)
    before = library_listing(cli)
    path = tmp_path / "thread.html"
    path.write_text(html, encoding="utf-8")
    result = cli("import", path)
    assert (result.code, result.err) == (1, f"failed: {path}: {reason}\n")
    assert library_listing(cli) == before


def test_page_cut_short_still_gives_the_tweets_it_holds(tmp_path):
    html = page(tweet("One.") + tweet("Two, cut <b>sh", "1631700004194304000"))
    thread = parse_html(tmp_path, html[: html.index("sh") + 2]).threads[0]
    assert [p.text for p in thread.posts] == ["One.", "Two, cut sh"]


def test_not_utf8_fails_clearly(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(page(tweet("café")).encode().replace("é".encode(), b"\xe9"))
    with pytest.raises(ImportFailure, match=r"^not UTF-8 text \(byte 0xe9 at offset \d+\)$"):
        parse(path)


# Detection

def test_detected_by_content_when_renamed_and_never_by_the_text_importer(cli, tmp_path):
    renamed = tmp_path / "saved-page"
    renamed.write_bytes(NOTE_EXAMPLE.read_bytes())
    source = Source(str(renamed), path=renamed)
    assert ThreadReaderHtmlImporter().detect(source)
    assert not ThreadReaderTextImporter().detect(source)
    assert IMPORTERS.index(ThreadReaderHtmlImporter) < IMPORTERS.index(ThreadReaderTextImporter)
    assert cli("import", renamed).code == 0
    assert [t["id"] for t in library_listing(cli)] == [FIRST_ID]


def test_text_pages_are_not_taken_for_html():
    for path in (FIXTURES / "threadreader" / "note-example.txt", *(SAMPLES / "threadreader").iterdir()):
        assert not ThreadReaderHtmlImporter().detect(Source(str(path), path=path))


def test_sample_page(cli):
    (thread,) = parse(SAMPLE_PAGE).threads
    assert (thread.author_name, thread.author_handle, thread.date, thread.declared_count) == (
        "Mara Lindqvist", "mara_reads", PartialDate(2023, 1, 12), 5)
    assert [len(p.media) for p in thread.posts] == [0, 0, 1, 0, 1]
    assert thread.posts[2].text == ""
    assert thread.posts[3].quoted is not None
    assert "Share" not in thread.posts[1].text
    assert cli("import", SAMPLES / "threadreader-html").code == 0


_FRAGMENTS = [
    '<div class="t-main">', '<div class="content-tweet" data-tweet="1631700000000000000" data-screenname="d">',
    '<div class="content-tweet" data-tweet="x">', "</div>", "<br>", "<br/>", "<p>", "</p>", "&lt;b&gt;", "&amp;",
    '<a class="entity-url" href="https://e.com/?a=1&amp;b=2">', '<a class="entity-url">', "</a>",
    '<span class="entity-image"><img data-src="https://pbs.twimg.com/m.jpg" src="/1px.png">', "</span>",
    '<span class="entity-video">', '<div class="entity-embed">', '<span class="tw-permalink">', '<div class="row">',
    '<img alt="Dana Profile picture">', "3 Mar, 2 tweets, 1 min read", "text ", "\n  ", "<script>", "</script>",
    "<!--", "-->", "\x00", "\x1b[31m", "<", ">", '"',
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join))
def test_any_markup_gives_a_thread_or_one_clear_failure(html):
    try:
        result = parse_page(html, "fuzz.html")
    except ImportFailure as failure:
        assert str(failure) and "\n" not in str(failure)
    else:
        for post in result.threads[0].posts:
            assert "\x1b" not in post.text and "\x00" not in post.text


def test_a_complete_save_imports_without_failing_on_its_files_folder(cli, tmp_path):
    saved = tmp_path / "saved"
    (saved / "Thread by @dana_example_files").mkdir(parents=True)
    (saved / "Thread by @dana_example.html").write_bytes(NOTE_EXAMPLE.read_bytes())
    (saved / "Thread by @dana_example_files" / "app.js").write_text("var x = 1;\n")
    (saved / "Thread by @dana_example_files" / "d.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (saved / "other_files").mkdir()
    (saved / "other_files" / "notes.css").write_text("body {}\n")
    result = cli("import", saved)
    assert result.code == 1
    (line,) = result.err.splitlines()  # only the folder with no page beside it
    assert line.startswith(f"failed: {saved / 'other_files' / 'notes.css'}: not a format")
    assert [t["id"] for t in library_listing(cli)] == [FIRST_ID]
