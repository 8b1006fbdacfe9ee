"""The Mastodon importers: API status/context files (pooled per run) and account archives."""

import gzip
import io
import json
import shutil
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from tui.importers.base import ImportFailure, Source
from tui.importers.mastodon_api import MastodonApiImporter
from tui.importers.mastodon_archive import MastodonArchiveImporter
from tui.importers.mastodon_common import html_to_text, post_text
from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

CONTEXT = FIXTURES / "mastodon" / "context.json"
STATUS = FIXTURES / "mastodon" / "status.json"
IVY_FIRST = "https://toot.example/users/ivy/statuses/101"
NOTE_TEXTS = ["Bread notes & failures, a thread", "Recipe: https://example.com/rye-loaf"]
FOCAL_TEXT = "Week one: the starter smelled of nail varnish.\nWeek two: it smelled of bread."


def pooled(*paths: Path):
    """Parse files with one API importer, as one import run does, then finish."""
    importer = MastodonApiImporter()
    warnings = []
    for path in paths:
        warnings += importer.parse(Source(str(path), path=path)).warnings
    result = importer.finish()
    return result.threads, warnings + result.warnings


def listed(cli) -> list[dict]:
    return json.loads(cli("list", "--json").out)


# --- HTML to text ---------------------------------------------------------

@pytest.mark.parametrize("html,text,links", [
    ('<p>Recipe: <a href="https://example.com/rye-loaf" rel="nofollow"><span class="invisible">https://</span>'
     '<span class="ellipsis">example.com/rye-lo</span><span class="invisible">af</span></a></p>',
     "Recipe: https://example.com/rye-loaf", ["https://example.com/rye-loaf"]),
    ('<p><span class="h-card"><a href="https://crumb.example/@bo" class="u-url mention">@<span>bo</span></a></span> '
     'see <a href="https://toot.example/tags/rye" class="mention hashtag" rel="tag">#<span>rye</span></a></p>',
     "@bo see #rye", []),
    ("<p>One<br>two<br/>three</p><p>Next paragraph</p>", "One\ntwo\nthree\n\nNext paragraph", []),
    ('<p>Salt &amp; flour, &lt;b&gt;not bold&lt;/b&gt;, &quot;q&quot; &#39;s&#39;, &amp;amp; stays once</p>',
     "Salt & flour, <b>not bold</b>, \"q\" 's', &amp; stays once", []),
    ('<p><a href="https://ex.org/?a=1&amp;section=2">ex.org/?a=1&amp;section=2</a></p>',
     "https://ex.org/?a=1&section=2", ["https://ex.org/?a=1&section=2"]),
    ("<p>Steps:</p><ul><li>mix</li><li><b>wait</b></li></ul>", "Steps:\n\nmix\nwait", []),
    ("<p>Red \x1b[31malert\x1b[0m [bold]kept[/bold]</p><script>alert(1)</script>", "Red alert [bold]kept[/bold]", []),
    ("<p>unclosed <b>tags <i>everywhere", "unclosed tags everywhere", []),
])
def test_html_to_text(html, text, links):
    assert html_to_text(html) == (text, links)


def test_content_warning_comes_first_and_empty_means_none():
    assert post_text("<p>It dies.</p>", "Film ending") == ("CW: Film ending\n\nIt dies.", [])
    assert post_text("<p>It dies.</p>", "") == ("It dies.", [])
    assert post_text("<p>It dies.</p>", None) == ("It dies.", [])


# --- API JSON: the note's example -----------------------------------------

def test_note_example_context_alone_through_the_parser():
    (thread,), warnings = pooled(CONTEXT)
    assert warnings == []
    assert (thread.author_name, thread.author_handle) == ("Ivy Moor", "ivy@toot.example")
    assert (thread.date, thread.complete, thread.declared_count) == (PartialDate(2023, 5, 1), False, None)
    assert thread.id == IVY_FIRST
    assert [p.text for p in thread.posts] == NOTE_TEXTS
    assert thread.posts[1].links == ["https://example.com/rye-loaf"]
    assert thread.posts[1].time == "2023-05-01T18:09:00Z"  # UTC to the second, as the archive writes it


def test_note_example_context_alone_through_the_cli(cli):
    assert cli("import", CONTEXT).code == 0
    (summary,) = listed(cli)
    assert summary | {"source": None} == {
        "id": IVY_FIRST, "author_name": "Ivy Moor", "author_handle": "ivy@toot.example", "date": "2023-05-01",
        "title": "Bread notes & failures, a thread", "post_count": 2, "declared_count": None,
        "complete": False, "source": None, "url": None, "tags": [],
    }
    shown = json.loads(cli("show", IVY_FIRST, "--json").out)
    assert [p["text"] for p in shown["posts"]] == NOTE_TEXTS
    assert "Trying this tonight" not in cli("show", IVY_FIRST).out


def test_context_and_status_together_fill_the_gap():
    for order in ((CONTEXT, STATUS), (STATUS, CONTEXT)):
        (thread,), warnings = pooled(*order)
        assert warnings == []
        assert thread.complete is True and thread.id == IVY_FIRST
        assert [p.text for p in thread.posts] == [NOTE_TEXTS[0], FOCAL_TEXT, NOTE_TEXTS[1]]


def test_context_and_status_as_two_files_in_one_import(cli):
    result = cli("import", CONTEXT, STATUS)
    assert result.code == 0 and result.err == ""
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"], summary["id"]) == (3, True, IVY_FIRST)
    shown = json.loads(cli("show", IVY_FIRST, "--json").out)
    assert [p["text"] for p in shown["posts"]] == [NOTE_TEXTS[0], FOCAL_TEXT, NOTE_TEXTS[1]]


def test_a_folder_holding_both_files_fills_the_gap(cli, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(CONTEXT, folder / "context.json")
    shutil.copy(STATUS, folder / "status.json")
    assert cli("import", folder).code == 0
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (3, True)


def test_a_fuller_import_later_replaces_the_context_only_copy(cli):
    cli("import", CONTEXT)
    result = cli("import", CONTEXT, STATUS)
    assert "1 updated" in result.out
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (3, True)


def test_a_status_alone_is_one_post_that_says_it_answers_another(cli):
    (thread,), warnings = pooled(STATUS)
    assert warnings == []
    assert (len(thread.posts), thread.complete) == (1, False)  # 105 answers 101, not in this copy
    assert thread.in_reply_to is not None
    result = cli("import", STATUS)
    assert result.code == 0 and "1 added" in result.out
    assert "One post on its own: it answers another post, not in this copy." in cli("show", thread.id).out


def test_detection_is_by_content_not_name(cli, tmp_path):
    for source, name in ((CONTEXT, "a"), (STATUS, "b")):
        renamed = tmp_path / name
        renamed.write_bytes(source.read_bytes())
        assert MastodonApiImporter().detect(Source(str(renamed), path=renamed))
    assert cli("import", tmp_path / "a", tmp_path / "b").code == 0
    assert listed(cli)[0]["post_count"] == 3
    bluesky = FIXTURES / "bluesky" / "note-example.json"
    assert not MastodonApiImporter().detect(Source(str(bluesky), path=bluesky))


# --- API JSON: hard cases -------------------------------------------------

IVY = {"id": "7", "username": "ivy", "acct": "ivy", "display_name": "Ivy Moor", "url": "https://toot.example/@ivy"}
BO = {"id": "9", "username": "bo", "acct": "bo@crumb.example", "display_name": "", "url": "https://crumb.example/@bo"}


def status(id_: str, minute: int, reply_to: str | None, account: dict, content: str, **extra) -> dict:
    host = "toot.example" if account is IVY else "crumb.example"
    return {"id": id_, "uri": f"https://{host}/users/{account['username']}/statuses/{id_}",
            "created_at": f"2023-05-01T18:{minute:02d}:00.000Z", "in_reply_to_id": reply_to,
            "account": account, "content": f"<p>{content}</p>", "spoiler_text": "", "media_attachments": [],
            "reblog": None, **extra}


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_others_replies_and_the_authors_answers_to_them_are_left_out(tmp_path):
    context = {"ancestors": [], "descendants": [
        status("2", 1, "1", BO, "Nice!"),
        status("3", 2, "2", IVY, "Thanks Bo"),
        status("4", 3, "1", IVY, "Part two", spoiler_text="crumb shots"),
        status("5", 4, "4", IVY, "Part three"),
        status("6", 9, "4", IVY, "A late aside"),
    ]}
    root = status("1", 0, None, IVY, "Part one")
    (thread,), _ = pooled(write(tmp_path, "context.json", context), write(tmp_path, "status.json", root))
    assert [p.text for p in thread.posts] == ["Part one", "CW: crumb shots\n\nPart two", "Part three"]
    assert thread.complete is True


def test_boosts_are_skipped(tmp_path, cli):
    boost = status("50", 0, None, IVY, "", reblog=status("40", 0, None, BO, "Bo's post"))
    threads, warnings = pooled(write(tmp_path, "boost.json", boost))
    assert threads == [] and warnings == ["a boost of someone's post (`reblog`), not a thread"]
    context = {"ancestors": [status("1", 0, None, IVY, "One")],
               "descendants": [boost | {"in_reply_to_id": "1"}, status("2", 2, "1", IVY, "Two")]}
    (thread,), _ = pooled(write(tmp_path, "context.json", context))
    assert [p.text for p in thread.posts] == ["One", "Two"]


def test_remote_author_media_and_empty_name(tmp_path):
    image = {"type": "image", "url": "https://crumb.example/m/1.jpg", "description": "A rye loaf"}
    clip = {"type": "gifv", "url": "https://crumb.example/m/2.mp4", "description": None}
    context = {"ancestors": [status("1", 0, None, BO, "Bo's bake", media_attachments=[image])],
               "descendants": [status("3", 3, "2", BO, "Crumb", media_attachments=[clip])]}
    (thread,), _ = pooled(write(tmp_path, "context.json", context))
    assert (thread.author_handle, thread.author_name, thread.complete) == ("bo@crumb.example", None, False)
    assert [m.to_dict() for p in thread.posts for m in p.media] == [
        {"kind": "image", "url": "https://crumb.example/m/1.jpg", "alt": "A rye loaf"},
        {"kind": "video", "url": "https://crumb.example/m/2.mp4", "alt": None}]


def test_a_missing_first_post_is_found_by_whom_the_replies_answer(tmp_path):
    answers_ivy = {"ancestors": [], "descendants": [
        status("2", 1, "1", IVY, "Two", in_reply_to_account_id="7"),
        status("3", 2, "2", IVY, "Three", in_reply_to_account_id="7"),
        status("4", 3, "1", BO, "Hm", in_reply_to_account_id="7")]}
    (thread,), warnings = pooled(write(tmp_path, "context.json", answers_ivy))
    assert [p.text for p in thread.posts] == ["Two", "Three"] and thread.complete is False
    # Without `in_reply_to_account_id` (as in the note's example), the reply to the gap names the author.
    unnamed = {"ancestors": [], "descendants": [status("2", 1, "1", IVY, "Two")]}
    (thread,), warnings = pooled(write(tmp_path, "unnamed.json", unnamed))
    assert ([p.text for p in thread.posts], thread.complete, thread.author_handle, warnings) == (
        ["Two"], False, "ivy@toot.example", [])
    empty = {"ancestors": [], "descendants": []}
    threads, warnings = pooled(write(tmp_path, "empty.json", empty))
    assert threads == []
    assert warnings == [f"{tmp_path / 'empty.json'}: no self-thread of the conversation's first author in it"]


def test_the_note_example_without_its_ancestors_is_still_one_thread(tmp_path):
    note = json.loads(CONTEXT.read_text())
    context = write(tmp_path, "context.json", {"ancestors": [], "descendants": note["descendants"]})
    (thread,), warnings = pooled(context)
    assert warnings == []
    assert (thread.author_name, thread.author_handle, thread.complete) == ("Ivy Moor", "ivy@toot.example", False)
    assert [p.text for p in thread.posts] == [NOTE_TEXTS[1]]
    root_status = json.loads(STATUS.read_text()) | {"in_reply_to_id": None}
    (thread,), warnings = pooled(context, write(tmp_path, "status.json", root_status))
    assert (warnings, thread.complete, thread.id) == ([], True, "https://toot.example/users/ivy/statuses/105")
    assert [p.text for p in thread.posts] == [FOCAL_TEXT, NOTE_TEXTS[1]]


def test_a_gap_answered_by_several_people_is_the_longest_self_reply_chains(tmp_path):
    context = {"ancestors": [], "descendants": [
        status("2", 1, "1", BO, "First!"),
        status("3", 2, "1", IVY, "Part two"),
        status("4", 3, "3", IVY, "Part three"),
        status("5", 4, "4", BO, "Nice"),
        status("6", 5, "2", BO, "Bo again, to himself"),
        status("7", 6, "4", IVY, "Part four"),
    ]}
    (thread,), _ = pooled(write(tmp_path, "context.json", context))
    assert [p.text for p in thread.posts] == ["Part two", "Part three", "Part four"]
    assert (thread.author_handle, thread.complete) == ("ivy@toot.example", False)


def test_a_gap_known_to_be_someone_elses_does_not_continue_the_thread(tmp_path):
    context = {"ancestors": [status("1", 0, None, IVY, "One"), status("2", 1, "1", IVY, "Two")],
               "descendants": [status("4", 5, "3", IVY, "Answer to Bo", in_reply_to_account_id="9")]}
    (thread,), _ = pooled(write(tmp_path, "context.json", context))
    assert [p.text for p in thread.posts] == ["One", "Two"]
    assert thread.complete is True


# --- Archive ------------------------------------------------------------------

ACTOR = {"id": "https://toot.example/users/ivy", "type": "Person", "preferredUsername": "ivy", "name": "Ivy Moor"}
OWN = "https://toot.example/users/ivy/statuses/"


def create(number: int, minute: int, content: str, reply_to: str | None = None, **extra) -> dict:
    return {"type": "Create", "actor": ACTOR["id"], "object": {
        "id": f"{OWN}{number}", "type": "Note", "published": f"2023-04-16T06:{minute:02d}:12Z",
        "inReplyTo": reply_to, "content": f"<p>{content}</p>", "summary": None, "attachment": [], **extra}}


OUTBOX_ITEMS = [
    create(3, 3, "Three", f"{OWN}2"),
    create(1, 1, "One"),
    {"type": "Announce", "actor": ACTOR["id"], "object": "https://crumb.example/users/bo/statuses/77"},
    create(2, 2, "Two", f"{OWN}1", summary="bread photo", attachment=[
        {"mediaType": "image/jpeg", "url": "/media_attachments/files/1/original/loaf.jpg", "name": "A dark rye loaf"},
        {"mediaType": "video/mp4", "url": "media_attachments/files/2/original/fold.mp4", "name": None}]),
    create(10, 10, "Nice one, Bo", "https://crumb.example/users/bo/statuses/77"),
    create(20, 20, "A lone thought"),
    create(31, 31, "Oven, part one"),
    create(32, 32, "Oven, part two", f"{OWN}31"),
    create(34, 34, "Oven, part four", f"{OWN}33"),
    create(35, 35, "Oven, part five", f"{OWN}34"),
    create(41, 41, "After a deleted post", f"{OWN}40"),
]


def outbox(items=OUTBOX_ITEMS) -> dict:
    return {"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}


def make_zip(path: Path, files: dict[str, object], folder: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(folder + name, content if isinstance(content, (str, bytes)) else json.dumps(content))
    return path


def archive_zip(tmp_path: Path, folder: str = "", **overrides) -> Path:
    files = {"actor.json": ACTOR, "outbox.json": outbox(), "likes.json": {"orderedItems": []}} | overrides
    return make_zip(tmp_path / "archive.zip", files, folder)


def parse_zip(path: Path):
    with zipfile.ZipFile(path) as archive:
        importer = MastodonArchiveImporter()
        assert importer.detect_zip(archive)
        return importer.parse_zip(archive, str(path))


def texts(threads) -> list[list[str]]:
    return [[p.text for p in t.posts] for t in threads]


def test_archive_threads_boosts_lone_posts_and_broken_chains(tmp_path):
    threads = sorted(parse_zip(archive_zip(tmp_path)).threads, key=lambda t: t.posts[0].time)
    assert texts(threads) == [
        ["One", "CW: bread photo\n\nTwo", "Three"],
        ["Oven, part one", "Oven, part two"],
        ["Oven, part four", "Oven, part five"],
        ["After a deleted post"],
    ]
    assert [t.complete for t in threads] == [True, True, False, False]
    first = threads[0]
    assert (first.id, first.author_handle, first.author_name) == (f"{OWN}1", "ivy@toot.example", "Ivy Moor")
    assert (first.date, first.declared_count) == (PartialDate(2023, 4, 16), None)
    assert first.source == str(tmp_path / "archive.zip")
    assert [m.to_dict() for m in first.posts[1].media] == [
        {"kind": "image", "url": "media_attachments/files/1/original/loaf.jpg", "alt": "A dark rye loaf"},
        {"kind": "video", "url": "media_attachments/files/2/original/fold.mp4", "alt": None}]


def test_archive_zip_through_the_cli_renamed_and_in_a_folder_inside_the_zip(tmp_path, cli):
    path = archive_zip(tmp_path, folder="archive-20230605/")
    renamed = path.rename(tmp_path / "my-mastodon-export")
    result = cli("import", renamed)
    assert result.code == 0, result.err
    summaries = listed(cli)
    assert len(summaries) == 4
    shown = json.loads(cli("show", f"{OWN}1", "--json").out)
    assert [p["text"] for p in shown["posts"]] == ["One", "CW: bread photo\n\nTwo", "Three"]


def test_unpacked_archive_folder(tmp_path, cli):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "actor.json").write_text(json.dumps(ACTOR))
    (folder / "outbox.json").write_text(json.dumps(outbox()))
    assert MastodonArchiveImporter().detect_dir(folder)
    assert cli("import", tmp_path).code == 0
    assert len(listed(cli)) == 4


def test_an_archive_of_lone_posts_has_no_threads(tmp_path):
    path = archive_zip(tmp_path, **{"outbox.json": outbox([create(1, 1, "Just one"), create(2, 2, "Another")])})
    assert parse_zip(path).threads == []


@pytest.mark.parametrize("overrides,reason", [
    ({"outbox.json": '{"orderedItems": [ {"type": "Create", '}, "outbox.json: not valid JSON"),
    ({"outbox.json": {"orderedItems": {"type": "Create"}}},
     "outbox.json: `orderedItems` should be an array, not an object"),
    ({"outbox.json": outbox([{"type": "Create", "object": {"type": "Note", "id": f"{OWN}1"}}])},
     "outbox.json: `orderedItems[0].object.published` is missing"),
    ({"actor.json": {"type": "Person", "preferredUsername": "ivy"}}, "actor.json: `id` is missing"),
    ({"actor.json": []}, "actor.json: the file should hold a JSON object, not an array"),
], ids=["truncated-json", "items-object", "no-published", "actor-no-id", "actor-list"])
def test_malformed_archives_fail_with_one_line_and_leave_the_library_unchanged(tmp_path, cli, overrides, reason):
    cli("import", CONTEXT)
    before = listed(cli)
    path = archive_zip(tmp_path, **overrides)
    result = cli("import", path)
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(f"failed: {path}: {reason}")
    assert listed(cli) == before


def test_a_truncated_zip_fails_with_one_line(tmp_path, cli):
    path = archive_zip(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = cli("import", path)
    assert (result.code, result.err.strip()) == (1, f"failed: {path}: a broken or truncated zip archive")
    assert listed(cli) == []


def test_an_oversized_member_is_not_read_past_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr("tui.importers.mastodon_archive.ACTOR_MAX_BYTES", 16)
    with pytest.raises(ImportFailure, match="actor.json: too large"):
        parse_zip(archive_zip(tmp_path))


def test_an_archive_reply_to_someone_else_with_a_self_reply_under_it_is_a_thread(tmp_path):
    items = [create(50, 1, "@bo Agreed, and here is why:", "https://crumb.example/users/bo/statuses/77"),
             create(51, 2, "Rye needs time.", f"{OWN}50"),
             create(60, 3, "@bo just this", "https://crumb.example/users/bo/statuses/78")]
    (thread,) = parse_zip(archive_zip(tmp_path, **{"outbox.json": outbox(items)})).threads
    assert texts([thread]) == [["@bo Agreed, and here is why:", "Rye needs time."]]
    assert (thread.id, thread.complete) == (f"{OWN}50", True)  # it answers someone else: nothing is missing


@pytest.mark.parametrize("actor", [ACTOR | {"name": ""}, {k: v for k, v in ACTOR.items() if k != "name"}],
                         ids=["empty-name", "no-name"])
def test_an_actor_with_an_empty_or_absent_name_has_a_null_name(tmp_path, actor):
    threads = parse_zip(archive_zip(tmp_path, **{"actor.json": actor})).threads
    assert {(t.author_name, t.author_handle) for t in threads} == {(None, "ivy@toot.example")}


def test_times_with_an_offset_give_utc_dates_in_both_shapes(tmp_path):
    items = [create(1, 0, "Late bake"), create(2, 1, "Still baking", f"{OWN}1")]
    items[0]["object"]["published"] = "2023-04-16T23:30:00-05:00"
    (archived,) = parse_zip(archive_zip(tmp_path, **{"outbox.json": outbox(items)})).threads
    assert (archived.date, archived.posts[0].time) == (PartialDate(2023, 4, 17), "2023-04-17T04:30:00Z")
    context = {"ancestors": [status("1", 0, None, IVY, "Late bake") | {"created_at": "2023-05-01T22:15:00.000-04:00"}],
               "descendants": [status("2", 1, "1", IVY, "Still baking")]}
    (saved,), _ = pooled(write(tmp_path, "context.json", context))
    assert (saved.date, saved.posts[0].time) == (PartialDate(2023, 5, 2), "2023-05-02T02:15:00Z")


def test_the_archive_and_the_api_files_of_one_thread_are_one_thread(tmp_path, cli):
    """A Note's `id` is the status's `uri`: the same thread, whichever shape came first."""
    note = json.loads(CONTEXT.read_text())
    first, recipe = note["ancestors"][0], note["descendants"][0]
    focal = json.loads(STATUS.read_text())

    def as_note(api_status: dict) -> dict:
        return {"type": "Create", "actor": ACTOR["id"], "object": {
            "id": api_status["uri"], "type": "Note", "published": api_status["created_at"].replace(".000", ""),
            "inReplyTo": api_status["in_reply_to_id"] and f"{OWN}{api_status['in_reply_to_id']}",
            "content": api_status["content"], "summary": None, "attachment": []}}

    archive = archive_zip(tmp_path, **{"outbox.json": outbox([as_note(s) for s in (recipe, first, focal)])})
    assert cli("import", archive).out.endswith(": 1 added, 0 updated, 0 unchanged, 0 files failed.\n")
    result = cli("import", CONTEXT, STATUS)
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith(": 0 added, 0 updated, 1 unchanged, 0 files failed.\n")
    (summary,) = listed(cli)
    assert (summary["id"], summary["post_count"], summary["complete"]) == (IVY_FIRST, 3, True)


# --- Archive as .tar.gz (before 2023) ------------------------------------------

MEDIA = "media_attachments/files/1/original/loaf.jpg"


def make_tar_gz(path: Path, files: dict[str, object], folder: str = "") -> Path:
    """A .tar.gz as the old exporter wrote it: media first, then the JSON files."""
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            data = content if isinstance(content, bytes) else (
                content if isinstance(content, str) else json.dumps(content)).encode()
            info = tarfile.TarInfo(folder + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def archive_files(**overrides) -> dict[str, object]:
    return {MEDIA: b"\xff\xd8\xff\xe0" + bytes(3000), "outbox.json": outbox(),
            "likes.json": {"orderedItems": []}, "actor.json": ACTOR} | overrides


def test_an_archive_as_tar_gz_imports_like_the_zip(tmp_path, cli):
    packed = make_tar_gz(tmp_path / "archive.tar.gz", archive_files(), folder="./archive-20220605/")
    renamed = packed.rename(tmp_path / "mastodon-export")
    result = cli("import", renamed)
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith(": 4 added, 0 updated, 0 unchanged, 0 files failed.\n")
    assert {t["source"] for t in listed(cli)} == {str(renamed)}
    shown = json.loads(cli("show", f"{OWN}1", "--json").out)
    assert [p["text"] for p in shown["posts"]] == ["One", "CW: bread photo\n\nTwo", "Three"]
    assert [m["url"] for m in shown["posts"][1]["media"]] == [
        "media_attachments/files/1/original/loaf.jpg", "media_attachments/files/2/original/fold.mp4"]
    # The zip of the same files holds the very same threads: nothing changes.
    zipped = make_zip(tmp_path / "archive.zip", archive_files())
    assert cli("import", zipped).out.endswith(": 0 added, 0 updated, 4 unchanged, 0 files failed.\n")


def test_tar_gz_members_outside_the_archive_or_not_regular_files_are_never_read(tmp_path, cli):
    path = make_tar_gz(tmp_path / "archive.tar.gz", archive_files(**{"../outbox.json": outbox(), "/actor.json": ACTOR}))
    with tarfile.open(path, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read() if m.isreg() else None) for m in archive.getmembers()]
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members:
            archive.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("secrets.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    result = cli("import", path)
    assert result.code == 0
    assert result.err.splitlines() == [
        f"warning: {path}:../outbox.json: unsafe path in the tar.gz (absolute or with '..'): skipped, nothing unpacked",
        f"warning: {path}:/actor.json: unsafe path in the tar.gz (absolute or with '..'): skipped, nothing unpacked",
    ]
    assert len(listed(cli)) == 4
    assert not (tmp_path.parent / "outbox.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.tar.gz", "lib"]


def test_a_tar_gz_of_saved_threads_imports_each_file(tmp_path, cli):
    path = make_tar_gz(tmp_path / "saved.tar.gz", {
        "context.json": CONTEXT.read_text(), "status.json": STATUS.read_text(), "notes.bin": b"\x00\x01 junk"})
    result = cli("import", path)
    assert result.code == 0
    assert result.err == f"warning: {path}:notes.bin: binary data, not a saved thread\n"
    (summary,) = listed(cli)
    assert (summary["id"], summary["post_count"], summary["complete"]) == (IVY_FIRST, 3, True)


def test_a_truncated_or_damaged_tar_gz_fails_with_one_line(tmp_path, cli):
    cli("import", CONTEXT)
    before = listed(cli)
    path = make_tar_gz(tmp_path / "archive.tar.gz", archive_files())
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    result = cli("import", path)
    assert (result.code, result.err) == (1, f"failed: {path}: a broken or truncated tar.gz archive "
                                            "(Compressed file ended before the end-of-stream marker was reached)\n")
    plain = tmp_path / "page.txt.gz"
    plain.write_bytes(gzip.compress(b"Dana Example Profile picture\n" * 40))
    result = cli("import", plain)
    assert (result.code, result.err) == (1, f"failed: {plain}: gzip data, but not a tar archive (invalid header)\n")
    assert listed(cli) == before


def test_tar_gz_caps_the_number_of_members_and_the_bytes_read_of_each(tmp_path, cli, monkeypatch):
    monkeypatch.setattr("tui.importing.MAX_ZIP_MEMBERS", 4)
    path = make_tar_gz(tmp_path / "archive.tar.gz", archive_files())
    assert cli("import", path).code == 0  # 4 members
    crowded = make_tar_gz(tmp_path / "crowded.tar.gz", archive_files(**{"bookmarks.json": {"orderedItems": []}}))
    result = cli("import", crowded)
    assert (result.code, result.err) == (1, f"failed: {crowded}: tar.gz holds more than 4 files, "
                                            "more than threads-tui reads\n")
    monkeypatch.setitem(MastodonArchiveImporter.archive_files, "actor.json", 16)
    monkeypatch.setattr("tui.importers.mastodon_archive.ACTOR_MAX_BYTES", 16)
    result = cli("import", path)
    assert (result.code, result.err) == (1, f"failed: {path}: actor.json: too large: over 0 MiB\n")


def write_tar_gz_bomb(path: Path, name: str, head: bytes, unpacked_mib: int) -> None:
    """One member declared `unpacked_mib` MiB: its header and head, then gzip members of 1 MiB of zeros."""
    info = tarfile.TarInfo(name)
    info.size = len(head) + unpacked_mib * 1048576
    zeros = gzip.compress(bytes(1048576), compresslevel=9, mtime=0)
    with open(path, "wb") as out:
        out.write(gzip.compress(info.tobuf(format=tarfile.GNU_FORMAT) + head, mtime=0))
        for _ in range(unpacked_mib):
            out.write(zeros)


@pytest.mark.parametrize("name,head", [
    ("thread.txt", b"Dana Example Profile picture\n3 Mar\n5 tweets, 2 min read\n"),
    ("archive/outbox.json", b'{"orderedItems": ['),
], ids=["page-too-large-to-read", "kept-archive-file"])
def test_a_gzip_bomb_stops_at_the_unpacking_limit(tmp_path, cli, name, head):
    path = tmp_path / "bomb.tar.gz"
    write_tar_gz_bomb(path, name, head, 8192 if name.endswith(".txt") else 200)  # 8 GiB, or under outbox's cap
    limit = max(64, 50 * path.stat().st_size // 1048576)
    started = time.monotonic()
    result = cli("import", path)
    assert time.monotonic() - started < 20
    assert (result.code, result.err) == (1, f"failed: {path}: the tar.gz unpacks to more than {limit} MiB "
                                            "(50 times its size): stopped there, a gzip bomb?\n")
    assert listed(cli) == []


# --- API JSON: malformed ----------------------------------------------------

@pytest.mark.parametrize("content,reason", [
    ({k: v for k, v in status("1", 0, None, IVY, "x").items() if k != "account"}, "`account` is missing"),
    ('{"id": "1", "account": {"id": "7"}, "content": "<p>cut', "not valid JSON"),
    ({"ancestors": "none", "descendants": []}, "`ancestors` should be an array, not a string"),
    ({"ancestors": [], "descendants": [status("1", 0, None, IVY, "x") | {"created_at": "soon"}]},
     "`descendants[0].created_at` is not a date and time: 'soon'"),
    ({"ancestors": [], "descendants": [status("1", 0, None, IVY, "x") | {"account": {"id": "7"}}]},
     "`descendants[0].account.username` is missing"),
    ('{"ancestors": ' + "[" * 3000 + "]" * 3000 + ', "descendants": []}', "JSON nested too deeply to read"),
], ids=["no-account", "truncated", "ancestors-string", "bad-date", "account-shape", "deep"])
def test_malformed_api_files_fail_with_one_line_and_leave_the_library_unchanged(tmp_path, cli, content, reason):
    cli("import", CONTEXT)
    before = listed(cli)
    bad = write(tmp_path, "status.json", content)
    result = cli("import", bad)
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(f"failed: {bad}: {reason}")
    assert listed(cli) == before


def test_a_bad_status_pools_nothing_and_the_rest_of_the_import_goes_on(tmp_path, cli):
    bad = write(tmp_path, "status.json", {k: v for k, v in json.loads(STATUS.read_text()).items() if k != "account"})
    result = cli("import", CONTEXT, bad)
    assert result.code == 1
    assert result.err.splitlines() == [f"failed: {bad}: `account` is missing"]
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (2, False)


# --- Samples -----------------------------------------------------------------

def test_samples_import_cleanly(cli):
    result = cli("import", SAMPLES / "mastodon")
    assert result.code == 0 and result.err == ""
    summaries = {t["author_handle"]: t for t in listed(cli)}
    assert summaries["wren@fedi.example"]["complete"] and summaries["wren@fedi.example"]["post_count"] == 3
    assert summaries["pia@social.example"]["post_count"] == 3
    ivy = summaries["ivy@toot.example"]  # two statuses saved apart: a thread answering @bo
    assert ivy["complete"] and ivy["post_count"] == 2
    assert len(summaries) == 3
