"""Choose the thread list's order: newest, oldest, author, longest, recently added.

| key | action |
|---|---|
| `j` / `k`, arrows | another order |
| `enter` | sort by it (remembered for the next start) |
| `esc` | keep the order as it is |
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..sorting import SORT_LABELS
from .base import PickScreen


class SortScreen(PickScreen[str | None]):
    """The orders, the current one highlighted; enter dismisses with the one chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="sort.cancel"),
        Binding("j", "cursor('down')", "Down", show=False, id="sort.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="sort.up"),
    ]

    def __init__(self, current: str) -> None:
        options = OptionList(*[Option(label.capitalize()) for label in SORT_LABELS.values()],
                             id="sort-list", markup=False)
        super().__init__("sort", "Sort", options,
                         highlighted=list(SORT_LABELS).index(current) if current in SORT_LABELS else 0)

    def chosen(self, index: int) -> None:
        self.dismiss(list(SORT_LABELS)[index])
