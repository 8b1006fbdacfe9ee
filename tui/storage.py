"""A TinyDB storage that reads once, keeps data in memory and writes atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage


class StorageReadError(Exception):
    """A database file exists but cannot be read; it must be left as it is."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StorageWriteError(Exception):
    """Writing a database file failed (disk full, permissions); the old file is intact."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to `path`: temporary file in the same folder, fsync, rename, fsync folder.

    On any failure the temporary file is removed and the old file is untouched.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise StorageWriteError(path, error.strerror or str(error)) from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as error:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise StorageWriteError(path, error.strerror or str(error)) from error
        raise
    fsync_dir(folder)


def read_json_file(path: Path) -> Any | None:
    """Parse a JSON file with orjson; None when it does not exist."""
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StorageReadError(path, error.strerror or str(error)) from error
    if not payload.strip():
        raise StorageReadError(path, "the file is empty")
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise StorageReadError(path, f"not valid JSON ({error})") from error


class AtomicJSONStorage(Storage):
    """TinyDB storage: one read, in-memory changes, explicit atomic `flush()`.

    TinyDB calls `write` after every operation; keeping those in memory makes
    bulk imports one disk write, and `flush` is the single commit point.
    Closing never writes: only an explicit `flush` touches the disk.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self._loaded = False
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        if not self._loaded:
            data = read_json_file(self.path)
            if data is not None and not (
                isinstance(data, dict) and all(isinstance(v, dict) for v in data.values())
            ):
                raise StorageReadError(self.path, "not a threads-tui library (unexpected JSON shape)")
            self._data = data
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
        write_atomic(self.path, orjson.dumps(self._data or {}))
        self.dirty = False

    def close(self) -> None:
        """Nothing to release; unflushed changes are dropped on purpose."""
