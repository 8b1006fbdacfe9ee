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
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="scroll.down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="scroll.up"),
        Binding("space,pagedown,ctrl+f", "scroll('page_down')", "Page down", show=False, id="scroll.page-down"),
        Binding("b,pageup,ctrl+b", "scroll('page_up')", "Page up", show=False, id="scroll.page-up"),
        Binding("ctrl+d", "half_page(1)", "Half a page down", show=False, id="scroll.half-page-down"),
        Binding("ctrl+u", "half_page(-1)", "Half a page up", show=False, id="scroll.half-page-up"),
        Binding("g,home", "scroll('home')", "Top", show=False, id="scroll.top"),
        Binding("G,end", "scroll('end')", "Bottom", show=False, id="scroll.bottom"),
    ]

    @classmethod
    def scroll_keys(cls) -> frozenset[str]:
        """Every key this box scrolls by."""
        return frozenset(key for binding in cls.BINDINGS if isinstance(binding, Binding)
                         for key in binding.key.split(","))

    def action_scroll(self, how: str) -> None:
        """Scroll by the widget's `scroll_<how>` (down, up, page_down, page_up, home, end), at once."""
        getattr(self, f"scroll_{how}")(animate=False)

    def action_half_page(self, direction: int) -> None:
        """Half a page down (`direction` 1) or up (-1)."""
        self.scroll_relative(y=direction * max(1, self.scrollable_content_region.height // 2), animate=False)
