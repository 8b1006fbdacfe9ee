"""Choose the thread list's order: newest, oldest, author, longest, recently added.

| key | action |
|---|---|
| `j` / `k`, arrows | another order |
| `enter` | sort by it (remembered for the next start) |
| `esc` | keep the order as it is |
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from ..sorting import SORT_LABELS


class SortList(OptionList):
    """The orders, with vim keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="sort.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sort.up"),
    ]


class SortScreen(ModalScreen[str | None]):
    """The orders, the current one highlighted; enter dismisses with the one chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel", id="sort.cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="sort-dialog"):
            yield SortList(*[Option(label.capitalize(), id=order) for order, label in SORT_LABELS.items()],
                           id="sort-list", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#sort-dialog").border_title = "Sort"
        options = self.query_one(SortList)
        options.highlighted = list(SORT_LABELS).index(self.current) if self.current in SORT_LABELS else 0
        options.focus()

    @on(OptionList.OptionSelected, "#sort-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
