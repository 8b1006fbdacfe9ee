"""Dialogs for what the user keeps: a highlight's note, a thread's tags, the list of highlights.

| key | action |
|---|---|
| `enter` | keep the note / apply the tags / open the highlight |
| `d`, `delete` | (highlights) remove the highlight chosen |
| `esc` | close without changing anything |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..text import clean_line
from .base import Dialog, PickScreen

AnswerT = TypeVar("AnswerT")


class AskScreen(Dialog[AnswerT]):
    """A line of help over one box to type in; enter dismisses with `answer(what is typed)`."""

    def __init__(self, title: str, help_text: str, box: Input) -> None:
        super().__init__("keep", title)
        self.help_text, self.box = help_text, box

    def body(self) -> ComposeResult:
        yield Static(self.help_text, markup=False, classes="keep-help")
        yield self.box

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self.answer(event.value))

    def answer(self, typed: str) -> AnswerT:
        raise NotImplementedError


class NoteScreen(AskScreen[str | None]):
    """Type an optional note for a highlight; enter keeps it (empty: no note), esc keeps nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel", id="note.cancel")]

    def __init__(self, what: str) -> None:  # `posts 3–5 of 23`
        super().__init__("Highlight", f"Keep {what} as a highlight. A note (optional), then enter; esc cancels.",
                         Input(placeholder="note", id="note-input"))

    def answer(self, typed: str) -> str | None:
        return typed.strip()


class TagSuggester(Suggester):
    """Completes the word being typed (after a space, or a `-`) from the tags in use."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        word = value.rsplit(" ", 1)[-1].removeprefix("-").lstrip("#")
        if not word:
            return None
        match = next((tag for tag in self.tags if tag.startswith(word) and tag != word), None)
        return value + match[len(word):] if match else None


@dataclass(frozen=True, slots=True)
class TagChange:
    """Tags to add to a thread and tags to take off it."""

    add: list[str]
    remove: list[str]


class TagsScreen(AskScreen[TagChange | None]):
    """Type tags to add (`-tag` removes one), with completion from the tags in use; enter applies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="tags.cancel"),
        Binding("tab", "complete", "Complete the tag", priority=True, id="tags.complete"),
    ]

    def __init__(self, current: list[str], in_use: list[str]) -> None:
        have = " ".join(f"#{tag}" for tag in current) or "none yet"
        super().__init__("Tags", f"Tags now: {have}. Type tags to add, -tag to remove one; enter applies, esc cancels.",
                         Input(placeholder="tag -other", id="tags-input", suggester=TagSuggester(in_use)))

    def action_complete(self) -> None:
        """Tab takes the tag suggested for the word being typed, and a space for the next one."""
        before = self.box.value
        self.box.action_cursor_right()  # at the end of the text, this takes the suggestion
        if self.box.value != before:
            self.box.insert_text_at_cursor(" ")

    def answer(self, typed: str) -> TagChange:
        words = typed.split()
        return TagChange([w for w in words if not w.startswith("-")],
                         [w[1:] for w in words if w.startswith("-") and len(w) > 1])


@dataclass(frozen=True, slots=True)
class HighlightRow:
    """One highlight as the list shows it, and where it opens."""

    key: str
    thread_id: str
    first_index: int | None  # None: its posts are no longer in the library (it can still be removed)
    title: str
    where: str  # `posts 3–5`
    note: str


@dataclass(frozen=True, slots=True)
class OpenHighlight:
    thread_id: str
    index: int


@dataclass(frozen=True, slots=True)
class RemoveHighlight:
    key: str


class HighlightsScreen(PickScreen[OpenHighlight | RemoveHighlight | None]):
    """Every highlight (thread, posts, note), oldest first; enter opens one at its place, d removes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="highlights.close"),
        Binding("d,delete", "remove", "Remove", id="highlights.remove"),
    ]

    def __init__(self, rows: list[HighlightRow]) -> None:
        options = OptionList(*[Option(self._label(row)) for row in rows], id="highlights-list", markup=False)
        empty = "No highlights yet: v selects posts in the reading pane, H keeps them."
        super().__init__("highlights", f"Highlights ({len(rows)})", options, help_text="" if rows else empty)
        self.rows = rows

    @staticmethod
    def _label(row: HighlightRow) -> str:
        note = f"\n  {clean_line(row.note)}" if row.note else ""
        return f"{clean_line(row.title) or '(no text)'} · {row.where}{note}"

    def chosen(self, index: int) -> None:
        row = self.rows[index]
        if row.first_index is None:
            self.notify("Its posts are no longer in the library: d removes it.", severity="warning", markup=False)
            return
        self.dismiss(OpenHighlight(row.thread_id, row.first_index))

    def action_remove(self) -> None:
        index = self.options.highlighted
        if index is not None and self.rows:
            self.dismiss(RemoveHighlight(self.rows[index].key))
