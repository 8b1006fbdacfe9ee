"""The import screen: a path with completion, progress while it runs, then a summary.

| key | action |
|---|---|
| `tab` | complete the path: to what every match starts with, then through the matches |
| `enter` | import |
| `↑` / `↓`, `j` / `k`, `space` / `b`, `g` / `G` | scroll the summary (see `KeyScroll`) |
| `esc` | cancel a running import (what was read is kept); else close |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..importing import ImportReport, run_import
from ..library import Library, LibraryError
from ..messages import LibraryChanged
from ..text import clean_line
from ..widgets.key_scroll import KeyScroll
from ..widgets.path_input import PathInput, split_inputs
from .base import Dialog, ReportsWorkerErrors, plural

PROGRESS_EVERY_SECONDS = 0.1


def one_line(text: str) -> str:
    """A file name or failure line made safe to show: no escape sequences, control characters or line breaks."""
    return clean_line(text) or ""


def report_text(report: ImportReport, paths: list[Path], cancelled: bool = False,
                error_style: str = "", warning_style: str = "") -> Text:
    """The summary, then a line per failed file or link and per warning (in the error and warning colours given)."""
    if report.files_done == 0:
        if cancelled:
            return Text("Cancelled before any file or link was read: nothing changed.", style="bold")
        where = ", ".join(one_line(str(path)) for path in paths)
        return Text(f"Nothing to import: no files found in {where}.", style="bold")
    how_far = "Cancelled after" if cancelled else "Done:"
    text = Text(f"{how_far} {report.files_done} {report.inputs(report.files_done)}, "
                f"{plural(report.threads_found, 'thread')} found. {report.summary_line()}.", style="bold")
    for failure in report.failures:
        text.append(f"\nfailed: {one_line(failure.line())}", style=error_style)
    for warning in report.warnings:
        text.append(f"\nwarning: {one_line(warning.line())}", style=warning_style)
    return text


class ImportScreen(ReportsWorkerErrors, Dialog[None]):
    """Type a path (tab completes), enter imports; esc cancels or closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close / cancel", id="import.close"),
        Binding("tab", "complete", "Complete the path", show=False, priority=True, id="import.complete"),
    ]

    @dataclass
    class Progress(Message):
        """How far the import worker has got (posted at most every PROGRESS_EVERY_SECONDS)."""

        files_done: int
        threads_found: int
        name: str
        links_done: int = 0
        waiting: str = ""  # a rate limit being waited out

    def __init__(self, library_path: Path, path: str = "", start: bool = False) -> None:
        super().__init__("import", "Import")
        self.library_path = library_path
        self.initial_path = path  # what the box holds when it opens
        self.start_at_once = start  # import what the box holds as soon as the dialog opens
        self.running = False
        self.paths: list[Path] = []
        self.links: list[str] = []

    def body(self) -> ComposeResult:
        yield Static("Files, folders or links to import (several: separate with ;). "
                     "Tab completes, enter imports, esc closes.", id="import-help", markup=False)
        candidates = Static("", id="import-candidates", markup=False)
        yield PathInput(self.initial_path, candidates, placeholder="~/Downloads/thread.txt", id="import-path")
        yield candidates
        # How many files there are is known only once they are all found: no percentage.
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="import-progress")
        yield Static("", id="import-status", markup=False)
        with KeyScroll(id="import-report-scroll"):
            yield Static("", id="import-report", markup=False)

    def on_mount(self) -> None:
        if self.start_at_once:
            self.start(*split_inputs(self.initial_path))

    @on(Input.Submitted, "#import-path")
    def _submitted(self, event: Input.Submitted) -> None:
        paths, links = split_inputs(event.value)
        if self.running or not (paths or links):
            return
        self.start(paths, links)

    def start(self, paths: list[Path], links: Sequence[str] = ()) -> None:
        """Import (and fetch) in a worker; the path box is locked meanwhile, so keys cannot land in it."""
        self.running = True
        self.paths = paths
        self.links = list(links)
        path_input = self.query_one(PathInput)
        path_input.list_matches([])
        path_input.disabled = True
        progress = self.query_one("#import-progress", ProgressBar)
        progress.update(total=None, progress=0)
        progress.display = True
        self.query_one("#import-report", Static).update("")
        self.query_one("#import-report-scroll").focus()
        doing = "Fetching" if links and not paths else "Importing"
        self._status(f"{doing}… esc cancels (what was read so far is kept).")
        self._import(paths, self.links)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self, paths: list[Path], links: list[str]) -> None:
        worker = get_current_worker()
        last_posted = float("-inf")
        last_wait = ""

        def progress(report: ImportReport, name: str) -> None:
            # Posting never waits on the UI, and a post per file would flood it: one every 100 ms
            # (a wait for a server's rate limit is told at once: it lasts seconds).
            nonlocal last_posted, last_wait
            now = monotonic()
            if now - last_posted >= PROGRESS_EVERY_SECONDS or report.waiting != last_wait:
                last_posted, last_wait = now, report.waiting
                self.post_message(self.Progress(report.files_done, report.threads_found, name,
                                                report.links_done, report.waiting))

        try:
            # A library of its own: the UI's copy is only read on the UI thread.
            library = Library.open(self.library_path)
            report = run_import(paths, library, progress=progress, cancelled=lambda: worker.is_cancelled, links=links)
        except LibraryError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._finished, report, worker.is_cancelled)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # No super() call: Textual runs the mixin's handler too (it calls each class's handler in the MRO).
        if event.state is WorkerState.ERROR and event.worker.group == "import":
            self._failed("The import stopped: see the message.")

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        if not self.running:
            return
        if message.waiting:
            self._status(f"{one_line(message.waiting)} · esc cancels")
            return
        where = f" · {one_line(message.name)}" if message.name else ""
        files = message.files_done - message.links_done
        done = [plural(files, "file")] if files or not self.links else []
        done += [f"{message.links_done} of {plural(len(self.links), 'link')}"] if self.links else []
        self._status(f"{', '.join(done)} done, {plural(message.threads_found, 'thread')} found{where} · esc cancels")

    def _finished(self, report: ImportReport, cancelled: bool) -> None:
        self._stopped()
        progress = self.query_one("#import-progress", ProgressBar)
        if report.files_done and not cancelled:
            progress.update(total=report.files_done, progress=report.files_done)
        else:
            progress.display = False  # a cancelled import is not a full bar
        outcome = "Cancelled: the threads read so far were kept. " if cancelled else ""
        self._status(f"{outcome}↑ ↓ scroll the summary · type a new path, or tab to edit this one · esc closes")
        colours = self.app.get_css_variables()
        self.query_one("#import-report", Static).update(
            report_text(report, self.paths, cancelled, colours.get("text-error", ""), colours.get("text-warning", "")))
        self.app.post_message(LibraryChanged())

    def _failed(self, message: str) -> None:
        self._stopped()
        self.query_one("#import-progress").display = False
        self.query_one("#import-status", Static).update(
            Text(one_line(message), style=self.app.get_css_variables().get("text-error", "")))

    def _stopped(self) -> None:
        """The worker is done: the path box can be edited again (tab goes there)."""
        self.running = False
        self.query_one("#import-path", Input).disabled = False
        self.query_one("#import-report-scroll").focus()

    def on_key(self, event: events.Key) -> None:
        """After an import, typing on the summary starts a new path (nothing typed is lost);
        the summary's own keys (j k space b g G) still scroll it."""
        if (event.is_printable and event.character and event.key not in KeyScroll.scroll_keys()
                and self._start_new_path(event.character)):
            event.stop()
            event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        """A paste on the summary starts a new path, as typing does."""
        if event.text and self._start_new_path(event.text.splitlines()[0]):
            event.stop()

    def _start_new_path(self, text: str) -> bool:
        """Put `text` in the path box as a new path, if the summary has focus (else False)."""
        path_input = self.query_one("#import-path", Input)
        if self.running or path_input.disabled or self.focused is not self.query_one("#import-report-scroll"):
            return False
        path_input.focus()
        path_input.value = text  # a new path; tab edits the last one instead
        path_input.cursor_position = len(text)
        return True

    def _status(self, text: str) -> None:
        self.query_one("#import-status", Static).update(text)

    async def action_complete(self) -> None:
        """Tab: go to the path box; there, complete like a shell (`PathInput`)."""
        path_input = self.query_one(PathInput)
        if self.focused is path_input and not path_input.disabled:
            await path_input.complete()
        elif not path_input.disabled:
            path_input.focus()

    def action_close(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "import")
            self._status("Cancelling… (what was read so far is kept)")
            return
        self.dismiss(None)
