"""The reader through the Pilot: every key in DESIGN.md's table, on the sample library."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import zipfile
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import Footer, Input
from textual.worker import WorkerCancelled

import tui.screens.import_screen
from tui.app import ThreadsApp
from tui.importing import ImportReport, run_import
from tui.formatting import author_label
from tui.library import Library, shard_files, shard_files_of, shard_for
from tui.user_data import UserData
from tui.model import Post, Thread
from tui.screens.help import HelpScreen
from tui.screens.import_screen import ImportScreen
from tui.screens.search import SearchScreen
from tui.search import SEARCH_FILE_MAGIC
from tui.widgets.author_list import AuthorList
from tui.widgets import reading_pane
from tui.widgets.reading_pane import ThreadView
from tui.widgets.thread_list import ThreadList, date_label

from .conftest import FIXTURES, SAMPLES
from .summary_files import summaries_path

WIDE = (120, 40)
NARROW = (80, 24)


@pytest.fixture
def sample_db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library holding the Thread Reader samples, and no system clipboard (OSC 52 only)."""
    monkeypatch.setenv("THREADS_TUI_NO_SYSTEM_CLIPBOARD", "1")
    report = run_import([SAMPLES / "threadreader"], Library.open(db_path))
    assert not report.failures
    return db_path


def make_app(db: Path, import_paths: tuple[Path, ...] = ()) -> ThreadsApp:
    """The reader on `db`, with its delays at 0: delayed work runs at once, no test waits on a clock."""
    app = ThreadsApp(Library.open(db), import_paths)
    app.session.delays.mark_read_after = 0
    app.session.delays.save_state_after = 0
    app.session.delays.search_delay = 0
    app.session.delays.open_after = 0
    return app


def view_text(app: ThreadsApp) -> str:
    """What the reading pane holds, as plain text (all lines, not just visible ones)."""
    view = app.screen.query_one(ThreadView)
    return "\n".join(text.plain for text, _ in view._lines)


def flat(text: str) -> str:
    """Text with wrapping undone: runs of whitespace as one space."""
    return " ".join(text.split())


def visible_lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def settle(pilot) -> None:
    """Let workers finish and the messages they post be handled (twice: a worker may start another).

    A worker overtaken by a newer one of its exclusive group (the library's reload, when the watch
    timer fires on a loaded machine) ends cancelled: that is the newer one's work, not a failure.
    """
    for _ in range(2):
        for _ in range(10):
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                await pilot.pause()
        await pilot.pause()


def header(app: ThreadsApp) -> str:
    return str(app.screen.query_one("#thread-header").render())


async def test_opens_with_library_newest_first_and_first_thread_open(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        assert app.focused is thread_list
        titles = [item["title"] for item in thread_list.items]
        assert titles[0].startswith("I baked one sourdough loaf")
        assert len(titles) == len(app.library)
        assert header(app).startswith("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets · 3 min read")
        lines = visible_lines(thread_list)
        assert "I baked one sourdough" in lines[0]
        assert "@mira_bakes · 15 Oct 2021" in lines[1]


async def test_j_k_and_arrows_move_through_threads_and_open_them(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        await pilot.press("j")
        await settle(pilot)
        assert thread_list.cursor == 1
        assert app.screen.thread.id == thread_list.items[1]["id"]
        assert "Rye is not wheat" in view_text(app)
        await pilot.press("down", "down", "k")
        await settle(pilot)
        assert thread_list.cursor == 2
        await pilot.press("G")
        await settle(pilot)
        assert thread_list.cursor == len(thread_list.items) - 1
        await pilot.press("g")
        assert thread_list.cursor == 0


async def test_reading_pane_numbers_posts_and_steps_pages(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        view = app.screen.query_one(ThreadView)
        assert app.focused is view
        text = view_text(app)
        assert [line for line in text.splitlines() if line.endswith("/7") and line[0].isdigit()] == [
            f"{n}/7" for n in range(1, 8)]
        assert "[image]" in text and "- a Dutch oven" in text
        await pilot.press("j", "j")
        assert view.current == 2
        await pilot.press("k")
        assert view.current == 1
        await pilot.press("g")
        assert view.current == 0 and view.scroll_y == 0
        await pilot.press("space")
        assert view.scroll_y > 0
        scrolled = view.scroll_y
        await pilot.press("b")
        assert view.scroll_y < scrolled
        await pilot.press("G")
        assert view.current == 6 and view.scroll_y == view.max_scroll_y
        await pilot.press("pageup")
        assert view.scroll_y < view.max_scroll_y


async def test_tab_moves_focus_between_panes(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, ThreadList)
        await pilot.press("tab")
        assert isinstance(app.focused, ThreadView)
        await pilot.press("tab")
        assert isinstance(app.focused, AuthorList)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ThreadView)


async def test_copy_post_and_thread_as_clean_text(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "j", "j", "c")
        await settle(pilot)
        assert app.clipboard.startswith(
            "@mira_bakes (Mira Holt) · 15 Oct 2021 · post 4/7\nHydration is the number people argue about.")
        assert app.clipboard.endswith("[image]\n[image]")
        messages = [n.message for n in app._notifications]
        assert any("Copied post 4/7" in m and "terminal clipboard (OSC 52)" in m for m in messages)
        await pilot.press("C")
        await settle(pilot)
        assert app.clipboard.startswith("Mira Holt (@mira_bakes) · 15 Oct 2021 · 7 tweets · 3 min read\n\n1/7\n")
        assert "\n7/7\n" in app.clipboard
        messages = [n.message for n in app._notifications]
        assert f"Copied the thread (7 tweets), {len(app.clipboard):,} characters, to the terminal clipboard (OSC 52)." \
            in messages


async def test_search_opens_the_thread_at_the_hit_and_n_steps(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"text")
        await settle(pilot)
        hits = app.screen.hits
        assert len(hits) >= 2
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        first = app.session.hits[0]
        assert app.screen.thread.id == first.thread_id
        assert app.screen.query_one(ThreadView).current == first.n - 1
        assert "text" in app.screen.query_one(ThreadView).terms
        await pilot.press("n")
        await settle(pilot)
        assert app.session.hit_index == 1
        second = app.session.hits[1]
        assert (app.screen.thread.id, app.screen.query_one(ThreadView).current) == (second.thread_id, second.n - 1)
        await pilot.press("N")
        await settle(pilot)
        assert app.session.hit_index == 0
        await pilot.press("slash")  # the last query again, searched at once
        await settle(pilot)
        assert app.screen.query_one("#search-input", Input).value == "text"
        await pilot.press("down", "enter")  # ↓ picks the next hit: the second
        await settle(pilot)
        assert app.session.hit_index == 1
        assert (app.screen.thread.id, app.screen.query_one(ThreadView).current) == (second.thread_id, second.n - 1)
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("down", "up", "down", "enter")
        await settle(pilot)
        assert app.session.hit_index == 1


async def test_search_finds_authors_and_handles_and_says_when_nothing_matches(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"@ines_on_rails")
        await settle(pilot)
        assert {h.thread_id for h in app.screen.hits} == {
            s["id"] for s in app.library.summaries() if s["author_handle"] == "ines_on_rails"}
        await pilot.press(*"zzqx")
        await settle(pilot)
        assert app.screen.hits == []
        assert "No hits" in str(app.screen.query_one("#search-status").render())
        assert "".join(visible_lines(app.screen.query_one("#search-results"))).strip() == ""  # said once, above
        await pilot.press("escape")
        assert not isinstance(app.screen, SearchScreen)


async def test_import_key_runs_in_a_worker_and_reports(sample_db, tmp_path):
    bad = tmp_path / "junk.txt"
    bad.write_bytes(b"\x00\x01binary")
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        before = len(app.library)
        await pilot.press("i")
        assert isinstance(app.screen, ImportScreen)
        app.screen.query_one("#import-path").value = f"{FIXTURES / 'threadreader'}; {bad}"
        await pilot.press("enter")
        await settle(pilot)
        report = str(app.screen.query_one("#import-report").render())
        assert "3 added, 0 updated, 0 unchanged, 1 file failed" in report
        assert f"failed: {bad}: binary data" in report
        assert report.startswith("Done: 2 files, 3 threads found.")
        await pilot.press("j", "x", "y")  # j scrolls the summary; x starts a new path
        path_input = app.screen.query_one("#import-path", Input)
        assert app.focused is path_input and path_input.value == "xy"
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.library) == before + 3
        assert len(app.screen.query_one(ThreadList).items) == before + 3


async def test_import_path_input_completes(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        path_input = app.screen.query_one("#import-path")
        path_input.focus()
        await pilot.press(*str(SAMPLES / "threadreader" / "mira"))
        await settle(pilot)
        await pilot.press("tab")
        assert path_input.value == str(SAMPLES / "threadreader" / "mira-sourdough.txt")
        assert app.focused is path_input


async def test_bookmark_key_persists_and_filters(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "m")
        await settle(pilot)
        bookmarked_id = app.screen.thread.id
        assert app.session.states[bookmarked_id]["bookmarked"] is True
        assert "★" in visible_lines(app.screen.query_one(ThreadList))[2]
        await pilot.press("B")
        await settle(pilot)
        assert [s["id"] for s in app.screen.query_one(ThreadList).items] == [bookmarked_id]
        await pilot.press("B")
        await settle(pilot)
    assert UserData(Library.open(sample_db)).state(bookmarked_id)["bookmarked"] is True


async def test_filter_narrows_the_list_as_you_type(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"theo")
        await settle(pilot)
        items = app.screen.query_one(ThreadList).items
        assert items and all(i["author_handle"] == "theo_types" for i in items)
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen.query_one(ThreadList).items) == len(app.library)


async def test_the_footer_shows_esc_clear_filter_only_while_there_is_a_filter(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert "esc Clear filter" not in footer_keys(app)
        await pilot.press("f", *"theo", "enter")
        await settle(pilot)
        assert isinstance(app.focused, ThreadList) and "esc Clear filter" in footer_keys(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "esc Clear filter" not in footer_keys(app)
        assert len(app.screen.query_one(ThreadList).items) == len(app.library)
        await pilot.press("f", "escape")  # an empty filter box closes with esc too
        await settle(pilot)
        assert not app.screen.query_one("#filter").display and isinstance(app.focused, ThreadList)


async def test_a_filter_that_matches_nothing_leaves_the_thread_being_read_open(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")
        await settle(pilot)
        reading = app.screen.thread.id
        await pilot.press("f", *"zzzq")
        await settle(pilot)
        assert len(app.screen.query_one(ThreadList).items) == 0
        assert "No thread matches the filter." in flat(" ".join(visible_lines(app.screen.query_one(ThreadList))))
        assert app.screen.thread.id == reading
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.thread.id == reading
        assert app.screen.query_one(ThreadList).current["id"] == reading


async def test_f_with_the_sidebar_in_the_lists_place_brings_the_list_back(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert not app.screen.query_one("#list-pane").display
        await pilot.press("f")
        await settle(pilot)
        filter_input = app.screen.query_one("#filter", Input)
        assert app.screen.query_one("#list-pane").display and filter_input.display
        assert app.focused is filter_input
        await pilot.press(*"theo")
        await settle(pilot)
        assert filter_input.value == "theo"
        assert {i["author_handle"] for i in app.screen.query_one(ThreadList).items} == {"theo_types"}


async def test_more_from_author_lists_other_threads_and_enter_opens(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"every terminal", "enter")
        await settle(pilot)
        assert app.screen.thread.title.startswith("Every terminal habit")
        author_list = app.screen.query_one(AuthorList)
        assert "More from @theo_types" in str(app.screen.query_one("#sidebar-title").render())
        assert [i["date"] for i in author_list.items] == ["--12-21", "--12-02", "--01-04"]
        author_list.focus()
        await pilot.press("j", "enter")
        await settle(pilot)
        assert app.screen.thread.title.startswith("Why I stopped using a mouse")
        assert "Preview: 1 of 11 tweets. The other 10 are missing from this copy." in flat(view_text(app))
        assert "1 of 11 tweets (preview)" in header(app)


async def test_help_lists_every_key(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(s.render()) for s in app.screen.query(".help-section"))
        for description in ("Import", "Search", "Copy", "Copy thread", "Next hit", "Previous hit", "Bookmark",
                            "Bookmarked only", "Filter", "Sidebar", "Help", "Quit", "Next post",
                            "Page down", "Page up", "Top", "Bottom", "Move between panes", "Command palette"):
            assert description in shown, description
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_reaches_actions(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await run_command(pilot, "copy thread")
        assert app.clipboard.startswith("Mira Holt (@mira_bakes)")


async def test_narrow_terminal_hides_sidebar_and_s_toggles_it(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one("#sidebar")
        assert not sidebar.display
        assert app.screen.query_one(ThreadView).size.width >= 40
        others = len(app.screen.query_one(AuthorList).items)
        assert others > 0  # the first sample thread's author has more
        reading_pane = app.screen.query_one("#reading-pane")
        assert reading_pane.border_subtitle == f"s: {others} more from @mira_bakes"  # the hidden sidebar's key
        await pilot.press("s")
        await pilot.pause()
        assert sidebar.display and reading_pane.border_subtitle == ""
        await pilot.press("s")
        await pilot.pause()
        assert not sidebar.display
        assert reading_pane.border_subtitle == f"s: {others} more from @mira_bakes"
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert sidebar.display and reading_pane.border_subtitle == ""


async def test_quit_saves_reading_position_and_read_marks(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "j")
        await settle(pilot)
        thread_id = app.screen.thread.id
        await pilot.press("q")
    app.session.save_changed()
    state = UserData(Library.open(sample_db)).state(thread_id)
    assert state["position"] == 2 and state["read"] is True

    again = make_app(sample_db)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert again.screen.query_one(ThreadView).current == 2
        assert "●" not in visible_lines(again.screen.query_one(ThreadList))[0]


async def test_an_import_at_start_tells_only_the_counts_that_are_not_0(sample_db):
    before = len(Library.open(sample_db))
    app = make_app(sample_db, import_paths=(SAMPLES,))
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        added = len(app.library) - before
        assert added > 0
        assert [n.message for n in app._notifications] == [f"Imported samples: {added} added, {before} unchanged."]
    again = make_app(sample_db, import_paths=(SAMPLES / "threadreader" / "theo-terminal.txt",))
    async with again.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        assert [n.message for n in again._notifications] == ["Imported theo-terminal.txt: 4 unchanged."]


async def test_ctrl_c_says_which_key_quits(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert [n.message for n in app._notifications] == ["Press q to quit (ctrl+q in a text box)."]
        await pilot.press("i", "q")  # in a dialog q is typed, not the app's quit
        await pilot.pause()
        assert app.is_running and app.screen.query_one("#import-path", Input).value == "q"
        await pilot.press("ctrl+q")  # ctrl+q quits from anywhere
        await pilot.pause()
        assert not app.is_running


async def test_a_reader_that_cannot_stop_after_a_signal_saves_and_exits_anyway(sample_db, monkeypatch):
    import tui.app

    exits = []
    monkeypatch.setattr(tui.app, "QUIT_GRACE_SECONDS", 0.2)
    monkeypatch.setattr(tui.app.os, "_exit", exits.append)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter", "j")
        await settle(pilot)
        thread_id = app.screen.thread.id
        monkeypatch.setattr(app, "exit", lambda *args, **kwargs: None)  # stuck: its terminal gone, say
        app._quit_on_signal(15)
        for _ in range(50):
            await pilot.pause(0.05)
            if exits:
                break
        assert exits == [143]
        state = UserData(Library.open(sample_db)).state(thread_id)
        assert state["position"] == 1 and state.get("last_open")


async def test_the_reader_reopens_the_thread_it_was_quit_on(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter", "j")  # the fifth thread (4 posts), at its second post
        await settle(pilot)
        thread_id = app.screen.thread.id
        assert app.screen.query_one(ThreadList).cursor == 4
        assert app.screen.query_one(ThreadView).current == 1
        await pilot.press("q")
    app.session.save_changed()

    again = make_app(sample_db)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert again.screen.query_one(ThreadList).cursor == 4
        assert again.screen.thread.id == thread_id
        assert again.screen.query_one(ThreadView).current == 1
        await pilot.press("k", "k", "enter")  # another thread open at the next quit wins
        await settle(pilot)
        other_id = again.screen.thread.id
        await pilot.press("q")
    again.session.save_changed()
    third = make_app(sample_db)
    async with third.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert third.screen.thread.id == other_id != thread_id


async def test_markup_and_escapes_in_threads_show_as_typed(db_path, tmp_path):
    page = tmp_path / "evil.txt"
    page.write_text(
        "[red]Mal[/red] Profile picture\n3 Mar\n2 tweets, 1 min read\n"
        "[bold]not bold[/bold] and [link=https://x.example]click[/link] \x1b[31mred\x1b]0;t\x07\n"
        "Second $var [@click=app.quit]quit[/]\n\n• • •\n"
    )
    run_import([page], Library.open(db_path))
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        text = view_text(app)
        assert "[bold]not bold[/bold] and [link=https://x.example]click[/link] red" in flat(text)
        assert "Second $var [@click=app.quit]quit[/]" in flat(text)
        assert header(app).startswith("[red]Mal[/red] · 3 Mar")
        rendered = "".join(visible_lines(app.screen.query_one(ThreadView)))
        assert "[bold]not bold[/bold]" in rendered and "\x1b" not in rendered
        assert "[red]Mal[/red] · 3 Mar" in visible_lines(app.screen.query_one(ThreadList))[1]


async def test_reader_picks_up_changes_made_by_another_process(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        before = len(app.screen.query_one(ThreadList).items)
        run_import([FIXTURES / "threadreader"], Library.open(sample_db))
        app.check_library()
        await settle(pilot)
        assert len(app.screen.query_one(ThreadList).items) == before + 3


async def test_the_readers_own_saves_are_not_read_back_but_other_writes_are(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        library = app.library
        await pilot.press("j", "m")
        await settle(pilot)
        bookmarked_id = app.screen.thread.id
        assert UserData(Library.open(sample_db)).state(bookmarked_id)["bookmarked"] is True  # written to disk
        assert not library.changed_on_disk()
        states = app.session.states
        app.check_library()
        await settle(pilot)
        assert app.library is library and app.session.states is states  # its own save: nothing read again
        other = next(s["id"] for s in library.summaries() if s["id"] != bookmarked_id)
        UserData(Library.open(sample_db)).set_state(other, read=True)  # a read mark by another process
        app.check_library()
        await settle(pilot)
        assert app.library is library and app.session.states is not states
        assert app.session.states[other]["read"] is True and app.session.states[bookmarked_id]["bookmarked"] is True
        before = len(app.screen.query_one(ThreadList).items)
        run_import([FIXTURES / "threadreader"], Library.open(sample_db))
        await pilot.press("m")  # this save starts from a file the reader has not read
        await settle(pilot)
        assert library.changed_on_disk()
        app.check_library()
        await settle(pilot)
        assert app.library is not library
        assert len(app.screen.query_one(ThreadList).items) == before + 3
        assert app.session.states[bookmarked_id]["bookmarked"] is False


async def test_every_sample_format_opens_in_the_reader(db_path):
    report = run_import([SAMPLES], Library.open(db_path))
    assert not report.failures
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        assert len(thread_list.items) == len(app.library) == len(report.counts.added)
        sources = {Path(item["source"].split(",")[0]).parent.name for item in thread_list.items}
        assert {"threadreader", "bluesky", "mastodon"} <= sources
        for _ in thread_list.items:
            await settle(pilot)
            assert app.screen.thread is not None and app.screen.thread.id == thread_list.current["id"]
            assert view_text(app).startswith(("1/", "Preview", "Incomplete"))
            await pilot.press("j")


async def test_empty_library_says_how_to_import(db_path):
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert "No threads. Press i to import." in flat(" ".join(visible_lines(app.screen.query_one(ThreadList))))
        assert all(line.startswith(" ") for line in visible_lines(app.screen.query_one(ThreadList)) if line.strip())
        sidebar_text = flat(" ".join(visible_lines(app.screen.query_one(AuthorList))))
        assert "Open a thread to see more by its author." in sidebar_text and "No other threads" not in sidebar_text
        await pilot.press("c")
        await settle(pilot)
        assert any("nothing to copy" in n.message for n in app._notifications)


EVIL_NAME = "[bold red]BAD[\\bold] x\x1b]0;pwn2\x07.txt"
EVIL_SHOWN = "[bold red]BAD[\\bold] x.txt"


def rendered(app: ThreadsApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


class HeldImport:
    """Stands in for `run_import` in the import screen: reports a file per name, then runs until let go or cancelled."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self.names = names
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, paths, library, progress=None, cancelled=lambda: False, links=()) -> ImportReport:
        report = ImportReport()
        for name in self.names:
            report.files_done += 1
            progress(report, name)
        self.started.set()
        while not cancelled() and not self.release.wait(0.01):
            pass
        return report

    async def wait_started(self, pilot) -> None:
        assert await asyncio.to_thread(self.started.wait, 30)
        await pilot.pause()


async def start_import(pilot, value: str) -> None:
    await pilot.press("i")
    pilot.app.screen.query_one("#import-path").value = value
    await pilot.press("enter")


async def test_import_dialog_shows_file_and_zip_member_names_as_plain_text(sample_db, tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / EVIL_NAME).write_bytes(b"junk")
    with zipfile.ZipFile(folder / "archive.zip", "w") as archive:
        archive.writestr(f"[@click=app.quit]m[/] {EVIL_NAME}", b"junk")
        archive.writestr("also-junk.txt", b"junk")
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await start_import(pilot, str(folder))
        await settle(pilot)
        report = rendered(app, "#import-report")
        assert f"failed: {folder / EVIL_SHOWN}: not a format" in report
        assert f"archive.zip:[@click=app.quit]m[/] {EVIL_SHOWN}: not a format" in report
        assert "\x1b" not in report and "\x07" not in report and "pwn2" not in report


async def test_import_progress_shows_file_names_as_plain_text(sample_db, monkeypatch):
    held = HeldImport(names=(f"/somewhere/{EVIL_NAME}",))
    monkeypatch.setattr(tui.screens.import_screen, "run_import", held)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await start_import(pilot, "/somewhere")
        await held.wait_started(pilot)
        status = rendered(app, "#import-status")
        assert f"1 file done, 0 threads found · /somewhere/{EVIL_SHOWN}" in status
        assert "\x1b" not in status and "pwn2" not in status
        held.release.set()
        await settle(pilot)


async def test_import_progress_is_posted_at_most_every_100_ms(sample_db, monkeypatch):
    held = HeldImport(names=tuple(f"file-{n}.txt" for n in range(500)))
    monkeypatch.setattr(tui.screens.import_screen, "run_import", held)
    monkeypatch.setattr(tui.screens.import_screen, "monotonic", lambda: 1000.0)  # no time passes
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await start_import(pilot, "/somewhere")
        await held.wait_started(pilot)
        await settle_messages(pilot)
        assert "1 file done, 0 threads found · file-0.txt" in rendered(app, "#import-status")
        held.release.set()
        await settle(pilot)


async def settle_messages(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def test_esc_during_an_import_cancels_it_as_the_dialog_says(sample_db, monkeypatch):
    held = HeldImport(names=("one.txt",))
    monkeypatch.setattr(tui.screens.import_screen, "run_import", held)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await start_import(pilot, "/somewhere")
        await held.wait_started(pilot)
        path_input = app.screen.query_one("#import-path")
        assert "esc cancels" in rendered(app, "#import-status")
        assert app.focused is not path_input
        await pilot.press("x")
        assert path_input.value == "/somewhere"
        await pilot.press("escape")
        assert isinstance(app.screen, ImportScreen)
        await settle(pilot)
        assert "Cancelled: the threads read so far were kept." in rendered(app, "#import-status")
        assert rendered(app, "#import-report").startswith("Cancelled after 1 file, ")
        assert not app.screen.query_one("#import-progress").display  # no full bar for a cancelled import
        await pilot.press("x", "y")  # once it stopped, typing starts a new path
        assert path_input.value == "xy"
        await pilot.press("escape")
        assert not isinstance(app.screen, ImportScreen)


async def test_import_summary_scrolls_by_keys_at_80x24(sample_db, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    for n in range(40):
        (folder / f"junk-{n:02}.txt").write_bytes(b"\x00junk")
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await start_import(pilot, str(folder))
        await settle(pilot)
        scroll = app.screen.query_one("#import-report-scroll")
        assert app.focused is scroll and scroll.max_scroll_y > 0
        assert "scroll the summary" in rendered(app, "#import-status")
        await pilot.press("j", "down")
        assert scroll.scroll_y == 2
        await pilot.press("G")
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("g")
        assert scroll.scroll_y == 0


async def test_import_wording_one_file_and_an_empty_folder(sample_db, tmp_path):
    (tmp_path / "empty").mkdir()
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await start_import(pilot, str(FIXTURES / "threadreader" / "note-example.txt"))
        await settle(pilot)
        assert rendered(app, "#import-report").startswith("Done: 1 file, 3 threads found.")
        await pilot.press("tab")
        await start_import_again(pilot, str(tmp_path / "empty"))
        await settle(pilot)
        assert rendered(app, "#import-report") == f"Nothing to import: no files found in {tmp_path / 'empty'}."
        assert not app.screen.query_one("#import-progress").display


async def start_import_again(pilot, value: str) -> None:
    pilot.app.screen.query_one("#import-path").value = value
    await pilot.press("enter")


async def test_tab_completes_to_the_common_prefix_then_steps_through_matches(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        path_input = app.screen.query_one("#import-path")
        await pilot.press(*f"{SAMPLES}/th", "tab")
        assert path_input.value == f"{SAMPLES}/threadreader"
        candidates = rendered(app, "#import-candidates")
        assert "threadreader/" in candidates and "threadreader-html/" in candidates
        await pilot.press("tab")
        assert path_input.value == f"{SAMPLES}/threadreader/"
        await pilot.press("tab")
        assert path_input.value == f"{SAMPLES}/threadreader-html/"
        await pilot.press("tab")
        assert path_input.value == f"{SAMPLES}/threadreader/"
        await pilot.press(*"th", "tab")
        assert path_input.value == f"{SAMPLES}/threadreader/theo-terminal.txt"
        assert not app.screen.query_one("#import-candidates").display
        path_input.value = f"{SAMPLES}/"
        await pilot.press("tab")  # steps through the folders: a folder, not the one file in it
        await pilot.pause(0.2)
        assert path_input.value == f"{SAMPLES}/bluesky/"
        assert path_input._suggestion == ""  # the suggestion drawn after the value
        await pilot.press("tab")
        await pilot.pause(0.2)
        assert path_input.value == f"{SAMPLES}/mastodon/"
        await pilot.press(*"st")  # typing again: its completion is suggested again
        await pilot.pause(0.2)
        assert path_input.value == f"{SAMPLES}/mastodon/st"
        assert path_input._suggestion == f"{SAMPLES}/mastodon/status.json"


def toasts(app: ThreadsApp) -> str:
    """The notifications on screen, as drawn."""
    return "\n".join(str(toast.render()) for toast in app.screen.query("Toast"))


async def test_notifications_show_file_names_and_queries_as_typed(db_path, tmp_path):
    page = tmp_path / "evil.txt"
    page.write_text("Mal Profile picture\n3 Mar\n1 tweets, 1 min read\nclosing [/bold] and more\n\n• • •\n")
    quoting = tmp_path / "quoting.txt"
    quoting.write_text("Mal Profile picture\n[/b]not a date\n1 tweets, 1 min read\nhello\n")
    bad = tmp_path / "[b]junk[@click=app.quit]x.txt"
    bad.write_bytes(b"\x00junk")
    app = make_app(db_path, import_paths=(page, quoting, bad))
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        shown = flat(toasts(app))
        assert f"failed: {bad.name}: binary data" in shown
        assert "expected the thread's date, found '[/b]not a date'" in shown
        await pilot.press("slash", *"[/bold]", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.hit_query == "[/bold]"
        assert "for '[/bold]'" in flat(toasts(app))
        assert app.is_running


async def test_a_worker_that_fails_is_reported(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        last = app.screen.query_one(ThreadList).items[-1]["id"]
        shard = app.library.posts_dir / shard_files_of(app.library._meta(), shard_for(last))[-1]
        app.library._shard_cache.clear()
        shard.write_bytes(b'{"posts": {"1": ')
        await pilot.press("G")
        await settle(pilot)
        assert f"Opening the thread failed: cannot read library {shard}: not valid JSON" in flat(toasts(app))


async def test_a_library_changed_elsewhere_is_read_off_the_ui_thread(sample_db, monkeypatch):
    from tui.summary_file import Summaries

    read_on: list[str] = []
    read = Summaries.read

    def recording_read(path):
        read_on.append(threading.current_thread().name)
        return read(path)

    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        run_import([FIXTURES / "threadreader"], Library.open(sample_db))
        monkeypatch.setattr(Summaries, "read", recording_read)
        app.check_library()
        await settle(pilot)
        assert len(app.screen.query_one(ThreadList).items) == len(app.library)
        assert read_on and threading.main_thread().name not in read_on


async def test_a_library_damaged_while_the_reader_runs_is_told_and_the_list_kept(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        shown = list(app.screen.query_one(ThreadList).items)
        Library.open(sample_db).delete_threads([shown[0]["id"]])  # another process commits...
        path = summaries_path(sample_db)  # ...and its summaries file is damaged after
        path.write_bytes(re.sub(rb'"date":"[^"]*"', b'"date":"not a date"', path.read_bytes(), count=1))
        app.check_library()
        told = f"cannot read library {path}: the library is damaged (its summaries file: it fails its checksum)"
        for _ in range(100):  # the reload's worker fails: `settle` would raise it here
            await pilot.pause(0.02)
            if told in flat(toasts(app)):
                break
        assert app.is_running
        assert f"Reloading the library failed: {told}" in flat(toasts(app))
        assert list(app.screen.query_one(ThreadList).items) == shown
        for _ in range(3):  # the checks after it leave the library alone until it changes again
            app.check_library()
            await pilot.pause(0.1)
        assert flat(toasts(app)).count(told) == 1


async def test_empty_library_at_80_columns_says_how_to_import_in_full(db_path):
    app = make_app(db_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert "No threads. Press i to import." in flat(" ".join(visible_lines(app.screen.query_one(ThreadList))))
        view = app.screen.query_one(ThreadView)
        shown = flat(" ".join(visible_lines(view)))
        assert "Press i to import files or folders, or run threads-tui import PATH." in shown
        assert "Select a thread" not in shown


async def test_help_scrolls_with_the_reader_keys(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        body = app.screen.query_one("#help-body")
        assert body.max_scroll_y > 0
        await pilot.press("j", "j", "k")
        assert body.scroll_y == 1
        await pilot.press("G")
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g")
        assert body.scroll_y == 0
        await pilot.press("space")
        assert body.scroll_y > 1
        await pilot.press("b")
        assert body.scroll_y == 0
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", [WIDE, NARROW])
async def test_every_thread_row_shows_author_date_and_count(db_path, size):
    run_import([SAMPLES], Library.open(db_path))
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        lines = visible_lines(thread_list)
        rows = min(len(thread_list.items), len(lines) // 2)
        assert rows >= 8
        for index, item in enumerate(thread_list.items[:rows]):
            first, second = lines[2 * index].rstrip(), lines[2 * index + 1].rstrip()
            count = str(item["post_count"]) if item["complete"] else (
                f"◐ {item['post_count']}/{item['declared_count'] or '?'}")
            assert first.endswith(" " + count), (first, count)
            assert second.endswith(" · " + date_label(item)), second
            assert second.strip().startswith(author_label(item)[:3]), second


async def test_sidebar_rows_are_padded_and_its_empty_text_wraps(db_path):
    run_import([SAMPLES / "bluesky"], Library.open(db_path))
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        author_list = app.screen.query_one(AuthorList)
        assert not author_list.items
        assert "No other threads by this author." in flat(" ".join(visible_lines(author_list)))
        assert author_list.content_region.x == author_list.region.x + 1
        title = app.screen.query_one("#sidebar-title")
        assert author_list.content_region.x == title.content_region.x


async def test_preview_posts_are_numbered_against_the_whole_thread(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"stopped using a mouse", "enter")
        await settle(pilot)
        assert "1 of 11 tweets (preview)" in header(app)
        labels = [line for line in view_text(app).splitlines() if line[:1].isdigit() and "/" in line]
        assert labels == ["1/11"]
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard.startswith("@theo_types (Theo Park) · 2 Dec · post 1/11\nWhy I stopped using a mouse")


def styled_runs(view: ThreadView, component: str) -> list[str]:
    """The pieces of the reading pane's text drawn in a component class's style."""
    style = view.get_component_rich_style(component, partial=True)
    return [text.plain[span.start:span.end] for text, _ in view._lines for span in text.spans if span.style == style]


async def test_links_stop_before_brackets_quotes_and_closing_punctuation(db_path, tmp_path):
    page = tmp_path / "links.txt"
    page.write_text(
        "Lin Profile picture\n3 Mar\n1 tweets, 1 min read\n"
        "[link=https://a.example/x]click[/link] and https://b.example/y]click[/link] "
        "(https://c.example/z) \"https://d.example/q\" <https://e.example/r>. "
        "https://en.wikipedia.org/wiki/Foo_(bar) and https://f.example/@lin @lin@g.example\n\n• • •\n")
    run_import([page], Library.open(db_path))
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        assert styled_runs(view, "thread-view--link") == [
            "https://a.example/x", "https://b.example/y", "https://c.example/z", "https://d.example/q",
            "https://e.example/r", "https://en.wikipedia.org/wiki/Foo_(bar)", "https://f.example/@lin"]
        assert styled_runs(view, "thread-view--mention") == ["@lin@g.example"]


def contrast(one, other) -> float:
    """The WCAG contrast ratio of two colours."""
    def luminance(color) -> float:
        channels = [c / 255 for c in color.get_truecolor()]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_mentions_are_readable_and_unlike_links(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        background = view.background_colors[1].rich_color
        mention = view.get_component_rich_style("thread-view--mention", partial=True)
        link = view.get_component_rich_style("thread-view--link", partial=True)
        assert contrast(mention.color, background) >= 4.5
        assert contrast(link.color, background) >= 4.5
        assert mention.color != link.color and not mention.underline


async def test_posts_not_tweets_outside_twitter(db_path):
    library = Library.open(db_path)
    run_import([SAMPLES / "mastodon", SAMPLES / "bluesky"], library)
    library.add_threads([Thread(posts=[Post("Part one of five.", id="at://did:plc:nadiaquill/app.bsky.feed.post/9")],
                                author_name="Nadia Quill", author_handle="nadia-quill.bsky.social",
                                declared_count=5, complete=False)])
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        for index in range(len(thread_list.items)):
            thread_list.select(index)
            await settle(pilot)
            shown = " ".join([header(app), view_text(app), *visible_lines(app.screen.query_one(AuthorList))])
            assert "tweet" not in shown and " posts" in shown, shown
        thread_list.select(next(i for i, item in enumerate(thread_list.items) if not item["complete"]))
        await settle(pilot)
        assert "1 of 5 posts (preview)" in header(app)
        assert "Preview: 1 of 5 posts. The other 4 are missing from this copy." in flat(view_text(app))


def footer_keys(app: ThreadsApp) -> list[str]:
    """The footer as drawn, item by item; each must end within the screen's width."""
    items = []
    for widget in app.screen.query_one(Footer).query("FooterKey, FooterLabel"):
        if widget.display and widget.region.width:
            assert widget.region.right <= app.size.width, widget
            items.append(" ".join(str(widget.render()).split()))
    return items


async def test_footer_shows_the_keys_of_the_focused_pane_within_80_columns(sample_db):
    everywhere = ["c", "C", "Copy", "i Import", "/ Search", "? Help", "q Quit"]
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert footer_keys(app) == ["⏎ Open", "f Filter", "m", "B", "Bookmarks", *everywhere]
        await pilot.press("tab")
        await settle(pilot)
        assert isinstance(app.focused, ThreadView)
        # In the reading pane, `y` (copy the selected posts as a quote) joins the copy keys.
        assert footer_keys(app) == ["space", "b", "Page", "g", "G", "Top/Bottom", "n", "N", "Hits",
                                    "c", "C", "y", "Copy", *everywhere[3:]]
        await pilot.press("s")
        app.screen.query_one(AuthorList).focus()
        await settle(pilot)
        assert footer_keys(app) == ["⏎ Open", "s Hide", *everywhere]
    async with make_app(sample_db).run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert footer_keys(pilot.app)[-1] == "^p palette"


async def test_a_dialog_footer_shows_the_dialogs_keys_and_the_apps_keys_are_off_there(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        for key, keys in (("i", ["esc Close / cancel"]), ("slash", ["esc Close search", "^s Save search"]), ("question_mark", ["esc Close help"])):
            await pilot.press(key)
            await settle(pilot)
            assert footer_keys(app) == keys, key
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("slash", *"theo")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert footer_keys(app) == ["⏎ Open", "esc Close search", "^s Save search"]
        await pilot.press("i", "q")  # the app's keys do nothing here: no import dialog, no quit
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen) and app.is_running


async def test_a_new_width_keeps_the_current_post(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"every terminal", "enter", "enter", "j", "j")
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        assert view.thread.title.startswith("Every terminal habit") and view.current == 2
        for keys in (("s",), ("s",)):  # the sidebar hidden, then shown: the pane's width changes
            await pilot.press(*keys)
            await settle(pilot)
            assert view.current == 2
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert view.current == 2
        await pilot.press("G")
        await settle(pilot)
        assert view.current == view.thread.post_count - 1
        await pilot.press("g", "space", "space", "space")  # paging to the end still makes the last post current
        await settle(pilot)
        assert view.current == view.thread.post_count - 1


async def test_text_wraps_at_one_width_in_short_and_long_threads(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        widths = {}
        for index in range(len(app.screen.query_one(ThreadList).items)):
            app.screen.query_one(ThreadList).select(index)
            await settle(pilot)
            widths[view.thread.post_count] = view._text_width()
        assert len(widths) > 1 and len(set(widths.values())) == 1, widths  # scrollbar shown or not


async def test_hiding_the_sidebar_it_has_focus_moves_focus_to_the_reading_pane(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, AuthorList)
        await pilot.press("s")
        await pilot.pause()
        assert not app.screen.query_one("#sidebar").display
        assert isinstance(app.focused, ThreadView)


async def test_sidebar_choice_holds_for_one_width_class_and_never_squeezes_the_reading_pane(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one("#sidebar")
        view = app.screen.query_one(ThreadView)
        await pilot.press("s", "s")  # hidden, then shown again, at 120 columns
        await pilot.pause()
        assert sidebar.display
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert not sidebar.display and view.size.width >= 40
        width = view.size.width
        await pilot.press("s")  # shown at 80 columns: in the thread list's place, the text keeps its width
        await pilot.pause()
        assert sidebar.display and view.size.width == width
        assert app.focused is not None and app.focused.display
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert sidebar.display and app.screen.query_one("#list-pane").display
        await pilot.press("s")
        await pilot.pause()
        await pilot.resize_terminal(*NARROW)
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert sidebar.display


def is_read(app: ThreadsApp, thread_id: str) -> bool:
    return bool(app.session.states.get(thread_id, {}).get("read"))


async def test_resting_on_a_thread_in_the_list_leaves_it_unread(sample_db):
    app = make_app(sample_db)  # mark_read_after is 0: any dwell rule would mark at once
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ThreadList).items
        await pilot.press("j", "j")
        await settle(pilot)
        assert app.screen.thread.id == items[2]["id"]
        assert not any(is_read(app, item["id"]) for item in items[:3])
        assert "●" in visible_lines(app.screen.query_one(ThreadList))[0]
        await pilot.press("enter")
        await settle(pilot)
        assert is_read(app, items[2]["id"]) and not is_read(app, items[0]["id"])


async def test_enter_right_after_moving_marks_the_thread_it_opens(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ThreadList).items
        await pilot.press("j", "enter")
        await settle(pilot)
        assert is_read(app, items[1]["id"]) and not is_read(app, items[0]["id"])


async def test_reading_in_the_pane_or_dwelling_there_marks_read(sample_db):
    app = make_app(sample_db)
    app.session.delays.mark_read_after = 3600
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        first = app.screen.thread.id
        await pilot.press("tab")
        await settle(pilot)
        assert isinstance(app.focused, ThreadView) and not is_read(app, first)
        await pilot.press("space")
        await settle(pilot)
        assert is_read(app, first)
        await pilot.press("shift+tab", "j")
        await settle(pilot)
        second = app.screen.thread.id
        app.session.delays.mark_read_after = 0
        await pilot.press("tab")
        await settle(pilot)
        assert is_read(app, second)
        await pilot.press("question_mark")
        assert "counts as read once you open it (enter)" in flat(
            " ".join(str(s.render()) for s in app.screen.query(".help-note")))


async def run_command(pilot, name: str) -> None:
    """Run a command by name from the command palette (typed in one go: a search per key is slow)."""
    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    palette.query_one(Input).value = name
    for _ in range(200):  # until the palette has found and highlighted a command
        await pilot.pause()
        if palette.query_one(CommandList).highlighted is not None:
            break
    await pilot.press("enter")
    await settle(pilot)


async def test_command_palette_has_every_reading_action(sample_db):
    app = make_app(sample_db)
    app.session.delays.mark_read_after = 3600
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        items = app.screen.query_one(ThreadList).items
        await pilot.press("j")
        await settle(pilot)
        await run_command(pilot, "open thread")
        assert app.focused is view and is_read(app, items[1]["id"])
        await pilot.press("shift+tab", "k")
        await settle(pilot)
        await run_command(pilot, "bottom")
        assert view.current == 6
        await run_command(pilot, "top")
        assert view.current == 0 and view.scroll_y == 0
        await run_command(pilot, "next post")
        assert view.current == 1
        await run_command(pilot, "previous post")
        assert view.current == 0
        await run_command(pilot, "page down")
        assert view.scroll_y > 0
        await run_command(pilot, "page up")
        assert view.scroll_y == 0
        app.screen.query_one(ThreadList).focus()
        await run_command(pilot, "focus next pane")
        assert app.focused is view
        await run_command(pilot, "focus previous pane")
        assert isinstance(app.focused, ThreadList)
        await pilot.press("f", *"theo", "enter")
        await settle(pilot)
        assert len(app.screen.query_one(ThreadList).items) < len(app.library)
        await run_command(pilot, "clear filter")
        assert len(app.screen.query_one(ThreadList).items) == len(app.library)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and titles.count("Quit") == 1
        await run_command(pilot, "quit")
        assert not app.is_running


async def test_notifications_stay_small_at_80x24(sample_db, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    for n in range(6):
        (folder / f"junk-{n}.txt").write_bytes(b"\x00junk")
    app = make_app(sample_db, import_paths=(folder,))
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        shown = list(app.screen.query("Toast"))
        assert len(shown) == 2
        assert sum(toast.region.height for toast in shown) <= 12, [toast.region.height for toast in shown]
        assert "and 4 more: i imports again and lists all." in flat(toasts(app))
        await pilot.press("i", "enter")  # as it says: the box holds that import's path, enter lists all
        await settle(pilot)
        assert app.screen.query_one("#import-path", Input).value == str(folder)
        report = rendered(app, "#import-report")
        assert all(f"junk-{n}.txt: binary data" in report for n in range(6))


async def test_a_bookmark_made_while_another_writer_holds_the_lock_is_saved_once_it_lets_go(sample_db, monkeypatch):
    import tui.app
    import tui.library
    from filelock import FileLock

    monkeypatch.setattr(tui.library, "LOCK_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(tui.app, "SAVE_RETRY_SECONDS", 0.1)
    app = make_app(sample_db)
    other_writer = FileLock(Library(sample_db).lock_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_id = app.screen.thread.id
        with other_writer:
            await pilot.press("m")
            await settle(pilot)
            assert not UserData(Library.open(sample_db)).state(thread_id).get("bookmarked")
            assert app.session.pending_states[thread_id] == {"bookmarked": True}
            assert any("Reading state not saved yet, trying again" in n.message for n in app._notifications)
        for _ in range(100):  # the retry timer fires after 0.1 s: wait for it, however slow the machine
            await pilot.pause(0.05)
            await settle(pilot)
            if not app.session.pending_states:
                break
        assert UserData(Library.open(sample_db)).state(thread_id).get("bookmarked") is True
        assert app.session.pending_states == {}


async def test_paging_through_the_list_opens_only_the_thread_it_rests_on(sample_db, monkeypatch):
    opened: list[str] = []
    real_thread = Library.thread

    def counting(library, thread_id):
        opened.append(thread_id)
        return real_thread(library, thread_id)

    monkeypatch.setattr(Library, "thread", counting)
    app = make_app(sample_db)
    app.session.delays.open_after = 0.3
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        first = app.screen.thread.id
        opened.clear()
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert app.screen.thread.id == first and opened == []
        rested_on = app.screen.query_one(ThreadList).current["id"]
        for _ in range(100):  # the cursor rests: the thread opens after 0.3 s, however slow the machine
            await pilot.pause(0.05)
            if opened:
                break
        await settle(pilot)
        assert opened == [rested_on] and app.screen.thread.id == rested_on
        await pilot.press("k", "enter")  # enter opens at once, without waiting for the cursor to rest
        await settle(pilot)
        assert app.screen.thread.id == app.screen.query_one(ThreadList).current["id"] != rested_on


async def test_a_thread_asked_for_wins_over_a_cursor_that_rested_before(sample_db):
    from tui.messages import OpenThread

    app = make_app(sample_db)
    app.session.delays.open_after = 0.3
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        summaries = app.library.summaries()
        await pilot.press("j")  # the cursor moves: its thread would open in 0.3 s
        wanted = summaries[-1]["id"]
        app.screen.post_message(OpenThread(wanted))  # a search hit, say, asks for another
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert app.screen.thread.id == wanted


def long_thread_db(db_path: Path, posts: int = 600) -> Thread:
    long = Thread(posts=[Post(f"Post {n} of a long thread, long enough to wrap over a couple of lines in the "
                              f"reading pane at this width, and a link https://example.org/{n}") for n in range(posts)],
                  author_name="Long Example", author_handle="long_example")
    Library.open(db_path).add_threads([long])
    return long


async def test_a_long_thread_pages_before_the_rest_of_it_is_laid_out(db_path, monkeypatch):
    monkeypatch.setattr(reading_pane, "LAYOUT_PAUSE_SECONDS", 3600.0)  # no idle time to lay the rest out in
    long = long_thread_db(db_path)
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        assert view.thread is not None and view.thread.id == long.id and not view.fully_laid_out
        page = view.scrollable_content_region.height
        app.set_focus(view)
        await pilot.press(*["space"] * 10)
        await pilot.pause()
        assert view.scroll_y == 10 * page and not view.fully_laid_out
        assert view.current == view.first_post_shown(int(view.scroll_y)) > 0
        await pilot.press("G")
        await pilot.pause()
        assert view.fully_laid_out and view.current == 599 and view.scroll_y == view.max_scroll_y


async def test_a_long_thread_is_laid_out_whole_while_the_reader_is_idle(db_path):
    long_thread_db(db_path)
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        for _ in range(400):
            if view.fully_laid_out:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert view.fully_laid_out
        assert view.virtual_size.height == len(view._lines)  # the scrollbar knows the whole thread


async def test_idle_layout_tells_the_scrollbar_now_and_then_and_at_the_end(db_path, monkeypatch):
    # Each time costs the screen a layout. Here: slices laid out one by one, and "now and then" never.
    monkeypatch.setattr(reading_pane, "LAYOUT_PAUSE_SECONDS", 3600.0)
    monkeypatch.setattr(reading_pane, "LAYOUT_SYNC_SECONDS", 3600.0)
    long_thread_db(db_path)
    app = make_app(db_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ThreadView)
        known = view.virtual_size.height
        assert not view.fully_laid_out and known == len(view._lines)
        slices = 0
        while not view.fully_laid_out:
            assert view.virtual_size.height == known  # laid out meanwhile, not yet told
            view._lay_out_more()
            slices += 1
        assert slices > 1 and len(view._lines) > known
        assert view.virtual_size.height == len(view._lines)


async def test_the_search_files_are_checked_while_the_reader_is_idle_not_at_the_first_search(sample_db):
    library = Library.open(sample_db)
    damaged = sorted(library.posts_dir.glob("*.search"))
    for path in damaged:
        path.write_bytes(b"threads-tui search 0\n")  # an older layout: made again from its shard file
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert all(path.read_bytes().startswith(SEARCH_FILE_MAGIC) for path in damaged)  # before any search
        await pilot.press("slash")
        await pilot.press(*"sourdough")
        await settle(pilot)
        assert {library.summary(hit.thread_id)["author_handle"] for hit in app.screen.hits} == {"mira_bakes"}


async def test_an_import_that_crashes_is_told_once(sample_db, monkeypatch):
    def crashing(*args: object, **kwargs: object) -> ImportReport:
        raise RuntimeError("an importer bug")

    monkeypatch.setattr(tui.screens.import_screen, "run_import", crashing)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await start_import(pilot, "/somewhere")
        await settle(pilot)
        assert flat(toasts(app)).count("The import failed: RuntimeError: an importer bug") == 1
        assert "The import stopped: see the message." in rendered(app, "#import-status")
