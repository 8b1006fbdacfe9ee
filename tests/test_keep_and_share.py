"""Quote, keep and share from the command line: cited quotes, tags, highlights with notes, and
Markdown and HTML exports (the HTML opened in a real browser where Chromium is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from .conftest import FIXTURES, SAMPLES
from .test_same_thread import FLAKY_FIRST, FLAKY_ID, flaky_tests_page

MIRA = SAMPLES / "threadreader" / "mira-sourdough.txt"
NADIA = SAMPLES / "bluesky" / "nadia-canal-paths.json"
NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"


def listed(cli, *options: str) -> list[dict]:
    return json.loads(cli("list", "--json", *options).out)


def thread_id(cli, handle: str, complete: bool = True) -> str:
    return next(t["id"] for t in listed(cli) if t["author_handle"] == handle and t["complete"] == complete)


def test_quote_is_a_blockquote_with_one_citation_line(cli):
    cli("import", MIRA)
    mira = thread_id(cli, "mira_bakes")
    result = cli("quote", mira[:8], "2-3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "> The starter matters less than you think. Mine is flour, water and patience. " \
                       "Feed it at the same time every day and it will forgive almost anything."
    assert lines[1] == ">"  # between the posts
    # A list item stays text (its mark escaped), and a line break inside a paragraph stays one.
    assert lines[2:6] == ["> What I actually use:", ">", "> \\- a kitchen scale (grams, not cups)\\",
                          "> \\- a glass jar with a loose lid\\"]
    assert lines[-2:] == ["", "— Mira Holt (@mira_bakes), 15 Oct 2021, posts 2–3 of 7"]
    assert all(line.startswith(">") for line in lines[:-2])


def test_quote_cites_the_first_quoted_posts_address_and_gives_json(cli):
    cli("import", NADIA)
    nadia = listed(cli)[0]["id"]
    out = cli("quote", nadia, "1,3").out
    assert out.splitlines()[-1].startswith("— Nadia Quill (@nadia-quill.bsky.social), ")
    assert ", posts 1, 3 of 3: [link]" in out
    assert out.splitlines()[-1].endswith("(https://bsky.app/profile/nadia-quill.bsky.social/post/3lcanal1)")
    data = json.loads(cli("quote", nadia, "3", "--json").out)
    assert data["numbers"] == [3] and len(data["posts"]) == 1 and data["posts"][0]["n"] == 3
    assert data["link"] == data["posts"][0]["url"] and data["link"].startswith("https://bsky.app/profile/")
    assert data["author_handle"] == "nadia-quill.bsky.social" and data["citation"] in data["markdown"]


@pytest.mark.parametrize(("wanted", "why"), [
    ("9", "post 9 is not in the thread (posts 1–7)"),
    ("0-2", "post 0 is not in the thread (posts 1–7)"),
    ("5-3", "'5-3' runs backwards"),
    ("two", "not a range of posts: 'two' (write 4, 3-5 or 1,3-5)"),
])
def test_a_range_outside_the_thread_is_one_line_and_exit_2(cli, wanted, why):
    cli("import", MIRA)
    result = cli("quote", thread_id(cli, "mira_bakes"), wanted)
    assert result.code == 2 and result.out == ""
    assert result.err.strip().endswith(why) and len(result.err.strip().splitlines()) == 1
    assert cli("highlight", thread_id(cli, "mira_bakes"), wanted).code == 2


def test_tags_are_added_removed_listed_and_filtered(cli):
    cli("import", MIRA, NADIA)
    mira, nadia = thread_id(cli, "mira_bakes"), thread_id(cli, "nadia-quill.bsky.social")
    assert cli("tag", mira, "Baking", "#bread", "baking").out.strip() == f"{mira}: #baking #bread"
    assert cli("tag", nadia, "walks").code == 0
    assert [t["id"] for t in listed(cli, "--tag", "#BAKING")] == [mira]
    assert {t["id"]: t["tags"] for t in listed(cli) if t["tags"]} == {mira: ["baking", "bread"], nadia: ["walks"]}
    assert cli("list").out.splitlines()[[line.split()[0] for line in cli("list").out.splitlines()].index(mira)] \
        .endswith("#baking  #bread")
    assert cli("untag", mira, "bread").out.strip() == f"{mira}: #baking"
    assert cli("list", "--tag", "bread").out.strip() == "No thread has the tag 'bread'."
    bad = cli("tag", mira, "two words")
    assert bad.code == 2 and "not a tag: 'two words'" in bad.err


def test_highlights_are_kept_listed_and_removed(cli):
    cli("import", MIRA)
    mira = thread_id(cli, "mira_bakes")
    added = cli("highlight", mira, "2-3", "--note", "the key step")
    assert added.code == 0 and added.out.startswith("Highlight ") and "posts 2–3 of" in added.out
    key = added.out.split()[1].rstrip(":")
    cli("highlight", mira, "5")
    rows = json.loads(cli("highlights", "--json").out)
    assert [(row["numbers"], row["note"]) for row in rows] == [([2, 3], "the key step"), ([5], "")]
    assert rows[0]["key"] == key and rows[0]["posts"][1].startswith("What I actually use:")
    text = cli("highlights").out.splitlines()
    assert text[0].startswith(f"{key}  I baked one sourdough loaf") and text[0].endswith("· posts 2–3  — the key step")
    assert cli("highlights", "--remove", key[:5]).out.strip() == f"Removed highlight {key}."
    assert [row["numbers"] for row in json.loads(cli("highlights", "--json").out)] == [[5]]
    missing = cli("highlights", "--remove", "zzzz")
    assert missing.code == 1 and "no highlight 'zzzz'" in missing.err


def test_tags_and_highlights_follow_a_preview_replaced_by_the_whole_thread(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    (preview,) = [t for t in listed(cli) if t["title"] == FLAKY_FIRST]
    cli("tag", preview["id"], "testing")
    cli("highlight", preview["id"], "2", "--note", "seeds!")
    result = cli("import", flaky_tests_page(tmp_path / "flaky.html"))
    assert "1 updated" in result.out
    (whole,) = [t for t in listed(cli) if t["title"] == FLAKY_FIRST]
    assert (whole["id"], whole["tags"]) == (FLAKY_ID, ["testing"])
    (row,) = json.loads(cli("highlights", "--json").out)
    assert (row["thread_id"], row["numbers"], row["note"]) == (FLAKY_ID, [2], "seeds!")
    assert row["posts"] == ["Step one: run the suite in a random order, three times, and keep the seeds."]


def test_tags_survive_an_import_in_another_process_that_replaces_a_tagged_preview(cli, cli_process, tmp_path):
    cli("import", MIRA, NOTE_EXAMPLE)
    mira = thread_id(cli, "mira_bakes")
    (preview,) = [t for t in listed(cli) if t["title"] == FLAKY_FIRST]
    cli("tag", preview["id"], "testing")
    cli("highlight", preview["id"], "1", "--note", "kept")
    folder = tmp_path / "many"
    folder.mkdir()
    flaky_tests_page(folder / "flaky.html")  # the whole thread the preview shows: it replaces the preview
    for n in range(40):
        (folder / f"{n}.json").write_bytes(NADIA.read_bytes().replace(b"3lcanal", f"3l{n:03d}x".encode()))
    other = threading.Thread(target=lambda: cli_process("import", folder))
    other.start()
    for n in range(15):
        assert cli("tag", mira, f"t{n}").code == 0
    other.join()
    tags = {t["id"]: t["tags"] for t in listed(cli)}
    assert tags[mira] == [f"t{n}" for n in range(15)]
    assert tags[FLAKY_ID] == ["testing"] and preview["id"] not in tags
    (row,) = json.loads(cli("highlights", "--json").out)
    assert (row["thread_id"], row["numbers"], row["note"]) == (FLAKY_ID, [1], "kept")


def test_markdown_export_has_front_matter_and_highlights(cli, tmp_path):
    cli("import", MIRA)
    mira = thread_id(cli, "mira_bakes")
    cli("tag", mira, "baking", "bread")
    cli("highlight", mira, "3", "--note", "my kit")
    assert cli("export", mira, "--out", tmp_path / "md").out.strip() == f"Wrote 1 Markdown file to {tmp_path / 'md'}"
    (page,) = (tmp_path / "md").iterdir()
    text = page.read_text()
    front, body = text.split("\n---\n\n", 1)
    assert front.splitlines() == [
        "---",
        'title: "I baked one sourdough loaf every Saturday for a year. 52 loaves. Here is everything I wish '
        'someone had told me on week…"',
        'author: "Mira Holt"', 'handle: "mira_bakes"', 'date: "2021-10-15"',
        "source: null",  # a web address only: never the path of the file it was imported from
        'tags: ["baking", "bread"]', "posts: 7", "complete: true", 'status: "complete"']
    assert body.startswith("# I baked one sourdough loaf")
    highlights = body.split("## Highlights\n\n", 1)[1]
    assert highlights.startswith("> What I actually use:")
    assert "— Mira Holt (@mira_bakes), 15 Oct 2021, post 3 of 7\n\nNote: my kit\n" in highlights
    assert cli("export", "--highlights", "--out", tmp_path / "hl").code == 0
    (only,) = (tmp_path / "hl").iterdir()
    assert only.read_text().split("\n---\n\n", 1)[1].startswith("# I baked one sourdough loaf every Saturday")
    assert "## 1/7" not in only.read_text() and "Note: my kit" in only.read_text()


HOSTILE = "<script>alert(1)</script> </div> &amp; [bold]not bold[/bold] <img src=https://evil.example/x.png>"


def hostile_thread(path: Path) -> Path:
    """A saved Thread Reader page whose posts hold markup, entities and Rich markup as text."""
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    path.write_text(
        '<!DOCTYPE html><html><head><title>Thread by @pat_example on Thread Reader App</title></head><body>'
        '<div><img alt="Pat Example Profile picture"><div>2 tweets, 1 min read</div></div><div class="t-main">'
        f'<div class="content-tweet" id="tweet_1" data-tweet="1630538302878646272" data-screenname="pat_example">'
        f'Markup as text: {escaped}</div>'
        '<div class="content-tweet" data-tweet="1630538302882840576" data-screenname="pat_example">'
        'Second <span class="entity-image"><img src="/images/1px.png" data-src="https://pbs.twimg.com/media/A.jpg" '
        'alt="a &quot;quoted&quot; picture"></span></div></div></body></html>')
    return path


def test_html_export_escapes_text_and_needs_nothing_from_elsewhere(cli, tmp_path):
    cli("import", MIRA, NADIA, hostile_thread(tmp_path / "pat.html"))
    result = cli("export", "--format", "html", "--out", tmp_path / "site")
    pages = sorted((tmp_path / "site").iterdir())
    assert result.out.strip() == f"Wrote {len(pages) - 1} HTML files and index.html to {tmp_path / 'site'}"
    for page in pages:
        tree = LexborHTMLParser(page.read_text())
        tags = {node.tag for node in tree.root.traverse()}
        assert not tags & {"script", "link", "iframe", "img", "object", "embed", "video", "audio", "source"}, page.name
        assert not [node for node in tree.root.traverse() if {"src", "srcset", "background"} & set(node.attributes)]
        assert all(node.attributes["href"].startswith(("https://", "http://")) or "/" not in node.attributes["href"]
                   for node in tree.css("a"))  # links out are links; everything else is a page beside it
        style = tree.css_first("style").text()
        assert "@import" not in style and "url(" not in style and "@media print" in style
    pat = next(page for page in pages if "pat-example" in page.name).read_text()
    assert "Markup as text: &lt;script&gt;alert(1)&lt;/script&gt; &lt;/div&gt; &amp;amp; [bold]not bold[/bold]" in pat
    assert '<a href="https://pbs.twimg.com/media/A.jpg">[image: a &quot;quoted&quot; picture]</a>' in pat
    index = (tmp_path / "site" / "index.html").read_text()
    names = re.findall(r'<li><a href="([^"]+)">', index)
    assert sorted(names) == sorted(page.name for page in pages if page.name != "index.html")
    dated = [name[:10] for name in names if name[:4].isdigit() and name[4] == "-"]
    assert dated == sorted(dated, reverse=True) and dated[0].startswith("2024-")  # newest first


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (bash .ci/run installs it)")
def test_html_export_opens_and_prints_in_a_real_browser(cli, tmp_path):
    cli("import", SAMPLES, hostile_thread(tmp_path / "pat.html"))
    assert cli("export", "--format", "html", "--out", tmp_path / "site").code == 0
    site = tmp_path / "site"
    pat = next(site.glob("*pat-example*.html"))
    for page, words in ((site / "index.html", ["Threads", "Nadia Quill", "Mira Holt"]),
                        (pat, ["Markup as text: " + HOSTILE, "2/2", "[image: a \"quoted\" picture]"])):
        shot = tmp_path / f"{page.stem}.png"
        done = browser(tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri())
        assert shot.exists(), done.stderr
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1000
        assert len(png) > 15_000  # a page with text on it, not a blank one
        dom = browser(tmp_path, "--dump-dom", page.as_uri()).stdout
        text = re.sub(r"<[^>]+>", "", dom).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
            .replace("&amp;", "&")
        for word in words:
            assert word in text, word
        assert "<script>alert(1)</script>" not in dom  # the browser made no element of it
    pdf = tmp_path / "pat.pdf"
    browser(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", pat.as_uri())
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000


def test_addresses_that_are_no_web_address_never_become_links(cli, tmp_path):
    status = json.loads((SAMPLES / "mastodon" / "status.json").read_text())
    status["url"] = "javascript:alert(document.domain)"
    status["media_attachments"] = [{"type": "image", "url": "javascript:alert(2)", "description": "a cat"}]
    (tmp_path / "status.json").write_text(json.dumps(status))
    cli("import", tmp_path / "status.json")
    (thread,) = listed(cli)
    assert cli("export", "--format", "html", "--out", tmp_path / "site").code == 0
    assert cli("export", "--out", tmp_path / "md").code == 0
    for page in [*(tmp_path / "site").iterdir(), *(tmp_path / "md").iterdir()]:
        assert "javascript:" not in page.read_text().replace("javascript:alert(document.domain)</p>", ""), page
    html = next(p for p in (tmp_path / "site").iterdir() if p.name != "index.html").read_text()
    assert "<li>[image: a cat]</li>" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "[link]" not in cli("quote", thread["id"], "1").out


def test_a_damaged_user_file_is_one_line_and_left_as_it_is(cli, db_path):
    cli("import", MIRA)
    mira = thread_id(cli, "mira_bakes")
    user_file = db_path.with_name("library.json.user")
    for damage in ('{"highlights": {"1": {"thread_id": "x"}}}', '{"tags": {"1": {"thread_id": 5, "tags": []}}}',
                   '{"highlights": {"1": {"key": "k", "thread_id": "x", "posts": ["text"]}}}', "[1, 2"):
        user_file.write_text(damage)
        for args in (("highlights",), ("list",), ("tag", mira, "x")):
            result = cli(*args)
            assert result.code == 1 and "Traceback" not in result.err, (damage, args, result.err)
            assert f"cannot read {user_file}" in result.err and "it was left as it is" in result.err
        assert user_file.read_text() == damage


def test_a_highlight_finds_its_posts_in_a_copy_spaced_otherwise():
    from tui.model import Post, Thread
    from tui.user_data import Highlight, PostRef

    kept = Highlight("k", "t", (PostRef(None, "Step one:  run\nthe suite", 1),), "", 0)
    copy = Thread([Post("Intro"), Post("step one: run the suite"), Post("Step one: run the suite")], id="t")
    assert kept.numbers_in(copy) == [2]  # spacing and case aside; of two alike, the one where it was
    empty = Highlight("k", "t", (PostRef(None, "", 0),), "", 0)
    assert empty.numbers_in(Thread([Post(""), Post("")], id="t")) == []


def test_front_matter_holds_what_yaml_can_read():
    from tui.export import Extras, front_matter
    from tui.model import Post, Thread

    thread = Thread([Post('yes: a # b {c: 1} "q" \\ \ufffe end')], author_name="N\uffffo", id="x")
    text = front_matter(thread, Extras(tags=["a"]))
    assert "\ufffe" not in text and "\uffff" not in text
    assert text.splitlines()[1] == 'title: "yes: a # b {c: 1} \\"q\\" \\\\  end"'


def test_html_export_shows_tags_and_highlight_notes_escaped(cli, tmp_path):
    cli("import", MIRA)
    mira = thread_id(cli, "mira_bakes")
    cli("tag", mira, "baking")
    cli("highlight", mira, "2-3", "--note", "<b>my</b> kit & more")
    assert cli("export", mira, "--format", "html", "--out", tmp_path / "site").code == 0
    page = next(p for p in (tmp_path / "site").iterdir() if p.name != "index.html").read_text()
    assert '<p class="meta tags">#baking</p>' in page
    after_three = page.split('<article id="post-3" class="highlight">', 1)[1].split("<article", 1)[0]
    assert '<aside class="note">Note: &lt;b&gt;my&lt;/b&gt; kit &amp; more</aside>' in after_three
