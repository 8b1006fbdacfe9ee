"""Themes (issue 16): every colour from the theme's variables, rows redrawn in a new theme, the theme kept."""

from __future__ import annotations

import re
from pathlib import Path

from tui.app import styles_dir
from tui.library import Library
from tui.user_data import UserData
from tui.widgets.author_list import AuthorList
from tui.widgets.reading_pane import ThreadView
from tui.widgets.thread_list import ThreadList

from .test_reader import make_app, settle, sample_db  # noqa: F401  (sample_db: a fixture)

FIXED_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(|\bansi_\w+")


def test_the_stylesheet_uses_only_theme_variables():
    css = (styles_dir() / "app.tcss").read_text()
    declarations = [line for line in css.splitlines() if ":" in line and not line.strip().startswith(("/*", "*"))]
    assert [line for line in declarations if FIXED_COLOUR.search(line.split(":", 1)[1])] == []
    assert "$panel-lighten-2" not in css  # white on a light theme's cream: invisible borders


def row_colours(widget, y: int = 0) -> set[tuple[str, str]]:
    return {(str(segment.style.color), str(segment.style.bgcolor)) for segment in widget.render_line(y)
            if segment.text.strip()}


async def test_a_new_theme_redraws_every_row_and_is_kept_across_a_restart(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.theme = "textual-dark"
        await settle(pilot)
        panes = [app.screen.query_one(ThreadList), app.screen.query_one(AuthorList),
                 app.screen.query_one(ThreadView)]
        dark = [row_colours(pane, y) for pane in panes for y in (0, 2)]
        app.theme = "solarized-light"
        await settle(pilot)
        await pilot.pause()
        light = [row_colours(pane, y) for pane in panes for y in (0, 2)]
        background = app.current_theme.background.lower()
        assert sum(1 for row in light if row) >= 4
        for before, after in zip(dark, light):
            assert before != after or not after
        # Text is never the dark theme's near-white, nor drawn on its near-black.
        assert not any(colour.lower().find("e0e0e0") >= 0 or bg.find("121212") >= 0
                       for row in light for colour, bg in row)
        assert any(background in bg.lower() for row in light for _, bg in row)
    assert UserData(Library.open(sample_db)).setting("theme") == "solarized-light"
    again = make_app(sample_db)
    async with again.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "solarized-light"
        assert any(background in bg.lower() for _, bg in row_colours(again.screen.query_one(ThreadList), 2))


async def test_the_list_cursor_row_is_drawn_as_focused_only_while_the_list_has_focus(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        cursor_row = thread_list.cursor * 2 - int(thread_list.scroll_y)

        def cursor_backgrounds() -> set[str]:
            return {bg for _, bg in row_colours(thread_list, cursor_row)}

        assert app.focused is thread_list
        focused = cursor_backgrounds()
        await pilot.press("tab")  # to the reading pane: the cursor row is drawn as it is unfocused
        await pilot.pause()
        assert app.focused is app.screen.query_one(ThreadView)
        unfocused = cursor_backgrounds()
        assert unfocused and focused and unfocused.isdisjoint(focused)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert cursor_backgrounds() == focused
