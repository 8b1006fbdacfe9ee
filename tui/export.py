"""Export threads to files, one per thread: Markdown that notes apps read (YAML front matter,
highlights with their notes), or self-contained HTML pages with an index (no Textual here)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .export_html import index_page, thread_page
from .formatting import thread_as_markdown
from .model import Thread
from .quoting import Quote
from .storage import StorageWriteError, fsync_dir, sync_files, write_atomic
from .user_data import Highlight, UserData
from .weblinks import web_address

_UNSAFE = re.compile(r"[^a-z0-9]+")
_NOT_YAML = re.compile("[\ufffe\uffff\ud800-\udfff]")


@dataclass
class Extras:
    """What the user added to a thread, exported with it."""

    tags: list[str] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)


def user_extras(user_data: UserData) -> dict[str, Extras]:
    """Every thread's tags and highlights from the user's file, by thread id (UserDataError if unreadable)."""
    extras: dict[str, Extras] = {}
    user_file = user_data.read()
    for thread_id, tags in user_file.tags.items():
        extras.setdefault(thread_id, Extras()).tags = tags
    for highlight in user_file.highlights:
        extras.setdefault(highlight.thread_id, Extras()).highlights.append(highlight)
    return extras


def written_line(written: list[Path], kind: str, folder: Path) -> str:
    """`Wrote 3 Markdown files to DIR` (HTML: `and index.html`), as the CLI and the reader say it."""
    what, index = ("HTML", " and index.html") if kind == "html" else ("Markdown", "")
    return f"Wrote {len(written)} {what} file{'s' if len(written) != 1 else ''}{index} to {folder}"


def file_name_for(thread: Thread, suffix: str = ".md") -> str:
    """`2023-03-03-dana_example-i-kept-a-paper-notebook-<id>.md`: sortable, unique, safe. A date
    without a year is named by where the library placed it (`Thread.placed_date`), else by month and day."""
    placed = thread.placed_date()
    iso = placed.iso() if placed else None
    date = iso.lstrip("-") if iso else "undated"
    author = _UNSAFE.sub("-", (thread.author_handle or thread.author_name or "unknown").lower()).strip("-")
    slug = _UNSAFE.sub("-", thread.title.lower()).strip("-")[:40].strip("-") or "thread"
    safe_id = _UNSAFE.sub("-", thread.id.lower()).strip("-")[-24:]
    return f"{date}-{author or 'unknown'}-{slug}-{safe_id}{suffix}"


def front_matter(thread: Thread, extras: Extras) -> str:
    """YAML front matter (each value a JSON scalar or list, which YAML reads as they are)."""
    fields = {"title": thread.title, "author": thread.author_name, "handle": thread.author_handle,
              "date": thread.date.iso() if thread.date else None, "source": web_address(thread.url),
              "tags": extras.tags, "posts": thread.post_count, "complete": thread.complete,
              "status": "complete" if thread.complete else "preview"}
    # JSON's strings are YAML's double-quoted ones, but for the non-characters YAML refuses to read.
    lines = [f"{key}: {_NOT_YAML.sub('', json.dumps(value, ensure_ascii=False))}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def thread_markdown(thread: Thread, extras: Extras, highlights_only: bool = False) -> str:
    """The exported Markdown file of a thread: front matter, the thread (or not), then `## Highlights`:
    each highlight's posts quoted with their citation, and its note."""
    quotes = []
    for highlight in extras.highlights:
        if numbers := highlight.numbers_in(thread):
            note = f"\nNote: {highlight.note}\n" if highlight.note else ""
            quotes.append(Quote(thread, [n - 1 for n in numbers]).markdown() + note)
    kept = "## Highlights\n\n" + "\n".join(quotes) if quotes else ""
    body = thread_as_markdown(thread)
    if highlights_only:
        return front_matter(thread, extras) + body.split("\n", 1)[0] + "\n\n" + kept  # the title line, then them
    return front_matter(thread, extras) + body + ("\n" + kept if kept else "")


class ExportError(Exception):
    """The export folder or a file in it cannot be written (one line for the user)."""


def export_threads(threads: Iterable[Thread], folder: Path, kind: str, extras: dict[str, Extras],
                   highlights_only: bool = False) -> list[Path]:
    """Write each thread into `folder` as `kind` (markdown, html: with an `index.html`); the files
    written. `highlights_only`: Markdown of the highlights alone, for the threads that have some."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot write to {folder}: {error.strerror or error}") from error
    written: list[Path] = []
    pages: list[tuple[Thread, str]] = []
    try:
        for thread in threads:
            mine = extras.get(thread.id, Extras())
            if highlights_only and not mine.highlights:
                continue
            if kind == "html":
                name = file_name_for(thread, ".html")
                content = thread_page(thread, mine.tags, mine.highlights)
                pages.append((thread, name))
            else:
                name = file_name_for(thread)
                content = thread_markdown(thread, mine, highlights_only)
            # Each file is whole or absent; all are synced together at the end (a sync each is slow).
            write_atomic(folder / name, content.encode(), sync=False)
            written.append(folder / name)
        if kind == "html":
            write_atomic(folder / "index.html", index_page(pages).encode(), sync=False)
        sync_files(written + ([folder / "index.html"] if kind == "html" else []))
    except StorageWriteError as error:
        raise ExportError(f"cannot write {error.path}: {error.reason} ({len(written)} written before it)") from error
    fsync_dir(folder)
    return written
