"""What the user adds to threads: reading state, tags, and highlights with their notes (no Textual here).

It lives in its own small TinyDB file beside the library (`library.json.user`), written atomically under the
library's lock, so a read mark or a tag never rewrites the index of threads, and importing never loses it: imported
data can be imported again, this cannot. A highlight names its posts by id where the source gives ids, else by text,
so it finds them again in a fuller copy of the thread; when a copy under another id replaces a thread, the library
hands its tags and highlights on (`carry`).

Tables: `meta` (schema version), `state` (`{id, read, bookmarked, position, last_open}`: the reading state of a
thread, each field optional), `tags` (`{thread_id, tags}`),
`highlights` (`{key, thread_id, posts: [{id, text, index}], note, created}`), `settings` (`{name, value}`: the
reader's theme), `searches` (`{name, query}`: saved searches).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query, TinyDB
from tinydb.table import Table

from .model import Thread
from .storage import AtomicJSONStorage, StorageReadError, StorageWriteError, remove_stale_temp_files, storage_of
from .thread_copies import flat_text


class LibraryLike(Protocol):
    """What the user's file needs of the library it lives beside (`library.Library` is one)."""

    path: Path

    def locked(self) -> AbstractContextManager[None]: ...

    def thread(self, thread_id: str) -> Thread | None: ...

USER_SCHEMA_VERSION = 1
_TAG = re.compile(r"[\w][\w./-]{0,63}")


class UserDataError(Exception):
    """The user's file cannot be read or written, or what was asked is not possible (one line)."""


def normalise_tag(text: str) -> str:
    """A tag as kept: lowercase, without a leading `#`; UserDataError if it is no tag."""
    tag = text.strip().lstrip("#").casefold()
    if not _TAG.fullmatch(tag):
        raise UserDataError(f"not a tag: {text!r} (letters, digits, and . / - _ inside; at most 64)")
    return tag


@dataclass(frozen=True, slots=True)
class PostRef:
    """How a highlight finds a post again: its id where the source gives one, else its text (and where
    it was, to choose between posts of the same text)."""

    id: str | None
    text: str
    index: int = 0

    def index_in(self, thread: Thread) -> int | None:
        """Where the post is in `thread` (by id first, then by text, the nearest to where it was), else None."""
        if self.id is not None:
            for index, post in enumerate(thread.posts):
                if post.id == self.id:
                    return index
        flat = flat_text(self.text)
        if not flat:
            return None  # an empty post (an image alone) is found by id only
        found = [index for index, post in enumerate(thread.posts) if flat_text(post.text) == flat]
        return min(found, key=lambda index: abs(index - self.index)) if found else None


@dataclass(frozen=True, slots=True)
class Highlight:
    """Posts of a thread the user kept, with an optional note."""

    key: str
    thread_id: str
    posts: tuple[PostRef, ...]
    note: str
    created: float

    def numbers_in(self, thread: Thread) -> list[int]:
        """The posts' numbers (1-based) in `thread`, those found."""
        return sorted(index + 1 for ref in self.posts if (index := ref.index_in(thread)) is not None)

    def to_doc(self) -> dict[str, Any]:
        return {"key": self.key, "thread_id": self.thread_id, "note": self.note, "created": self.created,
                "posts": [{"id": ref.id, "text": ref.text, "index": ref.index} for ref in self.posts]}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Highlight:
        """A highlight from the user's file; ValueError if the document is not one."""
        refs = doc.get("posts")
        if not (isinstance(doc.get("key"), str) and isinstance(doc.get("thread_id"), str) and isinstance(refs, list)
                and all(isinstance(ref, dict) and isinstance(ref.get("text"), str)
                        and isinstance(ref.get("id"), str | None) for ref in refs)):
            raise ValueError(f"a highlight that is not one: {str(doc)[:80]}")
        return cls(doc["key"], doc["thread_id"],
                   tuple(PostRef(ref["id"], ref["text"], int(ref.get("index") or 0)) for ref in refs),
                   str(doc.get("note") or ""), float(doc.get("created") or 0))


@dataclass(frozen=True, slots=True)
class HighlightView:
    """A highlight as it is shown: its thread's title and where its posts are now (none: gone)."""

    highlight: Highlight
    title: str | None
    numbers: list[int]


class UserData:
    """The user's file of one library. Reads are lock-free (the file is replaced whole); writes lock."""

    def __init__(self, library: LibraryLike) -> None:
        self.library = library
        self.path = library.path.with_name(library.path.name + ".user")  # `<library>.user`, beside it

    def _read(self) -> TinyDB:
        """The file, checked whole: a damaged one is told in one line and never written over."""
        db = TinyDB(self.path, storage=AtomicJSONStorage, track_digest=False)
        try:
            data = db.storage.read() or {}
        except StorageReadError as error:
            raise UserDataError(f"cannot read {self.path}: {error.reason}; it was left as it is") from error
        meta = data.get("meta", {}).get("1", {})
        version = meta.get("schema", USER_SCHEMA_VERSION) if isinstance(meta, dict) else None
        if version != USER_SCHEMA_VERSION:
            raise UserDataError(f"cannot read {self.path}: schema version {version!r}, "
                                f"not {USER_SCHEMA_VERSION}; it was left as it is")
        try:
            for doc in data.get("tags", {}).values():
                if not (isinstance(doc.get("thread_id"), str) and isinstance(doc.get("tags"), list)
                        and all(isinstance(tag, str) for tag in doc["tags"])):
                    raise ValueError(f"tags that are not tags: {str(doc)[:80]}")
            for doc in data.get("highlights", {}).values():
                Highlight.from_doc(doc)
            for doc in data.get("state", {}).values():
                if not isinstance(doc.get("id"), str):
                    raise ValueError(f"a reading state without its thread: {str(doc)[:80]}")
        except (ValueError, AttributeError) as error:
            raise UserDataError(f"cannot read {self.path}: it is damaged ({error}); it was left as it is") from None
        return db

    @contextmanager
    def _writing(self) -> Iterator[TinyDB]:
        """The file as it is now, under the library's lock; written atomically when the block ends."""
        with self.library.locked():
            remove_stale_temp_files(self.path)
            db = self._read()
            yield db
            if not db.table("meta").contains(doc_id=1):
                db.table("meta").insert({"schema": USER_SCHEMA_VERSION})
            try:
                storage_of(db).flush()
            except StorageWriteError as error:
                raise UserDataError(f"cannot write {self.path}: {error.reason}; nothing was changed") from error

    def read(self) -> UserFile:
        """The whole file, read once (UserDataError if it cannot be)."""
        db = self._read()
        return UserFile(
            {doc["id"]: dict(doc) for doc in db.table("state").all()},
            {doc["thread_id"]: list(doc["tags"]) for doc in db.table("tags").all() if doc.get("tags")},
            sorted((Highlight.from_doc(doc) for doc in db.table("highlights").all()), key=lambda h: (h.created, h.key)),
            {doc["name"]: doc["value"] for doc in db.table("settings").all()
             if isinstance(doc.get("name"), str) and isinstance(doc.get("value"), str)},
            dict(sorted((doc["name"], doc["query"]) for doc in db.table("searches").all()
                        if isinstance(doc.get("name"), str) and isinstance(doc.get("query"), str))))

    def state(self, thread_id: str) -> dict[str, Any]:
        """A thread's reading state (`read`, `bookmarked`, `position`, `last_open`; {} if none)."""
        return self.states().get(thread_id, {})

    def states(self) -> dict[str, dict[str, Any]]:
        """The reading state of every thread that has one, by thread id (each with its `id`)."""
        return self.read().states

    def set_state(self, thread_id: str, **fields: Any) -> None:
        """Change a thread's reading state."""
        self.set_states({thread_id: fields})

    def set_states(self, changes: dict[str, dict[str, Any]]) -> None:
        """Change the reading state of several threads in one write (a few bytes a thread)."""
        if not changes:
            return
        with self._writing() as db:
            _merge_states(db.table("state"), {thread_id: dict(fields) for thread_id, fields in changes.items()})

    def adopt_states(self, states: list[dict[str, Any]]) -> None:
        """Take the reading states an older library kept in itself (`{id, ...}` each); what this file
        holds of a thread already wins (a migration that ran once and was interrupted)."""
        wanted = {doc["id"]: {k: v for k, v in doc.items() if k != "id"} for doc in states
                  if isinstance(doc.get("id"), str)}
        if not wanted:
            return
        with self._writing() as db:
            table = db.table("state")
            held = {doc["id"] for doc in table.all()}
            _merge_states(table, {thread_id: fields for thread_id, fields in wanted.items() if thread_id not in held})

    def tags(self, thread_id: str) -> list[str]:
        return _tags_of(self._read().table("tags"), thread_id)

    def all_tags(self) -> dict[str, list[str]]:
        """Every tagged thread's tags, by thread id."""
        return self.read().tags

    def tag(self, thread_id: str, tags: list[str], remove: bool = False) -> list[str]:
        """Add (or `remove`) tags on a thread; its tags now."""
        wanted = [normalise_tag(tag) for tag in tags]
        with self._writing() as db:
            current = _tags_of(db.table("tags"), thread_id)
            if remove:
                current = [tag for tag in current if tag not in wanted]
            else:
                current += [tag for tag in dict.fromkeys(wanted) if tag not in current]
            _set_tags(db.table("tags"), thread_id, current)
        return current

    def highlights(self, thread_id: str | None = None) -> list[Highlight]:
        """Every highlight (of one thread), oldest first."""
        return [highlight for highlight in self.read().highlights if thread_id in (None, highlight.thread_id)]

    def add_highlight(self, thread: Thread, indexes: list[int], note: str = "") -> Highlight:
        """Keep posts of a thread (0-based `indexes`) as a highlight."""
        refs = tuple(PostRef(thread.posts[index].id, thread.posts[index].text, index) for index in indexes)
        created = time.time()
        key = hashlib.sha256(f"{thread.id}\n{indexes}\n{created}".encode()).hexdigest()[:8]
        highlight = Highlight(key, thread.id, refs, note.strip(), created)
        with self._writing() as db:
            db.table("highlights").insert(highlight.to_doc())
        return highlight

    def remove_highlight(self, key: str) -> Highlight:
        """Drop a highlight by its key (or a unique start of it)."""
        with self._writing() as db:
            table = db.table("highlights")
            matches = [doc for doc in table.all() if key and str(doc.get("key", "")).startswith(key)]
            if len(matches) != 1:
                raise UserDataError(f"no highlight {key!r}" if not matches
                                    else f"{key!r} is the start of {len(matches)} highlights; give more of it")
            table.remove(doc_ids=[matches[0].doc_id])
        return Highlight.from_doc(matches[0])

    def views(self) -> list[HighlightView]:
        """Every highlight with its thread's title and its posts' numbers now, oldest first."""
        views = []
        for highlight in self.highlights():
            thread = self.library.thread(highlight.thread_id)
            views.append(HighlightView(highlight, thread.title if thread else None,
                                       highlight.numbers_in(thread) if thread else []))
        return views

    def setting(self, name: str) -> str | None:
        return self.read().settings.get(name)

    def set_setting(self, name: str, value: str) -> None:
        with self._writing() as db:
            db.table("settings").upsert({"name": name, "value": value}, Query().name == name)

    def saved_searches(self) -> dict[str, str]:
        """Every saved search: its name and its query, by name."""
        return self.read().searches

    def save_search(self, name: str, query: str) -> None:
        """Keep a query under a name (replacing one of that name)."""
        name = " ".join(name.split())
        if not name or not name.isprintable():
            raise UserDataError(f"not a name for a search: {name!r}")
        with self._writing() as db:
            db.table("searches").upsert({"name": name, "query": query}, Query().name == name)

    def carry(self, replaced: dict[str, str]) -> None:
        """Give the replacements of replaced threads (old id -> new id) their bookmarks, read marks,
        tags and highlights, as copies: written before the library's commit, so that whatever
        happens to it nothing is lost. (Not the reading position: the copies' posts may differ.)"""
        if not replaced or not self.path.exists():
            return
        with self._writing() as db:
            tags, highlights, states = db.table("tags"), db.table("highlights"), db.table("state")
            by_id: dict[str, dict[str, Any]] = {doc["id"]: doc for doc in states.all()}
            marks: dict[str, dict[str, Any]] = {}
            for old, new in replaced.items():
                earlier, later = by_id.get(old, {}), {**by_id.get(new, {}), **marks.get(new, {})}
                handed_on = {key: earlier[key] for key in ("bookmarked", "read")
                             if earlier.get(key) and not later.get(key)}
                if handed_on:
                    marks.setdefault(new, {}).update(handed_on)
            _merge_states(states, marks)
            for old, new in replaced.items():
                doc = tags.get(Query().thread_id == old)
                if isinstance(doc, dict):
                    _set_tags(tags, new, list(dict.fromkeys([*_tags_of(tags, new), *doc["tags"]])))
                carried = {str(doc["key"]) for doc in highlights.search(Query().thread_id == new)}
                for doc in highlights.search(Query().thread_id == old):
                    if doc["key"] not in carried:
                        highlights.insert({**doc, "thread_id": new})

    def forget(self, thread_ids: set[str]) -> Forgotten:
        """Drop what belongs to threads the library no longer holds (after a commit that replaced or
        deleted them); what was dropped, for `restore` (an undone delete)."""
        if not thread_ids or not self.path.exists():
            return Forgotten()
        wanted = Query().thread_id.one_of(sorted(thread_ids))
        with self._writing() as db:
            tags, highlights, states = db.table("tags"), db.table("highlights"), db.table("state")
            gone_states = [doc for doc in states.all() if doc["id"] in thread_ids]
            forgotten = Forgotten({doc["thread_id"]: list(doc["tags"]) for doc in tags.search(wanted)},
                                  [dict(doc) for doc in highlights.search(wanted)],
                                  {doc["id"]: dict(doc) for doc in gone_states})
            tags.remove(wanted)
            highlights.remove(wanted)
            if gone_states:
                states.remove(doc_ids=[doc.doc_id for doc in gone_states])
        return forgotten

    def restore(self, forgotten: Forgotten) -> None:
        """Put back what `forget` dropped (reading state and tags merged with any added since; highlights
        not there already)."""
        if not forgotten.tags and not forgotten.highlights and not forgotten.states:
            return
        with self._writing() as db:
            tags, highlights = db.table("tags"), db.table("highlights")
            kept_states = {doc["id"]: doc for doc in db.table("state").all()}
            _merge_states(db.table("state"), {thread_id: {**state, **kept_states.get(thread_id, {})}
                                              for thread_id, state in forgotten.states.items()})
            for thread_id, kept in forgotten.tags.items():
                _set_tags(tags, thread_id, list(dict.fromkeys([*kept, *_tags_of(tags, thread_id)])))
            present = {str(kept.get("key")) for kept in highlights.all()}
            for dropped in forgotten.highlights:
                if str(dropped.get("key")) not in present:
                    highlights.insert(dropped)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The tags and reading states (by thread id) and highlight documents `UserData.forget` dropped."""

    tags: dict[str, list[str]] = field(default_factory=dict)
    highlights: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserFile:
    """What the user's file holds, as read: reading states and tags by thread id, highlights oldest
    first, settings by name, saved searches (name -> query)."""

    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    highlights: list[Highlight] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    searches: dict[str, str] = field(default_factory=dict)


def _tags_of(table: Table, thread_id: str) -> list[str]:
    doc = table.get(Query().thread_id == thread_id)
    return list(doc["tags"]) if isinstance(doc, dict) else []


def _set_tags(table: Table, thread_id: str, tags: list[str]) -> None:
    table.upsert({"thread_id": thread_id, "tags": tags}, Query().thread_id == thread_id)


def _merge_states(table: Table, changes: dict[str, dict[str, Any]]) -> None:
    """Update the reading state of threads in a `state` table: one pass over it, however many change."""
    if not changes:
        return
    doc_ids = {doc["id"]: doc.doc_id for doc in table.all()}
    present = [doc_ids[thread_id] for thread_id in changes if thread_id in doc_ids]
    if present:
        table.update(lambda doc: doc.update(changes[doc["id"]]), doc_ids=present)
    table.insert_multiple({**fields, "id": thread_id} for thread_id, fields in changes.items()
                          if thread_id not in doc_ids)
