"""The links of the current post, to open (or copy) one.

| key | action |
|---|---|
| `j` / `down`, `k` / `up` | next / previous link |
| `enter` | open the link in the browser (a desktop session), else copy it |
| `esc` | close |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..weblinks import short_address
from .base import PickScreen

DIALOG_MAX_WIDTH = 100  # as styles/app.tcss sizes #links-dialog: 90% of the screen, at most 100 columns
DIALOG_FRAME = 4  # its border and padding, and the list's


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """One address the picker offers, and what it is (`link`, or `this post's address`)."""

    url: str
    label: str = ""


class LinksScreen(PickScreen[str | None]):
    """A small list of a post's links; enter gives back the one chosen, esc none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="links.close"),
        Binding("j", "cursor('down')", "Next link", show=False, id="links.next"),
        Binding("k", "cursor('up')", "Previous link", show=False, id="links.previous"),
    ]

    def __init__(self, title: str, choices: list[LinkChoice], screen_width: int) -> None:
        # The addresses passed `web_address`: plain http(s), no spaces or control characters.
        # Each on one line, cut to the dialog's width (the whole address is what enter gives).
        width = max(20, min(DIALOG_MAX_WIDTH, screen_width * 9 // 10) - DIALOG_FRAME)
        options = [Option(f"{choice.label}: {short_address(choice.url, width - len(choice.label) - 2)}"
                          if choice.label else short_address(choice.url, width)) for choice in choices]
        super().__init__("links", title, OptionList(*options, id="links-list", markup=False), highlighted=0,
                         subtitle="enter opens it (else copies it)")
        self.choices = choices

    def chosen(self, index: int) -> None:
        self.dismiss(self.choices[index].url)
