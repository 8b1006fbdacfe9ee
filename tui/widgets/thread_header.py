"""The reading pane's header: author, date, count and read time, broken only between those parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ..formatting import HEADER_SEPARATOR
from ..text import strip_control

BELOW_STYLE = "not bold dim"
LINE_END = HEADER_SEPARATOR.rstrip()  # ` ·` ends a line the header breaks after


class ThreadHeader(Widget):
    """Parts joined by ` · ` that wrap as units ("3 posts" and "1 May 2024" never split), and a dim
    line below (the thread's address and tags)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parts: list[str] = []
        self.below = ""
        self._wrapped: tuple[int, list[Text]] | None = None

    def show(self, parts: Sequence[str], below: str = "") -> None:
        """Show `parts` (user text: control characters are stripped) and, under them, `below`."""
        self.parts = [strip_control(part) for part in parts]
        self.below = strip_control(below)
        self._wrapped = None
        self.refresh(layout=True)

    def render(self) -> Text:
        """The whole header, unwrapped: what it says at any width."""
        text = Text(HEADER_SEPARATOR.join(self.parts))
        if self.below:
            text.append("\n" + self.below, style=BELOW_STYLE)
        return text

    def lines(self, width: int) -> list[Text]:
        """The header's lines at `width` columns."""
        width = max(1, width)
        if self._wrapped is not None and self._wrapped[0] == width:
            return self._wrapped[1]
        rows: list[str] = []
        line = ""
        for index, part in enumerate(self.parts):
            joined = f"{line}{HEADER_SEPARATOR}{part}" if line else part
            room = width if index == len(self.parts) - 1 else width - len(LINE_END)
            if line and cell_len(joined) > room:
                rows.append(line + LINE_END)
                joined = part
            line = joined
        rows.append(line)
        console = self.app.console
        wrapped = [piece for row in rows for piece in Text(row).wrap(console, width)]
        if self.below:
            wrapped += list(Text(self.below, style=BELOW_STYLE).wrap(console, width))
        self._wrapped = (width, wrapped)
        return wrapped

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self.lines(width)
        base = self.rich_style
        if y >= len(lines):
            return Strip.blank(width, base)
        return Strip(list(lines[y].render(self.app.console))).crop_extend(0, width, base).apply_style(base)
