"""Completing file and folder paths typed in a box (import, export), like a shell does.

Listing a folder can be slow (a network mount, a huge folder): the
suggester lists in a thread, never on the event loop, and reads at most
`MAX_ENTRIES_SCANNED` entries.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

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


class TabCompletion:
    """Tab in a path box (its suggester a `PathSuggester`), as a shell's: complete to what every match
    starts with, else step through the matches, listed in `shown`. The screen calls `complete` and `changed`."""

    def __init__(self, path_input: Input, shown: Static) -> None:
        self.path_input = path_input
        self.shown = shown
        self.cycle: list[str] = []
        self.cycle_index = 0

    async def complete(self) -> None:
        path_input = self.path_input
        value = path_input.value
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
            self.show(candidates if len(candidates) > 1 else [])
        self._suggester().paused = bool(self.cycle)
        path_input.value = completed
        path_input.cursor_position = len(completed)
        if self.cycle:
            self.show(self.cycle, self.cycle_index)

    def changed(self, value: str) -> None:
        """The box changed: typing something other than a match ends the stepping."""
        if self.cycle and value not in self.cycle:
            self.cycle = []
            self._suggester().paused = False
            self.show([])

    def show(self, candidates: list[str], current: int | None = None) -> None:
        """The matches of the path, by name, below the box (the one tab chose in bold)."""
        self.shown.display = bool(candidates)
        text = Text(style="dim")
        for index, candidate in enumerate(candidates[:MAX_CANDIDATES_SHOWN]):
            name = candidate.rstrip("/").rpartition("/")[2] + ("/" if candidate.endswith("/") else "")
            text.append(("  " if index else "") + (clean_line(name) or ""), style="bold" if index == current else "")
        if len(candidates) > MAX_CANDIDATES_SHOWN:
            text.append(f"  … and {len(candidates) - MAX_CANDIDATES_SHOWN} more")
        self.shown.update(text)

    def _suggester(self) -> PathSuggester:
        suggester = self.path_input.suggester
        assert isinstance(suggester, PathSuggester)
        return suggester


def split_inputs(value: str) -> tuple[list[Path], list[str]]:
    """The paths and the links typed in the import box: one, or several separated by `;`."""
    parts = [part.strip() for part in value.split(";") if part.strip()]
    return ([Path(os.path.expanduser(part)) for part in parts if not is_link(part)],
            [part for part in parts if is_link(part)])
