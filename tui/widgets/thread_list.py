"""The library's threads, newest first, with unread, bookmark and preview marks."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..model import PartialDate
from .summary_list import Summary, SummaryList

UNREAD_MARK = "●"
BOOKMARK_MARK = "★"
PREVIEW_MARK = "◐"


def count_label(item: Summary) -> str:
    """`5 tweets`, or `2/9 preview` when the thread is incomplete."""
    held = item.get("post_count") or 0
    if item.get("complete"):
        return f"{held} tweet{'s' if held != 1 else ''}"
    declared = item.get("declared_count")
    return f"{held}/{declared} preview" if declared else f"{held} incomplete"


def date_label(item: Summary) -> str:
    date = PartialDate.from_iso(item.get("date"))
    return date.human() if date else "no date"


class ThreadList(SummaryList):
    """Left pane: title on the first line; marks, author, date and count below."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(empty_text="No threads. Press i to import.", **kwargs)
        self.states: dict[str, dict[str, Any]] = {}

    def format_item(self, item: Summary, width: int) -> list[Text]:
        state = self.states.get(item["id"], {})
        marks = (
            (BOOKMARK_MARK if state.get("bookmarked") else " ")
            + (UNREAD_MARK if not state.get("read") else " ")
        )
        title = Text(marks, style=self.mark_style())
        title.append(" ")
        title.append(item.get("title") or "(no text)")
        who = f"@{item['author_handle']}" if item.get("author_handle") else (item.get("author_name") or "?")
        detail = Text("   ", style=self.secondary_style())
        detail.append(f"{who} · {date_label(item)} · ", style=self.secondary_style())
        if not item.get("complete"):
            detail.append(PREVIEW_MARK + " ", style=self.mark_style())
        detail.append(count_label(item), style=self.secondary_style())
        return [title, detail]
