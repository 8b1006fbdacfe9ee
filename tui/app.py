"""The reader app: wiring, global keys, workers, and the state it keeps between runs."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from . import browser
from .clipboard import copy_to_system_clipboard, describe_copy
from .library import Deletion, Library, LibraryError
from .messages import FetchAgain, LibraryChanged, OpenThread
from .model import Thread
from .quoting import posts_text
from .user_data import Highlight, UserData, UserDataError
from .ordered_keys import KeyEvent, OrderedKeysApp
from .screens.main import MainScreen
from .finding import Marks
from .search import Hit
from .sorting import SETTING as SORT_SETTING
from .sorting import SORT_LABELS, known_sort
from .storage import file_stamp
from .text import strip_control
from .weblinks import short_address
from .widgets.reading_pane import ThreadView
from .widgets.summary_list import SummaryList
from .widgets.thread_list import BOOKMARK_MARK, PREVIEW_MARK, UNREAD_MARK

if TYPE_CHECKING:
    from .screens.keep import TagChange

# Screens and the import machinery are imported when first used: start-up
# pays only for the main screen.

# The app's keys that a dialog (import, search, help) turns off: its own keys come first there.
# ctrl+q (Textual's "quit") quits from anywhere; q only where it is not typed into a dialog.
DIALOG_BLOCKED_ACTIONS = frozenset({"import", "search", "help", "quit_key"})
WATCH_LIBRARY_SECONDS = 2.0
QUIT_GRACE_SECONDS = 5.0  # after SIGHUP or SIGTERM, the longest the reader takes to stop
QUIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))
SAVE_STATE_SECONDS = 1.0
SAVE_RETRY_SECONDS = 5.0
# The list's cursor must rest this long on a thread before it opens (paging past opens none).
OPEN_AFTER_SECONDS = 0.12
# The young generations as by default (collections every 700 allocations stay short);
# a full pass only after 1,000 middle ones (default 10).
GC_THRESHOLDS = (700, 10, 1_000)
MARK_READ_AFTER_SECONDS = 5.0  # focus on the reading pane this long marks its thread read
SEARCH_DELAY_SECONDS = 0.25
FAILURES_NOTIFIED = 2  # failed files named in the import-at-start notification; the import dialog lists all

# What each worker group does, for the message when one fails.
# A notification's width is about 50 columns: an address in one is cut to this, whole in the clipboard.
NOTICE_ADDRESS_WIDTH = 40

WORKER_TASKS = {
    "import-at-start": "The import",
    "import": "The import",
    "user-data": "Reading your tags and highlights",
    "user-data-write": "Saving your tags and highlights",
    "highlights": "Listing your highlights",
    "reload": "Reloading the library",
    "open-thread": "Opening the thread",
    "save-state": "Saving the reading state",
    "clipboard": "Copying to the system clipboard",
    "browser": "Opening the link",
    "search": "The search",
    "delete": "Deleting the thread",
    "undo-delete": "Undoing the delete",
    "export": "The export",
}


@dataclass(frozen=True, slots=True)
class UserSnapshot:
    """The user's file as read (reading state, tags, highlights, settings), its stamp then, and why it could
    not be read."""

    tags: dict[str, list[str]]
    highlights: list[Highlight]
    stamp: tuple[int, int, int] | None
    theme: str | None = None
    sort: str | None = None
    error: str = ""
    searches: dict[str, str] = field(default_factory=dict)  # saved searches: name -> query
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # reading state by thread id


def read_user_data(library: Library) -> UserSnapshot:
    """The user's file of a library, read (off the UI thread where it can be)."""
    user_data = UserData(library)
    stamp = file_stamp(user_data.path)
    try:
        read = user_data.read()
        return UserSnapshot(read.tags, read.highlights, stamp, read.settings.get("theme"),
                            read.settings.get(SORT_SETTING), searches=read.searches, states=read.states)
    except UserDataError as error:
        return UserSnapshot({}, [], stamp, error=str(error))


def styles_dir() -> Path:
    """`styles/` inside the installed package (wheel), else beside it (source tree)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "styles", package.parent / "styles"):
        if (candidate / "app.tcss").is_file():
            return candidate
    raise FileNotFoundError("threads-tui styles/app.tcss not found; the installation is incomplete")


class ThreadsApp(OrderedKeysApp[int]):
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
        self.library = library
        gc.freeze()  # the library as read lives as long as the app: no collection pass looks through it
        self.import_paths = list(import_paths)
        self.import_links = list(import_links)
        self.start_import_failed = False
        self.pending_states: dict[str, dict[str, Any]] = {}
        self.changed_this_run: set[str] = set()
        self.saving_fails = False  # the last save of reading state failed (told once, retried)
        self.hits: list[Hit] = []
        self.hit_index = -1
        self.hit_query = ""
        # Delays, in seconds; tests set them to 0 to run the delayed work at once.
        self.mark_read_after = MARK_READ_AFTER_SECONDS
        self.save_state_after = SAVE_STATE_SECONDS
        self.search_delay = SEARCH_DELAY_SECONDS
        self.open_after = OPEN_AFTER_SECONDS
        self._unreadable_stamp: tuple[int, int, int] | None = None
        # What the user added (tags, highlights): read here (told on mount if it cannot be), and again
        # whenever the user's file changes.
        self._user_at_start = read_user_data(library)
        self.states: dict[str, dict[str, Any]] = self._user_at_start.states
        self.tags: dict[str, list[str]] = self._user_at_start.tags
        self.highlights: list[Highlight] = self._user_at_start.highlights
        self.saved_searches: dict[str, str] = self._user_at_start.searches
        self._user_stamp = self._user_at_start.stamp
        self._theme_remembered = False
        self.sort_order = known_sort(self._user_at_start.sort)  # the list's order (`S`), as chosen last time
        self.deletions: list[Deletion] = []  # what this run deleted, latest last: z undoes the latest

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main_screen(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        self._apply_user_data(self._user_at_start)
        theme = self._user_at_start.theme
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
        """Keep what lives as long as the app (the library's summaries, the screen) out of every
        garbage collection pass, and make full passes rare: one over the objects of a large
        library and a long thread takes longer than a frame. Most garbage here has no cycles
        and goes at once; what has waits a little longer."""
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)

    # -- keys -------------------------------------------------------------

    def prepare_for_key(self, event: KeyEvent) -> None:
        """The main screen says what a key there waits for."""
        if self.screen is self.main_screen:
            self.main_screen.prepare_for_key(event)

    # -- workers ----------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_error(event)

    def report_worker_error(self, event: Worker.StateChanged) -> None:
        """The one handler for failed workers (they run with exit_on_error=False): tell the user.

        Screens hand their workers' state changes here: the message does not bubble.
        """
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        task = WORKER_TASKS.get(event.worker.group, "A background task")
        reason = str(error) if isinstance(error, LibraryError) else f"{type(error).__name__}: {error}"
        self.notify(f"{task} failed: {strip_control(reason)}", severity="error", timeout=10, markup=False)

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
        """Reload the library if another process changed it (run every few seconds).

        A library that could not be read is tried again only once its file changes.
        """
        if self.library.changed_on_disk() and file_stamp(self.library.path) != self._unreadable_stamp:
            self._reload_library()
        elif file_stamp(UserData(self.library).path) != self._user_stamp:
            self._reload_user_data()

    @on(LibraryChanged)
    def _library_changed(self) -> None:
        self._reload_library()

    @work(thread=True, exclusive=True, group="prepare-search", exit_on_error=False)
    def _prepare_search(self) -> None:
        """The library's search files checked while the reader is idle, so the first search is as fast as the next."""
        try:
            self.library.prepare_search()
        except LibraryError:
            pass  # the search that needs them says what is wrong

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def _reload_library(self) -> None:
        stamp = file_stamp(self.library.path)
        try:
            library = Library.open(self.library.path)
            library.order_index()  # the index of ids made here, not on the UI thread
        except LibraryError:
            self._unreadable_stamp = stamp
            raise
        self.call_from_thread(self._swap_library, library, read_user_data(library))

    def _apply_user_data(self, snapshot: UserSnapshot) -> None:
        """Take the user's file as read (one that cannot be read: told, and nothing of it shown)."""
        self.tags, self.highlights, self._user_stamp = snapshot.tags, snapshot.highlights, snapshot.stamp
        self.saved_searches = snapshot.searches
        states = dict(snapshot.states)
        # What this run changed wins over what was read: a save may still be on its way.
        for thread_id in self.changed_this_run:
            states[thread_id] = {**states.get(thread_id, {}), **self.states[thread_id]}
        self.states = states
        if snapshot.error:
            self.notify(snapshot.error, title="Tags and highlights", severity="error", timeout=15, markup=False)

    @work(thread=True, exclusive=True, group="user-data", exit_on_error=False)
    def _reload_user_data(self) -> None:
        self.call_from_thread(self._user_data_changed, read_user_data(self.library))

    def _user_data_changed(self, snapshot: UserSnapshot) -> None:
        self._apply_user_data(snapshot)
        self.main_screen.thread_list.tags = self.tags
        self.main_screen.thread_list.refresh_items()
        self.main_screen.show_user_data()

    def watch_theme(self, theme: str) -> None:
        """Remember a theme the user chose (in the palette) for the next start."""
        if self._theme_remembered:
            self._write_user_data(lambda user_data: user_data.set_setting("theme", theme), "")

    def set_sort(self, order: str) -> None:
        """Sort the list in `order` now, and remember it for the next start."""
        self.sort_order = known_sort(order)
        self.main_screen.sort_changed()
        self._write_user_data(lambda user_data: user_data.set_setting(SORT_SETTING, self.sort_order), "")

    # -- delete and undo ------------------------------------------------------

    def delete_thread(self, summary: dict[str, Any]) -> None:
        """Delete a thread off the UI thread; its reading state as this run holds it is kept for `z`.
        Keys typed after it wait until the list shows the library without it."""
        thread_id = summary["id"]
        state = self.states.get(thread_id, {})
        self.pending_states.pop(thread_id, None)  # a save after the delete would leave its state behind
        self.changed_this_run.discard(thread_id)
        self.hold_keys(self._delete(thread_id, {key: value for key, value in state.items() if key != "id"}))

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
        from .screens.main import describe

        self.deletions.append(deletion)
        gone = {thread.id for thread in deletion.threads}
        for thread_id in gone:
            self.states.pop(thread_id, None)
        if any(hit.thread_id in gone for hit in self.hits):  # n / N step over it
            self.hits = [hit for hit in self.hits if hit.thread_id not in gone]
            self.hit_index = min(self.hit_index, len(self.hits) - 1)
        self.notify(f"Deleted {describe(deletion.threads[0].summary)} — z to undo.", markup=False)

    def undo_delete(self) -> None:
        if not self.deletions:
            self.notify("Nothing to undo: no thread was deleted since the reader started.", severity="warning",
                        markup=False)
            return
        self.hold_keys(self._undo(self.deletions.pop()))

    @work(thread=True, group="undo-delete", exit_on_error=False)
    def _undo(self, deletion: Deletion) -> None:
        from .screens.main import describe

        library = Library.open(self.library.path)
        try:
            library.restore(deletion)
        except Exception:
            self.call_from_thread(self.deletions.append, deletion)  # still there to undo once it can be
            raise
        self._swap_in(library)
        thread = deletion.threads[0]
        self.call_from_thread(self.main_screen.post_message,
                              OpenThread(thread.id, int(deletion.user.states.get(thread.id, {}).get("position") or 0),
                                         focus_reader=False))
        self.notify(f"Restored {describe(thread.summary)}.", markup=False)

    def _swap_in(self, library: Library) -> None:
        """Show a library this worker has written (read again here, off the UI thread)."""
        library.order_index()
        self.call_from_thread(self._swap_library, library, read_user_data(library))

    @work(thread=True, group="export", exit_on_error=False)
    def export_threads(self, thread_ids: list[str], kind: str, folder: Path) -> None:
        """Write threads as the CLI's `export` does (same files, same names), off the UI thread; say
        how many and where, or in one line why not."""
        from .export import ExportError, export_threads, user_extras, written_line

        library = self.library
        threads = (thread for thread in map(library.thread, thread_ids) if thread is not None)
        try:
            written = export_threads(threads, folder, kind, user_extras(UserData(library)))
        except (ExportError, UserDataError) as error:
            self.notify(f"Export failed: {strip_control(str(error))}", severity="error", timeout=10, markup=False)
            return
        self.notify(strip_control(written_line(written, kind, folder)) + ".", timeout=6, markup=False)

    def update_states(self, changes: dict[str, dict[str, Any]]) -> None:
        """`update_state` for many threads at once (one save)."""
        for thread_id, fields in changes.items():
            self.states.setdefault(thread_id, {"id": thread_id}).update(fields)
            self.pending_states.setdefault(thread_id, {}).update(fields)
            self.changed_this_run.add(thread_id)
        if self.save_state_after > 0:
            self.set_timer(self.save_state_after, self._save_states)
        else:
            self._save_states()

    def keep_highlight(self, thread: Thread, indexes: list[int], note: str) -> None:
        """Keep posts of a thread as a highlight, off the UI thread; say so when it is kept."""
        self._write_user_data(lambda user_data: user_data.add_highlight(thread, indexes, note),
                              f"Kept {posts_text([i + 1 for i in indexes])} as a highlight"
                              + (" with a note." if note else "."))

    def save_search(self, name: str, query: str) -> None:
        """Keep a query under a name, off the UI thread; the palette then reruns it."""
        self._write_user_data(lambda user_data: user_data.save_search(name, query),
                              f"Saved the search {name!r}: ctrl+p then its name runs it again.")

    def change_tags(self, thread_id: str, change: TagChange) -> None:
        def apply(user_data: UserData) -> None:
            if change.add:
                user_data.tag(thread_id, change.add)
            if change.remove:
                user_data.tag(thread_id, change.remove, remove=True)

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

    @work(thread=True, exclusive=True, group="highlights", exit_on_error=False)
    def show_highlights(self) -> None:
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
        self.library = library
        self._apply_user_data(user)
        self.main_screen.refresh_threads()
        self.call_after_refresh(self.settle_heap)

    # -- reading state ----------------------------------------------------

    def update_state(self, thread_id: str, **fields: Any) -> None:
        """Change a thread's reading state now; it is saved shortly, off the UI thread."""
        self.update_states({thread_id: fields})

    def _save_states(self) -> None:
        if self.pending_states:
            pending, self.pending_states = self.pending_states, {}
            self._write_states(pending)

    @work(thread=True, group="save-state", exit_on_error=False)
    def _write_states(self, pending: dict[str, dict[str, Any]]) -> None:
        user_data = UserData(self.library)
        try:
            with self.library.locked():
                seen = file_stamp(user_data.path) == self._user_stamp
                user_data.set_states(pending)
                stamp = file_stamp(user_data.path)
        except (LibraryError, UserDataError) as error:
            # Busy (another writer's long import), unwritable or damaged: keep it, try again later.
            self.call_from_thread(self._save_again_later, pending, str(error))
        else:
            self.call_from_thread(self._states_written, stamp if seen else None)

    def _states_written(self, stamp: tuple[int, int, int] | None) -> None:
        self.saving_fails = False
        # Our own save is no news: where nobody else wrote the file since it was read, it need not be
        # read again (else the next check reads it, and takes what the others wrote).
        if stamp is not None:
            self._user_stamp = stamp

    def _save_again_later(self, pending: dict[str, dict[str, Any]], reason: str) -> None:
        for thread_id, fields in pending.items():
            self.pending_states[thread_id] = {**fields, **self.pending_states.get(thread_id, {})}
        self.set_timer(SAVE_RETRY_SECONDS, self._save_states)
        if not self.saving_fails:  # once, not at every try
            self.saving_fails = True
            self.notify(f"Reading state not saved yet, trying again: {strip_control(reason)}",
                        severity="warning", timeout=10, markup=False)

    def save_states_now(self) -> None:
        """Write the reading state changed in this run (called after the app stops).

        Everything changed is written again, not only what is pending: a save
        worker may have been stopped with the app before it wrote.
        """
        changed = {thread_id: {key: value for key, value in self.states[thread_id].items() if key != "id"}
                   for thread_id in self.changed_this_run}
        if changed:
            UserData(self.library).set_states(changed)
        self.pending_states = {}

    # -- copy -------------------------------------------------------------

    def copy_text(self, text: str, what: str) -> None:
        """Copy via OSC 52 at once, and via the system clipboard in a worker."""
        self.copy_to_clipboard(text)
        self._copy_to_system(text, what)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_to_system(self, text: str, what: str) -> None:
        system = copy_to_system_clipboard(text)
        self.notify(describe_copy(what, text, system), markup=False)

    def follow_link(self, url: str) -> None:
        """Open `url` in the browser where there is a desktop session, else copy it (OSC 52 works over SSH)."""
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

    @property
    def marks(self) -> Marks:
        """The user's marks on threads (reading states, tags), as a query reads them."""
        return Marks(self.states, self.tags)

    def action_search(self) -> None:
        self.open_search(self.hit_query)

    def open_search(self, query: str) -> None:
        """The search dialog, `query` typed in it (and searched)."""
        from .screens.search import SearchScreen

        self.push_screen(SearchScreen(query))

    def open_hits(self, query: str, hits: list[Hit], index: int) -> None:
        """Keep a search's hits for n / N, and go to hit `index`."""
        self.hits, self.hit_query = hits, query
        self.go_to_hit(index)

    def go_to_hit(self, index: int) -> None:
        self.hit_index = index % len(self.hits)
        hit = self.hits[self.hit_index]
        self.main_screen.open_at(hit.thread_id, hit.n - 1, hit.terms)
        self.notify(f"Hit {self.hit_index + 1} of {len(self.hits)} for {self.hit_query!r} (n / N for more)",
                    timeout=2, markup=False)

    def step_hit(self, step: int) -> None:
        if not self.hits:
            self.notify("No search hits: press / to search.", severity="warning", markup=False)
            return
        self.go_to_hit(self.hit_index + step)

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
            self.update_state(main.thread.id, last_open=time.time())
        self.exit(return_code, return_code=return_code)

    def _quit_on_signals(self) -> None:
        """A closed terminal (SIGHUP) or a `kill` (SIGTERM) quits as `q` does: the reading
        position is kept (run_reader saves it once the app has stopped)."""
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
                self.save_states_now()
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

    def last_open_thread(self) -> str | None:
        """The thread that was open when the reader last quit, if one was."""
        stamps = [(state["last_open"], thread_id) for thread_id, state in self.states.items()
                  if isinstance(state.get("last_open"), int | float)]
        return max(stamps)[1] if stamps else None

    def action_import(self) -> None:
        from .screens.import_screen import ImportScreen

        # After an import at start that failed somewhere, the box holds its paths: enter lists every failure.
        inputs = [*map(str, self.import_paths), *self.import_links]
        self.push_screen(ImportScreen("; ".join(inputs) if self.start_import_failed else ""))

    @on(FetchAgain)
    def _fetch_again(self, message: FetchAgain) -> None:
        from .screens.import_screen import ImportScreen

        self.push_screen(ImportScreen(message.link, start=True))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_sections(), self.help_notes()))

    def help_sections(self) -> list[tuple[str, list[BindingType]]]:
        """Every key, grouped by where it works, read from the bindings of each screen and pane."""
        from .screens.import_screen import ImportScreen
        from .screens.keep import HighlightsScreen, TagsScreen
        from .screens.links import LinksScreen
        from .screens.search import SearchScreen
        from .widgets.author_list import AuthorList
        from .widgets.filter_input import FilterInput
        from .widgets.find_bar import FindInput
        from .widgets.thread_list import ThreadList

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
             f"for {self.mark_read_after:g} seconds. Moving through the list with j / k leaves threads unread. "
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
        main = self.main_screen
        view = main.reading_pane.view
        yield SystemCommand("Open thread", "Open the thread selected in the list (enter)", main.action_open_selected)
        yield SystemCommand("Next post", "Go to the next post in the reading pane (j)", view.action_next_post)
        yield SystemCommand("Previous post", "Go to the previous post in the reading pane (k)",
                            view.action_previous_post)
        yield SystemCommand("Page down", "Page down in the reading pane (space)", view.action_page_down)
        yield SystemCommand("Page up", "Page up in the reading pane (b)", view.action_page_up)
        yield SystemCommand("Half page down", "Half a page down in the reading pane (ctrl+d)",
                            view.action_half_page_down)
        yield SystemCommand("Half page up", "Half a page up in the reading pane (ctrl+u)", view.action_half_page_up)
        yield SystemCommand("Top", "Go to the first post of the thread (g)", view.action_top)
        yield SystemCommand("Bottom", "Go to the last post of the thread (G)", view.action_bottom)
        yield SystemCommand("Focus next pane", "Move focus to the next pane (tab)", main.action_pane_next)
        yield SystemCommand("Focus previous pane", "Move focus to the previous pane (shift+tab)",
                            main.action_pane_previous)
        yield SystemCommand("Pane to the left", "Focus the pane to the left (h)", main.action_pane_left)
        yield SystemCommand("Pane to the right", "Focus the pane to the right (l)", main.action_pane_right)
        yield SystemCommand("Import", "Import files or folders into the library (i)", self.action_import)
        yield SystemCommand("Search", "Search the whole library (/)", self.action_search)
        for name, query in self.saved_searches.items():
            yield SystemCommand(f"Saved search: {name}", query, partial(self.open_search, query))
        yield SystemCommand("Next hit", "Go to the next search hit (n)", main.action_next_hit)
        yield SystemCommand("Previous hit", "Go to the previous search hit (N)", main.action_previous_hit)
        yield SystemCommand("Copy post", "Copy the current post (c)", main.action_copy_post)
        yield SystemCommand("Copy thread", "Copy the whole thread as clean text (C)", main.action_copy_thread)
        yield SystemCommand("Select posts", "Start or drop a selection of posts in the reading pane (v)",
                            main.action_select_posts)
        yield SystemCommand("Copy as quote", "Copy the selected posts, or the current one, as a Markdown quote "
                            "with its source (y)", main.action_copy_quote)
        yield SystemCommand("Highlight", "Keep the selected posts, or the current one, as a highlight with a note (H)",
                            main.action_keep_highlight)
        yield SystemCommand("Tags", "Add or remove the open thread's tags (t)", main.action_edit_tags)
        yield SystemCommand("Highlights", "Every highlight; enter opens one at its place (K)",
                            main.action_show_highlights)
        yield SystemCommand("Fetch again", "Fetch the open thread again from its address (R)",
                            main.action_refresh_thread)
        yield SystemCommand("Links", "The current post's links: open one in the browser, or copy it (o)",
                            main.action_open_links)
        yield SystemCommand("Find in thread", "Search the open thread; n / N step through its matches (F)",
                            main.action_find)
        yield SystemCommand("Post origin", "Where the current post came from: its address and captures (O)",
                            main.action_post_origin)
        yield SystemCommand("Bookmark", "Bookmark the open thread, or remove its bookmark (m)",
                            main.action_toggle_bookmark)
        yield SystemCommand("Bookmarked only", "Show only bookmarked threads, or all (B)",
                            main.action_toggle_bookmarked_only)
        yield SystemCommand("Delete thread", "Delete the selected thread, after asking (d; z undoes it)",
                            main.action_delete_thread)
        yield SystemCommand("Undo delete", "Put back the thread deleted last (z)", main.action_undo_delete)
        yield SystemCommand("Mark read or unread", "Mark the selected thread read, or unread (u)",
                            main.action_toggle_read)
        yield SystemCommand("Mark all read", "Mark every thread shown read, after asking (M)",
                            main.action_mark_all_read)
        yield SystemCommand("Next unread", "Open the next unread thread in the list (J)", main.action_next_unread)
        yield SystemCommand("Unread only", "Show only unread threads, or all (U)", main.action_toggle_unread_only)
        yield SystemCommand("Sort", "Choose the list's order (S)", main.action_sort)
        for order, label in SORT_LABELS.items():
            yield SystemCommand(f"Sort: {label}", f"Sort the thread list {label} (remembered)",
                                partial(self.set_sort, order))
        yield SystemCommand("Export", "Export the open thread, the list shown or the bookmarks as Markdown or "
                            "HTML (e)", main.action_export)
        yield SystemCommand("Filter", "Filter the thread list by title or author (f)", main.action_filter)
        yield SystemCommand("Clear filter", "Show every thread again (esc)", main.action_clear_filter)
        yield SystemCommand("Sidebar", "Show or hide More from @author (s)", main.action_toggle_sidebar)
        yield SystemCommand("Help", "Show every key (?)", self.action_help)


def run_reader(library: Library, import_paths: Sequence[Path] = (), import_links: Sequence[str] = ()) -> int:
    """Run the reader until it quits (after importing paths and links); save reading state on the way out."""
    app = ThreadsApp(library, import_paths, import_links)
    app.run()
    try:
        app.save_states_now()
    except (LibraryError, UserDataError) as error:
        print(f"threads-tui: reading state not saved: {error}", file=sys.stderr)
        return 1
    return app.return_code or 0
