"""End to end: a link pasted into the installed reader's `i` dialog, in a real terminal (tmux),
fetched from a server on 127.0.0.1 that answers as Bluesky does."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import threads_tui_command
from .fake_services import BlueskyConversation, FakeServices
from .test_e2e_tmux import Tmux
from .test_fetch import DANA, HANDLE, dana_thread

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (bash .ci/run installs it)"),
]


def test_a_link_pasted_into_the_import_dialog_is_fetched_and_read(tmp_path: Path):
    services = FakeServices().start()
    tmux = Tmux(120, 40)
    try:
        BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
        env = {"THREADS_TUI_DB": str(tmp_path / "library.json"), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1",
               "THREADS_TUI_BLUESKY_API": services.base, "TERM": "xterm-256color",
               "PATH": os.environ.get("PATH", "")}
        tmux.start(" ".join(threads_tui_command()), env)
        tmux.wait_for("Threads (0)")
        tmux.keys("i")
        tmux.wait_for("Files, folders or links to import")
        link = f"https://bsky.app/profile/{HANDLE}/post/p2"
        tmux("set-buffer", link)
        tmux("paste-buffer", "-p", "-t", "e2e")  # bracketed, as a terminal pastes
        tmux.wait_for(link)
        tmux.keys("Enter")
        tmux.wait_for("Done: 1 link, 1 thread found. 1 added")
        tmux.keys("Escape")
        tmux.keys("Enter")
        screen = tmux.wait_for(f"https://bsky.app/profile/{HANDLE}/post/p1")
        # The header breaks between its parts (issue 16), never inside "4 posts".
        assert "Dana Example (@dana.example.social) · 1 Mar 2024 ·" in screen and "4 posts · 1 min read" in screen
        assert "▶ 1/4" in screen
        assert "2. Part 2 of the walk" in screen and "Lovely, saving this" not in screen
        tmux.keys("C")
        tmux.wait_for("Copied")
        copied = tmux("show-buffer")
        assert copied.startswith("Dana Example (@dana.example.social) · 1 Mar 2024 · 4 posts · 1 min read\n"
                                 f"https://bsky.app/profile/{HANDLE}/post/p1\n\n1/4\n")
    finally:
        tmux.kill()
        services.stop()
