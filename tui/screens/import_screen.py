"""The import screen: a path with completion, progress while it runs, then a summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..importing import ImportReport, run_import
from ..library import Library, LibraryError
from ..messages import LibraryChanged
from ..text import clean_line
from ..widgets.path_input import PathSuggester, split_paths
from .base import ReportsWorkerErrors

if TYPE_CHECKING:
    from ..app import ThreadsApp


def one_line(text: str) -> str:
    """A file name or failure line made safe to show: no escape sequences, control characters or line breaks."""
    return clean_line(text) or ""


def report_text(report: ImportReport) -> Text:
    """The summary, then one line per failed file and per warning."""
    text = Text(f"Done: {report.files_done} files, {report.threads_found} threads found. "
                f"{report.summary_line()}.", style="bold")
    for failure in report.failures:
        text.append(f"\nfailed: {one_line(failure.line())}", style="red")
    for warning in report.warnings:
        text.append(f"\nwarning: {one_line(warning.line())}", style="yellow")
    return text


class ImportScreen(ReportsWorkerErrors, ModalScreen[None]):
    """Type a path (tab completes), enter imports; esc cancels or closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close / cancel"),
        Binding("tab", "complete", "Complete the path", show=False, priority=True),
    ]

    app: ThreadsApp

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog"):
            yield Static("Files or folders to import (several: separate with ;). "
                         "Tab or → accepts a completion.", id="import-help", markup=False)
            yield Input(value=self.initial, placeholder="~/Downloads/thread.txt", id="import-path",
                        suggester=PathSuggester())
            yield ProgressBar(total=None, show_eta=False, id="import-progress")
            yield Static("", id="import-status", markup=False)
            with VerticalScroll(id="import-report-scroll"):
                yield Static("", id="import-report", markup=False)

    def on_mount(self) -> None:
        self.query_one("#import-dialog").border_title = "Import"
        self.query_one("#import-progress").display = False

    @on(Input.Submitted, "#import-path")
    def _submitted(self, event: Input.Submitted) -> None:
        paths = split_paths(event.value)
        if self.running or not paths:
            return
        self.start(paths)

    def start(self, paths: list[Path]) -> None:
        self.running = True
        self.query_one("#import-progress").display = True
        self.query_one("#import-report", Static).update("")
        self.query_one("#import-status", Static).update("Starting…")
        self._import(paths)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self, paths: list[Path]) -> None:
        worker = get_current_worker()
        try:
            # A library of its own: the UI's copy is only read on the UI thread.
            library = Library.open(self.app.library.path)
            report = run_import(
                paths, library,
                progress=lambda r, name: self.app.call_from_thread(self._progress, r, name),
                cancelled=lambda: worker.is_cancelled,
            )
        except LibraryError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._finished, report, worker.is_cancelled)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "import":
            self._failed("The import stopped: see the message.")

    def _progress(self, report: ImportReport, name: str) -> None:
        self.query_one("#import-status", Static).update(
            f"{report.files_done} files done, {report.threads_found} threads found"
            + (f" · {one_line(name)}" if name else "")
        )

    def _finished(self, report: ImportReport, cancelled: bool) -> None:
        self.running = False
        progress = self.query_one("#import-progress", ProgressBar)
        progress.update(total=max(1, report.files_done), progress=report.files_done)
        self.query_one("#import-status", Static).update(
            "Cancelled: threads read so far were kept." if cancelled else "Esc closes.")
        self.query_one("#import-report", Static).update(report_text(report))
        self.app.post_message(LibraryChanged())

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#import-progress").display = False
        self.query_one("#import-status", Static).update(Text(one_line(message), style="red"))

    def action_complete(self) -> None:
        """Accept the path completion shown in the input (tab, like a shell)."""
        path_input = self.query_one("#import-path", Input)
        path_input.focus()
        path_input.cursor_position = len(path_input.value)
        path_input.action_cursor_right()  # at the end, this accepts the suggestion

    def action_close(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "import")
            self.query_one("#import-status", Static).update("Cancelling…")
            return
        self.dismiss(None)
