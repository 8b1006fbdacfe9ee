"""End to end: the installed `threads-tui` in a real terminal (tmux), driven by keys.

Starts the reader on samples/ as README command 1 does, opens a thread,
copies it (OSC 52 into tmux's buffer, read back with `show-buffer`),
searches, and quits; sends issue 14's bursts of keys, each in one
`send-keys` call; and follows a link with `o` (issue 16), copied where there is no desktop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from .conftest import ROOT, threads_tui_command

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (bash .ci/run installs it)"),
]


class Tmux:
    """A private tmux server holding one session."""

    def __init__(self, width: int, height: int) -> None:
        self.socket = f"threads-tui-test-{uuid.uuid4().hex[:8]}"
        self.size = (width, height)

    def __call__(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", str(self.size[0]),
             "-y", str(self.size[1]), f"cd {ROOT} && env -u COLUMNS -u LINES {exports} {command}")
        self("set-option", "-g", "set-clipboard", "on")
        self("set-option", "-g", "remain-on-exit", "on")

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def keys(self, *keys: str, pause: float = 0.3) -> None:
        for key in keys:
            self("send-keys", "-t", "e2e", key)
            time.sleep(pause)

    def type(self, text: str) -> None:
        self("send-keys", "-t", "e2e", "-l", text)
        time.sleep(0.3)

    def burst(self, *keys: str) -> None:
        """Send `keys` in one `send-keys` call: the reader gets them as one burst."""
        self("send-keys", "-t", "e2e", *keys)

    def paste(self, text: str) -> None:
        """Paste `text` as a terminal does (bracketed: the reader asks for that)."""
        self("set-buffer", "--", text)
        self("paste-buffer", "-p", "-t", "e2e")

    def row_of(self, text: str) -> int:
        """The screen row showing `text`."""
        return next(row for row, line in enumerate(self.screen().splitlines()) if text in line)

    def settled_row_of(self, text: str, timeout: float = 10) -> int:
        """The screen row showing `text`, once it has stayed the same for a second (a loaded machine
        may still be drawing what the keys before did)."""
        deadline = time.monotonic() + timeout
        rows = [self.row_of(text)]
        while time.monotonic() < deadline and (len(rows) < 5 or len(set(rows[-5:])) > 1):
            time.sleep(0.2)
            rows.append(self.row_of(text))
        return rows[-1]

    def pane_dead(self) -> bool:
        return self("list-panes", "-t", "e2e", "-F", "#{pane_dead}").strip() == "1"

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def tmux():
    session = Tmux(120, 40)
    yield session
    session.kill()


def test_read_copy_search_quit_in_a_real_terminal(tmux, tmp_path: Path):
    command = " ".join(threads_tui_command())
    env = {"THREADS_TUI_DB": str(tmp_path / "library.json"), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1",
           "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    tmux.start(f"{command} samples/", env)
    screen = tmux.wait_for("Quit")
    assert "Threads (" in screen and "Search" in screen

    # Open a thread by filtering the list, then read and copy it.
    tmux.keys("f")
    tmux.wait_for('words from: is: tag:')
    tmux.type("sourdough")
    tmux.keys("Enter")
    tmux.wait_for("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets")
    tmux.keys("Enter", "C")
    tmux.wait_for("Copied")
    copied = tmux("show-buffer")
    assert copied.startswith("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets · 3 min read\n\n1/7\n")
    assert "\n7/7\n" in copied

    # Search the whole library and open the hit.
    tmux.keys("/")
    tmux.wait_for("Search: words, \"a phrase\"")
    tmux.type("grep")
    tmux.wait_for("1 hit for 'grep'")
    tmux.keys("Enter")
    screen = tmux.wait_for("Theo Park (@theo_types) · 12 Jan · 6 tweets")
    assert "▶ 5/6" in screen

    tmux.keys("q")
    deadline = time.monotonic() + 10
    while not tmux.pane_dead() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux.pane_dead(), tmux.screen()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP (the terminal closed)"])
def test_a_killed_or_closed_reader_keeps_the_reading_position(tmux, tmp_path: Path, how: str):
    from tui.importing import run_import
    from tui.library import Library
    from tui.user_data import UserData

    db = tmp_path / "library.json"
    run_import([ROOT / "samples" / "threadreader"], Library.open(db))
    command = " ".join(threads_tui_command())
    env = {"THREADS_TUI_DB": str(db), "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    exit_file = tmp_path / "exit"
    tmux.start(f"{command}; echo $? > {exit_file}", env)
    tmux.wait_for("Quit")
    tmux.keys("f")
    tmux.type("night trains")
    tmux.keys("Enter", "Enter", "j", "j")
    tmux.wait_for("▶ 3/4")
    pid = tmux("list-panes", "-t", "e2e", "-F", "#{pane_pid}").strip()
    reader = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    assert len(reader) == 1, reader
    if how == "SIGTERM":
        os.kill(int(reader[0]), 15)
        deadline = time.monotonic() + 10
        while not exit_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert exit_file.read_text().strip() == "143"  # 128 + SIGTERM, as a killed program's
    else:
        tmux("kill-server")  # the terminal goes away: the reader gets SIGHUP
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{reader[0]}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{reader[0]}")
    library = Library.open(db)
    night = next(s for s in library.summaries() if s["title"].startswith("Night trains"))
    state = UserData(library).state(night["id"])
    assert state["position"] == 2 and state.get("last_open")


def test_keys_sent_in_one_burst_act_as_pressed_slowly(tmux, tmp_path: Path):
    from tui.formatting import thread_as_text
    from tui.importing import run_import
    from tui.library import Library
    from tui.model import Post, Thread

    db = tmp_path / "library.json"
    run_import([ROOT / "samples"], Library.open(db))
    Library.open(db).add_threads([Thread(posts=[Post(f"Post {n}. " + "words " * (8 + n * 7 % 40)) for n in range(60)],
                                         author_name="Sixty Posts", author_handle="sixty")])
    library = Library.open(db)
    summaries = library.summaries()
    junk = tmp_path / "junk"
    junk.mkdir()
    for n in range(40):
        (junk / f"bad{n:02}.txt").write_text(f"not a thread {n}\n")
    env = {"THREADS_TUI_DB": str(db), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    tmux.start(" ".join(threads_tui_command()), env)
    tmux.wait_for("Quit")

    # 1: a search, then another typed over it and opened in the same burst.
    tmux.burst("/", "t", "h", "e", "Enter")
    tmux.wait_for("for 'the' (n / N for more)")
    tmux.burst("/", *"sourdough", "Enter")
    screen = tmux.wait_for("Hit 1 of 1 for 'sourdough'")
    assert "Mira Holt (@mira_bakes) · 15 Oct 2021" in screen and "Search text" not in screen
    tmux.burst("/", *"rye")
    tmux.wait_for("▊  rye ")
    tmux.burst("Escape")
    time.sleep(0.2)  # escape then / at once would read as alt+/, which the terminal parser takes for /

    # 2: enter 80 ms after the last letter opens the first hit of what was typed.
    tmux.burst("/", *"grep")
    time.sleep(0.08)
    tmux.burst("Enter")
    screen = tmux.wait_for("Hit 1 of 1 for 'grep'")
    assert "Theo Park (@theo_types) · 12 Jan · 6 tweets" in screen and "▶ 5/6" in screen

    # 3: C 100 ms after k copies the thread k moved to; k k m 60 ms apart bookmarks the one it stops on.
    tmux.burst("BTab", "g", "j", "j", "j")
    time.sleep(1)
    tmux.burst("k")
    time.sleep(0.1)
    tmux.burst("C")
    tmux.wait_for("Copied the thread")
    assert tmux("show-buffer").startswith(thread_as_text(library.thread(summaries[2]["id"])).split("\n")[0])
    for key in ("k", "k", "m"):
        tmux.burst(key)
        time.sleep(0.06)
    tmux.wait_for("Bookmarked.")
    rows = tmux.screen().splitlines()
    assert rows[1].startswith("│★") and not any(row.startswith("│★") for row in rows[2:])

    # 4: typing and pasting on the import summary; a path and tab in a fresh dialog.
    tmux.burst("i", *"samples/threadreader", "Enter")
    tmux.wait_for("Done:")
    tmux.burst(*"samples/threadreader/x.txt")
    tmux.wait_for("▊  samples/threadreader/x.txt ")
    tmux.burst("Enter")
    tmux.wait_for("x.txt: no such file")
    tmux.burst(*"/nonexistent/path.txt")
    tmux.wait_for("▊  /nonexistent/path.txt ")
    tmux.burst("Enter")
    tmux.wait_for("path.txt: no such file")
    tmux.paste("samples/mastodon/status.json")
    tmux.wait_for("▊  samples/mastodon/status.json ")
    tmux.burst("Escape", "i", "s", "a", "m", "Tab")
    tmux.wait_for("▊  samples/ ")

    # 5: eight downs in one burst scroll the summary eight lines.
    tmux.burst("C-u", *str(junk), "Enter")
    tmux.wait_for("bad04.txt")
    before = tmux.settled_row_of("bad04.txt")
    tmux.burst(*["Down"] * 8)
    assert tmux.settled_row_of("bad04.txt") == before - 8
    tmux.burst("Escape")

    # 6: after g and space the current post is on screen, and c copies it.
    tmux.burst("G", "Enter", "g", "Space", "c")  # the list has focus again: its last thread has 60 posts
    screen = tmux.wait_for("Copied post")
    marked = [line.split("▶ ")[1].split()[0] for line in screen.splitlines() if "▶ " in line]
    assert len(marked) == 1 and marked[0].endswith("/60"), screen
    current = marked[0]
    assert f"post {current}" in tmux("show-buffer").split("\n")[0] and current != "1/60"


def test_follow_a_link_in_a_real_terminal_copies_it_where_there_is_no_desktop(tmux, tmp_path: Path):
    """`o` then enter, with no display (as over SSH): the whole link lands in tmux's buffer by OSC 52;
    the pane shows the long link on one line, shortened, not broken by wrapping."""
    from tui.library import Library
    from tui.model import PartialDate, Post, Thread

    long_url = ("https://docs.example.org/guides/threads/2024/how-to-keep-long-threads-readable-in-a-terminal"
                "?from=thread&section=rules")
    db = tmp_path / "library.json"
    Library.open(db).add_threads([Thread(
        posts=[Post(f"The rules: {long_url} and the short one https://a.example/x too.",
                    url="https://x.com/lin/status/1")],
        author_name="Lin Example", author_handle="lin", date=PartialDate.from_iso("2024-05-01"))])
    env = {"THREADS_TUI_DB": str(db), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    raw = tmp_path / "raw-output"
    tmux.start("env -u DISPLAY -u WAYLAND_DISPLAY " + " ".join(threads_tui_command()), env)
    tmux("pipe-pane", "-o", "-t", "e2e", f"cat >> {raw}")  # what the reader writes, escapes and all
    screen = tmux.wait_for("Quit")
    shortened = next(line for line in screen.splitlines() if "docs.example.org/" in line)
    assert "…" in shortened and "https://" not in shortened.split("docs.example.org")[0][-8:]
    assert not any(line.strip("│ ").startswith(("rules", "section", "?from")) for line in screen.splitlines())
    tmux.keys("Down", "Up")  # redraw the pane once the output is piped
    # The shortened text links to the whole address (OSC 8: tmux 3.3 keeps no hyperlinks in capture-pane).
    deadline = time.monotonic() + 10
    while f";{long_url}\x1b\\".encode() not in (raw.read_bytes() if raw.exists() else b"") \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f";{long_url}\x1b\\".encode() in raw.read_bytes()

    tmux.keys("Enter", "o")
    screen = tmux.wait_for("Links of post 1/1")
    assert long_url.split("://")[1][:60] in screen and "this post: https://x.com/lin/status/1" in screen
    tmux.keys("Enter")
    tmux.wait_for("Copied link")
    assert tmux("show-buffer") == long_url

    tmux.keys("o", "Down", "Enter")
    tmux.wait_for("Copied link https://a.example/x")
    assert tmux("show-buffer") == "https://a.example/x"


def quit_and_wait(tmux: Tmux) -> None:
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while not tmux.pane_dead() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux.pane_dead(), tmux.screen()
    tmux("kill-session", "-t", "e2e")


def test_delete_and_theme_are_kept_across_restarts(tmux, tmp_path: Path):
    """Issue 16: d deletes a thread (asking first), and it is gone after a restart; a theme chosen in
    the palette (ctrl+p, theme) is the theme at the next start."""
    from tui.importing import run_import
    from tui.library import Library
    from tui.user_data import UserData

    db = tmp_path / "library.json"
    run_import([ROOT / "samples" / "threadreader"], Library.open(db))
    command = " ".join(threads_tui_command())
    env = {"THREADS_TUI_DB": str(db), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1", "TERM": "xterm-256color",
           "COLORTERM": "truecolor", "PATH": os.environ.get("PATH", "")}
    tmux.start(command, env)
    tmux.wait_for("Threads (8)")
    tmux.keys("f")
    tmux.type("sourdough")
    tmux.keys("Enter")
    tmux.wait_for("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets")
    tmux.keys("d")
    tmux.wait_for("Delete “I baked one sourdough loaf")
    tmux.keys("y")
    tmux.wait_for("0 of 7: sourdough")
    tmux.keys("Escape")
    screen = tmux.wait_for("Threads (7)")
    assert "Deleted “I baked one sourdough" in screen
    assert not any("I baked one" in line[:32] for line in screen.splitlines())  # the list

    # The theme, from the palette.
    tmux.keys("C-p")
    tmux.wait_for("Search for commands")
    tmux.type("theme")
    tmux.keys("Enter")
    tmux.wait_for("textual-dark")
    tmux.type("solarized-light")
    tmux.keys("Enter")
    deadline = time.monotonic() + 10
    while UserData(Library.open(db)).setting("theme") != "solarized-light" and time.monotonic() < deadline:
        time.sleep(0.2)
    quit_and_wait(tmux)

    tmux.start(command, env)
    screen = tmux.wait_for("Threads (7)")
    assert "I baked one sourdough" not in screen
    assert "253;246;227" in tmux("capture-pane", "-p", "-e", "-t", "e2e")  # solarized-light's cream, #fdf6e3
    quit_and_wait(tmux)
    assert UserData(Library.open(db)).setting("theme") == "solarized-light"
    assert not any(s["title"].startswith("I baked one sourdough") for s in Library.open(db).summaries())


def test_keys_typed_while_the_reader_starts_never_stop_it(tmux, tmp_path: Path):
    """Keys that arrive before the screen is up (a paste, a key held, a slow start over SSH) are
    taken or dropped, never a traceback."""
    from tui.importing import run_import
    from tui.library import Library

    db = tmp_path / "library.json"
    run_import([ROOT / "samples" / "threadreader"], Library.open(db))
    env = {"THREADS_TUI_DB": str(db), "THREADS_TUI_NO_SYSTEM_CLIPBOARD": "1", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    tmux.start(" ".join(threads_tui_command()), env)
    tmux.burst("j", "C-d", "Escape")
    screen = tmux.wait_for("Quit")
    assert "Traceback" not in screen and not tmux.pane_dead()
    tmux.keys("f")
    assert 'words from: is: tag:' in tmux.wait_for('words from: is: tag:')  # still reading keys
