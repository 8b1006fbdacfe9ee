"""The reading session, without the reader: reading state kept, saved and merged; hits after a delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.importing import run_import
from tui.library import Library
from tui.search import Hit
from tui.session import ReadingSession, read_user_data
from tui.user_data import UserData

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def library(db_path: Path) -> Library:
    assert not run_import([SAMPLES / "threadreader"], Library.open(db_path)).failures
    return Library.open(db_path)


def test_a_change_is_seen_at_once_and_pending_until_taken_for_a_save(library: Library) -> None:
    session = ReadingSession(library)
    first, second = library.summaries().ids[:2]
    session.change_states({first: {"read": True}})
    session.change_states({first: {"position": 3}, second: {"bookmarked": True}})
    assert session.state(first) == {"id": first, "read": True, "position": 3}
    assert session.position(first) == 3 and session.position(second) == 0
    pending = session.take_pending()
    assert pending == {first: {"read": True, "position": 3}, second: {"bookmarked": True}}
    assert session.take_pending() == {}
    assert session.write_states(pending) is not None  # nobody else wrote the file: our stamp
    assert UserData(library).read().states[first]["position"] == 3


def test_a_position_that_is_no_post_number_reopens_the_thread_at_its_first_post(library: Library) -> None:
    ids = library.summaries().ids[:4]
    UserData(library).set_states({ids[0]: {"position": "abc"}, ids[1]: {"position": -3}, ids[2]: {"position": True},
                                  ids[3]: {"position": 2}})  # a hand-edited user file
    session = ReadingSession(library)
    assert [session.position(thread_id) for thread_id in ids] == [0, 0, 0, 2]


def test_a_save_that_failed_goes_back_under_the_changes_made_since(library: Library) -> None:
    session = ReadingSession(library)
    thread_id = library.summaries().ids[0]
    session.change_states({thread_id: {"read": True, "position": 2}})
    failed = session.take_pending()
    session.change_states({thread_id: {"position": 5}})
    session.put_back(failed)
    assert session.take_pending() == {thread_id: {"read": True, "position": 5}}


def test_the_users_file_read_again_keeps_what_this_run_changed(library: Library) -> None:
    session = ReadingSession(library)
    mine, theirs = library.summaries().ids[:2]
    session.change_states({mine: {"read": True}})
    UserData(library).set_states({mine: {"read": False, "bookmarked": True}, theirs: {"read": True}})
    assert session.user_file_changed()
    session.take_user_data(read_user_data(library))
    assert session.state(mine) == {"id": mine, "read": True, "bookmarked": True}
    assert session.state(theirs).get("read") is True
    assert not session.user_file_changed()


def test_a_write_after_someone_elses_gives_no_stamp_so_the_file_is_read_again(library: Library) -> None:
    session = ReadingSession(library)
    thread_id = library.summaries().ids[0]
    UserData(library).set_states({thread_id: {"bookmarked": True}})  # another process
    session.change_states({thread_id: {"read": True}})
    assert session.write_states(session.take_pending()) is None
    assert session.user_file_changed()


def test_the_thread_left_open_last_is_the_one_reopened(library: Library) -> None:
    first, second = library.summaries().ids[:2]
    session = ReadingSession(library)
    assert session.last_open_thread() is None
    session.left_open(first)
    session.left_open(second)
    session.save_changed()
    assert ReadingSession(library).last_open_thread() == second


def test_a_deleted_thread_takes_its_state_and_hits_with_it(library: Library) -> None:
    ids = library.summaries().ids
    victim, other = ids[0], ids[1]
    session = ReadingSession(library)
    session.change_states({victim: {"read": True, "position": 4}})
    session.keep_hits("word", [Hit(other, 1, "a"), Hit(victim, 2, "b"), Hit(victim, 3, "c")])
    assert session.go_to_hit(-1).n == 3  # wraps round: the last hit
    kept = session.state_to_keep(victim)
    assert kept == {"read": True, "position": 4}
    assert session.take_pending() == {}  # a save after the delete would leave its state behind
    session.change_states({victim: {"position": 5}})  # meanwhile (a scroll while it was being deleted)
    session.deleted(Library.open(library.path).delete_threads([victim]))
    assert session.state(victim) == {}
    assert session.take_pending() == {} and victim not in session.changed_this_run
    session.take_user_data(read_user_data(library))
    assert session.state(victim) == {}
    assert [hit.thread_id for hit in session.hits] == [other] and session.hit_index == 0
    assert len(session.deletions) == 1
