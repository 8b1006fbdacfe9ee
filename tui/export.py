"""Export threads to Markdown files, one per thread (no Textual here)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .formatting import thread_as_markdown
from .model import Thread
from .storage import StorageWriteError, fsync_dir, sync_files, write_atomic

_UNSAFE = re.compile(r"[^a-z0-9]+")


def file_name_for(thread: Thread) -> str:
    """`2023-03-03-dana_example-i-kept-a-paper-notebook-<id>.md`: sortable, unique, safe."""
    date = thread.date.iso().lstrip("-") if thread.date and thread.date.iso() else "undated"
    author = _UNSAFE.sub("-", (thread.author_handle or thread.author_name or "unknown").lower()).strip("-")
    slug = _UNSAFE.sub("-", thread.title.lower()).strip("-")[:40].strip("-") or "thread"
    safe_id = _UNSAFE.sub("-", thread.id.lower()).strip("-")[-24:]
    return f"{date}-{author or 'unknown'}-{slug}-{safe_id}.md"


class ExportError(Exception):
    """The export folder or a file in it cannot be written (one line for the user)."""


def export_threads(threads: Iterable[Thread], folder: Path) -> list[Path]:
    """Write each thread as Markdown into `folder`; return the files written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot write to {folder}: {error.strerror or error}") from error
    written = []
    try:
        for thread in threads:
            path = folder / file_name_for(thread)
            # Each file is whole or absent; all are synced together at the end (a sync each is slow).
            write_atomic(path, thread_as_markdown(thread).encode(), sync=False)
            written.append(path)
        sync_files(written)
    except StorageWriteError as error:
        raise ExportError(f"cannot write {error.path}: {error.reason} ({len(written)} written before it)") from error
    fsync_dir(folder)
    return written
