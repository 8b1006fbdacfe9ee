"""Completing file and folder paths typed in the import box, like a shell does.

Listing a folder can be slow (a network mount, a huge folder): the
suggester lists in a thread, never on the event loop, and reads at most
`MAX_ENTRIES_SCANNED` entries.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.suggester import Suggester

from ..fetching.addresses import is_link

MAX_ENTRIES_SCANNED = 2_000


def completions(value: str) -> list[str]:
    """Every value that completes the last path in `value` by one folder entry (folders end in `/`).

    Several paths are separated by `;`; only the last is completed. Hidden
    entries are offered only once a `.` is typed. Sorted with a name before
    the longer names it starts (`threadreader/` before `threadreader-html/`).
    """
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


def split_inputs(value: str) -> tuple[list[Path], list[str]]:
    """The paths and the links typed in the import box: one, or several separated by `;`."""
    parts = [part.strip() for part in value.split(";") if part.strip()]
    return ([Path(os.path.expanduser(part)) for part in parts if not is_link(part)],
            [part for part in parts if is_link(part)])
