"""Where each thread sits in a shard file, so that one thread is read without the rest (no Textual here).

A shard file (`XX.N.json`, one of the files of shard XX, see `library.py`) is the JSON TinyDB reads:
`{"posts": {"<document id>": {...one thread...}, ...}}`. Beside it, `XX.N.offsets`, written with it and
never changed, tells for each document id where that thread's JSON starts in the file and how many bytes
it has, so that opening one thread reads those bytes only, not the whole file.

Layout, in the byte order of the machine that wrote it (named in the magic line; a file of another order
counts as missing): the magic line, the number of threads (8 bytes), then three arrays of that many
8-byte numbers: the document ids in ascending order, the start of each one's JSON, its length.

Derived data: a shard written before this file existed has its offsets found by a scan of its bytes
(`scan_offsets`), and kept for the next time; bytes that are not the thread asked for only mean the
shard is read whole.
"""

from __future__ import annotations

import os
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import orjson

OFFSETS_SUFFIX = ".offsets"
OFFSETS_MAGIC = f"threads-tui offsets 1 {sys.byteorder}\n".encode()
_COUNT_SIZE = 8
_OPENING, _CLOSING = b'{"posts":{', b"}}"  # around the threads of a shard file
# Where a thread starts in a shard: a document id as key, then its document, which begins with its id.
_DOCUMENT_START = re.compile(rb'[{,]"(\d+)":(?=\{"id":)')


def offsets_name(shard_file_name: str) -> str:
    """`07.12.offsets` for the shard file `07.12.json`."""
    return shard_file_name.removesuffix(".json") + OFFSETS_SUFFIX


def shard_file(bodies: Mapping[str, bytes]) -> tuple[list[bytes], bytes]:
    """A shard file holding these threads (their JSON, by document id as text, in this order), as
    pieces to write one after another, and its offsets file."""
    pieces = [_OPENING]
    position = len(pieces[0])
    places: list[tuple[int, int, int]] = []
    for key, body in bodies.items():
        head = b'%s"%s":' % (b"," if places else b"", key.encode())
        position += len(head)
        places.append((int(key), position, len(body)))
        pieces += [head, body]
        position += len(body)
    pieces.append(_CLOSING)
    return pieces, _offsets_file(places)


def scan_offsets(shard: bytes) -> bytes:
    """The offsets file of a shard written without one, found in its bytes (a false find, were a
    thread's text ever to look like the start of one, is caught where the thread is read)."""
    found = list(_DOCUMENT_START.finditer(shard))
    stops = [match.start() for match in found[1:]] + [len(shard.rstrip()) - len(_CLOSING)]
    return _offsets_file([(int(match[1]), match.end(), stop - match.end()) for match, stop in zip(found, stops)])


def _offsets_file(places: list[tuple[int, int, int]]) -> bytes:
    """The offsets file for (document id, start, length) of each thread."""
    places = sorted(places)
    columns = [array("Q", (place[column] for place in places)) for column in range(3)]
    return b"".join([OFFSETS_MAGIC, len(places).to_bytes(_COUNT_SIZE, sys.byteorder),
                     *(column.tobytes() for column in columns)])


class ShardOffsets(NamedTuple):
    """An offsets file, read: where each document of its shard is."""

    ids: array[int]
    starts: array[int]
    lengths: array[int]

    @classmethod
    def parse(cls, data: bytes) -> ShardOffsets | None:
        """The offsets an offsets file holds; None for one that is not whole (or of another byte order)."""
        if not data.startswith(OFFSETS_MAGIC):
            return None
        at = len(OFFSETS_MAGIC) + _COUNT_SIZE
        count = int.from_bytes(data[len(OFFSETS_MAGIC):at], sys.byteorder)
        if len(data) != at + 3 * 8 * count:
            return None
        return cls(*(array("Q", data[at + column * 8 * count:at + (column + 1) * 8 * count]) for column in range(3)))

    def locate(self, doc_id: int) -> tuple[int, int] | None:
        """Where a document's JSON is in the shard (start, length); None if the shard does not hold it."""
        index = bisect_left(self.ids, doc_id)
        if index == len(self.ids) or self.ids[index] != doc_id:
            return None
        return self.starts[index], self.lengths[index]


def tiles_shard(offsets: ShardOffsets, shard: bytes) -> bool:
    """Whether the offsets place every thread of `shard` exactly as `shard_file` lays them out, one
    after another with nothing left over: then the bytes at each place are that thread's JSON, whole,
    and a commit may copy them as they are."""
    position = len(_OPENING)
    for index in sorted(range(len(offsets.ids)), key=offsets.starts.__getitem__):
        head = b'%s"%d":' % (b"," if position > len(_OPENING) else b"", offsets.ids[index])
        if offsets.starts[index] != position + len(head) or shard[position:position + len(head)] != head:
            return False
        position += len(head) + offsets.lengths[index]
    return shard[:len(_OPENING)] == _OPENING and shard[position:] == _CLOSING


def read_offsets(path: Path) -> ShardOffsets | None:
    """The offsets file at `path`; None if it is missing, unreadable or damaged."""
    try:
        return ShardOffsets.parse(path.read_bytes())
    except OSError:
        return None


def read_document(shard: Path, start: int, length: int, thread_id: str) -> dict[str, Any] | None:
    """The thread's document at `start` in the shard; None if those bytes are not it (a damaged or
    stray offsets file: the caller reads the shard whole). OSError if the shard cannot be read."""
    descriptor = os.open(shard, os.O_RDONLY)
    try:
        data = os.pread(descriptor, length, start)
    finally:
        os.close(descriptor)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) and doc.get("id") == thread_id else None
