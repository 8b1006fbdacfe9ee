"""The reader app: wiring, global keys, workers, and the state it keeps between runs."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from . import browser
from .clipboard import copy_to_system_clipboard, describe_copy
from .library import Deletion, Library, LibraryError
from .messages import (ChangeTags, ChooseSort, CopyText, DeleteThread, ExportThreads, FetchAgain, FollowLink,
                       KeepHighlight, LibraryChanged, OpenHits, OpenThread, SaveSearch, ShowHighlights,
                       StatesChanged, StepHit, UndoDelete)
from .quoting import posts_text
from .session import ReadingSession, UserSnapshot, position_in, read_user_data
from .user_data import UserData, UserDataError
from .ordered_keys import KeyEvent, OrderedKeysApp
from .screens.base import ReportsWorkerErrors, after
from .screens.main import MainScreen, describe
from .sorting import SETTING as SORT_SETTING
from .sorting import SORT_LABELS, known_sort
from .storage import file_stamp
from .text import strip_control
from .weblinks import short_address
from .widgets.author_list import AuthorList
from .widgets.filter_input import FilterInput
from .widgets.find_bar import FindInput
from .widgets.reading_pane import ThreadView
from .widgets.summary_list import SummaryList
from .widgets.thread_list import BOOKMARK_MARK, PREVIEW_MARK, UNREAD_MARK, ThreadList

# Screens and the import machinery are imported when first used: start-up
# pays only for the main screen.

# The app's keys that a dialog (import, search, help) turns off: its own keys come first there.
# ctrl+q (Textual's "quit") quits from anywhere; q only where it is not typed into a dialog.
DIALOG_BLOCKED_ACTIONS = frozenset({"import", "search", "help", "quit_key"})
WATCH_LIBRARY_SECONDS = 2.0
QUIT_GRACE_SECONDS = 5.0  # after SIGHUP or SIGTERM, the longest the reader takes to stop
QUIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))
SAVE_RETRY_SECONDS = 5.0
# The young generations as by default (collections every 700 allocations stay short);
# a full pass only after 1,000 middle ones (default 10).
GC_THRESHOLDS = (700, 10, 1_000)
FAILURES_NOTIFIED = 2  # failed files named in the import-at-start notification; the import dialog lists all

# A notification's width is about 50 columns: an address in one is cut to this, whole in the clipboard.
NOTICE_ADDRESS_WIDTH = 40


def styles_dir() -> Path:
    """`styles/` inside the installed package (wheel), else beside it (source tree)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "styles", package.parent / "styles"):
        if (candidate / "app.tcss").is_file():
            return candidate
    raise FileNotFoundError("threads-tui styles/app.tcss not found; the installation is incomplete")


class ThreadsApp(ReportsWorkerErrors, OrderedKeysApp[int]):
    """threads-tui: read, search and quote saved threads."""

    TITLE = "threads-tui"
    NOTIFICATION_TIMEOUT: ClassVar[float] = 3  # short: at 80x24 a notification covers the reading pane
    CSS_PATH: ClassVar[Any] = [styles_dir() / "app.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "import", "Import", id="import"),
        Binding("slash", "search", "Search", id="search", key_display="/"),
        Binding("question_mark", "help", "Help", id="help", key_display="?"),
        Binding("q", "quit_key", "Quit", id="quit"),
    ]

    def __init__(self, library: Library, import_paths: Sequence[Path] = (), import_links: Sequence[str] = ()) -> None:
        super().__init__()
        # What the user added is read here (told on mount if it cannot be), and again whenever their file changes.
        self.session = ReadingSession(library)
        gc.freeze()  # the library as read lives as long as the app: no collection pass looks through it
        self.import_paths = list(import_paths)
        self.import_links = list(import_links)
        self.start_import_failed = False
        self.saving_fails = False  # the last save of reading state failed (told once, retried)
        self._unreadable_stamp: tuple[int, int, int] | None = None
        self._theme_remembered = False

    @property
    def library(self) -> Library:
        return self.session.library

    def get_default_screen(self) -> Screen:
        return MainScreen(self.session)

    @property
    def main_screen(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        self._tell_if_unreadable(self.session.at_start)  # the session took it in already
        theme = self.session.at_start.theme
        if theme and theme != self.theme and theme in self.available_themes:
            self.theme = theme  # the one chosen last time
        self._theme_remembered = True  # from now on a new theme is the user's choice
        self.set_interval(WATCH_LIBRARY_SECONDS, self.check_library)
        if not self.is_headless:
            self._quit_on_signals()
        if self.import_paths or self.import_links:
            self._import_at_start(self.import_paths, self.import_links)
        self.call_after_refresh(self.settle_heap)
        self.call_after_refresh(self._prepare_search)

    def settle_heap(self) -> None:
        """Keep what lives as long as the app out of garbage collection, and full passes rare: one over
        a large library and a long thread takes longer than a frame."""
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)

    def prepare_for_key(self, event: KeyEvent) -> None:
        """The main screen says what a key there waits for."""
        if self.screen is self.main_screen:
            self.main_screen.prepare_for_key(event)

    # -- library ----------------------------------------------------------

    @work(thread=True, exclusive=True, group="import-at-start", exit_on_error=False)
    def _import_at_start(self, paths: list[Path], links: list[str]) -> None:
        from .importing import run_import

        worker = get_current_worker()
        report = run_import(paths, Library.open(self.library.path), cancelled=lambda: worker.is_cancelled, links=links)
        # Names without their folders: a notification is narrow, and the import dialog gives whole paths.
        names = ", ".join([path.name or str(path) for path in paths] + links)
        # Only the counts that are not 0: at 80 columns a notification is narrow.
        lines = [f"Imported {names}: {report.short_line()}."]
        lines += [f"failed: {os.path.basename(failure.name)}: {failure.reason}"
                  for failure in report.failures[:FAILURES_NOTIFIED]]
        if len(report.failures) > FAILURES_NOTIFIED:
            lines.append(f"and {len(report.failures) - FAILURES_NOTIFIED} more: i imports again and lists all.")
        self.start_import_failed = bool(report.failures)
        self.notify(strip_control("\n".join(lines)), severity="warning" if report.failures else "information",
                    timeout=8 if report.failures else None, markup=False)
        self.call_from_thread(self.post_message, LibraryChanged())

    def check_library(self) -> None:
        """Reload the library if another process changed it (one that could not be read: once its file
        changes), else the user's file if it changed; run every few seconds."""
        if self.library.changed_on_disk() and file_stamp(self.library.path) != self._unreadable_stamp:
            self._reload_library()
        elif self.session.user_file_changed():
            self._reload_user_data()

    @work(thread=True, exclusive=True, group="prepare-search", exit_on_error=False)
    def _prepare_search(self) -> None:
        """The library's search files checked while the reader is idle, so the first search is as fast as the next."""
        try:
            self.library.prepare_search()
        except LibraryError:
            pass  # the search that needs them says what is wrong

    @on(LibraryChanged)
    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def _reload_library(self) -> None:
        stamp = file_stamp(self.library.path)
        try:
            library = Library.open(self.library.path)
            library.summaries()  # read here, where a damaged library is told once, not at each check
        except LibraryError:
            self._unreadable_stamp = stamp
            raise
        self._swap_in(library)

    def _apply_user_data(self, snapshot: UserSnapshot) -> None:
        """Take the user's file as read (one that cannot be read: told, and nothing of it shown)."""
        self.session.take_user_data(snapshot)
        self._tell_if_unreadable(snapshot)

    def _tell_if_unreadable(self, snapshot: UserSnapshot) -> None:
        if snapshot.error:
            self.notify(snapshot.error, title="Tags and highlights", severity="error", timeout=15, markup=False)

    @work(thread=True, exclusive=True, group="user-data", exit_on_error=False)
    def _reload_user_data(self) -> None:
        self.call_from_thread(self._user_data_changed, read_user_data(self.library))

    def _user_data_changed(self, snapshot: UserSnapshot) -> None:
        self._apply_user_data(snapshot)
        self.main_screen.user_data_changed()

    def watch_theme(self, theme: str) -> None:
        """Remember a theme the user chose (in the palette) for the next start."""
        if self._theme_remembered:
            self._write_user_data(lambda user_data: user_data.set_setting("theme", theme), "")

    @on(ChooseSort)
    def set_sort(self, message: ChooseSort) -> None:
        """Sort the list in the order chosen now, and remember it for the next start."""
        order = self.session.sort_order = known_sort(message.order)
        self.main_screen.sort_changed()
        self._write_user_data(lambda user_data: user_data.set_setting(SORT_SETTING, order), "")

    # -- delete and undo ------------------------------------------------------

    @on(DeleteThread)
    def delete_thread(self, message: DeleteThread) -> None:
        """Delete a thread off the UI thread; its reading state as this run holds it is kept for `z`.
        Keys typed after it wait until the list shows the library without it."""
        thread_id = message.summary["id"]
        self.hold_keys(self._delete(thread_id, self.session.state_to_keep(thread_id)))

    @work(thread=True, group="delete", exit_on_error=False)
    def _delete(self, thread_id: str, state: dict[str, Any]) -> None:
        library = Library.open(self.library.path)
        deletion = library.delete_threads([thread_id])
        # Undo puts back the reading state this run had (a save may not have reached the file yet).
        if state:
            deletion.user.states[thread_id] = {**deletion.user.states.get(thread_id, {}), **state, "id": thread_id}
        self.call_from_thread(self._deleted, deletion)
        self._swap_in(library)

    def _deleted(self, deletion: Deletion) -> None:
        self.session.deleted(deletion)
        self.notify(f"Deleted {describe(deletion.threads[0].summary)} — z to undo.", markup=False)

    @on(UndoDelete)
    def undo_delete(self) -> None:
        if not self.session.deletions:
            self.notify("Nothing to undo: no thread was deleted since the reader started.", severity="warning",
                        markup=False)
            return
        self.hold_keys(self._undo(self.session.deletions.pop()))

    @work(thread=True, group="undo-delete", exit_on_error=False)
    def _undo(self, deletion: Deletion) -> None:
        library = Library.open(self.library.path)
        try:
            library.restore(deletion)
        except Exception:
            self.call_from_thread(self.session.deletions.append, deletion)  # still there to undo once it can be
            raise
        self._swap_in(library)
        thread = deletion.threads[0]
        self.call_from_thread(self.main_screen.post_message,
                              OpenThread(thread.id, position_in(deletion.user.states.get(thread.id, {})),
                                         focus_reader=False))
        self.notify(f"Restored {describe(thread.summary)}.", markup=False)

    def _swap_in(self, library: Library) -> None:
        """Show a library this worker has written (read again here, off the UI thread)."""
        library.order_index()
        self.call_from_thread(self._swap_library, library, read_user_data(library))

    @on(ExportThreads)
    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, message: ExportThreads) -> None:
        """Write threads as the CLI's `export` does, off the UI thread; say how many and where, or why not."""
        from .export import ExportError, export_threads, user_extras, written_line

        library, kind, folder = self.library, message.kind, message.folder
        threads = (thread for thread in map(library.thread, message.thread_ids) if thread is not None)
        try:
            written = export_threads(threads, folder, kind, user_extras(UserData(library)))
        except (ExportError, UserDataError) as error:
            self.notify(f"Export failed: {strip_control(str(error))}", severity="error", timeout=10, markup=False)
            return
        self.notify(strip_control(written_line(written, kind, folder)) + ".", timeout=6, markup=False)

    @on(StatesChanged)
    def states_changed(self) -> None:
        """Reading state changed in the session: saved shortly, off the UI thread."""
        after(self, self.session.delays.save_state_after, self._save_states)

    @on(KeepHighlight)
    def keep_highlight(self, message: KeepHighlight) -> None:
        """Keep posts of a thread as a highlight, off the UI thread; say so when it is kept."""
        thread, indexes, note = message.thread, message.indexes, message.note
        self._write_user_data(lambda user_data: user_data.add_highlight(thread, indexes, note),
                              f"Kept {posts_text([i + 1 for i in indexes])} as a highlight"
                              + (" with a note." if note else "."))

    @on(SaveSearch)
    def save_search(self, message: SaveSearch) -> None:
        """Keep a query under a name, off the UI thread; the palette then reruns it."""
        name, query = message.name, message.query
        self._write_user_data(lambda user_data: user_data.save_search(name, query),
                              f"Saved the search {name!r}: ctrl+p then its name runs it again.")

    @on(ChangeTags)
    def change_tags(self, change: ChangeTags) -> None:
        def apply(user_data: UserData) -> None:
            if change.add:
                user_data.tag(change.thread_id, change.add)
            if change.remove:
                user_data.tag(change.thread_id, change.remove, remove=True)

        self._write_user_data(apply, "Tags saved.")

    @work(thread=True, group="user-data-write", exit_on_error=False)
    def _write_user_data(self, write: Callable[[UserData], object], done: str) -> None:
        try:
            write(UserData(self.library))
        except UserDataError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return
        self.call_from_thread(self._user_data_changed, read_user_data(self.library))
        if done:
            self.notify(done, markup=False)

    @on(ShowHighlights)
    def show_highlights(self) -> None:
        # The view opens once its rows are read: keys typed after K wait for it, and land in it.
        self.hold_keys(self._show_highlights())

    @work(thread=True, exclusive=True, group="highlights", exit_on_error=False)
    def _show_highlights(self) -> None:
        """The highlights view: each highlight's thread read here, off the UI thread, for its posts' numbers."""
        from .screens.keep import HighlightRow, HighlightsScreen, OpenHighlight, RemoveHighlight

        rows = [HighlightRow(view.highlight.key, view.highlight.thread_id,
                             view.numbers[0] - 1 if view.numbers else None, view.title or view.highlight.thread_id,
                             posts_text(view.numbers) if view.numbers else "its posts are no longer in the library",
                             view.highlight.note)
                for view in UserData(self.library).views()]

        def open_it(chosen: OpenHighlight | RemoveHighlight | None) -> None:
            if isinstance(chosen, OpenHighlight):
                self.main_screen.post_message(OpenThread(chosen.thread_id, chosen.index))
            elif isinstance(chosen, RemoveHighlight):
                self._write_user_data(lambda user_data: user_data.remove_highlight(chosen.key), "Highlight removed.")

        self.call_from_thread(self.push_screen, HighlightsScreen(rows), open_it)

    def _swap_library(self, library: Library, user: UserSnapshot) -> None:
        self.session.library = library
        self._apply_user_data(user)
        self.main_screen.refresh_threads()
        self.call_after_refresh(self.settle_heap)

    # -- reading state ----------------------------------------------------

    def _save_states(self) -> None:
        pending = self.session.take_pending()
        if pending:
            self._write_states(pending)

    @work(thread=True, group="save-state", exit_on_error=False)
    def _write_states(self, pending: dict[str, dict[str, Any]]) -> None:
        try:
            stamp = self.session.write_states(pending)
        except (LibraryError, UserDataError) as error:
            # Busy (another writer's long import), unwritable or damaged: keep it, try again later.
            self.call_from_thread(self._save_again_later, pending, str(error))
        else:
            self.call_from_thread(self._states_written, stamp)

    def _states_written(self, stamp: tuple[int, int, int] | None) -> None:
        self.saving_fails = False
        # Our own save need not be read again (`write_states`); else the next check reads what others wrote.
        if stamp is not None:
            self.session.user_stamp = stamp

    def _save_again_later(self, pending: dict[str, dict[str, Any]], reason: str) -> None:
        self.session.put_back(pending)
        self.set_timer(SAVE_RETRY_SECONDS, self._save_states)
        if not self.saving_fails:  # once, not at every try
            self.saving_fails = True
            self.notify(f"Reading state not saved yet, trying again: {strip_control(reason)}",
                        severity="warning", timeout=10, markup=False)

    # -- copy -------------------------------------------------------------

    @on(CopyText)
    def _copy_requested(self, message: CopyText) -> None:
        self.copy_text(message.text, message.what)

    def copy_text(self, text: str, what: str) -> None:
        """Copy via OSC 52 at once, and via the system clipboard in a worker."""
        self.copy_to_clipboard(text)
        self._copy_to_system(text, what)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_to_system(self, text: str, what: str) -> None:
        system = copy_to_system_clipboard(text)
        self.notify(describe_copy(what, text, system), markup=False)

    @on(FollowLink)
    def follow_link(self, message: FollowLink) -> None:
        """Open an address in the browser where there is a desktop session, else copy it (OSC 52 works over SSH)."""
        url = message.url
        if browser.has_desktop():
            self._open_in_browser(url)
        else:
            self.copy_text(url, f"link {short_address(url, NOTICE_ADDRESS_WIDTH)}")

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        if browser.open_in_browser(url):
            self.notify(f"Opened {short_address(url, NOTICE_ADDRESS_WIDTH)} in the browser.", markup=False)
        else:
            self.call_from_thread(self.copy_text, url,
                                  f"link {short_address(url, NOTICE_ADDRESS_WIDTH)} (no browser opened it)")

    # -- search -----------------------------------------------------------

    def action_search(self) -> None:
        self.open_search(self.session.hit_query)

    def open_search(self, query: str) -> None:
        """The search dialog, `query` typed in it (and searched)."""
        from .screens.search import SearchScreen

        self.push_screen(SearchScreen(self.session, query))

    @on(OpenHits)
    def open_hits(self, message: OpenHits) -> None:
        """Keep a search's hits for n / N, go to the hit chosen, and close the dialog."""
        self.session.keep_hits(message.query, message.hits)
        self.go_to_hit(message.index)
        if message.dialog is self.screen:  # not under a dialog opened on it meanwhile (a click): that stays
            message.dialog.dismiss()

    def go_to_hit(self, index: int) -> None:
        session = self.session
        hit = session.go_to_hit(index)
        self.main_screen.open_at(hit.thread_id, hit.n - 1, hit.terms)
        more = " (n / N for more)" if len(session.hits) > 1 else ""
        self.notify(f"Hit {session.hit_index + 1} of {len(session.hits)} for {session.hit_query!r}{more}",
                    timeout=2, markup=False)

    @on(StepHit)
    def step_hit(self, message: StepHit) -> None:
        if not self.session.hits:
            self.notify("No search hits: press / to search.", severity="warning", markup=False)
            return
        self.go_to_hit(self.session.hit_index + message.step)

    # -- other global actions ----------------------------------------------

    def action_quit_key(self) -> None:
        self.quit_keeping_position()

    async def action_quit(self) -> None:
        """Textual's quit (ctrl+q, the palette) quits as `q` does."""
        self.quit_keeping_position()

    def quit_keeping_position(self, return_code: int = 0) -> None:
        """Keep where the reader is in the library's state, then stop with `return_code`."""
        main = self.main_screen
        main.remember_position()
        if main.thread is not None:  # the next run opens where this one stopped
            self.session.left_open(main.thread.id)
        self.exit(return_code, return_code=return_code)

    def _quit_on_signals(self) -> None:
        """A closed terminal (SIGHUP) or a `kill` (SIGTERM) quits as `q` does, keeping the reading position."""
        loop = asyncio.get_running_loop()
        for number in QUIT_SIGNALS:
            try:
                loop.add_signal_handler(number, self._quit_on_signal, number)
            except (NotImplementedError, RuntimeError, ValueError):  # not on this platform, or not here
                pass

    def _quit_on_signal(self, number: int) -> None:
        self.quit_keeping_position(128 + number)

        def give_up() -> None:
            # The app did not stop in time (its terminal gone mid-write, say): save, and go.
            try:
                self.session.save_changed()
            finally:
                os._exit(128 + number)

        watchdog = threading.Timer(QUIT_GRACE_SECONDS, give_up)
        watchdog.daemon = True  # a normal exit does not wait for it
        watchdog.start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a dialog the app's own keys are off (and out of its footer): keys there go to the dialog."""
        return not (action in DIALOG_BLOCKED_ACTIONS and isinstance(self.screen, ModalScreen))

    def action_help_quit(self) -> None:
        """ctrl+c does not quit (in a text box it copies): say which key does."""
        self.notify("Press q to quit (ctrl+q in a text box).", title="Do you want to quit?", markup=False)

    def action_import(self) -> None:
        from .screens.import_screen import ImportScreen

        # After an import at start that failed somewhere, the box holds its paths: enter lists every failure.
        inputs = [*map(str, self.import_paths), *self.import_links]
        self.push_screen(ImportScreen(self.library.path, "; ".join(inputs) if self.start_import_failed else ""))

    @on(FetchAgain)
    def _fetch_again(self, message: FetchAgain) -> None:
        from .screens.import_screen import ImportScreen

        self.push_screen(ImportScreen(self.library.path, message.link, start=True))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_sections(), self.help_notes()))

    def help_sections(self) -> list[tuple[str, list[BindingType]]]:
        """Every key, grouped by where it works, read from the bindings of each screen and pane."""
        from .screens.import_screen import ImportScreen
        from .screens.keep import HighlightsScreen, TagsScreen
        from .screens.links import LinksScreen
        from .screens.search import SearchScreen

        return [
            ("Everywhere", [*self.BINDINGS, Binding("ctrl+p", "", "Command palette: every action by name"),
                            Binding("ctrl+q", "", "Quit, even from a text box")]),
            ("Main screen (any pane)", MainScreen.BINDINGS),
            ("Thread list", [*SummaryList.BINDINGS, *ThreadList.BINDINGS]),
            ("Filter box (f)", FilterInput.BINDINGS),
            ("Reading pane", ThreadView.BINDINGS),
            ("Search in the thread (F)", FindInput.BINDINGS),
            ("More from @author (the sidebar; it moves as the thread list does)",
             [*AuthorList.BINDINGS, Binding("enter", "", "Open the thread"),
              Binding("s", "", "Hide the sidebar (below 110 columns)")]),
            ("Links of a post (o)", [*LinksScreen.BINDINGS, Binding("enter", "", "Open it in the browser on a "
                                                                    "desktop, else copy it (OSC 52 over SSH)")]),
            ("Search dialog (/)", [Binding("enter", "", "Open the first hit of what is typed"),
                                   *SearchScreen.BINDINGS]),
            ("Import dialog (i)", [Binding("enter", "", "Import the paths and links typed (several: separate "
                                           "them with ;)"), *ImportScreen.BINDINGS]),
            ("Tags and note dialogs (t, H)", [Binding("enter", "", "Apply the tags / keep the note"),
                                              *TagsScreen.BINDINGS]),  # the note's one key, esc, is the tags' too
            ("Highlights view (K)", [Binding("enter", "", "Open the highlight at its place"),
                                     *HighlightsScreen.BINDINGS]),
        ]

    def help_notes(self) -> list[tuple[str, str]]:
        return [
            ("Marks in the thread list",
             f"{UNREAD_MARK} unread  {BOOKMARK_MARK} bookmarked  {PREVIEW_MARK} a preview: this copy holds only "
             f"some of the thread's posts ({PREVIEW_MARK} 2/6: 2 of its 6); R fetches it again where it has an "
             "address."),
            ("Read and unread",
             f"{UNREAD_MARK} marks a thread you have not read. It counts as read once you open it (enter), "
             "move through it in the reading pane (keys or the mouse wheel), or keep the reading pane focused "
             f"for {self.session.delays.mark_read_after:g} seconds. Moving through the list with j / k leaves "
             "threads unread. "
             "u marks it unread again, M marks every thread shown read, U shows unread threads only, J opens "
             "the next unread one; j at a thread's last post, pressed twice, does too."),
            ("Delete and undo",
             "d deletes the thread (after a question naming it) with its reading state, tags and highlights; "
             "z puts back the last one deleted, for as long as the reader runs."),
            ("Narrow terminals",
             "Below 110 columns the sidebar hides (s shows it); below 80, one pane shows at a time: "
             "h / l, tab and esc move between them."),
        ]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own, less its keys panel (it squeezes the reading pane; `?` is the reader's
        # help) and its Quit (the reader's says what is kept).
        yield from (command for command in super().get_system_commands(screen)
                    if command.title not in ("Keys", "Quit"))
        yield SystemCommand("Quit", "Quit; the reading position, read marks and bookmarks are kept (q)",
                            self.action_quit)
        yield SystemCommand("Import", "Import files or folders into the library (i)", self.action_import)
        yield SystemCommand("Search", "Search the whole library (/)", self.action_search)
        for name, query in self.session.saved_searches.items():
            yield SystemCommand(f"Saved search: {name}", query, partial(self.open_search, query))
        yield from self.main_screen.system_commands()
        for order, label in SORT_LABELS.items():
            yield SystemCommand(f"Sort: {label}", f"Sort the thread list {label} (remembered)",
                                partial(self.post_message, ChooseSort(order)))
        yield SystemCommand("Help", "Show every key (?)", self.action_help)


def run_reader(library: Library, import_paths: Sequence[Path] = (), import_links: Sequence[str] = ()) -> int:
    """Run the reader until it quits (after importing paths and links); save reading state on the way out."""
    app = ThreadsApp(library, import_paths, import_links)
    app.run()
    try:
        app.session.save_changed()
    except (LibraryError, UserDataError) as error:
        print(f"threads-tui: reading state not saved: {error}", file=sys.stderr)
        return 1
    return app.return_code or 0
