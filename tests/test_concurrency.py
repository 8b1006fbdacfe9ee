"""Two writers, no lost update: real processes importing and marking threads at once."""

from __future__ import annotations

import subprocess
import sys

from tui.library import Library, shard_for
from tui.user_data import UserData
from tui.user_data import UserData
from tui.model import Post, Thread
from tui.storage import file_stamp

from .conftest import ROOT, threads_tui_command
from .safety_helpers import cli_env, listed_ids, write_pages

# One writer process: each round adds a thread and marks it read, every write a commit of its own.
_WRITER = """
import sys
from pathlib import Path
from tui.library import Library, shard_for
from tui.user_data import UserData
from tui.model import Post, Thread

library = Library.open(Path(sys.argv[1]))
for round_ in range(int(sys.argv[3])):
    thread = Thread(posts=[Post(f"writer {sys.argv[2]} round {round_}")], author_handle="w" + sys.argv[2])
    library.add_threads([thread])
    UserData(library).set_state(thread.id, read=True, position=round_)
"""


def test_concurrent_imports_keep_every_thread(tmp_path, db_path):
    folders = [write_pages(tmp_path / f"in{n}", f"writer{n}", 150, more=2) for n in range(4)]
    children = [
        subprocess.Popen([*threads_tui_command(), "import", str(folder)], env=cli_env(db_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for folder in folders
    ]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0 and "450 added" in out, err
    assert len(listed_ids(db_path)) == 4 * 450


def test_many_small_commits_from_several_processes_lose_nothing(db_path):
    writers, rounds = 4, 25
    children = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(db_path), str(n), str(rounds)],
                         cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for n in range(writers)
    ]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    library = Library.open(db_path)
    assert len(library) == writers * rounds
    states = UserData(library).states()
    assert len(states) == writers * rounds and all(state["read"] for state in states.values())
    assert {p.name for p in library.posts_dir.iterdir()} == library.live_post_files()


def test_reader_picks_up_and_keeps_what_another_process_wrote(db_path, tmp_path):
    reader = Library.open(db_path)
    mine = Thread(posts=[Post("the reader's own thread")])
    reader.add_threads([mine])
    assert not reader.reload_if_changed()

    done = subprocess.run([*threads_tui_command(), "import", str(write_pages(tmp_path / "in", "other", 5))],
                          env=cli_env(db_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    assert reader.reload_if_changed() and len(reader) == 6
    UserData(reader).set_state(mine.id, bookmarked=True)  # a write from the stale-or-not reader keeps the import
    assert len(Library.open(db_path)) == 6 and UserData(Library.open(db_path)).state(mine.id)["bookmarked"]


def test_writer_notices_a_change_that_stat_cannot_see(db_path):
    """Same inode, size and time after another commit: the content check still re-reads."""
    first, second = Library.open(db_path), Library.open(db_path)
    first.add_threads([Thread(posts=[Post("one")])])
    second.reload_if_changed()
    first.add_threads([Thread(posts=[Post("two")])])
    second._stamp = file_stamp(second.path)  # as if inode, mtime and size had all come out equal
    second.add_threads([Thread(posts=[Post("six")])])
    assert len(Library.open(db_path)) == 3


def test_reader_reads_a_thread_whose_shard_another_writer_replaced(db_path):
    reader, writer = Library.open(db_path), Library.open(db_path)
    old = Thread(posts=[Post("an old thread")])
    beside, neighbour = (next(thread for n in range(10_000)
                              if shard_for((thread := Thread(posts=[Post(f"{text} {n}")])).id) == shard_for(old.id))
                         for text in ("beside", "neighbour"))
    writer.add_threads([old, beside])
    reader.reload_if_changed()
    writer.add_threads([neighbour])
    writer.delete_threads([beside.id])  # writes the shard's threads under a new name and removes the old file

    assert reader.thread(old.id) is not None and reader.thread(neighbour.id) is not None
