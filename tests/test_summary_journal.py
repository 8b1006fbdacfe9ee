"""A commit into a large library appends the summaries it brings to a journal beside the summaries
file, and writes the file again only when the journal outgrows a share of it (`JOURNAL_SHARE`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tui.library
from tui.library import Library, LibraryError
from tui.model import PartialDate, Post, Thread
from tui.summary_file import sort_newest_first


def dated_thread(n: int) -> Thread:
    return Thread(posts=[Post(f"thread number {n}, first"), Post(f"thread number {n}, second")],
                  author_handle=f"author{n % 3}", date=PartialDate(2020 + n % 4, n % 12 + 1, n % 28 + 1))


def meta(db_path: Path) -> dict:
    return json.loads(db_path.read_text())["meta"]["1"]


def posts_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".posts")


@pytest.fixture
def library(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    """A library of 40 threads whose summaries file is large enough to keep a journal."""
    monkeypatch.setattr(tui.library, "JOURNAL_FROM_BYTES", 1)
    monkeypatch.setattr(tui.library, "JOURNAL_SHARE", 4)  # a small file: room for a few commits
    library = Library.open(db_path)
    library.add_threads([dated_thread(n) for n in range(40)])
    assert "journal" not in meta(db_path)
    return library


def read_anew(db_path: Path) -> list[dict]:
    """The summaries as a new reader of the library reads them."""
    return list(Library.open(db_path).summaries())


def test_a_commit_appends_what_it_brings_and_leaves_the_summaries_file_as_it_was(library, db_path):
    base = posts_dir(db_path) / meta(db_path)["summaries"]
    before = base.stat()

    library.add_threads([dated_thread(40)])
    library.add_threads([dated_thread(41)])

    after = meta(db_path)
    assert after["summaries"] == base.name and base.stat().st_mtime_ns == before.st_mtime_ns
    journal = posts_dir(db_path) / after["journal"]["file"]
    lines = journal.read_bytes().splitlines()
    assert len(lines) == 2 and journal.stat().st_size == after["journal"]["bytes"] < before.st_size // 4
    assert [json.loads(line)["title"] for line in lines] == ["thread number 40, first", "thread number 41, first"]
    summaries = read_anew(db_path)
    assert len(summaries) == 42 and summaries == sort_newest_first(summaries)
    assert summaries == list(library.summaries())  # what the writer keeps in memory is what is on disk


def test_the_summaries_file_is_written_again_once_the_journal_would_outgrow_its_share_of_it(library, db_path):
    first = meta(db_path)["summaries"]
    base_bytes = (posts_dir(db_path) / first).stat().st_size
    added = 40
    while "journal" in meta(db_path) or added == 40:
        library.add_threads([dated_thread(added)])
        added += 1
        if "journal" in meta(db_path):
            assert meta(db_path)["journal"]["bytes"] * tui.library.JOURNAL_SHARE <= base_bytes
    now = meta(db_path)
    assert added > 41 and now["summaries"] != first
    assert sorted(p.name for p in posts_dir(db_path).iterdir() if p.suffix in (".summaries", ".journal")) == [
        now["summaries"]]
    summaries = read_anew(db_path)
    assert len(summaries) == added and summaries == sort_newest_first(summaries)


def test_a_delete_and_its_undo_go_through_the_journal(library, db_path):
    gone = [summary["id"] for summary in library.summaries()[3:5]]

    deletion = library.delete_threads(gone)

    record = (posts_dir(db_path) / meta(db_path)["journal"]["file"]).read_bytes()
    assert json.loads(record) == {"gone": sorted(gone)}
    assert {summary["id"] for summary in read_anew(db_path)}.isdisjoint(gone) and len(read_anew(db_path)) == 38
    library.restore(deletion)
    summaries = read_anew(db_path)
    assert len(summaries) == 40 and set(gone) <= {summary["id"] for summary in summaries}
    assert summaries == sort_newest_first(summaries)


def test_what_a_failed_commit_left_after_the_journal_is_ignored_then_written_over(library, db_path):
    library.add_threads([dated_thread(40)])
    journal = posts_dir(db_path) / meta(db_path)["journal"]["file"]
    with open(journal, "ab") as handle:
        handle.write(b'{"id": "half a line of a commit that never finished')

    assert len(read_anew(db_path)) == 41
    Library.open(db_path).add_threads([dated_thread(41)])

    assert journal.stat().st_size == meta(db_path)["journal"]["bytes"]
    assert all(json.loads(line) for line in journal.read_bytes().splitlines())
    assert len(read_anew(db_path)) == 42


@pytest.mark.parametrize("damage, told", [(lambda data: data.replace(b"40", b"04"), "fails its checksum"),
                                          (lambda data: data[:-3], "is cut short")])
def test_a_damaged_journal_is_told_and_not_written_to(library, db_path, damage, told):
    library.add_threads([dated_thread(40)])
    journal = posts_dir(db_path) / meta(db_path)["journal"]["file"]
    damaged = damage(journal.read_bytes())
    journal.write_bytes(damaged)
    payload = db_path.read_bytes()

    with pytest.raises(LibraryError, match=f"cannot read library {journal}: .*{told}"):
        Library.open(db_path).summaries()
    with pytest.raises(LibraryError, match=f"cannot read library {journal}: .*{told}"):
        Library.open(db_path).add_threads([dated_thread(41)])  # a commit that would only add to it
    assert journal.read_bytes() == damaged and db_path.read_bytes() == payload
    assert sorted(p.name for p in posts_dir(db_path).iterdir() if p.name.endswith(".json")) == sorted(
        name for names in meta(db_path)["shards"].values() for name in names)  # the refused commit left no file


def test_a_summary_that_fails_its_check_is_refused_not_added_to_the_journal(library, db_path):
    payload = db_path.read_bytes()
    unread = Library.open(db_path)  # its summaries not read: the commit would only add to the journal

    with pytest.raises(LibraryError):
        unread.add_threads([Thread(posts=[Post("from far ahead")], author_handle="ada", date=PartialDate(12345, 6, 22))])

    assert db_path.read_bytes() == payload and len(read_anew(db_path)) == 40
