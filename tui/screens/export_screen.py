"""Export from the reader: what (the open thread, the list shown, the bookmarks), which format, where.

| key | action |
|---|---|
| `tab` | in the folder box: complete the path (as in the import dialog); elsewhere: the next choice |
| arrows, `space` | choose in a group |
| `enter` | export (in the folder box) |
| `esc` | close without exporting |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, RadioButton, RadioSet, Static

from ..widgets.path_input import PathInput
from .base import Dialog

# What can be exported, as `ExportChoice.what` names it, and how the dialog says it.
WHAT = {"thread": "The open thread", "list": "The list shown", "bookmarks": "The bookmarked threads"}
KINDS = {"markdown": "Markdown (front matter, highlights)", "html": "HTML pages (with an index.html)"}


@dataclass(frozen=True, slots=True)
class ExportChoice:
    """What the user chose: `what` (a key of WHAT), `kind` (markdown, html) and the folder typed."""

    what: str
    kind: str
    folder: Path


class ExportScreen(Dialog[ExportChoice | None]):
    """Choose what and how, type the folder (tab completes), enter exports."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="export.close"),
        Binding("tab", "complete", "Complete the folder / next", priority=True, id="export.complete"),
    ]
    AUTO_FOCUS = "#export-folder"

    def __init__(self, thread_open: bool, folder: str = "") -> None:
        super().__init__("export", "Export")
        self.thread_open = thread_open  # without one, the list shown is chosen first
        self.initial_folder = folder

    def body(self) -> ComposeResult:
        yield Static("shift+tab: up to the choices (arrows, space). Folder: tab completes, enter writes.",
                     markup=False, classes="keep-help")
        with RadioSet(id="export-what"):
            for key, label in WHAT.items():
                yield RadioButton(label, value=key == ("thread" if self.thread_open else "list"), id=f"what-{key}")
        with RadioSet(id="export-kind"):
            for key, label in KINDS.items():
                yield RadioButton(label, value=key == "markdown", id=f"kind-{key}")
        candidates = Static("", id="export-candidates", markup=False)
        yield PathInput(self.initial_folder, candidates, placeholder="folder, e.g. ~/Documents/threads",
                        id="export-folder")
        yield candidates
        yield Static("", id="export-status", markup=False)

    def _chosen(self, group: str) -> str:
        pressed = self.query_one(f"#export-{group}", RadioSet).pressed_button
        return (pressed.id or "").partition("-")[2] if pressed is not None else ""

    async def action_complete(self) -> None:
        if isinstance(self.focused, PathInput):
            await self.focused.complete()
        else:
            self.focus_next()

    @on(Input.Submitted, "#export-folder")
    def _submitted(self, event: Input.Submitted) -> None:
        folder = event.value.strip()
        if not folder:
            status = self.query_one("#export-status", Static)
            status.display = True
            status.update("Type the folder to write into.")
            return
        self.dismiss(ExportChoice(self._chosen("what"), self._chosen("kind"), Path(folder).expanduser()))
