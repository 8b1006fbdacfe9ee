"""Mastodon account archives: outbox.json and actor.json in a zip, .tar.gz or folder (shared/formats/mastodon.md)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..model import Post, Thread
from ..text import clean_line
from .base import (
    MAX_POSTS_PER_THREAD, Held, Importer, ImportFailure, ParseResult, Source, check_post_length, too_many_posts,
    utc_date, utc_iso,
)
from .json_input import Obj, load_json
from .mastodon_common import handle_for, media_for, post_text

OUTBOX = "outbox.json"
ACTOR = "actor.json"
OUTBOX_MAX_BYTES = 64 * 1024 * 1024  # ~50,000 posts
ACTOR_MAX_BYTES = 1024 * 1024


@dataclass
class _Note:
    """One of the user's own posts."""

    id: str
    reply_to: str | None
    published: datetime
    post: Post


class MastodonArchiveImporter(Importer):
    """The user's own self-threads from an account archive (a zip, a .tar.gz before 2023, or unpacked)."""

    name = "Mastodon archive"
    archive_files = {ACTOR: ACTOR_MAX_BYTES, OUTBOX: OUTBOX_MAX_BYTES}

    def detect(self, source: Source) -> bool:
        return False  # only whole archives: see detect_zip and detect_dir

    def detect_zip(self, zip_file: zipfile.ZipFile) -> bool:
        return _archive_folder(zip_file.namelist()) is not None

    def parse_zip(self, zip_file: zipfile.ZipFile, name: str) -> ParseResult:
        folder = _archive_folder(zip_file.namelist()) or ""

        def member(file_name: str) -> Source:
            info = zip_file.getinfo(folder + file_name)
            return Source(f"{name}:{info.filename}", zip_file=zip_file, member=info)

        return parse_archive(member(ACTOR), member(OUTBOX), name)

    def parse_archive_files(self, files: dict[str, Source], name: str) -> ParseResult | None:
        folder = _archive_folder(files)
        if folder is None:
            return None
        return parse_archive(files[folder + ACTOR], files[folder + OUTBOX], name)

    def detect_dir(self, path: Path) -> bool:
        return (path / OUTBOX).is_file() and (path / ACTOR).is_file()

    def parse_dir(self, path: Path) -> ParseResult:
        return parse_archive(Source(str(path / ACTOR), path=path / ACTOR),
                             Source(str(path / OUTBOX), path=path / OUTBOX), str(path))


def _archive_folder(names: Iterable[str]) -> str | None:
    """The folder inside a zip holding both outbox.json and actor.json (`""` at the top)."""
    names = set(names)
    folders = sorted((n[: -len(OUTBOX)] for n in names if n == OUTBOX or n.endswith("/" + OUTBOX)), key=len)
    return next((folder for folder in folders if folder + ACTOR in names), None)


@contextmanager
def _failures_in(file_name: str) -> Iterator[None]:
    """Say which file of the archive a failure is about."""
    try:
        yield
    except ImportFailure as failure:
        raise ImportFailure(f"{file_name}: {failure}") from failure


def parse_archive(actor_source: Source, outbox_source: Source, source_name: str) -> ParseResult:
    """Self-threads: own posts linked by self-replies, the root first, then in `published` order."""
    with _failures_in(ACTOR):
        actor = Obj.at(load_json(actor_source, ACTOR_MAX_BYTES))
        actor_id = actor.text("id")
        handle = handle_for(actor.text("preferredUsername"), actor_id)
        name = clean_line(actor.optional_text("name"))
    with _failures_in(OUTBOX):
        notes = _read_notes(Obj.at(load_json(outbox_source, OUTBOX_MAX_BYTES)))

    own_prefix = actor_id.rstrip("/") + "/"
    replies: dict[str, list[_Note]] = {}
    for note in notes.values():
        if note.reply_to in notes:
            replies.setdefault(note.reply_to, []).append(note)
    result = ParseResult()
    for root in notes.values():
        if root.reply_to in notes:
            continue
        # A root answering one of the user's own posts that is gone: the chain broke there.
        after_gap = root.reply_to is not None and root.reply_to.startswith(own_prefix)
        below = _descendants(root, replies)
        if not below and not after_gap:
            continue  # a lone post, or a reply to someone else: not a thread
        members = [root, *sorted(below, key=lambda note: (note.published, note.id))]
        result.threads.append(Thread(
            posts=[note.post for note in members],
            author_name=name,
            author_handle=handle,
            date=utc_date(members[0].published),
            complete=not after_gap,
            source=source_name,
        ))
    return result


def _read_notes(outbox: Obj) -> dict[str, _Note]:
    """The user's posts by id: `Create` activities of a `Note` (boosts are `Announce`: skipped)."""
    notes: dict[str, _Note] = {}
    held = Held("the archive")
    for activity in outbox.take_objects("orderedItems"):
        if activity.data.get("type") != "Create" or not isinstance(activity.data.get("object"), dict):
            continue
        note = activity.obj("object")
        if note.data.get("type") != "Note":
            continue
        content = check_post_length(note.optional_text("content") or "", f"`{note.where('content')}`")
        text, links = post_text(content, note.optional_text("summary"))
        held.add([text])
        media = [
            media_for(item.optional_text("mediaType"), (item.optional_text("url") or "").lstrip("/"),
                      item.optional_text("name"))
            for item in note.objects("attachment", required=False)
        ]
        note_id = note.text("id")
        published = note.time("published")
        notes.setdefault(note_id, _Note(
            id=note_id,
            reply_to=note.optional_text("inReplyTo"),
            published=published,
            post=Post(text, id=clean_line(note_id), time=utc_iso(published), media=media, links=links),
        ))
    return notes


def _descendants(root: _Note, replies: dict[str, list[_Note]]) -> list[_Note]:
    """Every own reply below the root (walked with a stack: no recursion)."""
    found: list[_Note] = []
    seen = {root.id}
    stack = list(replies.get(root.id, ()))
    while stack:
        note = stack.pop()
        if note.id in seen:
            continue
        seen.add(note.id)
        found.append(note)
        if len(found) >= MAX_POSTS_PER_THREAD:
            raise too_many_posts(f"more than {MAX_POSTS_PER_THREAD}")
        stack.extend(replies.get(note.id, ()))
    return found
