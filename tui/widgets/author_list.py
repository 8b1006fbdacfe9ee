"""The "More from @author" sidebar list: date and title, then size or preview state."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from .summary_list import Item, SummaryList
from .thread_list import PREVIEW_MARK, count_label, date_label


class AuthorList(SummaryList):
    """Right pane: the author's other threads, newest first: title, then date and size (or preview state)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "screen.toggle_sidebar", "Hide", id="sidebar.hide"),
    ]

    def format_item(self, item: Item, width: int) -> list[Text]:
        first = Text(item.get("title") or "(no text)")
        second = Text()
        second.append(f"{date_label(item)} · ", style=self.secondary_style())
        if not item.get("complete"):
            second.append(PREVIEW_MARK + " ", style=self.mark_style())
        second.append(count_label(item), style=self.secondary_style())
        return [first, second]
