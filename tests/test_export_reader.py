"""Export from the reader (issue 16): `e`, what, format, a folder with tab completion, a summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet

from tui.export import file_name_for
from tui.library import Library
from tui.user_data import UserData
from tui.screens.export_screen import ExportScreen

from .test_reader import WIDE, make_app, settle, sample_db  # noqa: F401  (sample_db: a fixture)


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def export(pilot, folder: str, *keys: str) -> None:
    """Press e, then `keys` (choices), type the folder and enter."""
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ExportScreen)
    await pilot.press(*keys)
    folder_input = pilot.app.screen.query_one("#export-folder", Input)
    folder_input.focus()
    folder_input.value = folder
    await pilot.press("enter")
    await settle(pilot)


async def test_e_exports_the_open_thread_as_markdown_named_as_the_cli_names_it(sample_db: Path, tmp_path: Path):
    out = tmp_path / "out"
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread = app.screen.thread
        await export(pilot, str(out))
        assert [path.name for path in out.iterdir()] == [file_name_for(thread)]
        assert thread.posts[0].text[:30] in (out / file_name_for(thread)).read_text()
        assert any(f"Wrote 1 Markdown file to {out}" in text for text in notifications(app))


async def test_e_exports_the_list_shown_as_html(sample_db: Path, tmp_path: Path):
    out = tmp_path / "html"
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"theo", "enter")
        await settle(pilot)
        shown = [item["id"] for item in app.screen.thread_list.items]
        assert 1 < len(shown) < len(app.library)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#what-list").value = True
        screen.query_one("#kind-html").value = True
        folder_input = screen.query_one("#export-folder", Input)
        folder_input.focus()
        folder_input.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        names = sorted(path.name for path in out.iterdir())
        assert "index.html" in names and len(names) == len(shown) + 1
        assert any(f"Wrote {len(shown)} HTML files and index.html to {out}" in text for text in notifications(app))


async def test_e_exports_the_bookmarks(sample_db: Path, tmp_path: Path):
    library = Library.open(sample_db)
    marked = [doc["id"] for doc in library.summaries()[2:4]]
    UserData(library).set_states({thread_id: {"bookmarked": True} for thread_id in marked})
    out = tmp_path / "marked"
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#what-bookmarks").value = True
        await pilot.pause()
        assert app.screen.query_one("#export-what", RadioSet).pressed_button.id == "what-bookmarks"
        folder_input = app.screen.query_one("#export-folder", Input)
        folder_input.focus()
        folder_input.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    assert len(list(out.iterdir())) == 2
    assert all(any(thread_id in path.name for path in out.iterdir()) for thread_id in marked)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
async def test_e_into_a_folder_that_cannot_be_written_says_so_in_one_line(sample_db: Path, tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await export(pilot, str(locked / "inside"))
        failed = [text for text in notifications(app) if text.startswith("Export failed")]
        assert len(failed) == 1 and "\n" not in failed[0] and "Traceback" not in failed[0]


async def test_e_into_a_file_says_so_in_one_line(sample_db: Path, tmp_path: Path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await export(pilot, str(a_file / "inside"))
        failed = [text for text in notifications(app) if text.startswith("Export failed")]
        assert len(failed) == 1 and "\n" not in failed[0] and str(a_file) in failed[0]
        assert app.return_code is None  # still running: no traceback


async def test_tab_completes_the_export_folder(sample_db: Path, tmp_path: Path):
    (tmp_path / "exports-here").mkdir()
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        folder_input = app.screen.query_one("#export-folder", Input)
        assert app.focused is folder_input
        folder_input.value = str(tmp_path / "exp")
        folder_input.cursor_position = len(folder_input.value)
        await pilot.press("tab")
        await settle(pilot)
        assert folder_input.value == str(tmp_path / "exports-here") + "/"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
