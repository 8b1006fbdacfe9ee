"""Layout snapshots: the main screen wide and narrow, a preview, and the help screen.

Update after an intended layout change with `python -m pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app import ThreadsApp
from tui.importing import run_import
from tui.library import Library

from .conftest import SAMPLES


@pytest.fixture
def snapshot_app(db_path: Path):
    """An app factory on the sample library; nothing changes with time (no read marks)."""
    run_import([SAMPLES / "threadreader"], Library.open(db_path))

    def make() -> ThreadsApp:
        app = ThreadsApp(Library.open(db_path))
        app.session.delays.mark_read_after = 3600
        return app

    return make


async def wait_for_workers(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_wide(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app(), terminal_size=(120, 40), run_before=wait_for_workers)


def test_main_screen_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=wait_for_workers)


def test_main_screen_60x15(snap_compare, snapshot_app):
    """One pane at a time; the footer keeps Help and Quit."""
    assert snap_compare(snapshot_app(), terminal_size=(60, 15), run_before=wait_for_workers)


def test_reading_pane_60x15(snap_compare, snapshot_app):
    async def open_thread(pilot) -> None:
        await wait_for_workers(pilot)
        await pilot.press("enter")
        await wait_for_workers(pilot)

    assert snap_compare(snapshot_app(), terminal_size=(60, 15), run_before=open_thread)


def test_preview_thread(snap_compare, snapshot_app):
    async def open_preview(pilot) -> None:
        await wait_for_workers(pilot)
        await pilot.press("j")  # the second thread is a "More from" preview
        await wait_for_workers(pilot)

    assert snap_compare(snapshot_app(), terminal_size=(120, 40), run_before=open_preview)


def test_help_screen(snap_compare, snapshot_app):
    async def open_help(pilot) -> None:
        await wait_for_workers(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(120, 40), run_before=open_help)


def themed(theme: str):
    """Run-before that switches to `theme` (as the palette does) once the library shows."""

    async def switch(pilot) -> None:
        await wait_for_workers(pilot)
        pilot.app.theme = theme
        await wait_for_workers(pilot)
        await pilot.pause()

    return switch


def test_main_screen_light_theme(snap_compare, snapshot_app):
    """solarized-light: rows, the cursor row, borders and marks read on cream (issue 16)."""
    assert snap_compare(snapshot_app(), terminal_size=(100, 30), run_before=themed("solarized-light"))


def test_main_screen_dark_theme(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app(), terminal_size=(100, 30), run_before=themed("textual-dark"))
