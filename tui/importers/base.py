"""What every importer shares: sources (files, zip and tar members), failures, results."""

from __future__ import annotations

import codecs
import lzma
import os
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar, TypeVar

from ..model import PartialDate, PlainThread, Post, Thread

T = TypeVar("T")
HEAD_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Files up to this size are read once, whole, and detection looks at that copy.
SMALL_FILE_BYTES = 1024 * 1024
# No real thread is this long; importers stop here so tiny posts cannot exhaust memory.
MAX_POSTS_PER_THREAD = 10_000
# No real post is this long (a long tweet: 25,000): copies made while reading one stay small.
MAX_POST_CHARS = 1_000_000
# The most memory the posts read from one archive (or pool) may take until stored: text and ~512 bytes each.
MAX_HELD_BYTES = 128 * 1024 * 1024
POST_BYTES = 512
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # O_BINARY: Windows only
# What reading a file or a (possibly hostile) zip member can raise.
READ_ERRORS = (
    OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError,
)


class ImportFailure(Exception):
    """A file cannot be imported; the message is the one line the user sees."""


def too_many_posts(count: int | str) -> ImportFailure:
    """The failure for a thread longer than any real one (`count`: how many, or `more than N`)."""
    return ImportFailure(f"a thread of {count} posts, more than threads-tui keeps ({MAX_POSTS_PER_THREAD})")


@contextmanager
def failures_in(file_name: str) -> Iterator[None]:
    """Say which file (of an archive) a failure is about: `file: why`."""
    try:
        yield
    except ImportFailure as failure:
        raise ImportFailure(f"{file_name}: {failure}") from failure


def in_reply_order(root: T, replies: Mapping[str, list[T]], ident: Callable[[T], str],
                   when: Callable[[T], Any]) -> list[tuple[T, T | None]]:
    """A self-thread's posts as a reader follows them, each with the post it answers (None for the
    root): depth-first from the root, so each reply comes after the post it answers, and the answers
    to one post in the order they were written (`when`)."""
    order: list[tuple[T, T | None]] = []
    seen: set[str] = set()
    stack: list[tuple[T, T | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        if ident(node) in seen:
            continue
        seen.add(ident(node))
        order.append((node, parent))
        if len(order) > MAX_POSTS_PER_THREAD:
            raise too_many_posts(f"more than {MAX_POSTS_PER_THREAD}")
        stack += [(reply, node) for reply in sorted(replies.get(ident(node), ()), key=when, reverse=True)]
    return order


def mark_answers(posts: list[tuple[Post, Post | None]]) -> list[Post]:
    """The posts, each that answers a post other than the one above it noting which (`Post.answers`)."""
    for index, (post, parent) in enumerate(posts):
        if parent is not None and index and posts[index - 1][0] is not parent:
            post.answers = parent.id
    return [post for post, _ in posts]


def check_post_length(text: str, where: str) -> str:
    """The text of a post, refused if longer than any real post (`where`: which post)."""
    if len(text) > MAX_POST_CHARS:
        raise ImportFailure(f"{where}: a post of {len(text):,} characters, "
                            f"more than threads-tui reads ({MAX_POST_CHARS:,})")
    return text


class Held:
    """The memory taken by the posts read from one archive (or pool) until they are stored,
    within MAX_HELD_BYTES; `what` holds them (`the archive`)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.used = 0

    def add(self, texts: list[str], sign: int = 1) -> None:
        """Count the posts of these texts as held (`sign` -1: let go); past the limit, nothing is counted."""
        used = self.used + sign * (sum(map(sys.getsizeof, texts)) + POST_BYTES * len(texts))
        if used > MAX_HELD_BYTES:
            raise ImportFailure(f"the posts of {self.what} take more than {MAX_HELD_BYTES // 1048576} MiB of memory "
                                f"(their text, and about {POST_BYTES} bytes each), more than threads-tui holds at once")
        self.used = used


@dataclass
class Source:
    """One input to an importer: a file on disk, a zip member read in place, or a tar member read
    as a stream (`stream`: its data, read once from the start)."""

    name: str
    path: Path | str | None = None
    zip_file: zipfile.ZipFile | None = None
    member: zipfile.ZipInfo | None = None
    stream: IO[bytes] | None = None
    stream_size: int = 0
    # Memory the reader already holds while this source is parsed (see Held): what parsing it may add is less.
    held: int = 0
    _head: bytes | None = field(default=None, repr=False)
    _content: bytes | None = field(default=None, repr=False)
    _head_text: str | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)  # all of `_content`, decoded strictly

    @classmethod
    def read_small_file(cls, name: str, path: Path | str) -> Source:
        """A file on disk, read at most once: whole if it is small, else only its head."""
        try:
            # os-level calls: a buffered file object costs more than reading a small page.
            fd = os.open(path, _READ_FLAGS)
            try:
                # The head first: a megabyte buffer costs more than a second read, and most files are far
                # smaller (asking for the size costs as much as the read that finds the end).
                start = _read_up_to(fd, HEAD_BYTES + 1)
                if len(start) > HEAD_BYTES:
                    start += _read_up_to(fd, SMALL_FILE_BYTES + 1 - len(start))
            finally:
                os.close(fd)
        except READ_ERRORS as error:
            raise ImportFailure(f"cannot read: {error_reason(error)}") from error
        if len(start) <= SMALL_FILE_BYTES:
            return cls(name, path=path, _head=start[:HEAD_BYTES], _content=start)
        return cls(name, path=path, _head=start[:HEAD_BYTES])

    @classmethod
    def of_bytes(cls, name: str, payload: bytes) -> Source:
        """Content held in memory (a fetched answer), named `name` (its link)."""
        return cls(name, _head=payload[:HEAD_BYTES], _content=payload)

    @property
    def size(self) -> int:
        """The size in bytes: a zip member's declared size, which reads never exceed."""
        if self._content is not None:
            return len(self._content)
        if self.member is not None:
            return self.member.file_size
        if self.stream is not None:
            return self.stream_size
        assert self.path is not None
        try:
            return os.stat(self.path).st_size
        except OSError as error:
            raise ImportFailure(f"cannot read: {error_reason(error)}") from error

    def _open(self):
        if self.member is not None:
            assert self.zip_file is not None
            return self.zip_file.open(self.member)
        assert self.path is not None
        return open(self.path, "rb")

    def head(self) -> bytes:
        """The first 64 KiB, for detection."""
        if self._head is None:
            try:
                if self.stream is not None:
                    self._head = self.stream.read(HEAD_BYTES)
                else:
                    with self._open() as handle:
                        self._head = handle.read(HEAD_BYTES)
            except READ_ERRORS as error:
                raise ImportFailure(f"cannot read: {error_reason(error)}") from error
        return self._head

    def head_text(self) -> str:
        """The head decoded leniently, for detection, once for every importer; a small file's head, decoded
        strictly where it can be, is also its text, which `read_text` does not decode again."""
        if self._head_text is None:
            head = self.head()
            if self._content is head and len(head) <= HEAD_BYTES:
                try:
                    self._text = self._head_text = decode_text(head, strict=True)
                except ImportFailure:
                    pass
            if self._head_text is None:
                self._head_text = decode_text(head, strict=False)
        return self._head_text

    def read_bytes(self, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The whole content; fails (without reading further) past `max_bytes`."""
        if self._content is not None and len(self._content) <= max_bytes:
            return self._content
        too_large = ImportFailure(f"too large: over {max_bytes // (1024 * 1024)} MiB")
        if (self.member is not None or self.stream is not None) and self.size > max_bytes:
            raise too_large  # a zip or tar member never unpacks past its declared size: refused unread
        try:
            if self.stream is not None:  # a tar member: read on from its head
                head = self.head()
                self._content = head + self.stream.read(self.stream_size - len(head))
                return self._content
            with self._open() as handle:
                if self.path is not None and os.fstat(handle.fileno()).st_size > max_bytes:
                    raise too_large  # refused unread (it may still grow: the read is bounded too)
                payload = handle.read(max_bytes + 1)
        except READ_ERRORS as error:
            raise ImportFailure(f"cannot read: {error_reason(error)}") from error
        if len(payload) > max_bytes:
            raise too_large
        return payload

    def read_text(self, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
        """The whole content as text (see `decode_text`)."""
        if self._text is not None and self._content is not None and len(self._content) <= max_bytes:
            return self._text
        return decode_text(self.read_bytes(max_bytes), strict=True)


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to `size` bytes from a file descriptor: fewer only at its end."""
    data = os.read(fd, size)
    while 0 < len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            break
        data += more
    return data


def error_reason(error: BaseException) -> str:
    """Why reading failed, in the system's words where it gives them (`permission denied`)."""
    if isinstance(error, FileNotFoundError):
        return "no such file or folder"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


# The bytes beside a NUL in UTF-16 of mostly Latin text: ASCII and Latin-1 characters.
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100)) + b"\t\n\r"
_UTF16_SAMPLE = 4096


def utf16_without_bom(payload: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` for UTF-16 text without a byte-order mark (mostly Latin: at least 9
    byte pairs in 10 of its first 4 KiB a NUL and a character), else None."""
    if payload.find(b"\x00", 0, _UTF16_SAMPLE) < 0:
        return None
    pairs = min(len(payload), _UTF16_SAMPLE) // 2
    if pairs < 2:
        return None
    sample = payload[:pairs * 2]
    for encoding, low, high in (("utf-16-le", sample[0::2], sample[1::2]), ("utf-16-be", sample[1::2], sample[0::2])):
        if high.count(0) >= pairs * 0.9 and len(low.translate(None, _TEXT_BYTES)) <= pairs * 0.1:
            return encoding
    return None


def _encoding(payload: bytes) -> tuple[str, bytes]:
    """The encoding `decode_text` reads a payload in, and the payload less any UTF-8 byte-order mark."""
    if payload.startswith(codecs.BOM_UTF8):
        return "utf-8", payload[len(codecs.BOM_UTF8):]
    if payload.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", payload
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", payload
    return utf16_without_bom(payload) or "utf-8", payload


def decode_text(payload: bytes, strict: bool = True) -> str:
    """Decode by byte-order mark, else as UTF-16 if it is that (see `utf16_without_bom`), else as
    UTF-8; strict mode explains what is wrong."""
    encoding, payload = _encoding(payload)
    without_bom = " without a byte-order mark" if encoding.startswith("utf-16-") else ""
    if not strict:
        return payload.decode(encoding, errors="replace")
    if encoding == "utf-8" and payload.find(b"\x00", 0, HEAD_BYTES) >= 0:
        raise ImportFailure("binary data, not text")
    try:
        return payload.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFailure(
            f"not {encoding.upper()} text{without_bom} (byte 0x{payload[error.start]:02x} at offset {error.start})"
        ) from error


def utc_date(moment: datetime) -> PartialDate:
    """The full calendar date of a moment, in UTC."""
    moment = moment.astimezone(UTC)
    return PartialDate(moment.year, moment.month, moment.day)


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC to the second: `2023-11-03T09:10:00Z` (one form, whatever the source wrote)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ParseResult:
    """The threads an importer found, and notes worth telling the user."""

    threads: list[Thread] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class PlainResult:
    """A ParseResult whose threads are all plain (see `PlainThread`), not yet made Threads."""

    threads: list[PlainThread]
    warnings: list[str] = field(default_factory=list)


class Importer:
    """One input format. Subclasses set `name`, and implement `detect` and `parse` (single files), or the
    `_zip` and `_dir` pairs (whole archives).

    An instance lives for one import run, so formats whose threads span files
    (a status and its context) can pool them and build threads in `finish`.
    """

    name: ClassVar[str] = ""
    max_bytes: ClassVar[int] = DEFAULT_MAX_BYTES
    # The files of an archive in this format (by name, at any depth) and the most bytes read of each:
    # what is kept of a .tar.gz, which is read as a stream, once.
    archive_files: ClassVar[dict[str, int]] = {}
    # Whether direct messages are imported, where a format holds them (an import option).
    keep_direct_messages = False

    def detect(self, source: Source) -> bool:
        """Whether this source is in this format, judged by content (cheaply)."""
        return False

    def parse(self, source: Source) -> ParseResult:
        """The threads in the source; raise ImportFailure with one line on bad input."""
        raise NotImplementedError

    def parse_for_storage(self, source: Source) -> ParseResult | PlainResult:
        """`parse`, for threads that go straight to the library: a format may give them as
        PlainThreads where they are (which the library stores for less)."""
        return self.parse(source)

    def detect_zip(self, zip_file: zipfile.ZipFile) -> bool:
        """Whether a whole zip is in this format (an account archive)."""
        return False

    def parse_zip(self, zip_file: zipfile.ZipFile, name: str) -> ParseResult:
        raise NotImplementedError

    def parse_archive_files(self, files: dict[str, Source], name: str) -> ParseResult | None:
        """The threads of a .tar.gz whose `archive_files` (by member name) make this format, else None."""
        return None

    def detect_dir(self, path: Path) -> bool:
        """Whether a whole folder is in this format (an unpacked archive)."""
        return False

    def parse_dir(self, path: Path) -> ParseResult:
        raise NotImplementedError

    def finish(self) -> ParseResult:
        """Threads from pooled sources, once every file of the run was seen."""
        return ParseResult()
