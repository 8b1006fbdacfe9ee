"""Large imports parse in worker processes: the same result as one process, in order, and no orphans."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tui import import_pool
from tui.import_pool import PARALLEL_MIN_FILES, Unit, ordered_outcomes
from tui.importing import ImportRun
from tui.library import Library

from .conftest import FIXTURES, SAMPLES, threads_tui_command
from .safety_helpers import cli_env, write_pages

pytestmark = pytest.mark.skipif(import_pool.worker_count() < 2, reason="one core: imports never start a pool")


def mixed_folder(root: Path) -> Path:
    """More plain pages than start a pool, with an archive, a pooled format and bad files among them."""
    write_pages(root / "a-pages", "ada", PARALLEL_MIN_FILES // 2 + 10, more=1)
    shutil.copy(SAMPLES / "twitter" / "twitter-2024-02-14-jonas_fixes.zip", root / "b-archive.zip")
    shutil.copytree(FIXTURES / "mastodon", root / "c-mastodon")  # a status and its context: pooled
    (root / "d-empty.txt").write_text("")
    (root / "e-junk.bin").write_bytes(bytes(range(256)) * 4)
    write_pages(root / "f-pages", "bo", PARALLEL_MIN_FILES // 2 + 10)
    return root


def import_report(paths: list[Path], db: Path) -> tuple[list, list[str], list[dict]]:
    """Counts, failure and warning lines, and the listed threads (text keys too) after an import."""
    report = ImportRun().run(paths, Library.open(db))
    counts = [report.counts.added, report.counts.updated, report.counts.unchanged]
    summaries = Library.open(db).summaries()
    assert all(isinstance(s["added_at"], float) for s in summaries)
    # `added_at` is when this import ran, which two imports never share.
    listed = [{k: v for k, v in s.items() if k not in ("source", "added_at")} for s in summaries]
    return counts, [f.line() for f in report.failures + report.warnings], listed


def test_a_pool_gives_what_one_process_gives(tmp_path, monkeypatch):
    folder = mixed_folder(tmp_path / "input")
    started = []
    real_executor = import_pool.ProcessPoolExecutor

    def executor(**options):
        started.append(options)
        return real_executor(**options)

    monkeypatch.setattr(import_pool, "ProcessPoolExecutor", executor)
    monkeypatch.setattr(import_pool, "PARALLEL_MIN_FILES", 10**9)
    alone = import_report([folder], tmp_path / "alone" / "library.json")
    assert started == []
    monkeypatch.setattr(import_pool, "PARALLEL_MIN_FILES", PARALLEL_MIN_FILES)
    pooled = import_report([folder], tmp_path / "pooled" / "library.json")
    assert len(started) == 1
    assert pooled == alone
    counts, failures, listed = pooled
    assert any("text_key" in s for s in listed), "threads with post ids keep their text key"
    assert len(counts[0]) == len(listed) > PARALLEL_MIN_FILES
    assert [line.split(": ", 1)[1] for line in failures] == ["empty file", "binary data, not a saved thread"]
    assert {s["author_handle"] for s in listed} >= {"ada", "bo", "jonas_fixes"}
    assert any(s["id"].startswith("https://") for s in listed), "the pooled Mastodon status and context"


def test_outcomes_come_in_walk_order_whoever_parsed_them(tmp_path):
    files = [tmp_path / f"{n:04d}" for n in range(300)]
    units = []
    for n, path in enumerate(files):
        if n % 7 == 0:  # not a plain file: parsed here, between chunks
            units.append(Unit(f"here-{n}", lambda n=n: n))
        else:
            units.append(Unit(path.name, lambda: pytest.fail("a plain file parsed here"), file=path))
    got = list(ordered_outcomes(units, lambda unit: f"here:{unit.parse()}", _names_of, _same, min_files=50))
    assert [unit.name for unit, _ in got] == [unit.name for unit in units]
    assert [outcome for _, outcome in got] == [
        f"here:{n}" if n % 7 == 0 else f"worker:{path.name}" for n, path in enumerate(files)]


def _names_of(paths: list[Path]) -> list[str]:
    return [f"worker:{path.name}" for path in paths]


def _same(outcomes: list[str]) -> list[str]:
    return outcomes


def _die(paths: list[Path]) -> list[str]:
    os._exit(3)


def _fail(paths: list[Path]) -> list[str]:
    raise ValueError("a chunk that fails as a whole")


@pytest.mark.parametrize("worker", [_die, _fail], ids=["worker-dies", "chunk-fails"])
def test_a_worker_that_fails_leaves_its_files_to_the_main_process(tmp_path, worker):
    folder = write_pages(tmp_path / "pages", "cy", PARALLEL_MIN_FILES + 20)
    units = list(ImportRun().sources([folder]))
    got = list(ordered_outcomes(units, lambda unit: f"here:{unit.name}", worker, _same))
    assert [outcome for _, outcome in got] == [f"here:{unit.name}" for unit in units]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_exit_when_the_import_is_killed(tmp_path, db_path):
    for n in range(8):
        write_pages(tmp_path / "pages" / f"{n}", f"dee{n}", 2000)
    process = subprocess.Popen([*threads_tui_command(), "import", str(tmp_path / "pages")], env=cli_env(db_path),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the import never started its workers"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(not Path(f"/proc/{pid}").exists() or _state(pid) == "Z" for pid in workers)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_an_import_from_another_thread_never_forks(tmp_path, monkeypatch):
    """The reader imports in a thread: forking there could leave a child waiting on a lock forever."""
    started = []
    monkeypatch.setattr(import_pool, "ProcessPoolExecutor", lambda **options: started.append(options))
    folder = write_pages(tmp_path / "pages", "eve", PARALLEL_MIN_FILES + 20)
    done = []
    worker = threading.Thread(target=lambda: done.append(import_report([folder], tmp_path / "lib" / "library.json")))
    worker.start()
    worker.join()
    assert started == []
    assert len(done[0][0][0]) == PARALLEL_MIN_FILES + 20


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_stops_a_pooled_import_and_its_workers(tmp_path, db_path):
    """ctrl+c reaches the whole process group, workers included: the import ends (130) and so do they."""
    for n in range(6):
        write_pages(tmp_path / "pages" / f"{n}", f"ed{n}", 2000)
    for delay in (0.0, 0.3, 0.8):
        process = subprocess.Popen([*threads_tui_command(), "import", str(tmp_path / "pages")],
                                   env=cli_env(db_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            workers = _children(process.pid)
            time.sleep(0.02)
        assert len(workers) >= 2, "the import never started its workers"
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"the import hung after ctrl+c ({delay} s in)")
        assert process.returncode in (130, 0), err
        assert "Traceback" not in err.decode(), err.decode()
        if process.returncode == 130:
            assert "interrupted: the " in err.decode() and "files read before ctrl+c are in the library" in err.decode()
        assert all(not Path(f"/proc/{pid}").exists() or _state(pid) == "Z" for pid in workers)
        listed = subprocess.run([*threads_tui_command(), "list", "--json"], env=cli_env(db_path),
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr


