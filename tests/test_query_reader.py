"""The query language in the reader: `/` with fields and phrases, the list filter `f`, errors as
you type, and saved searches rerun from the palette (Pilot, on the samples)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tui.finding import search_library
from tui.importing import run_import
from tui.library import Library
from tui.screens.search import SearchNameScreen, SearchScreen
from tui.user_data import UserData
from tui.widgets.hit_list import HitList
from tui.widgets.thread_list import ThreadList

from .conftest import SAMPLES
from .test_reader import WIDE, make_app, settle


@pytest.fixture
def samples_db(db_path: Path) -> Path:
    report = run_import([SAMPLES], Library.open(db_path))
    assert not report.failures
    return db_path


async def test_slash_takes_fields_and_enter_opens_the_first_hit(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"from:wren has:image", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        assert app.screen.thread.author_handle == "wren@fedi.example"
        assert app.screen.current_post_index() == 1  # post 2 of 3: the only one with a photo
        assert [hit.n for hit in app.session.hits] == [2]
        said = [notice.message for notice in app._notifications]
        assert "Hit 1 of 1 for 'from:wren has:image'" in said  # no "n / N for more": there is none


async def test_the_search_dialog_closes_on_the_first_hits_thread_already_open(samples_db):
    """Enter opens the hit in the reader beneath the dialog before it closes: the first frame of the
    reader shows the hit, not the thread open before, and the thread list has it selected."""
    app = make_app(samples_db)
    uncovered = []

    def screen_changed(screen) -> None:
        if screen is app.main_screen:
            thread = screen.thread
            uncovered.append((thread.author_handle if thread else None, screen.current_post_index(),
                              screen.thread_list.current["id"] if screen.thread_list.current else None))

    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.screen_change_signal.subscribe(app.main_screen, screen_changed, immediate=True)
        await pilot.press("slash", *"from:wren has:image", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        assert uncovered == [("wren@fedi.example", 1, app.session.hits[0].thread_id)]


async def test_slash_highlights_a_phrase_in_the_snippets(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"short thread" -rye')
        await settle(pilot)
        hit_list = app.screen.query_one(HitList)
        assert len(hit_list.items) == 1
        where, snippet = hit_list.format_item(hit_list.items[0], 100)
        assert "How I fixed the squeaky stairs" in where.plain
        marked = [snippet.plain[span.start:span.end] for span in snippet.spans]
        assert marked == ["short thread"]


async def test_a_malformed_query_says_what_and_where_as_you_type(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"frm:wren")
        await settle(pilot)
        status = app.screen.query_one("#search-status", Static)
        assert str(status.render()) == "unknown field 'frm:' at column 1; fields: from, since, until, has, is, tag"
        assert status.has_class("-error")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)  # nothing to open
        await pilot.press("end", "ctrl+u", *"OR wren")
        await settle(pilot)
        assert str(status.render()) == "OR with nothing before it at column 1"
        await pilot.press("home", "delete", "delete", "delete")
        await settle(pilot)
        assert not status.has_class("-error") and "hit" in str(status.render())


async def test_f_filters_threads_by_the_language_and_the_title_says_so(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        total = len(app.library)
        await pilot.press("f", *"is:preview")
        await settle(pilot)
        previews = [s["id"] for s in app.library.summaries() if not s["complete"]]
        assert [item["id"] for item in thread_list.items] == previews
        assert app.screen.query_one("#list-pane").border_title == f"{len(previews)} of {total}: is:preview"
        # A word only in a post (not a title): its thread is found once the posts are scanned.
        await pilot.press(*[" "], *"towpath")
        await settle(pilot)
        assert [item["id"] for item in thread_list.items] == []  # the canal guide is no preview
        await pilot.press(*["backspace"] * len("is:preview towpath"), *"towpath")
        await settle(pilot)
        assert [item["author_handle"] for item in thread_list.items] == ["nadia-quill.bsky.social"]


async def test_a_malformed_filter_is_told_under_the_box_and_the_last_good_one_stays(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        await pilot.press("f", *"from:theo_types")
        await settle(pilot)
        theo = [item["id"] for item in thread_list.items]
        assert theo and all(item["author_handle"] == "theo_types" for item in thread_list.items)
        await pilot.press(*' "half')
        await settle(pilot)
        error = app.screen.query_one("#filter-error", Static)
        assert error.display and str(error.render()) == "unclosed quote at column 17"
        assert [item["id"] for item in thread_list.items] == theo
        await pilot.press("escape")
        await settle(pilot)
        assert not error.display and len(thread_list.items) == len(app.library)


async def test_ctrl_s_saves_a_search_that_the_palette_runs_again(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"has:video", "ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#search-name-input", Input).has_focus
        dialog = app.screen.query_one("#keep-dialog").region  # centred over the search, as every dialog
        assert dialog.x > 0 and abs(dialog.x - (WIDE[0] - dialog.right)) <= 1
        await pilot.press(*"films", "enter")
        await settle(pilot)
        assert UserData(app.library).saved_searches() == {"films": "has:video"}
        await pilot.press("escape")
        await settle(pilot)
        [command] = [c for c in app.get_system_commands(app.screen) if c.title == "Saved search: films"]
        assert command.help == "has:video"
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search-input", Input).value == "has:video"
        assert {hit.thread_id for hit in app.screen.hits} == {
            s["id"] for s in app.library.summaries() if "video" in s["has"]}


async def test_the_filter_is_shown_in_the_title_as_typed_never_as_markup(samples_db):
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"rye [b]x[/b]")
        await settle(pilot)
        title = app.screen.query_one("#list-pane").border_title
        assert title.endswith(": rye \\[b]x\\[/b]")  # escaped: drawn as typed
        from textual.content import Content

        assert Content.from_markup(title).plain.endswith(": rye [b]x[/b]")


async def test_a_search_keeps_its_first_hits_and_says_how_many_there_are(samples_db, monkeypatch):
    """A query of one common letter finds nearly every post: the reader keeps the first (newest
    threads first), n / N step through those, and the count is of every hit."""
    import tui.screens.search

    monkeypatch.setattr(tui.screens.search, "LISTED_HITS", 3)
    app = make_app(samples_db)
    every = search_library(Library.open(samples_db), "e")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "e")
        await settle(pilot)
        status = str(app.screen.query_one("#search-status", Static).render())
        assert status.startswith(f"{len(every)} hits for 'e' (the first 3 listed, newest threads first).")
        assert [item["hit"] for item in app.screen.query_one(HitList).items] == every[:3]
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.hits == every[:3]
        await pilot.press("n", "n", "n")  # past the third: back to the first
        await settle(pilot)
        assert app.session.hit_index == 0 and app.screen.thread.id == every[0].thread_id


async def test_a_hit_opening_under_a_dialog_opened_meanwhile_leaves_that_dialog_open(samples_db, monkeypatch):
    """Enter pressed, then (by a click, which waits for nothing) the save dialog opened before the
    search ended: the hit opens beneath, and the dialog the user is typing in stays."""
    import time

    import tui.screens.search as search_screen

    search = search_screen.search_library

    def slowly(*args, **kwargs):
        time.sleep(0.5)
        return search(*args, **kwargs)

    monkeypatch.setattr(search_screen, "search_library", slowly)
    app = make_app(samples_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"sourdough")
        app.screen.query_one(Input).post_message(Input.Submitted(app.screen.query_one(Input), "sourdough"))
        await pilot.pause(0.2)
        assert isinstance(app.screen, SearchScreen)
        app.screen.action_save_search()
        await pilot.pause(0.05)
        assert isinstance(app.screen, SearchNameScreen)
        await settle(pilot)
        assert isinstance(app.screen, SearchNameScreen)
        assert app.main_screen.thread is not None and app.main_screen.thread.id == app.session.hits[0].thread_id
