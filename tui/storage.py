"""A TinyDB storage that reads once, keeps data in memory and writes atomically."""

from __future__ import annotations

import gc
import hashlib
import os
import queue
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage


class _FileError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StorageReadError(_FileError):
    """A database file exists but cannot be read; it must be left as it is."""


class StorageWriteError(_FileError):
    """Writing a database file failed (disk full, permissions); the old file is intact."""


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def digest_of(payload: bytes) -> bytes:
    """A short content hash, to tell whether a file changed since it was read."""
    return hashlib.blake2b(payload, digest_size=16).digest()


def file_digest(path: Path) -> bytes | None:
    """The content hash of a file; None when it does not exist or cannot be read."""
    try:
        return digest_of(path.read_bytes())
    except OSError:
        return None


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of a file from the next: inode, change time, size (None: no such file)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


_UMASK = os.umask(0o022)  # the only way to read it is to set it: done once, at import
os.umask(_UMASK)
_NEW_FILE_MODE = 0o666 & ~_UMASK


def file_mode(path: Path) -> int:
    """The permission bits a rewritten file keeps: its own, or for a new file what the umask allows."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def write_atomic(path: Path, payload: bytes, sync: bool = True, mode: int | None = None) -> None:
    """Write `payload` to `path`: temporary file in the same folder, fsync, rename, fsync folder. On any
    failure the temporary file is removed and the old file is untouched; one a kill leaves behind is
    cleared by `remove_stale_temp_files`. `sync=False`: no fsync (the caller makes many files durable at
    once). `mode`: the permission bits to give it (else those of the file it replaces, or the default)."""
    folder = path.parent
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            fsync_dir(folder.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=folder)
    except OSError as error:
        raise StorageWriteError(path, _reason(error)) from error
    try:
        os.fchmod(fd, file_mode(path) if mode is None else mode)  # mkstemp makes 0600: the mode it should have
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(error, OSError):
            raise StorageWriteError(path, _reason(error)) from error
        raise
    if sync:
        fsync_dir(folder)


def write_new_file(path: Path, payload: bytes | Sequence[bytes | memoryview], mode: int | None = None) -> None:
    """Write a file (or its pieces) under a name nothing refers to yet: no temporary file, no rename, no
    fsync. The caller makes many such files durable at once (`sync_files`, then one `fsync_dir`) before
    committing a reference to them, so a partial file from a kill is never referred to."""
    try:
        # A name that exists already (a generation used again, after a backup was put back) may be mapped
        # by a reader: the new file is a new inode, never that one rewritten under it.
        with suppress(FileNotFoundError):
            os.unlink(path)
        with open(path, "xb") as handle:
            if mode is not None:  # as private as the files beside it
                os.fchmod(handle.fileno(), mode)
            handle.write(payload if isinstance(payload, bytes) else b"".join(payload))
    except OSError as error:
        with suppress(OSError):
            os.unlink(path)
        raise StorageWriteError(path, _reason(error)) from error


def sync_files(paths: list[Path]) -> None:
    """fsync files written by `write_new_file`, all written before any is synced: the first sync waits
    for the disk and the journal commit it forces carries the others (per-file syncs would wait for each)."""
    for path in paths:
        _sync_file(path)


def _sync_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise StorageWriteError(path, _reason(error)) from error


class BackgroundSync:
    """A context manager that writes new files of one folder (`write_new_file`) and syncs them in a
    thread of its own, each sync taking every file written since the last: the disk works while the caller
    makes the next file. `wait()` returns once all are durable, or raises the first StorageWriteError.
    The writes stay the caller's: a writing thread would wait for the caller's hold on the interpreter
    after each write, and slow both down."""

    def __init__(self) -> None:
        self._files: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._error: StorageWriteError | None = None
        self._thread = threading.Thread(target=self._run, name="threads-tui-fsync", daemon=True)
        self._stopped = False
        self._abandoned = False
        self.written: list[Path] = []  # every file `write` was given, for the caller to remove if it fails

    def __enter__(self) -> BackgroundSync:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is not None:
            self._abandoned = True  # the caller failed: what is still queued is not written
        self._stop()

    def write(self, path: Path, payload: bytes | Sequence[bytes | memoryview], mode: int | None = None) -> None:
        """Write this new file (`write_new_file`), and have it synced."""
        self.written.append(path)
        write_new_file(path, payload, mode)
        self._files.put(path)

    def wait(self) -> None:
        self._stop()
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._files.put(None)
            self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._files.get()]  # and every file written while the last sync ran
            while not self._files.empty():
                batch.append(self._files.get_nowait())
            stopping = None in batch  # None is put last
            paths = [path for path in batch if path is not None]
            # Only the first failure is kept: after one, the commit fails anyway, and the rest is drained.
            if self._error is not None or self._abandoned or not paths:
                continue
            try:
                sync_files(paths)
            except StorageWriteError as error:
                self._error = error
            except BaseException as error:  # whatever it is, the files are not known to be durable
                self._error = StorageWriteError(paths[0], f"could not be synced ({error})")


def storage_of(db: TinyDB) -> AtomicJSONStorage:
    """The storage of a TinyDB opened with `storage=AtomicJSONStorage` (TinyDB types it as any Storage)."""
    return cast(AtomicJSONStorage, db.storage)


def remove_stale_temp_files(path: Path) -> None:
    """Remove temporary files that a killed `write_atomic` of `path` (or its backups) left; call it only
    while holding the lock that guards writes of `path`."""
    own = re.compile(rf"{re.escape(_temp_prefix(path))}(?:v\d+\.bak\.)?[a-z0-9_]{{8}}\.tmp")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        if own.fullmatch(entry.name):
            with suppress(OSError):
                os.unlink(entry.path)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """No garbage collection pass while building many objects that hold no cycles (a library's
    JSON, parsed; its summaries, sorted): each pass would look through every one of them in vain,
    a third of the time of opening a library of 100,000 threads."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_json(path: Path, payload: bytes) -> Any:
    """Parse JSON with orjson, naming the file and what is wrong when it fails."""
    if not payload.strip():
        raise StorageReadError(path, "the file is empty")
    try:
        with no_cycle_collection():
            return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise StorageReadError(path, f"not valid JSON ({error})") from error


class AtomicJSONStorage(Storage):
    """TinyDB storage: one read, in-memory changes, explicit atomic `flush()` (TinyDB writes after
    every operation: kept in memory, a bulk import is one disk write). Closing never writes.
    `digest` is the content hash of the file as last read or written."""

    def __init__(self, path: str | os.PathLike[str], track_digest: bool = True) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self._loaded = False
        self.dirty = False
        self.track_digest = track_digest  # off for files nobody compares (shards: named by generation)
        self.digest: bytes | None = None

    def read(self) -> dict[str, Any] | None:
        if not self._loaded:
            try:
                payload: bytes | None = self.path.read_bytes()
            except FileNotFoundError:
                payload = None
            except OSError as error:
                raise StorageReadError(self.path, _reason(error)) from error
            data = None if payload is None else parse_json(self.path, payload)
            if payload is not None and not (
                isinstance(data, dict) and all(isinstance(v, dict) for v in data.values())
            ):
                raise StorageReadError(self.path, "not a threads-tui library (unexpected JSON shape)")
            self._data = data
            self.digest = digest_of(payload) if payload is not None and self.track_digest else None
            self._loaded = True
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self._loaded = True
        self.dirty = True

    def flush(self) -> None:
        """Write the in-memory data to disk atomically, if anything changed."""
        if not self.dirty:
            return
        payload = orjson.dumps(self._data or {})
        write_atomic(self.path, payload)
        self.digest = digest_of(payload) if self.track_digest else None
        self.dirty = False

    def close(self) -> None:
        """Nothing to release; unflushed changes are dropped on purpose."""
