"""Nothing lost: kill -9 at any moment, a full disk, unreadable libraries, migrations."""

from __future__ import annotations

import json
import os
import random
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tui.importing import ImportRun
from tui.library import SCHEMA_VERSION, Library, doc_id_for, shard_files
from tui.user_data import UserData
from tui.model import Post, Thread

from .conftest import FIXTURES, SAMPLES, threads_tui_command
from .safety_helpers import cli_env, library_files, listed_ids, run_cli, temp_files, write_pages
from .summary_files import one_file_shards, with_summaries_table

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"
KILL_ROUNDS = 24


def batch_ids(folder: Path, tmp_path: Path) -> set[str]:
    """The thread ids an import of `folder` adds, found in a scratch library."""
    scratch = Library(tmp_path / f"scratch-{folder.name}" / "library.json")
    ImportRun().run([folder], scratch)
    return {doc["id"] for doc in scratch.summaries()}


def check_library_whole(db_path: Path) -> set[str]:
    """The library opens, `list --json` works, every listed thread reads in full, and no shard holds more."""
    ids = listed_ids(db_path)
    library = Library.open(db_path)
    assert {doc["id"] for doc in library.summaries()} == ids
    for thread_id in ids:
        assert library.thread(thread_id) is not None, thread_id
    for file_name in shard_files(library._meta()):
        stored = json.loads((library.posts_dir / file_name).read_bytes()).get("posts", {}).values()
        assert {doc["id"] for doc in stored} <= ids, f"{file_name} holds threads the library does not list"
    return ids


def _debris(db_path: Path) -> set[str]:
    """Temporary and unreferenced shard files: what a writer killed inside a commit leaves."""
    library = Library.open(db_path)
    live = library.live_post_files()
    return set(temp_files(db_path)) | {p.name for p in library.posts_dir.iterdir() if p.name not in live}


def test_sigkill_at_random_moments_leaves_old_or_new_library(tmp_path, db_path):
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    batches = [write_pages(tmp_path / f"batch{n}", f"author{n}", 60, more=3) for n in range(KILL_ROUNDS)]
    expected = {batch: batch_ids(batch, tmp_path) for batch in batches}
    assert run_cli(db_path, "import", SAMPLES).returncode == 0

    started = time.monotonic()
    assert run_cli(db_path, "import", batches[0]).returncode == 0
    full_run = time.monotonic() - started
    held = check_library_whole(db_path)
    outcomes = {"old": 0, "new": 0, "inside a commit": 0}
    known_debris: set[str] = set()
    for batch in batches[1:]:
        # Half the kills anywhere, half late in the run where the commit happens.
        delay = rng.uniform(0, full_run) if rng.random() < 0.5 else rng.uniform(0.6, 1.5) * full_run
        child = subprocess.Popen([*threads_tui_command(), "import", str(batch)], env=cli_env(db_path),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        after = check_library_whole(db_path)
        assert after in (held, held | expected[batch]), f"seed {seed}: a kill after {delay:.3f} s lost or half-wrote"
        outcomes["new" if after != held else "old"] += 1
        debris = _debris(db_path)
        outcomes["inside a commit"] += bool(debris - known_debris)
        known_debris |= debris
        held = after

    # The next write clears whatever a killed writer left behind.
    assert run_cli(db_path, "import", *batches).returncode == 0
    assert check_library_whole(db_path) == held | set().union(*expected.values())
    assert temp_files(db_path) == []
    library = Library.open(db_path)
    assert {p.name for p in library.posts_dir.iterdir()} == library.live_post_files()
    print(f"\n  {KILL_ROUNDS - 1} kills (seed {seed}): {outcomes}")


# Runs an import in this child, killing the child with SIGKILL at the N-th call of one
# function the commit goes through: a kill at an exact point of a real commit.
_KILL_AT = """
import os, signal, sys
import tui.library, tui.storage
module, name, nth, after = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "after"
owner = {"library": tui.library, "storage": tui.storage, "os": tui.storage.os}[module]
real = getattr(owner, name)
calls = 0
def killing(*args, **kwargs):
    global calls
    calls += 1
    if calls == nth and not after:
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*args, **kwargs)
    if calls == nth and after:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(owner, name, killing)
from tui.cli import main
sys.exit(main(["import", *sys.argv[5:]]))
"""

# (module, function, which call, before or after it, library afterwards)
COMMIT_KILL_POINTS = [
    ("storage", "write_new_file", 1, "before", "old"),   # the first new shard file (in the sync thread)
    ("storage", "write_new_file", 3, "after", "old"),    # some shard and search files written
    ("storage", "sync_files", 1, "before", "old"),       # new files written, none synced (in the sync thread)
    ("storage", "sync_files", 1, "after", "old"),        # some synced, while the next are written
    ("library", "fsync_dir", 1, "before", "old"),        # new files synced, their names not yet
    ("os", "replace", 1, "before", "old"),               # library.json's temporary file written, not renamed
    ("os", "replace", 1, "after", "new"),                # renamed: the commit point passed
    ("library", "_remove_quietly", 1, "before", "new"),  # cleaning up superseded shards
]


@pytest.mark.parametrize("module, name, nth, when, expected", COMMIT_KILL_POINTS,
                         ids=[f"{m}.{n}#{k}-{w}" for m, n, k, w, _ in COMMIT_KILL_POINTS])
def test_sigkill_at_each_step_of_a_commit(tmp_path, db_path, module, name, nth, when, expected):
    assert run_cli(db_path, "import", SAMPLES).returncode == 0
    held = check_library_whole(db_path)
    batch = write_pages(tmp_path / "batch", "kat", 40, more=2)
    added = batch_ids(batch, tmp_path)
    child = subprocess.run([sys.executable, "-c", _KILL_AT, module, name, str(nth), when, str(batch)],
                           env=cli_env(db_path), capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    after = check_library_whole(db_path)
    assert after == (held if expected == "old" else held | added)
    # The next write clears what the killed writer left, and loses nothing.
    assert run_cli(db_path, "import", batch).returncode == 0
    assert check_library_whole(db_path) == held | added
    assert temp_files(db_path) == [] and not _debris(db_path)


def _limit_file_size(limit: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@pytest.mark.parametrize("limit", [1024, 48 * 1024], ids=["first-shard-fails", "library-file-fails"])
def test_full_disk_leaves_old_library_and_no_temp_files(tmp_path, db_path, limit):
    assert run_cli(db_path, "import", NOTE_EXAMPLE).returncode == 0
    before = library_files(db_path)
    pages = write_pages(tmp_path / "pages", "zoe", 300)

    done = run_cli(db_path, "import", pages, preexec_fn=_limit_file_size(limit))

    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0] == f"threads-tui: could not write library {db_path}: File too large; it was left as it was"
    assert library_files(db_path) == before
    assert temp_files(db_path) == []
    assert len(listed_ids(db_path)) == 3


def test_really_full_disk_leaves_old_library_and_no_temp_files(tmp_path):
    """A 256 KiB tmpfs mounted in a private mount namespace fills up during the import."""
    small, pages = tmp_path / "small", write_pages(tmp_path / "pages", "zoe", 300)
    small.mkdir()
    db_path = small / "lib" / "library.json"
    command = shlex.join(threads_tui_command())
    script = f"""
        mount -t tmpfs -o size=256k tmpfs {small} || exit 99
        export THREADS_TUI_DB={db_path}
        {command} import {NOTE_EXAMPLE} >/dev/null || exit 98
        cp -a {small}/lib {tmp_path}/before
        {command} import {pages} 2>{tmp_path}/err
        echo $? >{tmp_path}/code
        cp -a {small}/lib {tmp_path}/after
    """
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("mounting a small file system needs root and unshare")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], timeout=60)
    if done.returncode == 99:
        pytest.skip("cannot mount a small file system here")
    assert done.returncode == 0
    assert (tmp_path / "code").read_text().strip() == "1"
    assert (tmp_path / "err").read_text() == (
        f"threads-tui: could not write library {db_path}: No space left on device; it was left as it was\n")
    after = library_files(tmp_path / "after" / "library.json")
    assert after == library_files(tmp_path / "before" / "library.json")
    assert not [name for name in after if name.endswith(".tmp")]


def test_full_disk_on_first_write_creates_nothing(tmp_path, db_path):
    done = run_cli(db_path, "import", NOTE_EXAMPLE, preexec_fn=_limit_file_size(512))
    assert done.returncode == 1 and f"could not write library {db_path}" in done.stderr
    assert library_files(db_path) == {}
    assert temp_files(db_path) == []


UNREADABLE = {
    "truncated": (b'{"meta": {"1": {"schema": 1, "generation": 1, "shards": {}}}, "threads": {"1": {"id"',
                  "not valid JSON"),
    "not-json": (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not valid JSON"),
    "empty": (b"", "the file is empty"),
    "json-list": (b"[1, 2, 3]", "unexpected JSON shape"),
    "no-schema": (b'{"threads": {}}', "no schema version"),
    "newer": (b'{"meta": {"1": {"schema": 99, "generation": 1, "shards": {}}}}', "schema version 99 is newer"),
    "bad-version": (b'{"meta": {"1": {"schema": "one"}}}', "unknown schema version 'one'"),
    "hostile-shard-name": (b'{"meta": {"1": {"schema": 1, "generation": 1, "shards": {"ab": "../../x"}}}}',
                           "damaged"),
    "bad-doc-id": (b'{"meta": {"1": {"schema": 1, "generation": 1, "shards": {}}}, "threads": {"x": {}}}',
                   "damaged"),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_library_is_never_overwritten(cli, db_path, name):
    payload, reason = UNREADABLE[name]
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(payload)
    for args in (("import", NOTE_EXAMPLE), ("list", "--json"), ("show", "x")):
        result = cli(*args)
        assert result.code == 1 and "Traceback" not in result.err
        line, = result.err.splitlines()
        assert f"cannot read library {db_path}: " in line and reason in line and "--db" in line
    assert db_path.read_bytes() == payload
    assert [p.name for p in db_path.parent.iterdir()] == [db_path.name]


def test_damaged_shard_is_reported_and_kept(cli, db_path):
    cli("import", NOTE_EXAMPLE)
    library = Library.open(db_path)
    shard = library.posts_dir / sorted(shard_files(library._meta()))[0]
    shard.write_bytes(b'{"posts": {"1": ')
    before = library_files(db_path)
    for args in (("import", NOTE_EXAMPLE), ("export", "--out", db_path.parent.parent / "md")):
        result = cli(*args)
        assert result.code == 1 and "Traceback" not in result.err
        assert f"cannot read library {shard}: not valid JSON" in result.err and "--db" in result.err
    assert library_files(db_path) == before


def version_0_library(threads: list[Thread], states: dict[str, dict]) -> bytes:
    """The synthetic schema 0: no shards, whole threads (posts included) in `threads`."""
    return json.dumps({
        "meta": {"1": {"schema": 0}},
        "threads": {str(doc_id_for(t.id)): t.to_dict() for t in threads},
        "state": {str(doc_id_for(i)): {"id": i, **s} for i, s in states.items()},
    }).encode()


def test_version_0_library_is_migrated_with_a_backup(cli, db_path):
    threads = [Thread(posts=[Post(f"old thread {n}, post {p}") for p in range(3)], author_handle="ada")
               for n in range(5)]
    db_path.parent.mkdir(parents=True)
    original = version_0_library(threads, {threads[0].id: {"bookmarked": True}})
    db_path.write_bytes(original)

    listed = json.loads(cli("list", "--json").out)

    assert {t["id"] for t in listed} == {t.id for t in threads}
    backup = db_path.with_name("library.json.v0.bak")
    assert backup.read_bytes() == original
    library = Library.open(db_path)
    assert library._meta()["schema"] == SCHEMA_VERSION
    assert library.thread(threads[2].id).posts[1].text == "old thread 2, post 1"
    assert UserData(library).state(threads[0].id)["bookmarked"] is True
    assert "state" not in json.loads(db_path.read_bytes())  # the reading state lives in the user's file now
    assert cli("import", NOTE_EXAMPLE).code == 0 and len(Library.open(db_path)) == 8
    assert backup.read_bytes() == original


def test_version_2_library_moves_its_reading_state_to_the_users_file(cli, db_path):
    """Version 2 kept read marks, bookmarks and positions in library.json: they move to the user's file,
    where a state the user's file holds already (a migration interrupted after writing it) wins."""
    threads = [Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(3)]
    Library.open(db_path).add_threads(threads)
    data = with_summaries_table(db_path)
    data["meta"]["1"]["schema"] = 2
    data["state"] = {str(doc_id_for(t.id)): {"id": t.id, "read": True, "position": n} for n, t in enumerate(threads)}
    version_2 = json.dumps(data).encode()
    db_path.write_bytes(version_2)
    UserData(Library(db_path)).set_state(threads[2].id, read=False, bookmarked=True)  # the earlier, interrupted run

    assert cli("list").code == 0

    assert db_path.with_name("library.json.v2.bak").read_bytes() == version_2
    upgraded = json.loads(db_path.read_bytes())
    assert upgraded["meta"]["1"]["schema"] == 6 and "state" not in upgraded and "threads" not in upgraded
    states = UserData(Library.open(db_path)).states()
    assert states == {threads[0].id: {"id": threads[0].id, "read": True, "position": 0},
                      threads[1].id: {"id": threads[1].id, "read": True, "position": 1},
                      threads[2].id: {"id": threads[2].id, "read": False, "bookmarked": True}}
    assert json.loads(cli("list", "--query", "is:read", "--json").out)[0]["id"] in {threads[0].id, threads[1].id}


def test_version_4_library_keeps_its_files_and_lists_each_shards(cli, db_path):
    """Version 4 named one file per shard: it becomes a list of that one file, nothing else is rewritten."""
    threads = [Thread(posts=[Post(f"kept thread w{n}x, post {p}") for p in range(2)], author_handle="ada")
               for n in range(40)]
    Library.open(db_path).add_threads(threads)
    data = json.loads(db_path.read_bytes())
    data["meta"]["1"]["schema"] = 4
    data["meta"]["1"]["shards"] = one_file_shards(data["meta"]["1"]["shards"])
    version_4 = json.dumps(data).encode()
    db_path.write_bytes(version_4)
    files = {p.name: p.read_bytes() for p in Library(db_path).posts_dir.iterdir()}

    hits = json.loads(cli("search", "w7x", "--json").out)

    assert {(h["thread_id"], h["n"]) for h in hits} == {(threads[7].id, 1), (threads[7].id, 2)}
    assert db_path.with_name("library.json.v4.bak").read_bytes() == version_4
    upgraded = json.loads(db_path.read_bytes())["meta"]["1"]
    assert upgraded["schema"] == 6
    assert upgraded["shards"] == {shard: [name] for shard, name in data["meta"]["1"]["shards"].items()}
    assert {p.name: p.read_bytes() for p in Library(db_path).posts_dir.iterdir()} == files
    library = Library.open(db_path)
    assert [library.thread(t.id) for t in threads] == threads


def test_version_4_library_that_cannot_be_rewritten_is_left_as_it_was(db_path):
    threads = [Thread(posts=[Post(f"kept thread {n}")], author_handle="ada") for n in range(10)]
    Library.open(db_path).add_threads(threads)
    data = json.loads(db_path.read_bytes())
    data["meta"]["1"]["schema"] = 4
    data["meta"]["1"]["shards"] = one_file_shards(data["meta"]["1"]["shards"])
    version_4 = orjson.dumps(data)  # compact, as the library writes it
    db_path.write_bytes(version_4)

    # The backup is as large as the file and fits; the upgraded file, its shards named in lists, does not.
    refused = run_cli(db_path, "list", preexec_fn=_limit_file_size(len(version_4)))

    assert refused.returncode == 1 and refused.stderr.startswith(
        f"threads-tui: could not upgrade library {db_path}: File too large; it was left as it was"), refused.stderr
    assert db_path.read_bytes() == version_4
    assert db_path.with_name("library.json.v4.bak").read_bytes() == version_4
    assert temp_files(db_path) == []
    assert sorted(listed_ids(db_path)) == sorted(t.id for t in threads)


def test_migration_that_cannot_write_leaves_version_0_as_it_was(db_path):
    threads = [Thread(posts=[Post(f"old {n}")], author_handle="ada") for n in range(50)]
    db_path.parent.mkdir(parents=True)
    original = version_0_library(threads, {})
    db_path.write_bytes(original)
    posts_dir = db_path.with_name("library.json.posts")
    posts_dir.write_bytes(b"a file where the shards folder should be")

    cannot_back_up = run_cli(db_path, "list", preexec_fn=_limit_file_size(len(original) // 2))
    cannot_write = run_cli(db_path, "list")

    assert cannot_write.returncode == 1 and cannot_write.stderr.startswith(
        f"threads-tui: could not write library {db_path}: ")
    assert cannot_back_up.returncode == 1 and cannot_back_up.stderr.startswith(
        f"threads-tui: could not back up library {db_path} before upgrading it: File too large")
    assert db_path.read_bytes() == original
    assert db_path.with_name("library.json.v0.bak").read_bytes() == original
    assert temp_files(db_path) == []
    posts_dir.unlink()
    assert len(listed_ids(db_path)) == 50


def test_damaged_version_0_library_is_refused_and_kept(cli, db_path):
    db_path.parent.mkdir(parents=True)
    payload = b'{"meta": {"1": {"schema": 0}}, "threads": {"1": {"posts": []}}}'
    db_path.write_bytes(payload)
    result = cli("list")
    assert result.code == 1 and "cannot upgrade it from schema version 0" in result.err
    assert db_path.read_bytes() == payload


def test_stale_temp_files_of_a_killed_writer_are_cleaned_by_the_next_write(db_path):
    library = Library.open(db_path)
    library.add_threads([Thread(posts=[Post("first")])])
    stale = [db_path.with_name(".library.json.abcd1234.tmp"), library.posts_dir / ".ab.9.json.zz99yy88.tmp",
             library.posts_dir / "ab.99.json"]
    for path in stale:
        path.write_bytes(b"half a write")
    other_library_temp = db_path.with_name(".library.json.other.abcd1234.tmp")
    other_library_temp.write_bytes(b"someone else's")
    library.add_threads([Thread(posts=[Post("second")])])
    assert not any(path.exists() for path in stale)
    assert other_library_temp.exists()
    os.unlink(other_library_temp)
