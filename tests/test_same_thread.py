"""One thread, two ids: a preview from a source without post ids, or a copy missing its first
posts, is the same thread as the full copy, whichever comes first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tui.importing
from tui.library import Library
from tui.user_data import UserData
from tui.search import SEARCH_FILE_MAGIC

from .conftest import FIXTURES
from .summary_files import read_summaries, with_summaries_table

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"
FLAKY_FIRST = "Most flaky tests I have fixed were not flaky. They were order-dependent."
FLAKY_ID = "1630538302878646272"


def flaky_tests_page(path: Path) -> Path:
    """The whole 28 Feb thread that the note example's first preview shows, saved as HTML."""
    tweets = [f"{FLAKY_FIRST}<br><br>A thread on how to find them in an afternoon: ↓",
              "Step one: run the suite in a random order, three times, and keep the seeds."]
    tweets += [f"Step {n}: something careful about test order, part {n}." for n in range(3, 10)]
    first = ' id="tweet_1"'
    body = "\n".join(
        f'<div class="content-tweet"{first if n == 0 else ""} data-tweet="{int(FLAKY_ID) + n * 4194304}" '
        f'data-screenname="dana_example">{text}</div>'
        for n, text in enumerate(tweets))
    path.write_text(
        "<!DOCTYPE html><html><head><title>Thread by @dana_example on Thread Reader App</title></head><body>"
        '<div><img alt="Dana Example Profile picture"><div>28 Feb, 9 tweets, 2 min read</div></div>'
        f'<div class="t-main">{body}</div><div>• • •</div></body></html>')
    return path


def listed(cli) -> list[dict]:
    return json.loads(cli("list", "--json").out)


def flaky_threads(cli) -> list[dict]:
    return [t for t in listed(cli) if t["title"] == FLAKY_FIRST]


def test_a_full_copy_replaces_a_preview_stored_under_another_id(cli, tmp_path):
    assert cli("import", NOTE_EXAMPLE).code == 0
    [preview] = flaky_threads(cli)
    assert preview["id"].startswith("h") and not preview["complete"] and preview["post_count"] == 2
    result = cli("import", flaky_tests_page(tmp_path / "flaky.html"))
    assert result.code == 0 and "0 added, 1 updated" in result.out, result.out
    [full] = flaky_threads(cli)
    assert full["id"] == FLAKY_ID and full["complete"] and full["post_count"] == 9
    assert len(listed(cli)) == 3
    assert cli("show", preview["id"]).code == 1
    hits = json.loads(cli("search", "afternoon", "--json").out)
    assert [(h["thread_id"], h["n"]) for h in hits] == [(FLAKY_ID, 1)]


def test_a_preview_of_a_thread_held_in_full_changes_nothing(cli, tmp_path, db_path):
    assert cli("import", flaky_tests_page(tmp_path / "flaky.html")).code == 0
    before = {t["id"]: t for t in listed(cli)}
    result = cli("import", NOTE_EXAMPLE)
    assert result.code == 0 and "2 added, 0 updated, 1 unchanged" in result.out, result.out
    [full] = flaky_threads(cli)
    assert full == before[FLAKY_ID]


@pytest.mark.parametrize("commit_every", [20_000, 1], ids=["one-batch", "a-batch-a-thread"])
def test_both_copies_in_one_import_give_one_thread(cli, tmp_path, monkeypatch, commit_every):
    monkeypatch.setattr(tui.importing, "COMMIT_EVERY_THREADS", commit_every)
    result = cli("import", NOTE_EXAMPLE, flaky_tests_page(tmp_path / "flaky.html"))
    assert result.code == 0 and "3 added, 0 updated, 0 unchanged" in result.out, result.out
    [full] = flaky_threads(cli)
    assert full["id"] == FLAKY_ID and full["post_count"] == 9
    assert len(listed(cli)) == 3


def test_the_replaced_preview_hands_on_its_bookmark_and_read_mark(cli, tmp_path, db_path):
    cli("import", NOTE_EXAMPLE)
    [preview] = flaky_threads(cli)
    UserData(Library.open(db_path)).set_state(preview["id"], bookmarked=True, read=True, position=1)
    cli("import", flaky_tests_page(tmp_path / "flaky.html"))
    library = Library.open(db_path)
    assert UserData(library).state(FLAKY_ID) == {"id": FLAKY_ID, "bookmarked": True, "read": True}
    assert UserData(library).state(preview["id"]) == {}


def mastodon_status(number: int, reply_to: int | None, text: str) -> dict:
    return {
        "id": str(number), "uri": f"https://toot.example/users/ivy/statuses/{number}",
        "created_at": f"2023-05-02T10:0{number % 10}:00.000Z",
        "in_reply_to_id": str(reply_to) if reply_to else None,
        "in_reply_to_account_id": "7" if reply_to else None,
        "account": {"id": "7", "username": "ivy", "acct": "ivy", "display_name": "Ivy Moor",
                    "url": "https://toot.example/@ivy"},
        "content": f"<p>{text}</p>", "spoiler_text": "", "media_attachments": [], "reblog": None,
    }


@pytest.fixture
def first_post_saved_apart(tmp_path: Path) -> tuple[Path, Path]:
    """A context saved for a thread's first post (so it lacks that post), and that post's status."""
    folder = tmp_path / "ivy"
    folder.mkdir()
    context = {"ancestors": [], "descendants": [mastodon_status(22, 21, "Second: the levain."),
                                                mastodon_status(23, 22, "Third: the bake.")]}
    (folder / "context.json").write_text(json.dumps(context))
    status = folder / "status.json"
    status.write_text(json.dumps(mastodon_status(21, None, "First: rye notes, a thread.")))
    return folder / "context.json", status


def test_a_context_missing_its_first_post_gives_way_to_the_whole_thread(cli, first_post_saved_apart):
    context, status = first_post_saved_apart
    assert cli("import", context).code == 0
    [preview] = listed(cli)
    assert preview["id"].endswith("/statuses/22") and not preview["complete"] and preview["post_count"] == 2
    assert "0 added, 1 updated" in cli("import", context, status).out
    [thread] = listed(cli)
    assert thread["id"] == "https://toot.example/users/ivy/statuses/21"
    assert thread["post_count"] == 3 and thread["complete"]


def test_a_library_of_schema_1_is_upgraded_to_know_its_threads_by_text_too(cli, tmp_path, db_path):
    """Version 1 had no text keys and one-section search files: the upgrade makes both, keeping a backup."""
    assert cli("import", flaky_tests_page(tmp_path / "flaky.html")).code == 0
    data = with_summaries_table(db_path)
    data["meta"]["1"]["schema"] = 1
    for summary in data["threads"].values():
        summary.pop("text_key", None)
    version_1 = json.dumps(data).encode()
    db_path.write_bytes(version_1)
    library = Library(db_path)
    for search in library.posts_dir.glob("*.search"):
        search.write_bytes(b"old\tone-section\tsearch file\n")
    hits = json.loads(cli("search", "afternoon", "--json").out)  # opening it upgrades it
    assert [(h["thread_id"], h["n"]) for h in hits] == [(FLAKY_ID, 1)]
    assert db_path.with_name("library.json.v1.bak").read_bytes() == version_1
    upgraded = json.loads(db_path.read_text())
    assert upgraded["meta"]["1"]["schema"] == 6 and "threads" not in upgraded
    assert [s.get("text_key", "").startswith("h") for s in read_summaries(db_path)] == [True]
    assert all(search.read_bytes().startswith(SEARCH_FILE_MAGIC) for search in library.posts_dir.glob("*.search"))
    result = cli("import", NOTE_EXAMPLE)  # its preview of the flaky thread is known by its text now
    assert "2 added, 0 updated, 1 unchanged" in result.out, result.out


def test_a_library_of_schema_5_is_upgraded_to_find_a_preview_of_a_thread_held_in_full(cli, tmp_path, db_path):
    """Version 5 kept no partial keys in the post index: the upgrade indexes every summary's."""
    assert cli("import", flaky_tests_page(tmp_path / "flaky.html")).code == 0
    posts_dir = db_path.with_name(db_path.name + ".posts")
    data = json.loads(db_path.read_text())
    data["meta"]["1"]["schema"] = 5
    for name in (name for names in data["meta"]["1"]["keys"].values() for name in names):
        index = json.loads((posts_dir / name).read_text())
        (posts_dir / name).write_text(json.dumps({key: ids for key, ids in index.items() if not key.startswith("partial ")}))
    db_path.write_text(json.dumps(data))

    result = cli("import", NOTE_EXAMPLE)

    assert result.code == 0 and "2 added, 0 updated, 1 unchanged" in result.out, result.out
    assert [t["id"] for t in flaky_threads(cli)] == [FLAKY_ID]
    upgraded = json.loads(db_path.read_text())["meta"]["1"]
    assert upgraded["schema"] == 6
    indexed = [key for names in upgraded["keys"].values() for name in names
               for key in json.loads((posts_dir / name).read_text())]
    assert any(key.startswith("partial ") for key in indexed)
