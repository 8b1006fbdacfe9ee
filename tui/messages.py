"""Messages the screens post up to the app (and the app to the main screen)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.screen import ModalScreen

from .model import Thread
from .search import Hit


@dataclass
class OpenThread(Message):
    """Open a thread in the reading pane, at post `index`, highlighting `terms`."""

    thread_id: str
    index: int = 0
    terms: tuple[str, ...] = ()
    focus_reader: bool = True


class LibraryChanged(Message):
    """The library on disk changed (an import finished, another process wrote)."""


@dataclass
class FetchAgain(Message):
    """Fetch a thread again from its address (the import dialog shows the progress and the outcome)."""

    link: str


class StatesChanged(Message):
    """Reading state changed in the session: save it soon."""


@dataclass
class CopyText(Message):
    """Copy text to the clipboard (OSC 52 and the system's), saying what it was."""

    text: str
    what: str


@dataclass
class FollowLink(Message):
    """Open an address in the browser where there is a desktop, else copy it."""

    url: str


@dataclass
class DeleteThread(Message):
    """Delete a thread (asked already); keys typed after it wait for the list without it."""

    summary: Mapping[str, Any]


class UndoDelete(Message):
    """Put back the thread deleted last."""


@dataclass
class ExportThreads(Message):
    """Export threads as Markdown or HTML into a folder."""

    thread_ids: list[str]
    kind: str
    folder: Path


@dataclass
class KeepHighlight(Message):
    """Keep posts of a thread (by index) as a highlight, with a note."""

    thread: Thread
    indexes: list[int]
    note: str


@dataclass
class ChangeTags(Message):
    """Add and remove a thread's tags."""

    thread_id: str
    add: list[str]
    remove: list[str]


class ShowHighlights(Message):
    """Show every highlight (keys typed after it wait for the view)."""


@dataclass
class ChooseSort(Message):
    """Sort the list in this order now, and remember it."""

    order: str


@dataclass
class StepHit(Message):
    """Go to the next (+1) or previous (-1) search hit."""

    step: int


@dataclass
class OpenHits(Message):
    """Keep a search's hits for n / N, go to hit `index`, then close the search dialog: the frame
    that uncovers the reader draws the hit's thread."""

    query: str
    hits: list[Hit]
    index: int
    dialog: ModalScreen[None]


@dataclass
class SaveSearch(Message):
    """Keep a query under a name (the palette reruns it)."""

    name: str
    query: str
