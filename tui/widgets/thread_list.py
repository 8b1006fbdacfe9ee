"""The library's threads, newest first, with unread, bookmark and preview marks."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from ..formatting import author_and_reply_label, held_text, post_noun
from ..model import PartialDate
from .summary_list import Item, SummaryList

UNREAD_MARK = "●"
BOOKMARK_MARK = "★"
PREVIEW_MARK = "◐"
DETAIL_INDENT = "   "
SEPARATOR = " · "
BOOKMARK_KEYS = Binding.Group("Bookmarks")


def count_label(item: Item) -> str:
    """`5 tweets` (`5 posts` for Bluesky and Mastodon), or `2/9 preview` when the thread is incomplete."""
    held = item.get("post_count") or 0
    if item.get("complete"):
        return f"{held} {post_noun(item['id'], held)}"
    declared = item.get("declared_count")
    return f"{held}/{declared} preview" if declared else f"{held} incomplete"


def date_label(item: Item) -> str:
    date = PartialDate.from_iso(item.get("date"))
    return date.human() if date else "no date"


class ThreadList(SummaryList):
    """Left pane: marks, title and count (`7`, or `◐ 1/11` for a preview); author and date below. A narrow
    pane cuts the title and the author, never the count or the date.

    | key | action |
    |---|---|
    | `f` | filter the list (the main screen's action, shown in the footer here) |
    | `m` | bookmark the open thread, or remove its bookmark |
    | `B` | bookmarked threads only, or all |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "screen.filter", "Filter", id="list.filter"),
        Binding("m", "screen.toggle_bookmark", "Bookmark", group=BOOKMARK_KEYS, id="list.bookmark"),
        Binding("B", "screen.toggle_bookmarked_only", "Bookmarked only", group=BOOKMARK_KEYS,
                id="list.bookmarked-only"),
        Binding("escape", "screen.clear_filter", "Clear filter", id="list.clear-filter"),  # shown with a filter
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.states: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, list[str]] = {}

    def format_item(self, item: Item, width: int) -> list[Text]:
        if not self.show_vertical_scrollbar:
            width -= 1  # a column between the count and the border
        state = self.states.get(item["id"], {})
        marks = (BOOKMARK_MARK if state.get("bookmarked") else " ") + (" " if state.get("read") else UNREAD_MARK)
        count = Text()
        if not item.get("complete"):
            count.append(PREVIEW_MARK + " ", style=self.mark_style())
        count.append(held_text(item), style=self.secondary_style())
        title = Text()
        title.append(marks, style=self.mark_style())
        title.append(" ")
        title.append(item.get("title") or "(no text)")
        title.truncate(max(1, width - count.cell_len - 1), overflow="ellipsis", pad=True)
        title.append(" ")
        title.append_text(count)

        date = date_label(item)
        author = Text(author_and_reply_label(item), style=self.secondary_style())
        author.truncate(max(1, width - len(DETAIL_INDENT) - len(SEPARATOR) - len(date)), overflow="ellipsis")
        detail = Text(DETAIL_INDENT)
        detail.append_text(author)
        detail.append(f"{SEPARATOR}{date}", style=self.secondary_style())
        tags = self.tags.get(item["id"])
        if tags:
            detail.append("  " + " ".join(f"#{tag}" for tag in tags), style=self.mark_style())
            detail.truncate(width, overflow="ellipsis")
        return [title, detail]
