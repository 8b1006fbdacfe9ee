"""End to end: quote, keep and share in the installed reader, in a real terminal (tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import threads_tui_command
from .test_e2e_tmux import Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (bash .ci/run installs it)"),
]


def quit_reader(tmux: Tmux) -> None:
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while not tmux.pane_dead() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux.pane_dead(), tmux.screen()


def test_quote_a_range_keep_a_highlight_and_tags_across_a_restart_then_export(tmp_path: Path):
    env = {"THREADS_TUI_DB": str(tmp_path / "library.json"), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1",
           "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    command = " ".join(threads_tui_command())
    tmux = Tmux(120, 40)
    try:
        tmux.start(f"{command} samples/", env)
        tmux.wait_for("Quit")
        tmux.keys("f")
        tmux.type("sourdough")
        tmux.keys("Enter", "Enter")
        tmux.wait_for("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets")
        tmux.keys("j", "v", "j", "y")
        tmux.wait_for("Copied posts 2–3 as a quote")
        quote = tmux("show-buffer")
        assert quote.startswith("> The starter matters less than you think.")
        assert quote.rstrip("\n").endswith("— Mira Holt (@mira_bakes), 15 Oct 2021, posts 2–3 of 7")
        tmux.keys("H")
        tmux.wait_for("as a highlight. A note")
        tmux.type("my kit")
        tmux.keys("Enter")
        tmux.wait_for("✎ highlighted")
        tmux.keys("t")
        tmux.wait_for("Tags now: none yet")
        tmux.type("baking bread")
        tmux.keys("Enter")
        tmux.wait_for("#baking #bread")
        quit_reader(tmux)
    finally:
        tmux.kill()

    again = Tmux(120, 40)
    try:
        again.start(command, env)
        again.wait_for("Quit")
        screen = again.wait_for("#baking #bread")  # the list's row, and the header of the thread reopened
        assert "✎ highlighted" in screen
        quit_reader(again)
    finally:
        again.kill()

    out = tmp_path / "notes"
    done = subprocess.run([*threads_tui_command(), "export", "--out", str(out)], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (page,) = [p for p in out.iterdir() if "mira-bakes-i-baked" in p.name]
    text = page.read_text()
    assert 'tags: ["baking", "bread"]' in text.split("\n---\n", 1)[0]
    assert "## Highlights" in text and "Note: my kit" in text
