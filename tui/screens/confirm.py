"""A yes/no question before something that changes the library (delete, mark all read).

| key | action |
|---|---|
| `y`, `enter` | do it |
| `n`, `esc` | leave everything as it is |
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from .base import Dialog


class ConfirmScreen(Dialog[bool]):
    """Ask one question; dismissed with True (y, enter) or False (n, esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__("confirm", title)
        self.question = question  # holds text from the library: shown as typed, never as markup

    def body(self) -> ComposeResult:
        yield Static(self.question, markup=False, id="confirm-question")
        yield Static("y or enter: yes · n or esc: no", markup=False, classes="keep-help")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
