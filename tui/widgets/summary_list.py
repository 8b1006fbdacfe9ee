"""A keyboard-driven list of thread summaries that draws only the rows on screen.

| key | action |
|---|---|
| `j` / `down` | next thread |
| `k` / `up` | previous thread |
| `g` / `home`, `G` / `end` | first / last thread |
| `pgdn` / `ctrl+f`, `pgup` / `ctrl+b` | a page down / up |
| `ctrl+d`, `ctrl+u` | half a page down / up |
| `enter` | open the highlighted thread |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..summary_file import position_of

# An item of the list: a thread's summary, or a row shaped like one (a search hit).
Item = Mapping[str, Any]
# Rows kept drawn, a few screens' worth: each holds Strips with caches of their own, and
# thousands of them make every garbage collection pass slower than a frame.
RENDERED_ROWS_KEPT = 256


class SummaryList(ScrollView, can_focus=True):
    """Rows of `ROW_HEIGHT` lines, each drawn by `format_item` (subclasses say how); the cursor, scrolling,
    clicks and messages are handled here."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "summary-list--cursor",
        "summary-list--secondary",
        "summary-list--mark",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="list.open"),
        Binding("j,down", "move(1)", "Next", show=False, id="list.next"),
        Binding("k,up", "move(-1)", "Previous", show=False, id="list.previous"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="list.page-down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="list.page-up"),
        Binding("ctrl+d", "page(1, 2)", "Half a page down", show=False, id="list.half-page-down"),
        Binding("ctrl+u", "page(-1, 2)", "Half a page up", show=False, id="list.half-page-up"),
    ]
    ROW_HEIGHT: ClassVar[int] = 2

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another item."""

        summary_list: SummaryList
        item: Item

        @property
        def control(self) -> SummaryList:
            return self.summary_list

    class Selected(Highlighted):
        """Enter (or a click) on an item."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: Sequence[Item] = []
        self.empty_text = ""  # what the list says while it is empty: its screen tells it
        self._rendered: dict[tuple[int, int, bool, bool], list[Strip]] = {}

    # -- data -------------------------------------------------------------

    def set_items(self, items: Sequence[Item], keep_id: str | None = None) -> None:
        """Replace the items; keep the cursor on `keep_id` when it is still there."""
        self.items = items
        self._rendered.clear()
        index = (position_of(items, keep_id) or 0) if keep_id is not None else 0
        self.virtual_size = Size(self.size.width, len(items) * self.ROW_HEIGHT)
        self.set_reactive(SummaryList.cursor, index)
        self.refresh()
        if self.is_mounted:
            self.call_after_refresh(self._scroll_to_cursor)

    def select(self, index: int, *, announce: bool = True) -> None:
        """Put the cursor on item `index` and scroll to it; `announce=False` sends no Highlighted message."""
        if announce:
            self.cursor = index
            return
        old = self.cursor
        self.set_reactive(SummaryList.cursor, self.validate_cursor(index))
        self._forget_cursor_rows(old, self.cursor)
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)

    @property
    def current(self) -> Item | None:
        if 0 <= self.cursor < len(self.items):
            return self.items[self.cursor]
        return None

    def refresh_items(self) -> None:
        """Redraw every row (marks changed, say)."""
        self._rendered.clear()
        self.refresh()

    def format_item(self, item: Item, width: int) -> list[Text]:
        """The `ROW_HEIGHT` lines of one item (subclasses override)."""
        return [Text(item.get("title") or ""), Text("")]

    # -- cursor -----------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.items) - 1)) if self.items else 0

    def _forget_cursor_rows(self, old: int, new: int) -> None:
        """The two rows the cursor left and reached are drawn again; the others are kept."""
        width = self.scrollable_content_region.width
        for focused in (False, True):
            self._rendered.pop((old, width, True, focused), None)
        self._rendered.pop((new, width, False, False), None)

    def watch_cursor(self, old: int, new: int) -> None:
        self._forget_cursor_rows(old, new)
        self.refresh()
        self._scroll_to_cursor()
        if self.current is not None:
            self.post_message(self.Highlighted(self, self.current))

    def _scroll_to_cursor(self) -> None:
        if not self.items:
            return
        region = Region(0, self.cursor * self.ROW_HEIGHT, self.size.width, self.ROW_HEIGHT)
        self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def action_move(self, rows: int) -> None:
        """The cursor `rows` down (up, if negative)."""
        self.cursor += rows

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.items) - 1

    def action_page(self, direction: int, parts: int = 1) -> None:
        """The cursor a page down (`direction` -1: up); `parts` 2: half a page."""
        page = max(1, self.scrollable_content_region.height // self.ROW_HEIGHT)
        self.cursor += direction * max(1, page // parts)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_y)) // self.ROW_HEIGHT
        if 0 <= index < len(self.items):
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    # -- drawing ----------------------------------------------------------

    def on_mount(self) -> None:
        # Rows are kept drawn, in the colours of the theme they were drawn in.
        self.app.theme_changed_signal.subscribe(self, lambda theme: self.refresh_items())

    def on_resize(self, event: events.Resize) -> None:
        self._rendered.clear()
        self.virtual_size = Size(event.size.width, len(self.items) * self.ROW_HEIGHT)

    def _item_strips(self, index: int, width: int) -> list[Strip]:
        is_cursor = index == self.cursor
        # The cursor's row is drawn one way where the list has focus and another where it has not.
        key = (index, width, is_cursor, is_cursor and self.has_focus)
        strips = self._rendered.get(key)
        if strips is None:
            base = self.rich_style
            if is_cursor:
                base = base + self.get_component_rich_style("summary-list--cursor")
            strips = []
            for line in self.format_item(self.items[index], width):
                line.no_wrap = True
                line.overflow = "ellipsis"
                line.truncate(width, overflow="ellipsis", pad=True)
                segments = list(line.render(self.app.console))
                strips.append(Strip(Segment.apply_style(segments, base)).crop_extend(0, width, base))
            if len(self._rendered) > RENDERED_ROWS_KEPT:
                self._rendered.clear()
            self._rendered[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line_number = int(self.scroll_y) + y
        if not self.items:  # `empty_text` wrapped a column in from each side: it is never cut off
            text = Text(self.empty_text, style=self.get_component_rich_style("summary-list--secondary"))
            lines = [Text(" ") + line for line in text.wrap(self.app.console, max(1, width - 2))]
            if line_number < len(lines):
                return Strip(list(lines[line_number].render(self.app.console))).crop_extend(0, width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        index, row = divmod(line_number, self.ROW_HEIGHT)
        if index >= len(self.items):
            return Strip.blank(width, self.rich_style)
        return self._item_strips(index, width)[row]

    def secondary_style(self) -> Style:
        return self.get_component_rich_style("summary-list--secondary", partial=True)

    def mark_style(self) -> Style:
        return self.get_component_rich_style("summary-list--mark", partial=True)
