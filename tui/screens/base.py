"""What the reader's app and screens share: telling the user of a failed worker, delayed work, counting
things, and the dialog that offers a list to choose from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static
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


def after(node: MessagePump, delay: float, callback: Callable[[], object]) -> Timer | None:
    """Call `callback` in `delay` seconds (the timer that will), or now if the delay is 0 (`Delays` in tests)."""
    if delay > 0:
        return node.set_timer(delay, callback)
    callback()
    return None


def plural(count: int, noun: str) -> str:
    """`1 thread`, `2 threads`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


class ReportsWorkerErrors:
    """A mixin for the app and its screens: a failed worker (they run with exit_on_error=False) is told.
    `Worker.StateChanged` goes only to the node that started the worker, so each tells of its own."""

    app: App[Any]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            task = WORKER_TASKS.get(event.worker.group, "A background task")
            reason = str(error) if isinstance(error, LibraryError) else f"{type(error).__name__}: {error}"
            self.app.notify(f"{task} failed: {strip_control(reason)}", severity="error", timeout=10, markup=False)


ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A titled box (`#<name>-dialog`) holding what `body` yields, over a compact footer."""

    def __init__(self, dialog: str, title: str, subtitle: str | None = None) -> None:
        super().__init__()
        self.dialog_name, self.title_text, self.subtitle = dialog, title, subtitle

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.dialog_name}-dialog"):
            yield from self.body()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Textual runs this as well as a subclass's own on_mount (it calls each class's handler in the MRO).
        dialog = self.query_one(f"#{self.dialog_name}-dialog")
        dialog.border_title, dialog.border_subtitle = self.title_text, self.subtitle

    def body(self) -> ComposeResult:
        raise NotImplementedError


class PickScreen(Dialog[ResultT]):
    """A dialog around a list of options; enter on one calls `chosen(its index)`."""

    def __init__(self, dialog: str, title: str, options: OptionList, *, highlighted: int | None = None,
                 subtitle: str | None = None, help_text: str = "") -> None:
        super().__init__(dialog, title, subtitle)
        self.options, self.first_highlighted, self.help_text = options, highlighted, help_text

    def body(self) -> ComposeResult:
        if self.help_text:
            yield Static(self.help_text, markup=False, classes="keep-help")
        yield self.options

    def on_mount(self) -> None:
        if self.first_highlighted is not None:
            self.options.highlighted = self.first_highlighted
        self.options.focus()

    def action_cursor(self, direction: str) -> None:
        """j and k, where a dialog binds them: the option above or below."""
        getattr(self.options, f"action_cursor_{direction}")()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.chosen(event.option_index)

    def chosen(self, index: int) -> None:
        raise NotImplementedError
