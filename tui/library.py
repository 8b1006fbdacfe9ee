"""The library: threads kept in TinyDB, written atomically under a lock (no Textual here).

Layout on disk, for a library at `library.json`:

- `library.json`: TinyDB with one table, `meta`: the schema version, the generation, and the names of the files
  below that hold the library now.
- `library.json.posts/s.<generation>.summaries`: one small summary per thread, newest first, in the layout
  `summary_file.py` describes: start-up parses a line of columns, and each summary is read when it is shown or
  tested (`added_at`, when an import first stored it, is absent in summaries written before it was kept). What the
  user adds (bookmarks, read marks, reading positions, tags, highlights, settings) is in the user's file beside it
  (`user_data.py`), so a read mark never rewrites the summaries. Read when first asked for: a commit that brings a
  few threads reads none of them.
- `library.json.posts/s.<generation>.journal`: the summaries commits added since the summaries file was written, and
  the ids of the threads that went (`summary_file.journal_record`), beside a file of at least JOURNAL_FROM_BYTES. A
  commit appends its own and `meta.journal` names how many bytes of it are the library's (and their CRC-32): a
  reader reads no further, and the next commit writes over what a failed one left. Once the journal would outgrow
  1/JOURNAL_SHARE of the file, the commit writes the file again, whole, and starts none.
- `library.json.posts/<shard>.<generation>.json`: TinyDB files holding the full threads, split into 64 shards by id,
  so that opening one thread reads one small file. A shard is a list of such files (`meta.shards`, oldest first),
  each written by one commit with the threads it brought; a thread is in one file of its shard only. A commit that
  removes or replaces a thread writes the threads its file keeps into the new file, and merges a shard's newer,
  smaller files once it has more than MAX_SHARD_FILES: what a commit writes grows with what it brings, not with the
  library.
- `library.json.posts/<shard>.<generation>.offsets` and `.search`, beside each shard: where each thread's JSON is in
  it (`shard_offsets.py`), and its posts as lowercased text, a line each (`search.py`). Derived data: the shard is
  read whole without them, and they are made again from it.
- `library.json.posts/k<shard>.<generation>.keys`: the post index, JSON, post id -> the ids of the threads that held
  it when written, in 64 shards by the post id's hash, each a list of files (`meta.keys`) that commits add to and
  merge as they do the posts'. It finds the thread a copy holding other posts of it joins
  (`thread_copies.merge_copies`); entries of removed threads are skipped. It also holds, marked `PARTIAL_KEY_MARK`,
  the ids a partial copy of a thread may have (`partial_keys`), so that a copy is matched without reading the
  summaries.
- `library.json.lock`: the inter-process lock taken for every write.
- `library.json.v<N>.bak`: the library as it was before a migration from schema version N.

A commit writes a new file for each shard it touches and the summaries under new names or onto the journal (a merged
file's threads copied as they are where its offsets and search files are whole), then replaces `library.json` (the
single commit point), then removes the superseded shards and any temporary files a killed writer left. A crash at
any moment leaves the old or the new library. Every write holds the lock and first re-reads the library if its
content changed, so concurrent writers lose nothing.
"""

from __future__ import annotations

import copy
import hashlib
import mmap
import os
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

import orjson
import platformdirs
from filelock import FileLock, Timeout
from tinydb import TinyDB

from . import clock
from .model import PartialDate, PlainThread, Summary, Thread, placed_at
from .user_data import Forgotten, UserData, UserDataError
from .shard_offsets import (
    ShardOffsets, offsets_name, read_document, read_offsets, scan_offsets, shard_file, tiles_shard,
)
from .summary_file import Summaries, check_summary, handle_key, journal_record, sort_newest_first, with_journal
from .search import (
    SearchLines, load_scanners, search_file, search_file_pieces, search_layout, search_lines, search_parts,
    thread_search_lines,
)
from .thread_copies import MERGED, UNCHANGED, UPDATED, Plan, aliases_from, plan, text_key
from .storage import (
    AtomicJSONStorage, BackgroundSync, StorageReadError, StorageWriteError, file_digest, file_mode, file_stamp,
    fsync_dir, no_cycle_collection, remove_stale_temp_files, storage_of, write_atomic,
)

SCHEMA_VERSION = 6
DB_ENV_VAR = "THREADS_TUI_DB"
LOCK_TIMEOUT_SECONDS = 30.0
_META_ID = 1
SHARD_COUNT = 64
_SHARD_NAMES = tuple(f"{shard:02x}" for shard in range(SHARD_COUNT))
SHARD_CACHE_SIZE = 4
MAX_SHARD_FILES = 8  # past this many files, a commit merges a shard's newer, smaller ones (`_merged_away`)
OFFSETS_CACHE_SIZE = 8  # offsets files kept after a read (a few hundred KiB each at 100,000 threads)
RECENT_THREADS = 8  # thread documents kept after a read
SEARCH_SUFFIX = ".search"
_SHARD_FILE = re.compile(r"[0-9a-f]{2}\.\d+\.json")
_KEYS_FILE = re.compile(r"k[0-9a-f]{2}\.\d+\.keys")
_SUMMARIES_FILE = re.compile(r"s\.\d+\.summaries")
_JOURNAL_FILE = re.compile(r"s\.\d+\.journal")
# When a commit appends to the summaries journal (see above). A start places each journal summary among the
# file's by halving (a few lines parsed each): kept this small, that costs a few hundredths of a second at
# most, and the file is written again after some hundreds of one-thread commits.
JOURNAL_FROM_BYTES = 1 << 20
JOURNAL_SHARE = 64
PARTIAL_KEY_MARK = "partial "
_FEW_THREADS = 64  # past this many threads asked about, the summaries tell which are held (else the shards)
_LOAD_ATTEMPTS = 5  # reads of the library while other processes commit under it
_BAD_DOCUMENT = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class LibraryError(Exception):
    """A library problem the user must be told about in one line."""


def default_db_path() -> Path:
    """`$THREADS_TUI_DB`, else `user_db_path()`."""
    env = os.environ.get(DB_ENV_VAR)
    return Path(env).expanduser() if env else user_db_path()


def user_db_path() -> Path:
    """`library.json` in the user data directory."""
    return Path(platformdirs.user_data_dir("threads-tui", appauthor=False)) / "library.json"


class Place(NamedTuple):
    """Where a thread is kept: its document id in its shard, and its shard (two hex digits)."""

    doc_id: int
    shard: str


@lru_cache(maxsize=1 << 16)
def place_of(thread_id: str) -> Place:
    """Where a thread is kept: its document id, the first 60 bits of its id's hash, and its shard, the
    first 32 bits modulo SHARD_COUNT."""
    digest = hashlib.sha1(thread_id.encode()).digest()
    return Place(int.from_bytes(digest[:8]) >> 4, _SHARD_NAMES[int.from_bytes(digest[:4]) % SHARD_COUNT])


def doc_id_for(thread_id: str) -> int:
    """A stable TinyDB document id for a thread id."""
    return place_of(thread_id).doc_id


def shard_for(thread_id: str) -> str:
    """The posts shard a thread lives in."""
    return place_of(thread_id).shard


class StoredThread:
    """A thread in the form the library keeps: its document (posts included), its summary, the ids
    earlier copies may be stored under, and its search lines. Made where the thread is parsed (a worker
    process, in a large import), so that committing only files it away. The document stays the JSON it
    is written as (`json`) until a copy of the same thread must be weighed against it (`doc`)."""

    __slots__ = ("id", "summary", "aliases", "search", "place", "_json", "_doc")

    def __init__(self, summary: Summary, aliases: tuple[str, ...] = (),
                 search: SearchLines | None = None, *, json: bytes, place: Place | None = None) -> None:
        self.id: str = summary["id"]
        self.summary = summary  # `Thread.summary()`, and its `text_key` where that is not its id
        self.aliases = aliases  # `thread_copies.aliases_of(doc)`
        self.search = search  # `search.search_lines(doc)`
        self.place = place or place_of(self.id)  # `place_of(id)`, worked out where it was parsed
        self._json: bytes | None = json
        self._doc: dict[str, Any] | None = None

    @classmethod
    def of(cls, thread: Thread) -> StoredThread:
        """Raises orjson.JSONEncodeError for a thread JSON cannot hold."""
        summary = thread.summary()
        key = thread.text_key()
        if key != thread.id:
            summary["text_key"] = key
        if len(thread.posts) > 1 and thread.posts[1].id:
            summary["second_id"] = thread.posts[1].id  # the id of a copy saved without the first post
        return cls(summary, aliases_from(thread.id, [post.id for post in thread.posts if post.id], key),
                   thread_search_lines(thread.author_name, thread.author_handle, thread.id,
                                       [post.text for post in thread.posts]),
                   json=orjson.dumps(thread.to_dict()))

    @classmethod
    def of_plain(cls, thread: PlainThread) -> StoredThread:
        """`of(thread.to_thread())`, made without its Thread and Posts (raises as `of` does)."""
        thread_id, summary, doc = thread.stored_forms()
        # No post ids, and an id made from the author and first text: that is its text key, and it has no alias.
        return cls(summary, (), thread_search_lines(thread.author_name, thread.author_handle, thread_id, thread.texts),
                   json=orjson.dumps(doc))

    def undated_year(self) -> bool:
        """Whether its date lacks a year (`21 Dec`): such a thread is placed by the day it was imported."""
        date = self.summary.get("date")
        return isinstance(date, str) and date.startswith("--")

    def place_by(self, imported: date) -> None:
        """Place a thread whose date lacks a year by the day it was imported (`model.Thread.placed_on`):
        its summary's `placed_at` and `imported_at`, its document's `placed_on`; not its date."""
        own = PartialDate.from_iso(self.summary.get("date"))
        if own is None:
            return
        placed = own.placed_by(imported)
        doc = self.doc
        if doc.get("placed_on") != placed.iso():
            doc["placed_on"] = placed.iso()
            self._json = None
        self.summary = {**self.summary, "placed_at": placed_at(placed, None), "imported_at": imported.isoformat()}

    @property
    def text_key(self) -> str:
        """`thread_copies.text_key(self.doc)`, from the summary."""
        return self.summary.get("text_key", self.summary["id"])

    @property
    def partial_keys(self) -> tuple[str, ...]:
        """`partial_keys` of this thread's summary."""
        return partial_keys(self.summary)

    @property
    def doc(self) -> dict[str, Any]:
        """The document, `Thread.to_dict()` (read from its JSON when first asked for)."""
        if self._doc is None:
            assert self._json is not None
            self._doc = orjson.loads(self._json)
        return self._doc

    @property
    def json(self) -> bytes:
        """The document as JSON, as a shard holds it."""
        if self._json is None:
            assert self._doc is not None
            self._json = orjson.dumps(self._doc)
        return self._json


def _stored_from_doc(doc: dict[str, Any]) -> StoredThread:
    """A StoredThread of a document (a thread merged from several copies)."""
    return StoredThread.of(Thread.from_dict(doc))


def partial_keys(summary: Summary) -> tuple[str, ...]:
    """The ids a partial copy of a stored thread may have: its text key (a copy without post ids) and its
    second post's id (a copy saved without its first post), where its summary holds them."""
    fields: Mapping[str, Any] = summary
    return tuple(fields[key] for key in ("text_key", "second_id") if isinstance(fields.get(key), str))


def _file_list(names: str | list[str]) -> list[str]:
    """The files of a shard (or of its post index), oldest first: a list, or one name as before schema 5."""
    return [names] if isinstance(names, str) else list(names)


def shard_files_of(meta: dict[str, Any], shard: str) -> list[str]:
    """The files of one shard, oldest first."""
    return _file_list(meta["shards"].get(shard, []))


def key_files_of(meta: dict[str, Any], shard: str) -> list[str]:
    """The post index files of one shard, oldest first."""
    return _file_list(meta.get("keys", {}).get(shard, []))


def _last_of_each(names: Iterable[str]) -> list[str]:
    """Each name once, where it last came."""
    return list(reversed(dict.fromkeys(reversed(list(names)))))


def shard_files(meta: dict[str, Any]) -> list[str]:
    """Every shard file, shard by shard, oldest first."""
    return [name for shard in sorted(meta["shards"]) for name in shard_files_of(meta, shard)]


# -- schema migrations ------------------------------------------------------

def _migrated(data: dict[str, Any], version: int) -> tuple[dict[str, Any], list[Thread]]:
    """Raw library data of an older schema version as the commit that ends its migration takes it (that
    commit sets the version: a crash before it leaves the old one, migrated again), with the threads to
    write into shards:

    - version 0 had no shards: each whole thread, posts included, sat in `threads`;
    - version 1 kept no text keys in the summaries and wrote search files of one section: both are made
      from the shards (`Library._upgrade_shards`), which stay as they are;
    - up to version 2 the reading state was kept in a `state` table: `Library._migrate` has moved it to
      the user's file before this drops it;
    - version 3 kept the summaries in a `threads` table, version 5 no partial keys in the post index: the
      commit writes the summaries file and drops the table, or indexes every summary's partial keys;
    - up to version 4 each shard was kept in one file: its name becomes a list of one, to which commits add.
    """
    threads = []
    if version == 0:
        threads = [Thread.from_dict(doc) for doc in data.get("threads", {}).values()]
        data = {"meta": {str(_META_ID): {"schema": 0, "generation": 0, "shards": {}}}, "threads": {}}
    elif version <= 2:
        data.pop("state", None)
    if version <= 4:
        meta = data["meta"][str(_META_ID)]
        meta["shards"] = {shard: shard_files_of(meta, shard) for shard in meta["shards"]}
    return data, threads


SHARDS_UPGRADED_FROM = 1  # from here on, the shards' threads give the summaries their text keys
SUMMARIES_FILE_FROM = 4  # from here on, the summaries are in a file of their own (`summary_file.py`)
PARTIAL_KEYS_FROM = 6  # from here on, the post index holds the summaries' partial keys (`PARTIAL_KEY_MARK`)


def _shape_problem(data: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """What is wrong with the tables and the file names of current-version data, if anything (the
    summaries file is checked as it is read: `Summaries.read`)."""
    for name, table in data.items():
        if name != "threads" and not all(key.isdigit() and isinstance(doc, dict) for key, doc in table.items()):
            return f"table {name!r} holds malformed entries"
    shards = meta.get("shards")
    if not isinstance(meta.get("generation"), int) or not isinstance(shards, dict):
        return "no generation or shard map"
    for files, pattern, not_lists, malformed in (
            (shards, _SHARD_FILE, "a shard's files are not a list", "a shard file name is malformed"),
            (meta.get("keys", {}), _KEYS_FILE, "a shard's post index files are not a list",
             "a post index file name is malformed")):
        if not isinstance(files, dict) or not all(isinstance(names, str | list) for names in files.values()):
            return not_lists
        if not all(isinstance(name, str) and pattern.fullmatch(name) for names in files.values()
                   for name in _file_list(names)):
            return malformed
    summaries = meta.get("summaries")
    if summaries is not None and not (isinstance(summaries, str) and _SUMMARIES_FILE.fullmatch(summaries)):
        return "the summaries file name is malformed"
    journal = meta.get("journal")
    if journal is not None and not (
            summaries is not None and isinstance(journal, dict) and isinstance(journal.get("file"), str)
            and _JOURNAL_FILE.fullmatch(journal["file"])
            and all(isinstance(journal.get(name), int) and not isinstance(journal[name], bool) and journal[name] >= 0
                    for name in ("bytes", "crc32"))):
        return "the summaries journal is malformed"
    return None


@dataclass
class ImportCounts:
    """What an import did to the library, by thread id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)  # id removed -> the id of the copy that replaced it


@dataclass(frozen=True, slots=True)
class DeletedThread:
    """A thread as the library held it before `Library.delete_threads`: enough to put it back."""

    summary: Summary
    doc: dict[str, Any]  # its stored document, posts included

    @property
    def id(self) -> str:
        return str(self.doc["id"])


@dataclass(frozen=True, slots=True)
class Deletion:
    """What one `Library.delete_threads` removed: the threads, and what the user's file held of them."""

    threads: list[DeletedThread]
    user: Forgotten


class Library:
    """A threads-tui library on disk. Reads are lock-free; writes lock, re-read and commit."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self.posts_dir = self.path.with_name(self.path.name + ".posts")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS)
        self._db: TinyDB | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._shard_cache: OrderedDict[str, TinyDB] = OrderedDict()
        self._shard_cache_lock = threading.Lock()  # the reader loads threads from several workers
        self._offsets: OrderedDict[str, ShardOffsets] = OrderedDict()  # by shard file name
        self._recent: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()  # id -> (shard file, doc)
        self._summaries: Summaries | None = None
        self._whole_search_files: set[str] = set()  # search files checked whole, once per reading of the library

    # -- opening and reloading -------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> Library:
        """Open (not create) the library, migrating an older schema; LibraryError if unreadable."""
        library = cls(path or default_db_path())
        library._load()
        return library

    def _load(self, migrate: bool = True) -> None:
        """Read `library.json` (the summaries are read when first asked for: `summaries`)."""
        if self.path.is_dir():
            raise LibraryError(f"cannot read library {self.path}: it is a folder, not a file")
        stamp = file_stamp(self.path)
        db = TinyDB(self.path, storage=AtomicJSONStorage)
        try:
            data = db.storage.read()
        except StorageReadError as error:
            raise self._unreadable(error.reason) from error
        version = self._schema_version(data) if data else SCHEMA_VERSION
        previous = (self._db, self._stamp, self._summaries)
        self._db, self._stamp, self._summaries = db, stamp, None
        # What was read of the files is forgotten: a library restored from a copy may use a file name again.
        self._forget_files_read()
        if version < SCHEMA_VERSION and migrate:
            try:
                self._migrate(version)
            except LibraryError:
                self._db, self._stamp, self._summaries = previous
                raise

    def _read_summaries(self, meta: dict[str, Any]) -> Summaries:
        """The summaries file `meta` names, with its journal (none: no thread yet); FileNotFoundError if
        one is missing, LibraryError if damaged."""
        name = meta.get("summaries")
        if name is None:
            return Summaries.of([])
        path = self.posts_dir / name
        try:
            with no_cycle_collection():
                summaries = Summaries.read(path)
                journal = meta.get("journal")
                if journal is not None:
                    path = self.posts_dir / journal["file"]
                    summaries = with_journal(summaries, self._journal_bytes(journal))
            return summaries
        except FileNotFoundError:
            raise
        except OSError as error:
            raise self._unreadable(error.strerror or str(error), path) from error
        except ValueError as error:
            raise self._unreadable(f"the library is damaged (its summaries file: {error})", path) from error

    def _journal_bytes(self, journal: dict[str, Any]) -> bytes:
        """What the summaries journal holds as far as `library.json` names it (a crashed commit may have
        written more); ValueError where it is shorter, or fails its checksum."""
        with open(self.posts_dir / journal["file"], "rb") as handle:
            data = handle.read(journal["bytes"])
        if len(data) != journal["bytes"]:
            raise ValueError("its journal is cut short")
        if zlib.crc32(data) != journal["crc32"]:
            raise ValueError("its journal fails its checksum")
        return data

    def _unreadable(self, reason: str, path: Path | None = None) -> LibraryError:
        return LibraryError(
            f"cannot read library {path or self.path}: {reason}. The file was left as it is; "
            f"to start a fresh library elsewhere use --db NEW_PATH (or ${DB_ENV_VAR})."
        )

    def _schema_version(self, data: dict[str, Any]) -> int:
        """The schema version of raw library data, checked to be one this code can use."""
        meta = data.get("meta", {}).get(str(_META_ID))
        if not isinstance(meta, dict) or "schema" not in meta:
            raise self._unreadable("not a threads-tui library (no schema version)")
        version = meta["schema"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise self._unreadable(f"unknown schema version {version!r}")
        if version > SCHEMA_VERSION:
            raise self._unreadable(
                f"schema version {version} is newer than this threads-tui understands "
                f"({SCHEMA_VERSION}); upgrade threads-tui to read it"
            )
        if version >= SHARDS_UPGRADED_FROM and (problem := _shape_problem(data, meta)):  # shards named alike
            raise self._unreadable(f"the library is damaged ({problem})")
        if SHARDS_UPGRADED_FROM <= version < SUMMARIES_FILE_FROM:  # a migration reads every summary now
            try:
                for key, summary in data.get("threads", {}).items():  # by document id as text
                    if not key.isdigit():
                        raise ValueError(f"a thread summary is malformed: {key!r}")
                    check_summary(summary)
            except ValueError as error:
                raise self._unreadable(f"the library is damaged ({error!r})") from error
        return version

    def _migrate(self, version: int) -> None:
        """Bring a library of an older schema up to date, keeping a backup of the old file."""
        with self.locked():
            if self._changed_under_lock():
                self._load()  # another process got here first
                return
            original = self.path.read_bytes()
            backup = self._backup_path(version, original)
            try:
                if not backup.exists():
                    write_atomic(backup, original)
            except StorageWriteError as error:
                raise LibraryError(
                    f"could not back up library {self.path} before upgrading it: {error.reason}; "
                    "it was left as it was"
                ) from error
            data = self.db.storage.read() or {}
            states = [dict(doc) for doc in data.get("state", {}).values()]
            try:
                data, threads = _migrated(data, version)
            except _BAD_DOCUMENT as error:
                raise self._unreadable(f"cannot upgrade it from schema version {version} ({error!r})") from error
            # The reading state goes to the user's file first: a crash before the commit below leaves
            # it in both, and the next start moves it again (what the user's file holds wins).
            try:
                UserData(self).adopt_states(states)
            except UserDataError as error:
                raise LibraryError(f"could not upgrade library {self.path}: {error}") from error
            self.db.storage.write(data)
            if version >= SUMMARIES_FILE_FROM:  # its files stay as they are; the post index gains partial keys
                self._commit(Plan(), doing="upgrade")
                return
            if SHARDS_UPGRADED_FROM <= version < 2:
                self._upgrade_shards()
            legacy = cast(list[Summary], list(_docs(self.db, "threads").values()))  # checked in `_schema_version`
            self._summaries = Summaries.of(sort_newest_first(legacy))
            self._commit(Plan(write={thread.id: StoredThread.of(thread) for thread in threads}))

    def _upgrade_shards(self) -> None:
        """Give every summary its text key, and every shard a search file of today's layout, shard by shard,
        none kept (memory stays that of one shard). The search files are derived data, rewritten in place;
        the summaries are written with the commit that ends the migration."""
        for file_name in shard_files(self._meta()):
            shard = TinyDB(self.posts_dir / file_name, storage=AtomicJSONStorage, track_digest=False)
            try:
                docs = list(_docs(shard, "posts").values())
            except StorageReadError as error:
                raise self._unreadable(error.reason, error.path) from error
            # Changed in the table's stored form: TinyDB would make a Document of each summary and re-key the
            # whole table twice, which for 20,000 summaries is most of a commit's time after the posts.
            tables = self.db.storage.read() or {}
            stored = dict(tables.get("threads") or {})  # a new dict: a reader may be going through the old
            for doc in docs:
                key, text = str(doc_id_for(doc["id"])), text_key(doc)
                if key in stored and text != doc["id"]:
                    stored[key] = {**stored.pop(key), "text_key": text}  # last, as TinyDB's remove and insert
            tables["threads"] = stored
            self.db.storage.write(tables)
            self.db.table("threads").clear_cache()
            search_path = self.posts_dir / _search_name(file_name)
            try:
                current = search_path.read_bytes()
            except OSError:
                current = b""
            if search_layout(current) is None:
                try:
                    write_atomic(search_path, search_file(map(search_lines, docs)))
                except StorageWriteError as error:
                    raise LibraryError(f"could not upgrade library {self.path}: {error.reason}; "
                                       "it was left as it was") from error

    def _backup_path(self, version: int, original: bytes) -> Path:
        """`library.json.v<N>.bak`, or the first free `.bak.<n>` if one with other content exists."""
        base = self.path.with_name(f"{self.path.name}.v{version}.bak")
        candidate, number = base, 1
        while candidate.exists() and candidate.read_bytes() != original:
            number += 1
            candidate = base.with_name(f"{base.name}.{number}")
        return candidate

    def changed_on_disk(self) -> bool:
        """Whether another process committed since this one last read (cheap: no read)."""
        return file_stamp(self.path) != self._stamp

    def _changed_under_lock(self) -> bool:
        """Exact check by content, for writers: a reused inode can fool `changed_on_disk`."""
        return self._db is None or file_digest(self.path) != storage_of(self.db).digest

    def reload_if_changed(self) -> bool:
        """Re-read the library if another process changed it; True if it did."""
        if not self.changed_on_disk():
            return False
        self._load()
        return True

    @property
    def db(self) -> TinyDB:
        assert self._db is not None, "library not loaded"
        return self._db

    def _meta(self) -> dict[str, Any]:
        meta = self.db.table("meta").get(doc_id=_META_ID)
        return dict(meta) if meta else {"schema": SCHEMA_VERSION, "generation": 0, "shards": {}}

    # -- reading ----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.summaries())

    def summaries(self) -> Summaries:
        """Every thread's summary, newest first: read when first asked for, then the same object until
        the library changes. LibraryError where the summaries are damaged or missing."""
        for attempt in range(_LOAD_ATTEMPTS):
            if self._summaries is not None:
                break
            try:
                self._summaries = self._read_summaries(self._meta())
            except FileNotFoundError:
                # Another process committed after `library.json` was read, and removed the files it
                # named: read it again. Else a file is missing.
                if attempt + 1 == _LOAD_ATTEMPTS or not self.changed_on_disk():
                    raise self._unreadable("its summaries file is missing") from None
                self._load()
        assert self._summaries is not None
        return self._summaries

    def order_index(self) -> dict[str, int]:
        """Each thread id's position in `summaries()`."""
        return self.summaries().order()

    def live_post_files(self) -> set[str]:
        """The names in the posts folder the library refers to: shards and their files, post index, summaries."""
        meta = self._meta()
        shards = set(shard_files(meta))
        return (shards | {_search_name(name) for name in shards} | {offsets_name(name) for name in shards}
                | {name for shard in meta.get("keys", {}) for name in key_files_of(meta, shard)}
                | ({meta["summaries"]} if "summaries" in meta else set())
                | ({meta["journal"]["file"]} if "journal" in meta else set()))

    def search_blobs(self) -> Iterator[bytes | mmap.mmap]:
        """The search file of each shard in turn (see `search.py`), mapped copy-on-write, not copied, into
        memory (nothing is ever written to it): a buffer ctypes can point into, for libc's `memmem`. Each
        has passed `search_layout`'s checks, once a reading of the library (a search need not redo them)."""
        for file_name in shard_files(self._meta()):
            try:
                with open(self.posts_dir / _search_name(file_name), "rb") as handle:
                    if os.fstat(handle.fileno()).st_size:
                        with _mapped(handle) as mapped:
                            if file_name in self._whole_search_files or search_layout(mapped) is not None:
                                self._whole_search_files.add(file_name)
                                yield mapped
                                continue
            except OSError:
                pass
            # Derived data (an older layout, a damaged file): made again from the shard and kept for the next
            # search, with no lock, as a shard file never changes, nor what is made from it (a copy a commit
            # made stray meanwhile is cleared by the next commit). Not synced: a torn file fails its checks.
            db = self._shard_db_named(file_name)  # the very file named above, whatever a commit does meanwhile
            text = _shard_search_text(db)
            with suppress(StorageWriteError):  # a library this user may read but not write: rebuilt again next time
                write_atomic(self.posts_dir / _search_name(file_name), text, sync=False, mode=file_mode(self.path))
            yield text

    def prepare_search(self) -> None:
        """Do ahead what the first search of this reading of the library does first: check each search
        file whole (once), index the threads' places and load libc's scanners (the reader calls this
        while idle)."""
        load_scanners()
        self.order_index()
        for _blob in self.search_blobs():
            pass

    def summary(self, thread_id: str) -> Summary | None:
        """A thread's summary; None if not here."""
        return self.summaries().get(thread_id)

    def matching_ids(self, id_or_prefix: str) -> list[str]:
        """The thread id itself, else every id that starts with `id_or_prefix`."""
        summaries = self.summaries()
        if summaries.holds(id_or_prefix):
            return [id_or_prefix]
        return [thread_id for thread_id in summaries.ids if thread_id.startswith(id_or_prefix)]

    def by_author(self, summary: Summary) -> list[Summary]:
        """Other threads by the same author (handle, else name), newest first."""
        handle, name = handle_key(summary), summary.get("author_name")
        summaries = self.summaries()
        column, wanted = (summaries.handles, handle) if handle else (summaries.names, name)
        same = [n for n, other in enumerate(column) if other == wanted] if wanted else []
        return [summaries[n] for n in same if summaries.ids[n] != summary["id"]]

    def _cached(self, cache: OrderedDict[str, Any], key: str) -> Any:
        """What a cache of the last few used holds under `key` (now its newest), else None."""
        with self._shard_cache_lock:
            value = cache.get(key)
            if value is not None:
                cache.move_to_end(key)
            return value

    def _cache(self, cache: OrderedDict[str, Any], key: str, value: Any, size: int) -> None:
        """Keep `value` as the newest of a cache of the last `size` used (or a big commit would hold them all)."""
        with self._shard_cache_lock:
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > size:
                cache.popitem(last=False)

    def _shard_db_named(self, file_name: str) -> TinyDB:
        """The shard file of this name, read once and kept for the next reads (a few of them)."""
        cached: TinyDB | None = self._cached(self._shard_cache, file_name)
        if cached is not None:
            return cached
        cached = TinyDB(self.posts_dir / file_name, storage=AtomicJSONStorage, track_digest=False)
        try:
            if cached.storage.read() is None:
                raise StorageReadError(storage_of(cached).path, "the file is missing")
        except StorageReadError as error:
            raise self._unreadable(error.reason, error.path) from error
        self._cache(self._shard_cache, file_name, cached, SHARD_CACHE_SIZE)
        return cached

    def cached_thread(self, thread_id: str) -> Thread | None:
        """The thread if it was read lately (no file is read here), else None."""
        with self._shard_cache_lock:
            recent = self._recent.get(thread_id)
        if recent is None or recent[0] not in shard_files_of(self._meta(), shard_for(thread_id)):
            return None
        try:
            return Thread.from_dict(recent[1])
        except _BAD_DOCUMENT:
            return None  # told by `thread`, which the caller falls back on

    def thread(self, thread_id: str) -> Thread | None:
        """The full thread, read alone where its shard file's offsets place it, else from the whole file;
        None if not in the library."""
        try:
            found = self._find(thread_id)
        except LibraryError:
            # A writer may have replaced (and removed) the shard file since this copy read the
            # library: read the thread from the library as it is now. This copy is left as
            # it is (other threads may be reading it); its owner reloads it.
            if not self.changed_on_disk():
                raise
            return Library.open(self.path).thread(thread_id)
        if found is None:
            return None
        file_name, doc = found
        try:
            return Thread.from_dict(doc)
        except _BAD_DOCUMENT as error:
            raise self._unreadable(f"thread {thread_id} is damaged ({error!r})", self.posts_dir / file_name) from error

    def _find(self, thread_id: str) -> tuple[str, dict[str, Any]] | None:
        """The shard file that holds a thread, and its document, read alone where the file's offsets place it
        (kept among the recent), else from the whole file; None if no file holds it."""
        doc_id = doc_id_for(thread_id)
        for file_name in reversed(shard_files_of(self._meta(), shard_for(thread_id))):
            offsets = self._offsets_of(file_name)
            place = offsets.locate(doc_id) if offsets is not None else None
            if offsets is not None and place is None:
                continue  # not in this file
            doc = None
            if place is not None:
                with suppress(OSError):
                    doc = read_document(self.posts_dir / file_name, *place, thread_id)
            if doc is not None:
                self._cache(self._recent, thread_id, (file_name, doc), RECENT_THREADS)
                return file_name, doc
            # No offsets, damaged ones, or the file gone: the whole file tells.
            whole = self._shard_db_named(file_name).table("posts").get(doc_id=doc_id)
            if whole is not None:
                return file_name, dict(whole)
        return None

    def _scan_offsets(self, file_name: str) -> ShardOffsets | None:
        """The offsets of a shard file written without them (or whose file is damaged), found in its bytes
        and kept beside it for the next time (no lock: a shard file never changes, nor what is made from it)."""
        try:
            found = scan_offsets((self.posts_dir / file_name).read_bytes())
        except OSError:
            return None
        with suppress(StorageWriteError):  # a library this user may read but not write: found again next time
            write_atomic(self.posts_dir / offsets_name(file_name), found, sync=False, mode=file_mode(self.path))
        return ShardOffsets.parse(found)

    def _offsets_of(self, file_name: str) -> ShardOffsets | None:
        """Where each thread is in a shard file (the last few read are kept); None where that cannot be told."""
        offsets: ShardOffsets | None = self._cached(self._offsets, file_name)
        if offsets is None:
            offsets = read_offsets(self.posts_dir / offsets_name(file_name)) or self._scan_offsets(file_name)
            if offsets is not None:
                self._cache(self._offsets, file_name, offsets, OFFSETS_CACHE_SIZE)
        return offsets

    def iter_threads(self) -> Iterator[Thread]:
        """Every thread in the library, file by file (each read once; not in date order)."""
        for file_name in shard_files(self._meta()):
            db = self._shard_db_named(file_name)
            for doc in list(_docs(db, "posts").values()):
                try:
                    yield Thread.from_dict(doc)
                except _BAD_DOCUMENT as error:
                    raise self._unreadable(f"thread {doc.get('id')!r} is damaged ({error!r})",
                                           storage_of(db).path) from error

    # -- writing ----------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the inter-process lock (re-entrant within this Library), under which what else is written
        beside the library (the user's file) is written too."""
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout as error:
            raise LibraryError(
                f"library {self.path} is busy: another threads-tui has held its lock "
                f"for {LOCK_TIMEOUT_SECONDS:.0f} s"
            ) from error
        except OSError as error:
            raise LibraryError(f"cannot lock library {self.path}: {error.strerror or error}") from error
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the lock and start from what is on disk now, which must be whole: a damaged
        library is never rewritten (it would carry the damage on, or lose what it held)."""
        with self.locked():
            if self._changed_under_lock():
                self._load()
            yield

    def add_threads(self, threads: Iterable[Thread | StoredThread]) -> ImportCounts:
        """Add or update threads; the same content twice changes nothing, a fuller copy wins. Copies of one
        thread under two ids (`thread_copies`) are one: the fuller takes the other's marks, tags and highlights."""
        incoming = [t if isinstance(t, StoredThread) else StoredThread.of(t) for t in threads]
        with self._writing():
            self._place_undated(incoming)
            by_text_key = self._by_partial_key({thread.id for thread in incoming})
            wanted = {thread.id for thread in incoming} | {a for thread in incoming for a in thread.aliases}
            wanted |= {by_text_key[thread.id] for thread in incoming if thread.id in by_text_key}
            by_post = self._posts_index({key for thread in incoming if thread.aliases
                                         for key in (thread.id, *thread.aliases)})
            wanted |= {holder for holders in by_post.values() for holder in holders}
            stored = self._stored_docs(wanted)
            try:
                changes = plan(incoming, stored, by_text_key, by_post, _stored_from_doc)
            except _BAD_DOCUMENT as error:
                raise self._unreadable(f"a stored thread is damaged ({error!r})") from error
            unchanged = [thread for thread in incoming if changes.outcome.get(thread.id) == UNCHANGED]
            if unchanged:
                summaries = self.summaries()
                changes.write.update((thread.id, thread) for thread in unchanged  # its summary written anew
                                     if (summary := summaries.get(thread.id)) and summary.get("damaged"))
            if changes.write or changes.remove:
                # What the user's file holds goes on to the copies that replace threads: copied first, so
                # that a crash, a kill or a failed commit loses none; the replaced threads' are dropped after.
                user_data = UserData(self)
                try:
                    user_data.carry(dict(changes.replaced))
                except UserDataError as error:
                    raise LibraryError(f"{error}: the reading state, tags and highlights of the threads this import "
                                       "replaces could not be handed on, so nothing was imported") from error
                self._commit(changes)
                # What is left is kept under ids the library no longer holds: nothing is lost.
                with suppress(UserDataError):
                    user_data.forget(set(changes.replaced) - set(changes.write))
            else:
                self._clear_debris()
        counts = ImportCounts(replaced=dict(changes.replaced))
        listed: set[str] = set()
        for thread_id in dict.fromkeys(thread.id for thread in incoming):
            outcome = changes.outcome[thread_id]
            shown = changes.written_as.get(thread_id, thread_id)
            if outcome != MERGED and shown not in listed:
                listed.add(shown)
                {UNCHANGED: counts.unchanged, UPDATED: counts.updated}.get(outcome, counts.added).append(shown)
        return counts

    def delete_threads(self, thread_ids: Iterable[str]) -> Deletion:
        """Remove threads (ids as stored) in one commit; then drop their reading state, tags and
        highlights from the user's file. What went, for `restore`; LibraryError naming an id the
        library does not hold (nothing is removed then)."""
        wanted = list(dict.fromkeys(thread_ids))
        with self._writing():
            stored = self._stored_docs(set(wanted))
            missing = [thread_id for thread_id in wanted if thread_id not in stored]
            if missing:
                raise LibraryError(f"no thread with id {missing[0]!r} in {self.path}")
            summaries = self.summaries()
            deleted = [DeletedThread(summaries.get(thread_id) or {"id": thread_id}, stored[thread_id])
                       for thread_id in wanted]
            self._commit(Plan(remove={thread.id: thread.doc for thread in deleted}))
            try:
                forgotten = UserData(self).forget(set(wanted))
            except UserDataError:
                forgotten = Forgotten()  # kept under ids the library no longer holds: shown nowhere
        return Deletion(deleted, forgotten)

    def restore(self, deletion: Deletion) -> None:
        """Undo `delete_threads`: the threads as they were stored (summary, posts), in one commit, then
        their reading state, tags and highlights. A thread imported again meanwhile stays as it is now."""
        with self._writing():
            summaries = self.summaries()
            back = [thread for thread in deletion.threads if not summaries.holds(thread.id)]
            writes: dict[str, StoredThread] = {}
            for thread in back:
                stored = _stored_from_doc(thread.doc)
                stored.summary = {**stored.summary, **thread.summary}  # its import day, its added time
                writes[thread.id] = stored
            self._commit(Plan(write=writes))
        UserData(self).restore(deletion.user)

    def _posts_index(self, keys: set[str]) -> dict[str, list[str]]:
        """The stored threads that hold these post ids, from the post index (of those still stored)."""
        entries = self._index_entries(keys)
        held = self._held({holder for holders in entries.values() for holder in holders})
        found = {key: [holder for holder in holders if holder in held] for key, holders in entries.items()}
        return {key: holders for key, holders in found.items() if holders}

    def _index_entries(self, keys: set[str]) -> dict[str, list[str]]:
        """What the post index holds of these keys (the threads that held each when they were written,
        each once, in the order they were written): only the index files of the shards these keys name are read."""
        meta = self._meta()
        by_shard: dict[str, list[str]] = {}
        for key in keys:
            by_shard.setdefault(shard_for(key.removeprefix(PARTIAL_KEY_MARK)), []).append(key)
        found: dict[str, list[str]] = {}
        for shard, members in by_shard.items():
            for file_name in key_files_of(meta, shard):
                index = self._index_file(file_name)
                for key in members:
                    holders = index.get(key)
                    if isinstance(holders, list):
                        found.setdefault(key, []).extend(holder for holder in holders if isinstance(holder, str))
        return {key: _last_of_each(holders) for key, holders in found.items()}

    def _held(self, thread_ids: set[str]) -> set[str]:
        """Those of these threads the library holds: told by the summaries where they are read (or are
        worth reading: many asked), else by the offsets of the shard files that would hold them."""
        if self._summaries is not None or len(thread_ids) > _FEW_THREADS:
            summaries = self.summaries()
            return set(filter(summaries.holds, thread_ids))
        meta = self._meta()
        held = set()
        for thread_id in thread_ids:
            for file_name in shard_files_of(meta, shard_for(thread_id)):
                offsets = self._offsets_of(file_name)
                if offsets is None:  # cannot tell: the file's documents can
                    known = self._shard_db_named(file_name).table("posts").contains(doc_id=doc_id_for(thread_id))
                else:
                    known = offsets.locate(doc_id_for(thread_id)) is not None
                if known:
                    held.add(thread_id)
                    break
        return held

    def _index_file(self, file_name: str) -> dict[str, list[str]]:
        """A post index file: post id -> ids of the threads that held it when they were written."""
        try:
            index = orjson.loads((self.posts_dir / file_name).read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            raise self._unreadable(f"a post index file cannot be read ({error})", self.posts_dir / file_name) from error
        if not isinstance(index, dict):
            raise self._unreadable("a post index file is malformed", self.posts_dir / file_name)
        return index

    def _place_undated(self, incoming: list[StoredThread]) -> None:
        """Place the threads whose date lacks a year by the day they were first imported: the stored
        copy's `imported_at`, else today (`clock.today()`), so importing it again moves nothing."""
        undated = [thread for thread in incoming if thread.undated_year()]
        held = self._held({thread.id for thread in undated})
        today = clock.today()
        for thread in undated:
            stored = self.summaries().get(thread.id) if thread.id in held else None
            try:
                imported = date.fromisoformat(stored["imported_at"]) if stored else today
            except (KeyError, TypeError, ValueError):
                imported = today
            thread.place_by(imported)

    def _by_partial_key(self, ids: set[str]) -> dict[str, str]:
        """Stored threads by the ids a partial copy of them may have (`partial_keys`, see `thread_copies`),
        of these ids only, from the post index: where a key names two, the later summary's."""
        found: dict[str, str] = {}
        for marked, holders in self._index_entries({PARTIAL_KEY_MARK + key for key in ids}).items():
            key = marked.removeprefix(PARTIAL_KEY_MARK)
            live = [holder for holder in holders if key in self._stored_partial_keys(holder)]
            if len(live) > 1:
                order = self.summaries().order()
                live.sort(key=lambda holder: order.get(holder, -1))
            if live:
                found[key] = live[-1]
        return found

    def _stored_partial_keys(self, thread_id: str) -> tuple[str, ...]:
        """`partial_keys` of a stored thread, from its document (none where it is not stored)."""
        found = self._find(thread_id)
        if found is None:
            return ()
        try:
            return _stored_from_doc(found[1]).partial_keys
        except _BAD_DOCUMENT as error:
            raise self._unreadable(f"thread {thread_id} is damaged ({error!r})", self.posts_dir / found[0]) from error

    def _stored_docs(self, thread_ids: set[str]) -> dict[str, dict[str, Any]]:
        """The library's documents of those threads it holds, shard by shard (each file's offsets read once)."""
        stored: dict[str, dict[str, Any]] = {}
        for thread_id in sorted(self._held(thread_ids), key=shard_for):
            found = self._find(thread_id)
            if found is not None:
                stored[thread_id] = found[1]
        return stored

    def _keep(self, db: TinyDB, leaving: set[int], searches: list[SearchLines], bodies: dict[str, bytes]) -> None:
        """Add to `searches` and `bodies` (by document id as text) the search lines and JSON of the threads a
        commit keeps of a shard file it merges (all but those `leaving`), copied from the file's own search and
        offsets files where they hold them whole, else made from the documents."""
        docs = {key: doc for key, doc in _docs(db, "posts").items() if int(key) not in leaving}
        if not docs:
            return
        shard_path = storage_of(db).path
        try:
            parts = search_parts((self.posts_dir / _search_name(shard_path.name)).read_bytes())
        except OSError:
            parts = {}
        try:
            shard = shard_path.read_bytes()
        except OSError:
            shard = b""
        offsets = read_offsets(self.posts_dir / offsets_name(shard_path.name)) if shard else None
        if offsets is not None and not tiles_shard(offsets, shard):
            offsets = None  # damaged: its places might cut a thread short or run into the next
        for key, doc in docs.items():
            # Not a thread's shape (an id, a list of posts): the commit fails, as it would making its lines again.
            if not (isinstance(doc, dict) and isinstance(doc.get("id"), str) and isinstance(doc.get("posts"), list)):
                raise ValueError(f"not a thread: {str(doc)[:80]!r}")
            part = parts.get(doc["id"])
            searches.append(part if part is not None else search_lines(doc))
            place = offsets.locate(int(key)) if offsets is not None else None
            bodies[key] = shard[place[0]:place[0] + place[1]] if place is not None else orjson.dumps(doc)

    def _merged_away(self, files: list[str], leaving: set[int]) -> list[str]:
        """The files of a shard that a commit writing into it merges into its new file: those holding a thread
        that goes (removed, or replaced by the copy coming in), and those `_crowded` names."""
        merged = []
        for name in files:
            # Read anew, not scanned for: a file whose offsets cannot be read is merged (written again whole).
            offsets = read_offsets(self.posts_dir / offsets_name(name))
            if offsets is None or not leaving.isdisjoint(offsets.ids):
                merged.append(name)
        merged += self._crowded([name for name in files if name not in merged])
        return [name for name in files if name in merged]

    def _crowded(self, files: list[str]) -> list[str]:
        """Of a shard's files (or its post index's), those a commit adding one more merges into it: where it
        would have more than MAX_SHARD_FILES, the ones written after its largest (all, if that is the last)."""
        if len(files) + 1 <= MAX_SHARD_FILES:
            return []
        sizes = [_size_of(self.posts_dir / name) for name in files]
        largest = sizes.index(max(sizes))
        return files[largest + 1:] or files

    def _commit(self, changes: Plan, doing: str = "write") -> None:
        """Write changed shards, then `library.json`, then clean up (under the lock); a failure says it
        `could not {doing} library`."""
        meta = copy.deepcopy(self._meta())
        generation = meta["generation"] + 1
        threads = list(changes.write.values())
        writes: dict[str, dict[str, StoredThread]] = {}  # by shard, by document id as text
        for thread in threads:
            writes.setdefault(thread.place.shard, {})[str(thread.place.doc_id)] = thread
        removals: dict[str, set[int]] = {}  # by shard: document ids
        for thread_id in changes.remove:
            removals.setdefault(shard_for(thread_id), set()).add(doc_id_for(thread_id))
        gone = set(changes.remove)

        superseded: list[str] = []  # names in the posts folder
        syncing = BackgroundSync()  # each file is synced while the next is made
        made_posts_dir = False
        mode = file_mode(self.path)  # new shard files are as private as library.json
        reading = self.path
        summaries = self._summaries  # kept up to date where read, else left unread
        try:
            touched = writes.keys() | removals.keys()
            # The summaries are written when threads come or go, and once where a migration moved them here.
            summarised = bool(threads or gone) or ("summaries" not in meta and len(self.summaries()) > 0)
            indexed = bool(threads) or meta["schema"] < PARTIAL_KEYS_FROM
            if (touched or summarised or indexed) and not self.posts_dir.is_dir():
                try:
                    self.posts_dir.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StorageWriteError(self.posts_dir, error.strerror or str(error)) from error
                made_posts_dir = True
            with syncing:  # all are durable before anything refers to them
                for shard in sorted(touched):
                    incoming = writes.get(shard, {})
                    leaving = removals.get(shard, set()) | set(map(int, incoming))
                    files = shard_files_of(meta, shard)
                    merged = self._merged_away(files, leaving)
                    # What the merged files keep, file by file, as TinyDB writes it (by document id), less
                    # what goes; then what comes. The files are left as they are: others may be reading them.
                    searches: list[SearchLines] = []
                    bodies: dict[str, bytes] = {}
                    for merged_name in merged:
                        db = self._shard_db_named(merged_name)
                        reading = storage_of(db).path
                        self._keep(db, leaving, searches, bodies)
                        superseded += [merged_name, _search_name(merged_name), offsets_name(merged_name)]
                    searches += [thread.search or search_lines(thread.doc) for thread in incoming.values()]
                    bodies.update((key, thread.json) for key, thread in incoming.items())
                    files = [name for name in files if name not in merged]
                    if bodies:
                        file_name = f"{shard}.{generation}.json"
                        shard_pieces, offsets = shard_file(bodies)
                        syncing.write(self.posts_dir / file_name, shard_pieces, mode)
                        syncing.write(self.posts_dir / offsets_name(file_name), offsets, mode)
                        syncing.write(self.posts_dir / _search_name(file_name), search_file_pieces(searches), mode)
                        files.append(file_name)
                    if files:
                        meta["shards"][shard] = files
                    else:
                        meta["shards"].pop(shard, None)
                if summarised:
                    added = self._added_times(threads, changes.replaced)
                    written = [t.summary | {"added_at": added[t.id]} for t in threads]
                    for summary in written:
                        check_summary(summary)  # as `Summaries.updated` does: none the journal holds fails a reader
                    record = journal_record(gone, written)
                    journal = meta.get("journal") or {"file": f"s.{generation}.journal", "bytes": 0, "crc32": 0}
                    base_bytes = _size_of(self.posts_dir / meta["summaries"]) if "summaries" in meta else 0
                    journal_bytes = journal["bytes"] + len(record)
                    if base_bytes >= JOURNAL_FROM_BYTES and journal_bytes * JOURNAL_SHARE <= base_bytes:
                        reading = self.posts_dir / journal["file"]
                        if "journal" in meta:
                            try:
                                self._journal_bytes(journal)  # whole: never added to where damaged
                            except ValueError as error:
                                raise self._unreadable(f"the library is damaged (its summaries file: {error})",
                                                       reading) from error
                            self._append_to_journal(journal, record)
                        else:
                            syncing.write(reading, record, mode)
                        meta["journal"] = {"file": journal["file"], "bytes": journal_bytes,
                                           "crc32": zlib.crc32(record, journal["crc32"])}
                        if summaries is not None:
                            summaries = summaries.updated(gone, written)
                    else:
                        reading = self.posts_dir / meta["summaries"] if "summaries" in meta else self.path
                        summaries = self.summaries().updated(gone, written)
                        file_name = f"s.{generation}.summaries"
                        syncing.write(self.posts_dir / file_name, summaries.file(), mode)
                        superseded += filter(None, (meta.get("summaries"), meta.pop("journal", {}).get("file")))
                        meta["summaries"] = file_name
                if indexed:
                    everything = self.summaries() if meta["schema"] < PARTIAL_KEYS_FROM else None
                    self._write_index(threads, gone, meta, generation, syncing, superseded, mode, everything)
                syncing.wait()
            if touched or summarised or meta.get("keys") != self._meta().get("keys"):
                fsync_dir(self.posts_dir)
            meta["generation"] = generation
            meta["schema"] = SCHEMA_VERSION
            tables = dict(self.db.storage.read() or {})
            tables.pop("threads", None)  # a library before the summaries file kept them there
            tables["meta"] = {str(_META_ID): meta}
            self.db.storage.write(tables)
            self.db.table("meta").clear_cache()
            storage_of(self.db).flush()
        except (StorageWriteError, LibraryError, orjson.JSONEncodeError, *_BAD_DOCUMENT) as error:
            for path in syncing.written:
                _remove_quietly(path)
            if made_posts_dir:
                with suppress(OSError):
                    self.posts_dir.rmdir()
            self._load(migrate=False)  # memory was changed: go back to what is on disk
            if isinstance(error, LibraryError):  # a file the commit had to read or add to is damaged
                raise
            if isinstance(error, StorageWriteError):
                raise LibraryError(f"could not {doing} library {self.path}: {error.reason}; "
                                   "it was left as it was") from error
            if isinstance(error, orjson.JSONEncodeError):  # a thread to store, not the library, is at fault
                raise LibraryError(f"could not write library {self.path}: a thread holds what JSON cannot "
                                   f"({error}); the library was left as it was") from error
            raise self._unreadable(f"a stored thread is damaged ({error!r})", reading) from error
        self._stamp, self._summaries = file_stamp(self.path), summaries
        self._forget_files_read({*superseded, *(path.name for path in syncing.written)})
        for name in superseded:
            _remove_quietly(self.posts_dir / name)
        self._clear_debris()

    def _forget_files_read(self, names: set[str] | None = None) -> None:
        """Drop what was kept of these files (all, by default): their shards, offsets, threads, checks."""
        with self._shard_cache_lock:
            for cache in (self._shard_cache, self._offsets):
                for name in list(cache) if names is None else names & cache.keys():
                    del cache[name]
            for thread_id, (name, _doc) in list(self._recent.items()):
                if names is None or name in names:
                    del self._recent[thread_id]
            if names is None:
                self._whole_search_files.clear()
            else:
                self._whole_search_files -= names

    def _added_times(self, threads: list[StoredThread], replaced: dict[str, str]) -> dict[str, float]:
        """When each thread to write came into the library (`added_at`, seconds since the epoch): its
        own (a thread put back), else its stored copy's, else the earliest of the copies it replaces,
        else now. Summaries written before this was kept have none (see `sorting`)."""
        held = self._held({thread.id for thread in threads if "added_at" not in thread.summary} | set(replaced))

        def kept(thread_id: str) -> float | None:
            summary = self.summaries().get(thread_id) if thread_id in held else None
            value = summary.get("added_at") if summary else None
            return value if isinstance(value, int | float) else None

        now = time.time()
        earlier: dict[str, list[float]] = {}
        for old_id, new_id in replaced.items():
            if (value := kept(old_id)) is not None:
                earlier.setdefault(new_id, []).append(value)
        added = {}
        for thread in threads:
            own = thread.summary.get("added_at")
            candidates = [own] if isinstance(own, int | float) else [*filter(None, [kept(thread.id)]),
                                                                      *earlier.get(thread.id, [])]
            added[thread.id] = min(candidates) if candidates else now
        return added

    def _write_index(self, threads: list[StoredThread], gone: set[str], meta: dict[str, Any], generation: int,
                     syncing: BackgroundSync, superseded: list[str], mode: int,
                     everything: Summaries | None = None) -> None:
        """Add the written threads' post ids and partial keys (`PARTIAL_KEY_MARK`), and those of `everything`
        (a library migrated to the index of partial keys), to the post index: a new file for each shard they
        name, with the shard's `_crowded` files merged into it, less the threads removed."""
        additions: dict[str, dict[str, list[str]]] = {}

        def add(key: str, thread_id: str, shard_key: str) -> None:
            holders = additions.setdefault(shard_for(shard_key), {}).setdefault(key, [])
            if thread_id not in holders:
                holders.append(thread_id)

        for summary in everything or ():
            for key in partial_keys(summary):
                add(PARTIAL_KEY_MARK + key, summary["id"], key)
        for thread in threads:
            if thread.aliases:  # a thread with post ids (a thread without has only its text key)
                for key in (thread.id, *thread.aliases):
                    if key == thread.text_key and key != thread.id:
                        continue  # not a post id: indexed as a partial key below
                    add(key, thread.id, key)
            for key in thread.partial_keys:
                add(PARTIAL_KEY_MARK + key, thread.id, key)
        files = meta.setdefault("keys", {})
        for shard in sorted(additions):
            names = key_files_of(meta, shard)
            merged = self._crowded(names)
            index: dict[str, list[str]] = {}
            for name in merged:
                for key, holders in self._index_file(name).items():
                    index[key] = [*index.get(key, ()), *(holders if isinstance(holders, list) else ())]
            for key, thread_ids in additions[shard].items():
                index[key] = [*index.get(key, ()), *thread_ids]
            index = {key: kept for key, holders in index.items()
                     if (kept := [t for t in _last_of_each(t for t in holders if isinstance(t, str)) if t not in gone])}
            file_name = f"k{shard}.{generation}.keys"
            syncing.write(self.posts_dir / file_name, orjson.dumps(index), mode)
            superseded += merged
            files[shard] = [name for name in names if name not in merged] + [file_name]

    def _append_to_journal(self, journal: dict[str, Any], record: bytes) -> None:
        """Write a commit's record into the summaries journal where what `library.json` names of it ends
        (over what a failed commit left after that), and sync it. Readers read no further than it names."""
        path = self.posts_dir / journal["file"]
        try:
            with open(path, "r+b") as handle:
                handle.seek(journal["bytes"])
                handle.write(record)
                handle.truncate()
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise StorageWriteError(path, error.strerror or str(error)) from error

    def _clear_debris(self) -> None:
        """Remove what a killed writer left: unreferenced shard files, temporary files (under the lock)."""
        live = self.live_post_files()
        try:
            entries = list(os.scandir(self.posts_dir))
        except OSError:
            entries = []
        for entry in entries:
            if entry.name not in live:
                _remove_quietly(Path(entry.path))
        remove_stale_temp_files(self.path)


def _mapped(handle: IO[bytes]) -> mmap.mmap:
    """A file mapped copy-on-write, else read-only (strict overcommit may refuse a private
    writable map of a large file: memmem then gives way to `bytes.find`)."""
    try:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
    except OSError:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _docs(db: TinyDB, table: str) -> dict[str, dict[str, Any]]:
    """A table's documents by document id as text, as its storage holds them (read, never changed here)."""
    return cast(dict[str, dict[str, Any]], (db.storage.read() or {}).get(table, {}))


def _search_name(shard_file_name: str) -> str:
    """`07.12.search` for the shard file `07.12.json`."""
    return shard_file_name.removesuffix(".json") + SEARCH_SUFFIX


def _shard_search_text(db: TinyDB) -> bytes:
    """The search file content of a shard: every post of every thread, a line each."""
    return search_file(search_lines(doc) for doc in _docs(db, "posts").values())


def _size_of(path: Path) -> int:
    """A file's size; 0 where it cannot be told (its reading then says what is wrong)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove_quietly(path: Path) -> None:
    """Remove a file if it can be; cleaning up never turns success or a clear error into a crash."""
    with suppress(OSError):
        path.unlink(missing_ok=True)
