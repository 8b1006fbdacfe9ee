"""The help screen: every key, grouped by where it works, read from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ..widgets.key_scroll import KeyScroll
from .base import Dialog

KEY_NAMES = {"down": "↓", "up": "↑", "pagedown": "pgdn", "pageup": "pgup", "question_mark": "?", "slash": "/",
             "escape": "esc", "delete": "del"}


def key_label(keys: str) -> str:
    """`j,down` as `j / ↓`."""
    return " / ".join(KEY_NAMES.get(key, key) for key in keys.split(","))


KEY_COLUMN = 22


def bindings_text(title: str, bindings: list[BindingType]) -> Text:
    """A titled section: one line per key with its description (bindings to another node's action,
    `screen.filter`, are left to that node's section)."""
    text = Text.assemble((title, "bold underline"))
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description and "." not in binding.action:
            text.append("\n" + key_label(binding.key).ljust(KEY_COLUMN - 1) + " ", style="bold")
            text.append(binding.description)
    return text


class HelpScreen(Dialog[None]):
    """All keys with their descriptions; esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]
    AUTO_FOCUS = "#help-body"

    def __init__(self, sections: list[tuple[str, list[BindingType]]], notes: list[tuple[str, str]]) -> None:
        super().__init__("help", "Help")
        self.sections, self.notes = sections, notes

    def body(self) -> ComposeResult:
        yield Static("threads-tui keys", id="help-title", markup=False)
        with KeyScroll(id="help-body"):
            for title, bindings in self.sections:
                yield Static(bindings_text(title, bindings), classes="help-section")
            for title, note in self.notes:
                yield Static(Text.assemble((title, "bold underline"), "\n" + note), classes="help-section help-note")
        yield Static("j k space b g G ctrl+d ctrl+u scroll · esc, q or ? closes · ctrl+p finds any command",
                     id="help-hint", markup=False)
