"""The one-line box of a search within the open thread (`F`), under the reading pane's posts.

| key | action |
|---|---|
| `enter` | go to the first match from the current post; `n` / `N` then step through the matches |
| `esc` | end the search (the highlights go) |
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static


class FindInput(Input):
    """The box itself: its footer says how to leave it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "screen.end_find", "End search", id="find.end"),
        Binding("enter", "submit", "Go to match", id="find.go"),
    ]


class FindBar(Horizontal):
    """The search box and how many posts match; shown while a search within the thread is on."""

    def compose(self) -> ComposeResult:
        yield FindInput(id="find", placeholder="Find in this thread…")
        yield Static(id="find-count", markup=False)

    @property
    def input(self) -> FindInput:
        return self.query_one(FindInput)

    def show_count(self, matches: int, query: str) -> None:
        """Say how many posts match (nothing while the box is empty)."""
        text = "" if not query else "no posts match" if not matches else \
            "1 post matches" if matches == 1 else f"{matches} posts match"
        self.query_one("#find-count", Static).update(text)
