"""The box that filters the thread list as you type."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """An Input whose footer says how to leave it: esc clears the filter, enter keeps it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "screen.clear_filter", "Clear filter", id="filter.clear"),
        Binding("enter", "submit", "Keep filter", id="filter.keep"),
    ]
