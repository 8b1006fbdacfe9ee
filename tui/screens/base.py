"""What the reader's screens share: telling the user of a failed worker."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

from ..library import LibraryError
from ..text import strip_control

# What each worker group does, for the message when one fails.
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


def worker_failure(event: Worker.StateChanged) -> str:
    """The line that tells of a failed worker (they run with exit_on_error=False); "" for other changes."""
    if event.state is not WorkerState.ERROR:
        return ""
    error = event.worker.error
    task = WORKER_TASKS.get(event.worker.group, "A background task")
    reason = str(error) if isinstance(error, LibraryError) else f"{type(error).__name__}: {error}"
    return f"{task} failed: {strip_control(reason)}"


class ReportsWorkerErrors:
    """A screen mixin: a failed worker is told (`Worker.StateChanged` goes only to the node that
    started the worker, so each screen tells of its own)."""

    app: App[Any]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        failure = worker_failure(event)
        if failure:
            self.app.notify(failure, severity="error", timeout=10, markup=False)
