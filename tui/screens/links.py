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

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from ..weblinks import short_address

DIALOG_MAX_WIDTH = 100  # as styles/app.tcss sizes #links-dialog: 90% of the screen, at most 100 columns
DIALOG_FRAME = 4  # its border and padding, and the list's


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """One address the picker offers, and what it is (`link`, or `this post's address`)."""

    url: str
    label: str = ""


class LinksScreen(ModalScreen[str | None]):
    """A small list of a post's links; enter gives back the one chosen, esc none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="links.close"),
        Binding("j", "cursor('down')", "Next link", show=False, id="links.next"),
        Binding("k", "cursor('up')", "Previous link", show=False, id="links.previous"),
    ]

    def __init__(self, title: str, choices: list[LinkChoice]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="links-dialog"):
            # The addresses passed `web_address`: plain http(s), no spaces or control characters.
            # Each on one line, cut to the dialog's width (the whole address is what enter gives).
            width = max(20, min(DIALOG_MAX_WIDTH, self.app.size.width * 9 // 10) - DIALOG_FRAME)
            options = [Option(f"{choice.label}: {short_address(choice.url, width - len(choice.label) - 2)}"
                              if choice.label else short_address(choice.url, width), id=str(n))
                       for n, choice in enumerate(self.choices)]
            yield OptionList(*options, id="links-list", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        dialog = self.query_one("#links-dialog")
        dialog.border_title = self.title_text
        dialog.border_subtitle = "enter opens it (else copies it)"
        option_list = self.query_one(OptionList)
        option_list.highlighted = 0
        option_list.focus()

    def action_cursor(self, direction: str) -> None:
        getattr(self.query_one(OptionList), f"action_cursor_{direction}")()

    @on(OptionList.OptionSelected, "#links-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)].url)
