"""Running an import: walk paths, pick an importer per file by content, fill the library.

No Textual here: the CLI and the reader's import worker both call `run_import`.
"""

from __future__ import annotations

import gc
import gzip
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TypeVar, cast

import orjson

from .import_pool import Unit, ordered_outcomes
from .importers import IMPORTERS, Importer, ImportFailure, ParseResult, Source
from .model import PlainThread, Summary, Thread
from .importers.base import (MAX_POSTS_PER_THREAD, READ_ERRORS, Held, PlainResult, error_reason, too_many_posts,
                             utf16_without_bom)
from .library import ImportCounts, Library, Place, StoredThread
from .numbering import author_numbering
from .thread_copies import fullness
from .search import SearchLines

MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_DIRECTORY_BYTES = 32 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# A tar.gz is one stream (skipping a member still unpacks it): it may unpack to this many times its size
# (real archives: a few; a gzip bomb: about a thousand), or to the floor below for small archives.
MAX_TAR_INFLATION = 50
MIN_TAR_UNPACKED_BYTES = 64 * 1024 * 1024
# The bytes read from a zip's files, unpacked (what their threads hold until stored: see Held).
MAX_ZIP_READ_BYTES = 1024 * 1024 * 1024
# Files of an archive that hold no thread, told one by one up to this many; the rest in one line.
MEMBER_WARNINGS_SHOWN = 10
# Files of a zip at least this large with the size and CRC-32 of one already read are that file again.
SAME_FILE_MIN_BYTES = 64 * 1024
# Starts the failure line of an importer bug, so tests can tell bugs from bad input.
INTERNAL_ERROR = "threads-tui could not read it: an internal error"
# A batch is committed at this many threads or this much text: memory stays bounded whatever the files hold.
COMMIT_EVERY_THREADS = 20_000
COMMIT_EVERY_TEXT_BYTES = 64 * 1024 * 1024
# JSON in no known format is parsed to tell broken from another shape only this small (memory stays small).
JSON_CHECK_MAX_BYTES = 1024 * 1024
T = TypeVar("T")
ThreadOrPlain = TypeVar("ThreadOrPlain", Thread, PlainThread)


@dataclass
class FileFailure:
    """A file that could not be imported, and why (one line)."""

    name: str
    reason: str

    def line(self) -> str:
        """`name: reason` on one line, whatever the file name holds."""
        return " ".join(f"{self.name}: {self.reason}".splitlines())


@dataclass
class ImportReport:
    """What an import run did: per-file failures and warnings, and the library counts."""

    files_done: int = 0  # files and links
    links_done: int = 0
    files_imported: int = 0
    threads_found: int = 0
    waiting: str = ""  # while a fetch waits out a server's rate limit: what it waits for
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[FileFailure] = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)

    def short_line(self) -> str:
        """`3 added, 1 failed`: the counts that are not 0 (`nothing new` when all are)."""
        parts = [f"{len(items)} {label}" for items, label in (
            (self.counts.added, "added"), (self.counts.updated, "updated"), (self.counts.unchanged, "unchanged"),
            (self.failures, "failed")) if items]
        return ", ".join(parts) or "nothing new"

    def inputs(self, count: int) -> str:
        """What was read, counted: `files`, `links` or `files and links` (singular for 1)."""
        if self.links_done == 0:
            return "file" if count == 1 else "files"
        if self.links_done == self.files_done:
            return "link" if count == 1 else "links"
        return "file or link" if count == 1 else "files and links"

    def summary_line(self) -> str:
        return (
            f"{len(self.counts.added)} added, {len(self.counts.updated)} updated, "
            f"{len(self.counts.unchanged)} unchanged, {len(self.failures)} {self.inputs(len(self.failures))} failed"
        )


ProgressCallback = Callable[[ImportReport, str], None]


@dataclass
class Parsed:
    """What one unit gave: its threads, ready to store, and notes for the user."""

    threads: list[StoredThread]
    warnings: list[str]
    text_chars: int  # the length of all the threads' text: what a batch holds in memory, roughly

    @classmethod
    def of(cls, result: ParseResult | PlainResult) -> Parsed:
        try:
            if isinstance(result, PlainResult):
                chars = sum(sum(map(len, thread.texts)) for thread in result.threads)
                threads = [StoredThread.of_plain(_as_numbered(thread)) for thread in result.threads]
            else:
                chars = sum(len(post.text) for thread in result.threads for post in thread.posts)
                threads = [StoredThread.of(_as_numbered(thread)) for thread in result.threads]
        except orjson.JSONEncodeError as error:
            raise ImportFailure(f"a thread holds what JSON cannot store ({_short(error)})") from None
        return cls(threads, result.warnings, chars)


def _as_numbered(thread: ThreadOrPlain) -> ThreadOrPlain:
    """A thread whose posts' own `n/N` numbering says it is longer than it is: incomplete, N posts declared."""
    numbering = author_numbering(thread.texts if isinstance(thread, PlainThread) else [p.text for p in thread.posts])
    if numbering is None or (thread.declared_count or 0) > numbering.total:
        return thread
    if isinstance(thread, PlainThread):
        return thread._replace(complete=False, declared_count=numbering.total)
    thread.complete, thread.declared_count = False, numbering.total
    return thread


Outcome = Parsed | str  # a unit's threads, or the one line saying why it failed


class ParseInMainProcess(Exception):
    """A worker process met a file only the main process can parse (an archive, a pooled format)."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while importing: it makes many long-lived objects
    and few cycles, and frequent collections over them cost about a third of the time."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class ImportRun:
    """One import: a fresh instance of every importer, so pooled formats see all files. `in_worker`: it parses
    single files for another process's import, and refuses archives and pooled formats (ParseInMainProcess)."""

    def __init__(self, importers: Iterable[type[Importer]] = IMPORTERS, in_worker: bool = False,
                 keep_direct_messages: bool = False) -> None:
        self.importers = [cls() for cls in importers]
        for importer in self.importers:
            importer.keep_direct_messages = keep_direct_messages
        self.report = ImportReport()
        self.in_worker = in_worker

    def names(self) -> str:
        return ", ".join(importer.name for importer in self.importers)

    def sources(self, paths: Iterable[Path]) -> Iterator[Unit[ParseResult | PlainResult]]:
        """Each unit of work (see `Unit`): folders walked depth-first in name order, hidden entries
        skipped, a folder reached twice (a symlink loop) walked once."""
        seen_dirs: set[tuple[int, int]] = set()
        # (path, is_dir) where a folder listing already told which it is; None: ask the disk.
        # Absolute: a thread keeps where it came from, whatever folder the import ran in.
        pending: list[tuple[Path | str, bool | None]] = [(Path(path).absolute(), None)
                                                         for path in reversed(list(paths))]
        while pending:
            path, is_dir = pending.pop()
            name = display_name(path)
            if is_dir is False:  # a regular file seen in a listing: no stat needed
                yield self._file_unit(name, path)
                continue
            path = Path(path)
            try:
                info = path.stat()
            except OSError as error:
                yield Unit(name, _failing(error_reason(error)))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in seen_dirs:
                    continue
                seen_dirs.add(key)
                # List first: a folder that cannot be listed cannot be inspected either.
                try:
                    with os.scandir(path) as listing:
                        children = sorted((entry.name, _kind(entry)) for entry in listing)
                except OSError as error:
                    yield Unit(name, _failing(f"cannot list folder: {error_reason(error)}"))
                    continue
                try:
                    whole = _guarded(partial(self._folder_importer, path))
                except ImportFailure as failure:
                    yield Unit(name, _failing(str(failure)))
                    continue
                if whole is not None:
                    yield Unit(name, partial(whole.parse_dir, path))
                    continue
                # Plain files as text: a Path each costs more than reading a small file.
                folder = os.fspath(path)
                pending.extend((os.path.join(folder, child) if kind is False else path / child, kind)
                               for child, kind in reversed(children) if not child.startswith("."))
            elif stat.S_ISREG(info.st_mode):
                yield self._file_unit(name, path)
            else:
                yield Unit(name, _failing("not a regular file"))

    def _file_unit(self, name: str, path: Path | str) -> Unit[ParseResult | PlainResult]:
        return Unit(name, lambda: self._parse_file(path, for_storage=True), file=path)

    def _folder_importer(self, folder: Path) -> Importer | None:
        """The importer that reads this whole folder (an unpacked archive), if any."""
        return next((importer for importer in self.importers if importer.detect_dir(folder)), None)

    def _parse_file(self, path: Path | str, for_storage: bool = False) -> ParseResult | PlainResult:
        """A file's threads (`for_storage`: where they go straight to the library, maybe as PlainThreads)."""
        source = Source.read_small_file(display_name(path), path)
        magic = source.head()[:2]
        if magic in (b"PK", GZIP_MAGIC) and self.in_worker:
            raise ParseInMainProcess
        if magic == b"PK":
            if not zipfile.is_zipfile(path):
                raise ImportFailure("a broken or truncated zip archive")
            return self._parse_zip(Path(path))
        if magic == GZIP_MAGIC:
            return self._parse_tar(Path(path))
        importer = self._importer_for(source)
        return importer.parse_for_storage(source) if for_storage else importer.parse(source)

    def _parse_zip(self, path: Path) -> ParseResult:
        """A zip read in place, member by member (nothing unpacked to disk), within MAX_ZIP_READ_BYTES;
        files whose data overlap (one page listed many times over) are refused."""
        name = display_name(path)
        try:
            with open(path, "rb") as handle:
                # The archive's own counts, before loading it: zipfile's reader of its end record (not public).
                end_record = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
            if end_record is None:
                raise ImportFailure("a broken zip archive (no end record)")
            entries = end_record[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
            directory_size = end_record[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
            if entries > MAX_ZIP_MEMBERS:
                raise ImportFailure(f"zip lists {entries} files, more than threads-tui reads ({MAX_ZIP_MEMBERS})")
            if directory_size > MAX_ZIP_DIRECTORY_BYTES:
                raise ImportFailure(f"zip's list of files is {directory_size // 1048576} MiB, "
                                    f"more than threads-tui reads ({MAX_ZIP_DIRECTORY_BYTES // 1048576} MiB)")
            zip_file = _BudgetedZipFile(path)
        except READ_ERRORS as error:
            raise ImportFailure(f"a broken zip archive ({_short(error)})") from error
        with zip_file:
            overlap = _overlapping(zip_file.infolist())
            if overlap:
                raise ImportFailure(f"files in the zip overlap ({overlap[0][:60]!r} and {overlap[1][:60]!r} "
                                    "share their data): a zip bomb? Not read")
            try:
                for importer in self.importers:
                    if importer.detect_zip(zip_file):
                        return importer.parse_zip(zip_file, name)
                return self._parse_zip_members(zip_file, name)
            except _ArchiveTooBig:
                raise ImportFailure(f"the zip's files unpack to more than {MAX_ZIP_READ_BYTES // 1048576} MiB, "
                                    "more than threads-tui reads from one zip: stopped there") from None

    def _parse_zip_members(self, zip_file: zipfile.ZipFile, name: str) -> ParseResult:
        """A zip of single files: each imported on its own, the threads pooled (see `_Members`)."""
        members = _Members(name, "zip")
        read: set[tuple[int, int]] = set()
        for member in zip_file.infolist():
            if member.is_dir():
                continue
            if member.file_size >= SAME_FILE_MIN_BYTES:
                if (member.file_size, member.CRC) in read:
                    continue  # the same file again (one page saved many times): its threads are in
                read.add((member.file_size, member.CRC))
            label = f"{name}:{member.filename}"
            if members.unsafe(label, member.filename):
                continue
            members.read(Source(label, zip_file=zip_file, member=member, held=members.held.used), self._importer_for)
        return members.result(self.report)

    def _parse_tar(self, path: Path) -> ParseResult:
        """A .tar.gz read as one stream, member by member, as a zip is; the files of an account
        archive (`Importer.archive_files`) are kept until the end, for the importer they are for."""
        name = display_name(path)
        wanted = {file: limit for importer in self.importers for file, limit in importer.archive_files.items()}
        kept: dict[str, Source] = {}
        members = _Members(name, "tar.gz")
        try:
            with open(path, "rb") as packed, gzip.GzipFile(fileobj=packed) as unpacked:
                limit = max(MIN_TAR_UNPACKED_BYTES, MAX_TAR_INFLATION * os.fstat(packed.fileno()).st_size)
                stream = _Unpacked(unpacked, limit)
                try:
                    # Closed by the `with tar` below; only opening it is told apart. A stream ("r|") reads alone.
                    tar = tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|")  # noqa: SIM115
                except tarfile.ReadError as error:
                    raise ImportFailure(f"gzip data, but not a tar archive ({_short(error)})") from error
                with tar:
                    for number, info in enumerate(iter(tar.next, None)):
                        if number == MAX_ZIP_MEMBERS:
                            raise ImportFailure(f"tar.gz holds more than {MAX_ZIP_MEMBERS} files, "
                                                "more than threads-tui reads")
                        if not info.isreg():
                            continue  # folders, links, devices: nothing to read
                        label = f"{name}:{info.name}"
                        if members.unsafe(label, info.name):
                            continue
                        source = Source(label, stream=tar.extractfile(info), stream_size=info.size,
                                        held=members.held.used)
                        member = info.name.removeprefix("./")
                        keep_limit = wanted.get(member.rsplit("/", 1)[-1])
                        if keep_limit is not None:
                            kept[member] = source
                            with suppress(ImportFailure):  # too large: said when its importer reads it
                                source.read_bytes(keep_limit)
                        members.read(source, self._importer_for)
        except _StreamStopped as stopped:
            raise ImportFailure(str(stopped)) from None
        except (tarfile.TarError, OSError) as error:
            raise ImportFailure(f"a broken or truncated tar.gz archive ({_short(error)})") from error
        for importer in self.importers:
            if (whole := importer.parse_archive_files(kept, name)) is not None:
                members.tell(self.report, only_skipped=True)
                return whole
        return members.result(self.report)

    def _importer_for(self, source: Source) -> Importer:
        """The importer that reads this source; ImportFailure saying why when none does."""
        if source.size == 0:
            raise ImportFailure("empty file")
        head = source.head()
        for importer in self.importers:
            if importer.detect(source):
                # A format that builds threads across files (in `finish`): only one run may see them all.
                if self.in_worker and type(importer).finish is not Importer.finish:
                    raise ParseInMainProcess
                if source.size > importer.max_bytes:
                    raise ImportFailure(
                        f"too large for a {importer.name} file "
                        f"({source.size / 1048576:.0f} MiB, limit {importer.max_bytes // 1048576} MiB)"
                    )
                return importer
        if source.head_text().lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
            raise ImportFailure(self._json_problem(source))
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            if utf16_without_bom(head):
                raise ImportFailure(f"UTF-16 text without a byte-order mark, not a format threads-tui knows "
                                    f"(it reads: {self.names()})")
            raise ImportFailure("binary data, not a saved thread")
        raise ImportFailure(f"not a format threads-tui knows (it reads: {self.names()})")

    def _json_problem(self, source: Source) -> str:
        """Why JSON in no known format was not read: broken (where), or whole but another shape."""
        if source.size > JSON_CHECK_MAX_BYTES:  # too large to parse just to say so
            return f"not a format threads-tui knows (it reads: {self.names()})"
        try:
            orjson.loads(source.read_bytes(JSON_CHECK_MAX_BYTES))
        except orjson.JSONDecodeError as error:
            if "recursion" in str(error).lower() or "depth limit" in str(error).lower():
                return "JSON nested too deeply to read (over 1024 levels)"
            return f"broken JSON ({_short(error)})"
        return f"JSON, but not in a format threads-tui knows (it reads: {self.names()})"

    @_fewer_collections()
    def run(
        self,
        paths: Iterable[Path],
        library: Library,
        progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        links: Sequence[str] = (),
    ) -> ImportReport:
        """Fetch every link and import every path into the library, in batches; report what happened."""
        report = self.report
        batch: list[StoredThread] = []
        batch_text = 0

        def commit() -> None:
            nonlocal batch_text
            if batch:
                counts = library.add_threads(batch)
                # A copy an earlier batch of this run added, replaced now: one thread, added once.
                added_before = set(report.counts.added)
                for old, new in counts.replaced.items():
                    if old in added_before:
                        report.counts.added.remove(old)
                        if new in counts.updated:
                            counts.updated.remove(new)
                            counts.added.append(new)
                report.counts.added += counts.added
                report.counts.updated += counts.updated
                report.counts.unchanged += counts.unchanged
                batch.clear()
                batch_text = 0

        def take(name: str, outcome: Outcome, of_input: bool = True) -> None:
            """A unit's outcome into the report and the batch (not `of_input`: an importer's pooled threads)."""
            nonlocal batch_text
            if isinstance(outcome, str):
                report.failures.append(FileFailure(name, outcome))
            else:
                report.files_imported += of_input
                report.threads_found += len(outcome.threads)
                report.warnings += [FileFailure(name, w) for w in outcome.warnings]
                batch.extend(outcome.threads)
                batch_text += outcome.text_chars
            if of_input:
                report.files_done += 1
                if progress:
                    progress(report, name)
                if len(batch) >= COMMIT_EVERY_THREADS or batch_text >= COMMIT_EVERY_TEXT_BYTES:
                    commit()

        def waiting(line: str) -> None:
            report.waiting = line
            if progress:
                progress(report, line)

        if links:
            # Here, not at the top: the HTTP client costs an import of files alone (and each worker) 0.1 s.
            from .fetching.http import FetchCancelled
            from .fetching.links import fetch_links

            with suppress(FetchCancelled):
                for link, fetched in fetch_links(links, waiting, cancelled):
                    report.waiting = ""
                    report.links_done += 1
                    take(link, fetched if isinstance(fetched, str) else _parse_unit(Unit(link, _already(fetched))))
        for unit, outcome in ordered_outcomes(self.sources(paths), _parse_unit, parse_files_in_worker,
                                              _outcomes_from_worker):
            if cancelled():
                break
            take(unit.name, outcome)
        for importer in self.importers:
            take(importer.name, _parse_unit(Unit(importer.name, importer.finish)), of_input=False)
        commit()
        if progress:
            progress(report, "")
        return report


def _kind(entry: os.DirEntry[str]) -> bool | None:
    """False for a plain regular file, True for a folder, None when a stat must decide (links, others)."""
    try:  # a symbolic link is neither, unfollowed
        if entry.is_file(follow_symlinks=False):
            return False
        return True if entry.is_dir(follow_symlinks=False) else None
    except OSError:
        return None


def display_name(path: Path | str) -> str:
    """A path as text that can be printed and stored: undecodable bytes become U+FFFD."""
    if isinstance(path, str) and path.isascii():
        return path  # what it would come back as: the usual case, made one check
    return os.fsencode(path).decode("utf-8", errors="replace")


def _already(result: T) -> Callable[[], T]:
    """A step that gives what was parsed already (a fetched link's threads)."""
    return lambda: result


def _parse_unit(unit: Unit[ParseResult | PlainResult]) -> Outcome:
    """Parse one unit in this process: its threads ready to store, or why it failed."""
    try:
        return _guarded(lambda: Parsed.of(_within_limits(unit.parse())))
    except ImportFailure as failure:
        return str(failure)


_worker_run: ImportRun | None = None


# What a worker sends for one file: None (the main process must parse it), why it failed, or its threads
# (each as the fields of a `StoredThread`), warnings and text length. Plain tuples all through: a
# NamedTuple pickles about 50 times slower, and a large import sends one a thread.
WireThread = tuple[Summary, tuple[str, ...], tuple[object, ...] | None, bytes, tuple[object, ...]]
WorkerOutcome = None | str | tuple[list[WireThread], list[str], int]


def parse_files_in_worker(paths: list[Path | str]) -> list[WorkerOutcome]:
    """In a worker process: parse plain files, and give the outcomes as plain values (see `WorkerOutcome`):
    the documents go as the JSON the library writes, so the main process never reads them."""
    global _worker_run
    if _worker_run is None:
        _worker_run = ImportRun(in_worker=True)
    run = _worker_run
    outcomes: list[WorkerOutcome] = []
    for path in paths:
        try:
            outcome = _parse_unit(Unit(display_name(path), partial(run._parse_file, path, for_storage=True)))
        except ParseInMainProcess:
            outcomes.append(None)
            continue
        if isinstance(outcome, str):
            outcomes.append(outcome)
        else:
            outcomes.append(([(t.summary, t.aliases, tuple(t.search) if t.search else None, t.json, tuple(t.place))
                              for t in outcome.threads], outcome.warnings, outcome.text_chars))
    return outcomes


def _outcomes_from_worker(sent: list[WorkerOutcome]) -> list[Outcome | None]:
    """The outcomes `parse_files_in_worker` gave; None where the main process must parse."""
    outcomes: list[Outcome | None] = []
    for entry in sent:
        if entry is None or isinstance(entry, str):
            outcomes.append(entry)
        else:
            threads, warnings, text_chars = entry
            outcomes.append(Parsed([StoredThread(summary, aliases, SearchLines._make(search) if search else None,
                                                 json=json, place=Place._make(place))
                                    for summary, aliases, search, json, place in threads], warnings, text_chars))
    return outcomes


def _guarded(step: Callable[[], T]) -> T:
    """Run an importer step; whatever goes wrong becomes one ImportFailure line."""
    try:
        return step()
    except (ImportFailure, ParseInMainProcess):
        raise
    except RecursionError as error:
        raise ImportFailure("nested too deeply to read") from error
    except MemoryError as error:
        raise ImportFailure("too large to read in memory") from error
    except Exception as error:
        raise ImportFailure(f"{INTERNAL_ERROR} ({type(error).__name__}: {_short(error)}); please report it") from error


# No real thread declares more posts, or takes longer to read; numbers past these are noise.
MAX_DECLARED_POSTS = 1_000_000
MAX_READ_MINUTES = 100_000


def _within_limits(result: ParseResult | PlainResult) -> ParseResult | PlainResult:
    """Refuse results no real file holds, whatever the importer let through."""
    longest = max((thread.post_count for thread in result.threads), default=0)
    if longest > MAX_POSTS_PER_THREAD:
        raise too_many_posts(longest)
    threads: Sequence[Thread | PlainThread] = result.threads
    for index, thread in enumerate(threads):
        if thread.declared_count is not None and not 0 <= thread.declared_count <= MAX_DECLARED_POSTS:
            raise ImportFailure(f"the page says the thread has {thread.declared_count} posts: not a real thread")
        if thread.read_minutes is not None and not 0 <= thread.read_minutes <= MAX_READ_MINUTES:
            # The read time is worked out from the text instead.
            if isinstance(thread, PlainThread) and isinstance(result, PlainResult):
                result.threads[index] = thread._replace(read_minutes=None)
            elif isinstance(thread, Thread):
                thread.read_minutes = None
    return result


def _short(error: BaseException) -> str:
    """An exception's message on one short line."""
    return " ".join(str(error).split())[:200] or type(error).__name__


class _StreamStopped(Exception):
    """A tar.gz stream that cannot be read on; the message is the one line for the whole archive."""


class _Unpacked:
    """The unpacked bytes of a gzip file, for tarfile: refused past `limit`; a read error ends the archive."""

    def __init__(self, unpacked: gzip.GzipFile, limit: int) -> None:
        self.unpacked = unpacked
        self.limit = limit
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        allowed = self.limit + 1 - self.done
        try:
            data = self.unpacked.read(allowed if size < 0 else min(size, allowed))
        except READ_ERRORS as error:
            raise _StreamStopped(f"a broken or truncated tar.gz archive ({_short(error)})") from error
        self.done += len(data)
        if self.done > self.limit:
            raise _StreamStopped(f"the tar.gz unpacks to more than {self.limit // 1048576} MiB "
                                 f"({MAX_TAR_INFLATION} times its size): stopped there, a gzip bomb?")
        return data


class _ArchiveTooBig(Exception):
    """A zip whose files unpack to more than MAX_ZIP_READ_BYTES: stops every read, whoever reads."""


class _BudgetedZipFile(zipfile.ZipFile):
    """A zip whose members, read by any importer, count their bytes against MAX_ZIP_READ_BYTES."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.bytes_read = 0

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        handle = super().open(name, mode, pwd, force_zip64=force_zip64)
        return _CountedReads(handle, self) if mode == "r" else handle


class _CountedReads:
    """A zip member being read, its bytes counted in its zip's budget."""

    def __init__(self, handle: IO[bytes], zip_file: _BudgetedZipFile) -> None:
        self.handle = handle
        self.zip_file = zip_file

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.zip_file.bytes_read += len(data)
        if self.zip_file.bytes_read > MAX_ZIP_READ_BYTES:
            raise _ArchiveTooBig
        return data

    def __enter__(self) -> _CountedReads:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.handle.close()


def _overlapping(infos: list[zipfile.ZipInfo]) -> tuple[str, str] | None:
    """Two members whose data (30-byte local header and compressed data) overlap, as a zip bomb's may."""
    spans = sorted((info.header_offset, info.header_offset + 30 + info.compress_size, info.filename)
                   for info in infos)
    for (_, end, name), (next_start, _, next_name) in zip(spans, spans[1:]):
        if next_start < end:
            return name, next_name
    return None


class _Members:
    """The threads of an archive's files, pooled within what may be held (Held): a thread found
    again is kept once, its fullest copy; files that hold none, and notes, are told in `tell`."""

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.pooled = ParseResult()
        self.index: dict[str, int] = {}  # thread id: where it is in pooled.threads
        self.held = Held(f"the {kind}")
        self.parsed = 0
        self.failures: list[tuple[FileFailure, bool]] = []  # and whether it was skipped unread
        self.notes: list[FileFailure] = []

    def unsafe(self, label: str, name: str) -> bool:
        """Whether a file's name would escape a folder it was unpacked into: if so, it is told as skipped unread."""
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            self.failures.append((FileFailure(label, f"unsafe path in the {self.kind} (absolute or with '..'): "
                                                     "skipped, nothing unpacked"), True))
            return True
        return False

    def read(self, source: Source, importer_for: Callable[[Source], Importer]) -> None:
        """Parse one file of the archive with the importer `importer_for` picks, and pool its threads and notes."""
        try:
            part = importer_for(source).parse(source)
        except ImportFailure as failure:
            self.failures.append((FileFailure(source.name, str(failure)), False))
            return
        self.parsed += 1
        self.notes += [FileFailure(source.name, warning) for warning in part.warnings]
        for thread in part.threads:
            where = self.index.get(thread.id)
            if where is None:
                self.index[thread.id] = len(self.pooled.threads)
                self.pooled.threads.append(thread)
            elif fullness(thread) > fullness(self.pooled.threads[where]):
                self.held.add([post.text for post in self.pooled.threads[where].posts], -1)
                self.pooled.threads[where] = thread
            else:
                continue
            try:
                self.held.add([post.text for post in thread.posts])
            except ImportFailure as failure:
                raise ImportFailure(f"{failure}: unpack it and import the folder") from None

    def tell(self, report: ImportReport, only_skipped: bool = False) -> None:
        """Report the files that hold no thread, and the notes: MEMBER_WARNINGS_SHOWN lines of each, one
        for the rest (`only_skipped`: only the files skipped unread)."""
        failures = [failure for failure, skipped in self.failures if skipped or not only_skipped]
        for lines, rest_line in ((failures, "file{s} in the archive that hold no thread"),
                                 ([] if only_skipped else self.notes, "note{s} on files in the archive")):
            report.warnings += lines[:MEMBER_WARNINGS_SHOWN]
            rest = len(lines) - MEMBER_WARNINGS_SHOWN
            if rest > 0:
                report.warnings.append(FileFailure(
                    self.name, f"… and {rest} more {rest_line.format(s='s' if rest != 1 else '')}"))

    def result(self, report: ImportReport) -> ParseResult:
        """The pooled threads, the files that hold none told in the report; fails when no file parsed."""
        self.tell(report)
        if self.failures and not self.parsed:
            raise ImportFailure(f"no file in the {self.kind} holds a thread")
        return self.pooled


def _failing(reason: str) -> Callable[[], ParseResult]:
    def fail() -> ParseResult:
        raise ImportFailure(reason)
    return fail


def run_import(paths: Iterable[Path], library: Library, progress: ProgressCallback | None = None,
               cancelled: Callable[[], bool] = lambda: False, links: Sequence[str] = (),
               keep_direct_messages: bool = False) -> ImportReport:
    """`ImportRun.run` with a fresh run; direct messages only with `keep_direct_messages`."""
    return ImportRun(keep_direct_messages=keep_direct_messages).run(paths, library, progress, cancelled, links)
