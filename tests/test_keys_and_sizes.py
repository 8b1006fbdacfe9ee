"""Issue 16's keys and sizes through the Pilot: less and vim keys, h / l, the search within a thread (F),
every key in `?`, and the reader at 60x15 (the footer keeps Help and Quit; one pane at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Input

from tui.app import ThreadsApp
from tui.formatting import header_parts
from tui.library import Library
from tui.model import PartialDate, Post, Thread
from tui.screens.help import KEY_COLUMN, HelpScreen, key_label
from tui.screens.import_screen import ImportScreen
from tui.screens.keep import HighlightsScreen, NoteScreen, TagsScreen
from tui.screens.links import LinksScreen
from tui.screens.main import MainScreen
from tui.screens.search import SearchScreen
from tui.widgets.author_list import AuthorList
from tui.widgets.filter_input import FilterInput
from tui.widgets.find_bar import FindBar, FindInput
from tui.widgets.key_scroll import KeyScroll
from tui.widgets.reading_pane import ThreadView
from tui.widgets.summary_list import SummaryList
from tui.widgets.thread_header import ThreadHeader
from tui.widgets.thread_list import ThreadList

from .test_reader import WIDE, footer_keys, make_app, sample_db, settle, styled_runs  # noqa: F401 (sample_db is a fixture)

SMALL = (60, 15)
NEEDLE_POSTS = (1, 4, 8)  # the posts of the long thread that say "needle"


@pytest.fixture
def long_db(sample_db: Path) -> Path:
    """The samples, thirty more one-post threads, and a 40-post thread (newest: it opens first)."""
    library = Library.open(sample_db)
    library.add_threads([Thread(posts=[Post(f"Filler thread {n} " + "words " * 20)], author_name="Filler",
                                author_handle="filler", date=PartialDate.from_iso(f"2019-01-{n % 28 + 1:02}")) for n in range(30)])
    posts = [Post(f"Post {n + 1}. " + ("A needle here. " if n in NEEDLE_POSTS else "") + "Hay " * (30 + n % 7 * 9))
             for n in range(40)]
    library.add_threads([Thread(posts=posts, author_name="Long Read", author_handle="longread", date=PartialDate.from_iso("2030-01-01"))])
    return sample_db


async def test_ctrl_d_u_f_b_scroll_the_reading_pane_by_half_and_whole_pages(long_db):
    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        assert app.focused is view and view.thread.author_handle == "longread" and view.scroll_y == 0
        height = view.scrollable_content_region.height
        await pilot.press("ctrl+d")
        assert view.scroll_y == height // 2
        await pilot.press("ctrl+d")
        assert view.scroll_y == 2 * (height // 2)
        await pilot.press("ctrl+u")
        assert view.scroll_y == height // 2
        await pilot.press("ctrl+u")
        assert view.scroll_y == 0
        await pilot.press("ctrl+f")
        assert view.scroll_y == height
        assert view.current > 0  # the current post follows the scroll
        await pilot.press("ctrl+b")
        assert view.scroll_y == 0


async def test_ctrl_d_u_f_b_move_the_list_cursor_by_half_and_whole_pages(long_db):
    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        page = thread_list.scrollable_content_region.height // thread_list.ROW_HEIGHT
        await pilot.press("ctrl+d")
        assert thread_list.cursor == page // 2
        await pilot.press("ctrl+u")
        assert thread_list.cursor == 0
        await pilot.press("ctrl+f")
        assert thread_list.cursor == page
        await pilot.press("ctrl+b")
        assert thread_list.cursor == 0


async def test_h_and_l_move_focus_between_the_panes(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, ThreadList)
        await pilot.press("h")
        assert isinstance(app.focused, ThreadList)  # nothing to its left
        await pilot.press("l")
        assert isinstance(app.focused, ThreadView)
        await pilot.press("l")
        assert isinstance(app.focused, AuthorList)
        await pilot.press("l")
        assert isinstance(app.focused, AuthorList)  # nothing to its right
        await pilot.press("h", "h")
        assert isinstance(app.focused, ThreadList)


async def test_f_searches_the_open_thread_n_and_n_step_its_matches_and_esc_ends_it(long_db):
    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "F")
        await settle(pilot)
        find_bar = app.screen.query_one(FindBar)
        assert find_bar.display and isinstance(app.focused, FindInput)
        await pilot.press(*"needle")
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        assert styled_runs(view, "thread-view--hit")[:2] == ["needle", "needle"]
        assert "3 posts match" in str(find_bar.query_one("#find-count").render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is view and view.current == NEEDLE_POSTS[0]
        await pilot.press("n")
        assert view.current == NEEDLE_POSTS[1]
        await pilot.press("n", "n")
        assert view.current == NEEDLE_POSTS[0]  # round to the first again
        await pilot.press("N")
        assert view.current == NEEDLE_POSTS[2]
        assert any("Match 3 of 3 for 'needle'" in n.message for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert not find_bar.display and styled_runs(view, "thread-view--hit") == []
        await pilot.press("n")  # with no search in the thread, n steps the library search's hits: none yet
        await settle(pilot)
        assert view.current == NEEDLE_POSTS[2]
        assert "No search hits: press / to search." in [n.message for n in app._notifications]


async def test_esc_in_the_find_box_ends_the_search_and_goes_back_to_the_posts(long_db):
    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "F", *"hay", "escape")
        await settle(pilot)
        assert not app.screen.query_one(FindBar).display
        assert isinstance(app.focused, ThreadView) and not app.focused.terms


HELP_CLASSES = (ThreadsApp, MainScreen, SummaryList, ThreadList, AuthorList, FilterInput, ThreadView, FindInput,
                LinksScreen, SearchScreen, ImportScreen, TagsScreen, NoteScreen, HighlightsScreen, HelpScreen,
                KeyScroll)


async def test_help_lists_every_key_of_every_screen_and_pane_and_explains_the_marks(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        texts = [str(section.render()) for section in app.screen.query(".help-section")]
        keys_shown = {line[:KEY_COLUMN].strip() for text in texts for line in text.splitlines()[1:]}
        shown_keys = {key for keys in keys_shown for key in keys.split(" / ")}
        lines = [line for text in texts for line in text.splitlines()]
        for owner in HELP_CLASSES:
            for binding in owner.BINDINGS:
                assert isinstance(binding, Binding)
                for key in binding.key.split(","):
                    if owner is HelpScreen or owner is KeyScroll:
                        continue  # the help's own keys are in its hint line
                    assert key_label(key) in shown_keys, (owner.__name__, key)
                if "." not in binding.action and owner not in (HelpScreen, KeyScroll):
                    assert any(line.startswith(key_label(binding.key) + " ") and
                               line.endswith(binding.description) for line in lines), (owner.__name__, binding)
        titles = [text.splitlines()[0] for text in texts]
        for where in ("Everywhere", "Thread list", "Reading pane", "More from", "Search dialog", "Import dialog",
                      "Tags and note dialogs", "Highlights view", "Links of a post"):
            assert any(title.startswith(where) for title in titles), where
        marks = next(text for text in texts if text.startswith("Marks"))
        assert "● unread" in marks and "★ bookmarked" in marks and "◐ a preview" in marks


async def test_at_60x15_the_footer_keeps_help_and_quit(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert footer_keys(app)[-2:] == ["? Help", "q Quit"]
        assert footer_keys(app)[0] == "⏎ Open"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ThreadView)
        assert footer_keys(app)[-2:] == ["? Help", "q Quit"]
        assert footer_keys(app)[0] == "space"
        # A palette command (its footer made again while the palette covered the screen) keeps them too.
        await pilot.press("ctrl+p", *"Sort: oldest")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.sort_order == "oldest"
        for _ in range(5):  # the footer is fitted a frame after it is made again
            await pilot.pause(0.05)
        assert footer_keys(app)[-2:] == ["? Help", "q Quit"]


async def test_at_60x15_the_footer_keeps_help_and_quit_after_a_search(sample_db):
    """The footer is made again once the search dialog closes (its keys were off beneath it)."""
    app = make_app(sample_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for keys in (["slash", *"text", "enter"], ["slash", "escape"]):
            await pilot.press(*keys)
            await settle(pilot)
            assert not isinstance(app.screen, SearchScreen)
            for _ in range(5):  # the footer is fitted a frame after it is made again
                await pilot.pause(0.05)
            assert footer_keys(app)[-2:] == ["? Help", "q Quit"]
            assert footer_keys(app)[0] == "space"  # the reading pane's keys: the hit's thread has focus


def shown(app: ThreadsApp, selector: str) -> bool:
    return all(node.display for node in app.screen.query_one(selector).ancestors_with_self if node is not app.screen)


async def test_below_80_columns_one_pane_shows_at_a_time(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert shown(app, "#list-pane") and not shown(app, "#reading-pane") and not shown(app, "#sidebar")
        assert app.screen.query_one("#list-pane").outer_size.width == SMALL[0]
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app, "#reading-pane") and not shown(app, "#list-pane")
        assert app.screen.query_one("#reading-pane").outer_size.width == SMALL[0]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.focused, ThreadList) and shown(app, "#list-pane") and not shown(app, "#reading-pane")
        await pilot.press("tab")
        await settle(pilot)
        assert isinstance(app.focused, ThreadView) and shown(app, "#reading-pane")
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.focused, ThreadList) and shown(app, "#list-pane")
        await pilot.press("l", "l")
        await settle(pilot)
        assert isinstance(app.focused, AuthorList) and shown(app, "#sidebar") and not shown(app, "#reading-pane")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.focused, ThreadView) and shown(app, "#reading-pane") and not shown(app, "#sidebar")
        await pilot.press("shift+tab")
        await settle(pilot)
        assert isinstance(app.focused, ThreadList) and shown(app, "#list-pane")
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert shown(app, "#list-pane") and shown(app, "#reading-pane") and shown(app, "#sidebar")


@pytest.mark.parametrize("size", [SMALL, (80, 24), WIDE])
async def test_the_header_breaks_only_between_its_parts(sample_db, size):
    app = make_app(sample_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        if size == SMALL:
            await pilot.press("enter")
            await settle(pilot)
        header = app.screen.query_one(ThreadHeader)
        lines = [header.render_line(y).text.strip() for y in range(header.size.height)]
        parts = header_parts(app.screen.thread)
        assert len(lines) >= 2  # the sample header does not fit on one line at these widths
        for line in lines[:-1]:
            assert line.endswith(" ·"), lines
        joined = [part for line in lines for part in line.removesuffix(" ·").split(" · ")]
        assert joined == parts, lines


async def test_the_command_palette_reaches_the_new_keys(long_db):
    from .test_reader import run_command

    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        await run_command(pilot, "half page down")
        assert view.scroll_y == view.scrollable_content_region.height // 2
        await run_command(pilot, "half page up")
        assert view.scroll_y == 0
        await run_command(pilot, "pane to the left")
        assert isinstance(app.focused, ThreadList)
        await run_command(pilot, "pane to the right")
        assert app.focused is view
        await run_command(pilot, "find in thread")
        assert isinstance(app.focused, FindInput)


def test_the_readmes_key_table_lists_every_key_of_the_main_screen():
    from tui.screens.help import KEY_NAMES

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| key | action |"):]
    table = table[:table.index("\n\n")]
    keys_in_table = {cell for row in table.splitlines() for cell in row.split("|")[1].replace(",", " ").split("`")}
    arrows = {"down", "up", "home", "end"}  # "arrows" in the table
    for owner in (ThreadsApp, MainScreen, SummaryList, ThreadList, ThreadView):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            for key in set(binding.key.split(",")) - arrows:
                assert KEY_NAMES.get(key, key) in keys_in_table, (owner.__name__, key)
