"""A scrolling box of text that the reader's keys scroll, as they do the reading pane.

| key | action |
|---|---|
| `j` / `down`, `k` / `up` | a line down / up |
| `space` / `pgdn` / `ctrl+f`, `b` / `pgup` / `ctrl+b` | a page down / up |
| `ctrl+d`, `ctrl+u` | half a page down / up |
| `g` / `home`, `G` / `end` | top / bottom |
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll


class KeyScroll(VerticalScroll, can_focus=True):
    """VerticalScroll with the reader's keys (the help and the import summary)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="scroll.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="scroll.up"),
        Binding("space,pagedown,ctrl+f", "page_down", "Page down", show=False, id="scroll.page-down"),
        Binding("b,pageup,ctrl+b", "page_up", "Page up", show=False, id="scroll.page-up"),
        Binding("ctrl+d", "half_page_down", "Half a page down", show=False, id="scroll.half-page-down"),
        Binding("ctrl+u", "half_page_up", "Half a page up", show=False, id="scroll.half-page-up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="scroll.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="scroll.bottom"),
    ]

    @classmethod
    def scroll_keys(cls) -> frozenset[str]:
        """Every key this box scrolls by."""
        return frozenset(key for binding in cls.BINDINGS if isinstance(binding, Binding)
                         for key in binding.key.split(","))

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_half_page_down(self) -> None:
        self.scroll_relative(y=max(1, self.scrollable_content_region.height // 2), animate=False)

    def action_half_page_up(self) -> None:
        self.scroll_relative(y=-max(1, self.scrollable_content_region.height // 2), animate=False)
