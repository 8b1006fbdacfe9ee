"""An Input for file and folder paths, completing as you type (tab or right accepts)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester

MAX_ENTRIES_SCANNED = 2_000


class PathSuggester(Suggester):
    """Suggests the first file or folder that completes what was typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, partial = os.path.split(expanded)
        try:
            with os.scandir(folder or ".") as entries:
                names = []
                for count, entry in enumerate(entries):
                    if count >= MAX_ENTRIES_SCANNED:
                        break
                    if entry.name.startswith(partial) and (partial.startswith(".") or not entry.name.startswith(".")):
                        names.append(entry.name + ("/" if entry.is_dir() else ""))
        except OSError:
            return None
        if not names:
            return None
        completion = sorted(names)[0][len(partial):]
        return value + completion if completion else None


def split_paths(value: str) -> list[Path]:
    """The paths typed in the import box: one, or several separated by `;`."""
    return [Path(os.path.expanduser(part.strip())) for part in value.split(";") if part.strip()]
