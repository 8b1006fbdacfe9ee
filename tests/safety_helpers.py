"""Helpers for the safety tests: made-up pages, library snapshots, child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .conftest import threads_tui_command

MIB = 1024 * 1024

# Runs the command given as arguments and reports its peak RSS (KiB) and exit code
# on the last line of stderr: getrusage(RUSAGE_CHILDREN) of this fresh parent only
# covers that one child.
_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'RUSAGE {usage.ru_maxrss} {code}', file=sys.stderr)\n"
)


def thread_page(author: str, number: int, posts: int = 3, more: int = 0) -> str:
    """A Thread Reader text page: one thread by `author`, and `more` previews."""
    body = "\n".join(f"Thread {number} by {author}, post {n}: words words words." for n in range(1, posts + 1))
    previews = "".join(
        f"{1 + p % 28} Feb\nPreview {p} of thread {number} by {author}.\nRead 4 tweets\n\n"
        for p in range(more)
    )
    return (
        f"{author.title()} Profile picture\n3 Mar\n{posts} tweets, 1 min read\n{body}\n\n• • •\n\n"
        f"More from @{author}\n\n{previews}Did Thread Reader help you today?\n"
    )


def write_pages(folder: Path, author: str, count: int, more: int = 0) -> Path:
    """`count` page files in `folder`, each one thread (plus previews); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"{author}-{number:04d}.txt").write_text(thread_page(author, number, more=more))
    return folder


def library_files(db_path: Path) -> dict[str, bytes]:
    """Every file of a library but its lock file, by name: equal snapshots mean an unchanged library."""
    folder = db_path.parent
    if not folder.exists():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != db_path.name + ".lock":
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def temp_files(db_path: Path) -> list[str]:
    """Temporary files left in the library's folders."""
    return sorted(str(p) for p in db_path.parent.rglob("*.tmp"))


def listed_ids(db_path: Path) -> set[str]:
    """Thread ids that a real `threads-tui list --json` prints (fails on any error)."""
    done = run_cli(db_path, "list", "--json")
    assert done.returncode == 0, done.stderr
    return {item["id"] for item in json.loads(done.stdout)}


def cli_env(db_path: Path) -> dict[str, str]:
    return dict(os.environ, THREADS_TUI_DB=str(db_path))


def run_cli(db_path: Path, *args: str | Path, timeout: float = 60,
            preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `threads-tui` in a child process."""
    return subprocess.run(
        [*threads_tui_command(), *map(str, args)], capture_output=True, text=True,
        timeout=timeout, env=cli_env(db_path), preexec_fn=preexec_fn,
    )


@dataclass
class Measured:
    code: int
    out: str
    err: str
    peak_rss_mib: float

    def failed_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("failed: ")]


def run_cli_measured(db_path: Path, *args: str | Path, timeout: float = 120,
                     preexec_fn: Callable[[], None] | None = None, cwd: Path | None = None) -> Measured:
    """Run `threads-tui ARGS` as a child of a fresh Python that reports the child's peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _RUSAGE_WRAPPER, *threads_tui_command(), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=cli_env(db_path),
        preexec_fn=preexec_fn, cwd=cwd,
    )
    err_lines = done.stderr.splitlines()
    marker = err_lines.pop()
    assert marker.startswith("RUSAGE "), done.stderr
    _, rss_kib, code = marker.split()
    return Measured(int(code), done.stdout, "\n".join(err_lines), int(rss_kib) / 1024)
