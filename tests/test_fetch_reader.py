"""Links in the reader: `i` takes a link where it takes a path, `R` fetches the open thread again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tui.app import ThreadsApp
from tui.importing import run_import
from tui.library import Library
from tui.user_data import UserData

from .conftest import SAMPLES
from .fake_services import BlueskyConversation, FakeServices, MastodonConversation, json_reply
from .test_fetch import DANA, HANDLE, dana_thread, wren_thread

WIDE = (120, 40)


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch):
    server = FakeServices().start()
    monkeypatch.setenv("THREADS_TUI_BLUESKY_API", server.base)
    monkeypatch.setenv("THREADS_TUI_FETCH_TIMEOUT", "20")
    monkeypatch.setenv("THREADS_TUI_NO_SYSTEM_CLIPBOARD", "1")
    yield server
    server.stop()


def make_app(db: Path) -> ThreadsApp:
    app = ThreadsApp(Library.open(db))
    app.session.delays.mark_read_after = 0
    app.session.delays.save_state_after = 0
    app.session.delays.search_delay = 0
    app.session.delays.open_after = 0
    return app


async def settle(pilot) -> None:
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def shown(app: ThreadsApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def wait_until(pilot, condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await pilot.pause(0.05)


async def test_import_dialog_takes_a_link_and_the_thread_opens_with_its_address(db_path, services):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    link = f"https://bsky.app/profile/{HANDLE}/post/p3"
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        await pilot.press(*link, "enter")
        await settle(pilot)
        report = shown(app, "#import-report")
        assert report.startswith("Done: 1 link, 1 thread found. 1 added, 0 updated, 0 unchanged, 0 links failed.")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        header = shown(app, "#thread-header")
        assert "Dana Example (@dana.example.social)" in header
        assert f"https://bsky.app/profile/{HANDLE}/post/p1" in header


async def test_a_failed_link_is_listed_in_the_summary(db_path, services):
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        app.screen.query_one("#import-path").value = f"{services.base}/@nobody/5; https://example.org/page"
        await pilot.press("enter")
        await settle(pilot)
        lines = shown(app, "#import-report").splitlines()
        assert lines[0].startswith("Done: 2 links, 0 threads found.")
        assert lines[1] == (f"failed: {services.base}/@nobody/5: {services.base} has no such status "
                            "(Record not found): private, deleted or unknown")
        assert lines[2].startswith("failed: https://example.org/page: not a link threads-tui can fetch")


async def test_esc_cancels_a_fetch_from_a_silent_server_at_once(db_path, services):
    services.silent("/api/v1/statuses/5")
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        app.screen.query_one("#import-path").value = f"{services.base}/@wren/5"
        await pilot.press("enter")
        await wait_until(pilot, lambda: services.requests)
        assert "Fetching" in shown(app, "#import-status")
        started = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Cancel" in shown(app, "#import-report"), seconds=5)
        assert time.monotonic() - started < 3  # not the 20-second read timeout
        assert shown(app, "#import-report").startswith("Cancelled")
    assert not db_path.parent.exists() or not list(db_path.parent.rglob("*.json.posts/*"))  # nothing stored
    services.stop()  # the silent server lets go: the abandoned request ends, and its thread with it
    assert not [t for t in threading.enumerate() if t.name.startswith("fetch")]


async def test_a_rate_limit_wait_is_shown_while_it_lasts(db_path, services):
    toots = wren_thread()
    MastodonConversation(toots).serve(services)
    services.rate_limited("/api/v1/statuses/100", json_reply(toots[0].status(services.base)), retry_after="2")
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        app.screen.query_one("#import-path").value = f"{services.base}/@wren/100"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "asks to slow down" in shown(app, "#import-status"))
        assert shown(app, "#import-status").startswith("waiting 2 s: 127.0.0.1:")
        await settle(pilot)
        assert shown(app, "#import-report").startswith("Done: 1 link, 1 thread found. 1 added")


async def test_R_fetches_the_open_preview_again_and_keeps_its_bookmark(db_path, services):
    posts = dana_thread(5)
    posts[3].gone = "notFound"
    BlueskyConversation(posts).serve(services, {HANDLE: DANA})
    report = run_import([], Library.open(db_path), links=[f"https://bsky.app/profile/{HANDLE}/post/p1"])
    (thread_id,) = report.counts.added
    UserData(Library.open(db_path)).set_state(thread_id, bookmarked=True)
    posts[3].gone = None
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app, "#thread-header").startswith("Dana Example (@dana.example.social) · 1 Mar 2024 · "
                                                        "3 posts (incomplete)")
        await pilot.press("R")
        await settle(pilot)
        assert shown(app, "#import-report").startswith("Done: 1 link, 1 thread found. 0 added, 1 updated")
        await pilot.press("escape")
        await settle(pilot)
        summary = Library.open(db_path).summary(thread_id)
        assert (summary["post_count"], summary["complete"]) == (5, True)
        assert UserData(Library.open(db_path)).state(thread_id).get("bookmarked") is True
        # The open thread shows the whole copy, with no reopening by hand.
        assert shown(app, "#thread-header").startswith("Dana Example (@dana.example.social) · 1 Mar 2024 · 5 posts · ")


async def test_R_on_a_thread_from_a_file_says_there_is_no_address(db_path, services):
    run_import([SAMPLES / "threadreader" / "mira-sourdough.txt"], Library.open(db_path))
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        assert any("no address to fetch it from" in n.message for n in app._notifications)
        assert not app.screen.query("#import-path")  # no import dialog opened


async def test_a_link_given_at_start_is_fetched_into_the_reader(db_path, services):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    link = f"https://bsky.app/profile/{HANDLE}/post/p2"
    app = ThreadsApp(Library.open(db_path), [], [link])
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert any(n.message == f"Imported {link}: 1 added." for n in app._notifications)
        assert app.screen.query_one("#list-pane").border_title == "Threads (1)"
