"""Mastodon account archives: outbox.json and actor.json in a zip, .tar.gz or folder (docs/formats/mastodon.md)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..model import InReplyTo, Post, Thread
from ..text import clean_line
from .base import (
    Held, Importer, ParseResult, Source, check_post_length, failures_in, in_reply_order, mark_answers, utc_date,
    utc_iso,
)
from .json_input import Obj, load_json
from .mastodon_common import handle_for, media_for, post_text

OUTBOX = "outbox.json"
ACTOR = "actor.json"
OUTBOX_MAX_BYTES = 64 * 1024 * 1024  # ~50,000 posts
ACTOR_MAX_BYTES = 1024 * 1024
# ActivityPub's audience that means everyone (written out in full, or short).
_PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})


@dataclass
class _Note:
    """One of the user's own posts."""

    id: str
    reply_to: str | None
    published: datetime
    post: Post
    reply_to_handle: str | None  # whom it answers, where its mentions tell


class MastodonArchiveImporter(Importer):
    """The user's own self-threads from an account archive (a zip, a .tar.gz before 2023, or unpacked)."""

    name = "Mastodon archive"
    archive_files = {ACTOR: ACTOR_MAX_BYTES, OUTBOX: OUTBOX_MAX_BYTES}

    def detect_zip(self, zip_file: zipfile.ZipFile) -> bool:
        return _archive_folder(zip_file.namelist()) is not None

    def parse_zip(self, zip_file: zipfile.ZipFile, name: str) -> ParseResult:
        folder = _archive_folder(zip_file.namelist()) or ""

        def member(file_name: str) -> Source:
            info = zip_file.getinfo(folder + file_name)
            return Source(f"{name}:{info.filename}", zip_file=zip_file, member=info)

        return parse_archive(member(ACTOR), member(OUTBOX), name, self.keep_direct_messages)

    def parse_archive_files(self, files: dict[str, Source], name: str) -> ParseResult | None:
        folder = _archive_folder(files)
        if folder is None:
            return None
        return parse_archive(files[folder + ACTOR], files[folder + OUTBOX], name, self.keep_direct_messages)

    def detect_dir(self, path: Path) -> bool:
        return (path / OUTBOX).is_file() and (path / ACTOR).is_file()

    def parse_dir(self, path: Path) -> ParseResult:
        return parse_archive(Source(str(path / ACTOR), path=path / ACTOR),
                             Source(str(path / OUTBOX), path=path / OUTBOX), str(path), self.keep_direct_messages)


def _archive_folder(names: Iterable[str]) -> str | None:
    """The folder inside a zip holding both outbox.json and actor.json (`""` at the top)."""
    names = set(names)
    folders = sorted((n[: -len(OUTBOX)] for n in names if n == OUTBOX or n.endswith("/" + OUTBOX)), key=len)
    return next((folder for folder in folders if folder + ACTOR in names), None)


def parse_archive(actor_source: Source, outbox_source: Source, source_name: str,
                  keep_direct_messages: bool = False) -> ParseResult:
    """Self-threads: own posts linked by self-replies, in reply order (`in_reply_order`).
    Direct messages are left out (and counted in a warning) unless `keep_direct_messages`."""
    with failures_in(ACTOR):
        actor = Obj.at(load_json(actor_source, ACTOR_MAX_BYTES))
        actor_id = actor.text("id")
        handle = handle_for(actor.text("preferredUsername"), actor_id)
        name = clean_line(actor.optional_text("name"))
        followers = actor.optional_text("followers") or actor_id.rstrip("/") + "/followers"
    with failures_in(OUTBOX):
        notes = _read_notes(Obj.at(load_json(outbox_source, OUTBOX_MAX_BYTES)), followers)
    result = ParseResult()
    direct = [note_id for note_id, note in notes.items() if note.post.visibility == "direct"]
    if direct and not keep_direct_messages:
        for note_id in direct:
            del notes[note_id]
        result.warnings.append(f"{len(direct)} direct message{'s' if len(direct) != 1 else ''} left out "
                               "(import with --keep-direct-messages to keep them)")

    own_prefix = actor_id.rstrip("/") + "/"
    replies: dict[str, list[_Note]] = {}
    for note in notes.values():
        if note.reply_to in notes:
            replies.setdefault(note.reply_to, []).append(note)
    for root in notes.values():
        if root.reply_to in notes:
            continue
        # A root answering one of the user's own posts that is gone: the chain broke there.
        after_gap = root.reply_to is not None and root.reply_to.startswith(own_prefix)
        members = in_reply_order(root, replies, lambda note: note.id, lambda note: (note.published, note.id))
        if len(members) == 1 and not after_gap:
            continue  # a lone post, or a reply to someone else: not a thread
        result.threads.append(Thread(
            posts=mark_answers([(note.post, parent.post if parent else None) for note, parent in members]),
            author_name=name,
            author_handle=handle,
            date=utc_date(root.published),
            complete=not after_gap,
            source=source_name,
            in_reply_to=InReplyTo(handle if after_gap else root.reply_to_handle, clean_line(root.reply_to))
            if root.reply_to else None,
        ))
    return result


def _visibility(note: Obj, followers: str) -> str | None:
    """Who could see a Note, by its `to`, `cc` and the `followers` address: None for all (or neither given)."""
    to, cc = _addresses(note.data.get("to")), _addresses(note.data.get("cc"))
    if not (to or cc) or to & _PUBLIC:
        return None
    if cc & _PUBLIC:
        return "unlisted"
    return "followers" if followers in to | cc else "direct"


def _addresses(value: object) -> set[str]:
    """An audience field (`to`, `cc`): one address or a list of them."""
    items = value if isinstance(value, list) else [value]
    return {item for item in items if isinstance(item, str)}


def _mentioned(note: Obj, post_id: str | None) -> str | None:
    """The handle (`bo@crumb.example`) of the mentioned account a post of this address belongs to."""
    for tag in note.objects("tag", required=False) if post_id else ():
        href, name = tag.data.get("href"), tag.data.get("name")
        if tag.data.get("type") == "Mention" and isinstance(href, str) and isinstance(name, str) \
                and post_id is not None and post_id.startswith(href.rstrip("/") + "/"):
            return clean_line(name.lstrip("@"))
    return None


def _read_notes(outbox: Obj, followers: str) -> dict[str, _Note]:
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
        reply_to = note.optional_text("inReplyTo")
        notes.setdefault(note_id, _Note(
            id=note_id,
            reply_to=reply_to,
            published=published,
            post=Post(text, id=clean_line(note_id), time=utc_iso(published), media=media, links=links,
                      visibility=_visibility(note, followers)),
            reply_to_handle=_mentioned(note, reply_to),
        ))
    return notes
