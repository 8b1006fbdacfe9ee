"""Shared fixtures: a throwaway library and ways to run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library path in a temporary folder, also set as $THREADS_TUI_DB."""
    path = tmp_path / "lib" / "library.json"
    monkeypatch.setenv("THREADS_TUI_DB", str(path))
    return path


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `threads-tui ARGS` in-process through its entry point `tui.cli.main`."""

    def run(*args: str | Path) -> CliResult:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors and --help
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def threads_tui_command() -> list[str]:
    """The console script installed beside this Python, else the module (same entry point)."""
    script = Path(sys.executable).parent / "threads-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


@pytest.fixture
def cli_process(db_path: Path):
    """Run the installed `threads-tui` as a separate process."""

    def run(*args: str | Path, timeout: float = 60) -> CliResult:
        env = dict(os.environ, THREADS_TUI_DB=str(db_path))
        done = subprocess.run(
            [*threads_tui_command(), *map(str, args)],
            capture_output=True, text=True, timeout=timeout, env=env,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run


# The day every test imports on, unless it pins its own. On 31 Dec 2020 the samples' dates
# without a year (Thread Reader's `28 Feb`, `21 Dec`) fall in 2020: below the samples dated 2021
# and later, in the order the reader's and the CLI's tests were written for. Tests of placing
# such dates pin days of their own (tests/test_undated_year.py).
PINNED_TODAY = "2020-12-31"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test imports on one day ($THREADS_TUI_TODAY, read by `tui.clock.today`), and so
    places threads whose date lacks a year (`21 Dec`) the same way whatever day it runs
    (a subprocess started with `os.environ` gets it too)."""
    monkeypatch.setenv("THREADS_TUI_TODAY", PINNED_TODAY)
    return PINNED_TODAY
