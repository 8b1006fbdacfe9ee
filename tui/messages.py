"""Messages shared between screens and the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenThread(Message):
    """Open a thread in the reading pane, at post `index`, highlighting `terms`."""

    thread_id: str
    index: int = 0
    terms: tuple[str, ...] = ()
    focus_reader: bool = True


@dataclass
class LibraryChanged(Message):
    """The library on disk changed (an import finished, another process wrote)."""


@dataclass
class FetchAgain(Message):
    """Fetch a thread again from its address (the import dialog shows the progress and the outcome)."""

    link: str
