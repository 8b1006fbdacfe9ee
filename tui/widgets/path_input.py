"""Completing file and folder paths typed in a box (import, export), like a shell does.

Listing a folder can be slow (a network mount, a huge folder): the
suggester lists in a thread, never on the event loop, and reads at most
`MAX_ENTRIES_SCANNED` entries.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.suggester import Suggester
from textual.widgets import Input, Static

from ..text import clean_line

from ..fetching.addresses import is_link

MAX_ENTRIES_SCANNED = 2_000
MAX_CANDIDATES_SHOWN = 30


def completions(value: str) -> list[str]:
    """Every value that completes the last of the `;`-separated paths in `value` by one folder entry
    (folders end in `/`; hidden ones once a `.` is typed), a name before the longer names it starts."""
    head, separator, last = value.rpartition(";")
    part = last.lstrip()
    if not part:
        return []
    lead = head + separator + last[: len(last) - len(part)]
    folder, partial = os.path.split(os.path.expanduser(part))
    typed_folder = part[: len(part) - len(partial)]
    names = []
    try:
        with os.scandir(folder or ".") as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES_SCANNED:
                    break
                if entry.name.startswith(partial) and (partial.startswith(".") or not entry.name.startswith(".")):
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    names.append(entry.name + ("/" if is_dir else ""))
    except OSError:
        return []
    names.sort(key=lambda name: (name.rstrip("/"), name))
    return [lead + typed_folder + name for name in names]


def common_completion(value: str, candidates: list[str]) -> str:
    """What every candidate starts with, if that is more than `value`; else `value`."""
    prefix = os.path.commonprefix(candidates) if candidates else ""
    return prefix if len(prefix) > len(value) else value


class PathSuggester(Suggester):
    """Suggests what every completion of the typed path starts with (tab or → accepts it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        # While tab steps through matches: a folder's own completion shown after it
        # would read as if tab had gone into the folder.
        self.paused = False

    async def get_suggestion(self, value: str) -> str | None:
        if self.paused:
            return None
        candidates = await asyncio.to_thread(completions, value)
        completed = common_completion(value, candidates)
        return completed if completed != value else None


class PathInput(Input):
    """A path box whose `complete` (the screen's tab) works as a shell's: to what every match starts with,
    else stepping through the matches, listed in `shown` (hidden until then)."""

    def __init__(self, value: str, shown: Static, **kwargs: Any) -> None:
        suggester = PathSuggester()
        # Focus goes here to edit the path, or to type on: nothing is selected.
        super().__init__(value, suggester=suggester, select_on_focus=False, **kwargs)
        self.path_suggester = suggester
        self.shown = shown
        shown.display = False
        self.cycle: list[str] = []
        self.cycle_index = 0

    async def complete(self) -> None:
        value = self.value
        if self.cycle and value == self.cycle[self.cycle_index]:
            self.cycle_index = (self.cycle_index + 1) % len(self.cycle)
            completed = self.cycle[self.cycle_index]
        else:
            candidates = await asyncio.to_thread(completions, value)
            completed = common_completion(value, candidates)
            self.cycle, self.cycle_index = [], 0
            if completed == value and len(candidates) > 1:
                self.cycle = candidates
                completed = candidates[0]
            self.list_matches(candidates if len(candidates) > 1 else [])
        self.path_suggester.paused = bool(self.cycle)
        self.value = completed
        self.cursor_position = len(completed)
        if self.cycle:
            self.list_matches(self.cycle, self.cycle_index)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing something other than a match ends the stepping."""
        if self.cycle and event.value not in self.cycle:
            self.cycle = []
            self.path_suggester.paused = False
            self.list_matches([])

    def list_matches(self, candidates: list[str], current: int | None = None) -> None:
        """The matches of the path, by name, below the box (the one tab chose in bold)."""
        self.shown.display = bool(candidates)
        text = Text(style="dim")
        for index, candidate in enumerate(candidates[:MAX_CANDIDATES_SHOWN]):
            name = candidate.rstrip("/").rpartition("/")[2] + ("/" if candidate.endswith("/") else "")
            text.append(("  " if index else "") + (clean_line(name) or ""), style="bold" if index == current else "")
        if len(candidates) > MAX_CANDIDATES_SHOWN:
            text.append(f"  … and {len(candidates) - MAX_CANDIDATES_SHOWN} more")
        self.shown.update(text)


def split_inputs(value: str) -> tuple[list[Path], list[str]]:
    """The paths and the links typed in the import box: one, or several separated by `;`."""
    parts = [part.strip() for part in value.split(";") if part.strip()]
    return ([Path(os.path.expanduser(part)) for part in parts if not is_link(part)],
            [part for part in parts if is_link(part)])
