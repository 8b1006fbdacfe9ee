"""Links in the reading pane (issue 16): terminal hyperlinks, never broken by wrapping, and `o` to follow one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import browser
from tui.library import Library
from tui.model import Post, Thread
from tui.screens.links import LinksScreen
from tui.weblinks import post_links, short_address
from tui.widgets.reading_pane import ThreadView

from .test_reader import NARROW, WIDE, make_app, settle, visible_lines

LONG_URL = "https://docs.example.org/guides/threads/2024/how-to-keep-long-threads-readable?from=thread&section=rules"
SHORT_URL = "https://a.example/x"


@pytest.fixture
def links_db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A thread whose first post holds a long link, a short one in brackets, and its own address."""
    monkeypatch.setenv("THREADS_TUI_NO_SYSTEM_CLIPBOARD", "1")
    monkeypatch.setattr(browser, "has_desktop", lambda: False)
    Library.open(db_path).add_threads([Thread(
        posts=[Post(f"Read the rules first: {LONG_URL} and also ({SHORT_URL}).",
                    url="https://x.com/lin/status/1"),
               Post("No links here, @lin.")],
        author_name="Lin Example", author_handle="lin", declared_count=2, complete=True)])
    return db_path


def test_short_address_keeps_the_host_and_the_paths_start():
    assert short_address(SHORT_URL, 40) == SHORT_URL
    assert short_address(LONG_URL, 30) == "docs.example.org/guides/threa…"
    assert len(short_address(LONG_URL, 30)) == 30


def test_post_links_are_web_addresses_in_order_each_once():
    assert post_links([f"see {SHORT_URL}. and javascript:alert(1) {SHORT_URL}"],
                      ["https://b.example/", "data:text/html,x", SHORT_URL]) == [SHORT_URL, "https://b.example/"]


def link_targets(view: ThreadView) -> dict[str, str]:
    """Each hyperlink drawn in the pane's lines: the text shown, by its target."""
    targets: dict[str, str] = {}
    for text, _ in view._lines:
        for span in text.spans:
            style = span.style
            if not isinstance(style, str) and style.link:
                targets[style.link] = targets.get(style.link, "") + text.plain[span.start:span.end]
    return targets


@pytest.mark.parametrize("size", [WIDE, NARROW, (60, 15)])
async def test_links_are_terminal_hyperlinks_to_the_whole_address_and_never_split(links_db, size):
    app = make_app(links_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # below 80 columns the reading pane shows once it has focus
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        targets = link_targets(view)
        assert set(targets) == {LONG_URL, SHORT_URL}
        assert targets[SHORT_URL] == SHORT_URL
        shown = targets[LONG_URL]
        assert shown == LONG_URL or (shown.endswith("…") and LONG_URL.split("://")[1].startswith(shown[:-1]))
        # Each link is whole on one line of the pane, as drawn.
        lines = [text.plain for text, _ in view._lines]
        assert any(shown in line for line in lines) and any(SHORT_URL in line for line in lines)
        drawn = "\n".join(visible_lines(view))
        assert shown in drawn
        # The segments drawn carry the link (Textual writes them as OSC 8).
        line = next(y for y in range(view.size.height) if shown in view.render_line(y).text)
        assert any(segment.style is not None and segment.style.link == LONG_URL
                   for segment in view.render_line(line))


async def test_o_lists_the_posts_links_and_enter_copies_one_without_a_desktop(links_db):
    app = make_app(links_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "o")
        await settle(pilot)
        assert isinstance(app.screen, LinksScreen)
        assert [choice.url for choice in app.screen.choices] == [LONG_URL, SHORT_URL, "https://x.com/lin/status/1"]
        assert app.screen.choices[-1].label == "this post"
        assert "enter opens it (else copies it)" in app.screen.query_one("#links-dialog").border_subtitle
        await pilot.press("j", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, LinksScreen)
        assert app.clipboard == SHORT_URL
        messages = [n.message for n in app._notifications]
        assert any(m.startswith(f"Copied link {SHORT_URL}") and "OSC 52" in m for m in messages), messages


async def test_o_opens_the_link_in_the_browser_on_a_desktop(links_db, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(browser, "has_desktop", lambda: True)
    monkeypatch.setattr(browser, "open_in_browser", lambda url: opened.append(url) or True)
    app = make_app(links_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "o", "enter")
        await settle(pilot)
        assert opened == [LONG_URL]
        assert app.clipboard == ""
        assert f"Opened {short_address(LONG_URL, 40)} in the browser." in [n.message for n in app._notifications]


async def test_o_on_a_post_without_links_says_so(links_db):
    app = make_app(links_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "o", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, LinksScreen)
        assert "No links in post 2/2." in [n.message for n in app._notifications]


def test_no_desktop_over_ssh_or_without_a_display(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(browser.sys, "platform", "linux")
    assert not browser.has_desktop()
    monkeypatch.setenv("DISPLAY", ":0")
    assert browser.has_desktop()
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert not browser.has_desktop()


async def test_at_60x15_the_picker_and_the_notice_keep_each_address_on_one_line(links_db):
    app = make_app(links_db)
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "o")
        await settle(pilot)
        assert isinstance(app.screen, LinksScreen)
        text = "\n".join(visible_lines(app.screen.query_one("#links-list")))
        assert "docs.example.org/guides/" in text and "…" in text
        assert "section=rules" not in text
        assert sum("docs.example.org" in line for line in text.splitlines()) == 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == LONG_URL  # whole, though shown cut
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Copied link docs.example.org/guides/") for m in messages), messages
        assert not any(LONG_URL in m for m in messages)
