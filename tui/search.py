"""The search files, and finding the posts whose text, author or handle holds given words.

Beside each posts shard file the library keeps a search file (see `search_file`): the posts'
lowercased text, one line each, which a search scans with libc's `memmem` where there is one, else
`bytes.find` (no JSON, no objects), and the posts as written, which only hits are read from. A query
is answered in `finding`. No Textual here.
"""

from __future__ import annotations

import heapq
import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from functools import cache
from itertools import accumulate, repeat
from operator import add, ge
from dataclasses import dataclass
from typing import Any, NamedTuple

SNIPPET_CHARS = 90
# The byte order is in the magic: a file written on another kind of machine is rebuilt, not misread.
SEARCH_FILE_MAGIC = f"threads-tui search 5 {sys.byteorder}\n".encode()
# After the magic: the length of the lowercased section, the number of posts, the number of
# threads and the length of their ids.
_HEADER = struct.Struct("=QQQQ")
_OFFSET_SIZE = 8


class Hit(NamedTuple):
    """One matching post: its thread, its 1-based number, its text as written and the query's terms."""

    thread_id: str
    n: int
    text: str
    terms: tuple[str, ...] = ()

    def snippet(self) -> tuple[str, tuple[tuple[int, int], ...]]:
        """A one-line window of the text around the first match, and where the terms are in it."""
        return make_snippet(self.text, self.terms)

    def to_json(self) -> dict[str, object]:
        return {"thread_id": self.thread_id, "n": self.n, "snippet": self.snippet()[0]}


# What breaks "words one space apart" in posts joined by NULs: two spaces, a space at either end of a
# post, and whatever else `str.split` takes for a space (`str.isspace`); the second list for text
# that is not ASCII. Each is looked for with `in` (C, memchr speed): a regex costs an import 50%.
_UNEVEN_ASCII = ("  ", " \0", "\0 ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")
_UNEVEN_OTHER = _UNEVEN_ASCII + ("\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200b)), "\u2028", "\u2029",
                                 "\u202f", "\u205f", "\u3000")


def _uneven(texts: str) -> bool:
    """Whether posts joined by NULs hold anything but single spaces between their words."""
    if texts[:1] == " " or texts[-1:] == " ":
        return True
    return any(mark in texts for mark in (_UNEVEN_ASCII if texts.isascii() else _UNEVEN_OTHER))


def _words_one_apart(texts: str) -> str:
    """Posts (joined by NULs) with the words of each one space apart, on one line, with no tabs: a
    phrase is found wherever its words are next to each other, as the query language says."""
    if not _uneven(texts):
        return texts
    return " ".join(texts.split()).replace(" \0", "\0").replace("\0 ", "\0")


class SearchLines(NamedTuple):
    """A thread's part of a search file (see `search_file`)."""

    thread_id: str
    lowered: bytes  # its posts' lines (`author @handle TAB text`), casefolded, UTF-8, each ending in a newline
    written: bytes  # the same lines as written
    posts: int  # how many lines
    # Where the lines are ASCII (each lowercased line as long as written): each line's length, newline
    # included, as native 64-bit numbers; else None.
    lengths: bytes | None


def search_lines(doc: dict[str, Any]) -> SearchLines:
    """One stored thread's part of a search file (see `thread_search_lines`), from its document."""
    return thread_search_lines(doc.get("author_name"), doc.get("author_handle"), doc["id"],
                               [post.get("text") or "" for post in doc.get("posts") or ()])


def thread_search_lines(author_name: str | None, author_handle: str | None, thread_id: str,
                        texts: list[str]) -> SearchLines:
    """One thread's part of a search file (see `SearchLines`), made where the thread is parsed (a
    worker process, in a large import) so that writing a shard's search file only joins them."""
    thread_id = thread_id.replace("\n", " ").replace("\t", " ")  # one line with no tabs: lines and fields stay apart
    if not texts:
        return SearchLines(thread_id, b"", b"", 0, b"")
    prefix = " ".join(f"{author_name or ''} @{author_handle or ''}".split()) + "\t"
    lines = _words_one_apart("\0".join(texts)).split("\0")  # all posts as one string: few calls
    if len(lines) != len(texts):  # a post with a NUL of its own
        lines = [" ".join(text.split()) for text in texts]
    written = prefix + ("\n" + prefix).join(lines) + "\n"
    # Casefolded (as the query language folds its words: ß is ss, ς is σ), whole: case folding looks
    # at no neighbour. The tab after the author becomes a NUL, which no query holds: a word or a
    # phrase never matches where the author meets the text.
    lowered = written.casefold().replace("\t", "\0")
    written_bytes = written.encode("utf-8")
    lengths = None
    if len(written_bytes) == len(written):  # ASCII: characters are bytes
        extra = len(prefix) + 1
        lengths = array("Q", [len(line) + extra for line in lines]).tobytes()
    return SearchLines(thread_id, lowered.encode("utf-8"), written_bytes, len(texts), lengths)


def _line_starts(section: bytes) -> array:
    """Where each line of a section of newline-ended lines starts."""
    lines = section.split(b"\n")
    lines.pop()  # what follows the last newline: nothing
    return _starts(map(add, map(len, lines), repeat(1)))


def _starts(lengths: Iterable[int]) -> array:
    """Each start is the lengths before it, newlines included: C loops, not a Python one per line."""
    starts = array("Q", accumulate(lengths, initial=0))
    starts.pop()  # the end of the last line
    return starts


def search_file(parts: Iterable[SearchLines]) -> bytes:
    """The search file of stored threads, from each one's `search_lines`.

    Layout: the magic line; the lowercased section's length, the number of posts, of threads, and the
    ids' length; the lowercased section, a line per post (`author @handle TAB text`); where each of
    those lines starts; where each starts in the last section; each thread's first line; the threads'
    ids, a line each; the last section, the lines as written. A search scans only the lowercased
    section: ids and the text as written are never matched.
    """
    return b"".join(search_file_pieces(parts))


def search_file_pieces(parts: Iterable[SearchLines]) -> list[bytes]:
    """`search_file`, as the pieces it joins: written one after another (`os.writev`), they
    need not be copied into one string first."""
    parts = [part for part in parts if part.posts]
    if not parts:
        return [SEARCH_FILE_MAGIC + _HEADER.pack(0, 0, 0, 0)]
    ids, lowered, written, counts, lengths = zip(*parts)
    if None not in lengths:
        # ASCII lowercases to as many bytes: the lines as written start where the lowercased ones do.
        lowered_starts = written_starts = _starts(array("Q", b"".join(lengths)))
    else:
        lowered_starts, written_starts = _line_starts(b"".join(lowered)), _line_starts(b"".join(written))
    first_lines = array("Q", accumulate(counts, initial=0))
    first_lines.pop()
    id_lines = ("\n".join(ids) + "\n").encode("utf-8")
    header = SEARCH_FILE_MAGIC + _HEADER.pack(sum(map(len, lowered)), len(lowered_starts), len(parts), len(id_lines))
    return [header, *lowered, lowered_starts.tobytes(), written_starts.tobytes(), first_lines.tobytes(), id_lines,
            *written]


@dataclass(frozen=True, slots=True)
class SearchLayout:
    """The sections of one search file: where the lowercased lines are, and their indexes."""

    lowered_start: int
    lowered_end: int
    lowered_starts: memoryview  # each lowercased line's start, from `lowered_start`
    written_starts: memoryview  # each post's start in the written section, from `written_start`
    first_lines: memoryview  # each thread's first line
    ids_start: int  # the threads' ids, a line each, up to `written_start`
    written_start: int

    def release(self) -> None:
        """Let go of the file's memory (a mapped file cannot be closed while views of it remain)."""
        self.lowered_starts.release()
        self.written_starts.release()
        self.first_lines.release()


def search_layout(blob: Any, checked: bool = False) -> SearchLayout | None:
    """The sections of a search file; None if it is not one this code wrote (old or damaged).
    `checked`: the file passed these checks before (the library's search files are checked once
    a reading), so those that read every thread are skipped."""
    start = len(SEARCH_FILE_MAGIC)
    if blob[:start] != SEARCH_FILE_MAGIC or len(blob) < start + _HEADER.size:
        return None
    lowered_length, posts, threads, ids_length = _HEADER.unpack_from(blob, start)
    lowered_start = start + _HEADER.size
    lowered_end = lowered_start + lowered_length
    ids_start = lowered_end + (2 * posts + threads) * _OFFSET_SIZE
    written_start = ids_start + ids_length
    if written_start > len(blob) or bool(posts) != bool(lowered_length) or bool(posts) != bool(threads):
        return None
    if posts and (blob[lowered_end - 1:lowered_end] != b"\n" or blob[len(blob) - 1:] != b"\n"
                  or blob[written_start - 1:written_start] != b"\n"):
        return None  # each section's lines end in a newline (`_line_starts` counts on it)
    view = memoryview(blob)
    middle = lowered_end + posts * _OFFSET_SIZE
    firsts = middle + posts * _OFFSET_SIZE
    layout = SearchLayout(lowered_start, lowered_end, view[lowered_end:middle].cast("Q"),
                          view[middle:firsts].cast("Q"), view[firsts:ids_start].cast("Q"), ids_start, written_start)
    # The first and last of each line index in range (what a damaged file gets wrong first); the
    # threads, which say whose a hit is, checked whole: one id a line, each thread after the last.
    first_lines = layout.first_lines
    if posts and (layout.lowered_starts[0] != 0 or layout.lowered_starts[-1] >= lowered_length
                  or layout.written_starts[-1] >= len(blob) - written_start
                  or first_lines[0] != 0 or first_lines[-1] >= posts
                  or not checked and (any(map(ge, first_lines.tolist(), first_lines[1:].tolist()))
                                      or blob[ids_start:written_start].count(b"\n") != threads)):
        layout.release()
        return None
    return layout


def search_parts(blob: Any) -> dict[str, SearchLines]:
    """Each thread's part of a search file, as `search_lines` made it, by thread id; {} for a file
    that is not whole. A commit that merges shard files carries the threads they keep over to its
    new search file without making their lines again (a shard of a large library holds thousands)."""
    layout = search_layout(blob)
    if layout is None:
        return {}
    try:
        ids = _ids(blob, layout)
        firsts = layout.first_lines.tolist()
        lowered_starts, written_starts = layout.lowered_starts.tolist(), layout.written_starts.tolist()
    finally:
        layout.release()
    posts = len(lowered_starts)
    lowered_starts.append(layout.lowered_end - layout.lowered_start)  # where a line after the last would start
    written_starts.append(len(blob) - layout.written_start)
    parts: dict[str, SearchLines] = {}
    low, high = layout.lowered_start, layout.written_start
    # No line lengths (the None): the new file finds its lines by their newlines, in C, not here in Python.
    twice: set[str] = set()  # ids made one line that were two (a newline in one): made again, not carried
    for thread_id, first, last in zip(ids, firsts, [*firsts[1:], posts]):
        lowered = blob[low + lowered_starts[first]:low + lowered_starts[last]]
        written = blob[high + written_starts[first]:high + written_starts[last]]
        if (lowered[-1:] != b"\n" or written[-1:] != b"\n"
                or lowered.count(b"\n") != last - first or written.count(b"\n") != last - first):
            return {}  # a line index damaged inside (the file's checks read its ends only)
        if thread_id in parts:
            twice.add(thread_id)
        parts[thread_id] = SearchLines(thread_id, lowered, written, last - first, None)
    for thread_id in twice:
        del parts[thread_id]
    return parts


# How often each byte appears in lowercased text people write, in tenths of a percent (English letter
# frequencies; space, digits and punctuation guessed generously). A search looks first for the rarest byte
# of its word, where that is rare enough: finding one byte runs at memory speed (memchr), many times faster.
_BYTE_FREQUENCY = dict.fromkeys(range(256), 5) | {
    ord(letter): tenths for letter, tenths in zip(
        "etaoinshrdlcumwfgypbvkjxqz",
        (127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2, 2, 1, 1),
        strict=True)
} | {ord(" "): 150, ord("\n"): 20, ord("."): 10, ord(","): 10} | dict.fromkeys(b"0123456789", 10)
RARE_BYTE_TENTHS = 3  # at most 0.3%: rarer bytes are looked for first
# Looking for the rare byte gives way to looking for the word where it is common here: more than one in this many.
RARE_BYTE_MIN_SPACING = 400
_RARE_BYTE_CHECK_EVERY = 64


# libc's memmem scans for a word several times faster than `bytes.find`, but each call costs a few
# microseconds: where hits come closer than this on average, `bytes.find` takes over.
MEMMEM_MIN_SPACING = 8192
_GAVE_WAY = -2


@cache
def _libc() -> tuple[Any, Any] | None:
    """glibc's or musl's `memmem` and `memchr`, or None: elsewhere (macOS, Windows) they were not
    measured to beat `bytes.find`, and Python may lack ctypes. A call lets go of the GIL while it
    scans (`bytes.find` holds it), so the reader draws meanwhile on the other core."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None)  # the symbols already loaded: libc is among them
        memmem, memchr = libc.memmem, libc.memchr
    except (ImportError, OSError, AttributeError):
        return None
    memmem.restype = memchr.restype = ctypes.c_void_p
    memmem.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t)
    memchr.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)
    return memmem, memchr


def load_scanners() -> None:
    """Load what a scan calls in C (ctypes, libc's `memmem` and `memchr`: 5 ms), ahead of the first search."""
    _libc()


def _buffer_of(blob: Any) -> tuple[Any, int]:
    """A ctypes array over a writable buffer (a copy-on-write map, a bytearray) and its
    address; (None, 0) for a read-only one (bytes, a read-only map)."""
    import ctypes

    try:
        # One byte's type, not an array the file's length: each new length would make a new ctypes
        # type (a class, about 0.3 ms), once per search file at the first search of a process.
        buffer = ctypes.c_char.from_buffer(blob)
    except (TypeError, ValueError, BufferError):
        return None, 0
    return buffer, ctypes.addressof(buffer)


class _Finder:
    """Finds a word in a search file's lowercased section three ways, best first: its rarest byte first
    (memchr speed), where that byte is rare; libc's `memmem`, where the file is mapped copy-on-write (a
    buffer ctypes can point into); `bytes.find`. Each of the first two gives way to the next where the
    rare byte or the hits turn out to be common here. `close` lets go of the file's buffer."""

    def __init__(self, blob: Any, key: bytes, low: int, high: int) -> None:
        self.blob, self.key, self.high = blob, key, high
        self.rare_index = min(range(len(key)), key=lambda i: _BYTE_FREQUENCY[key[i]])
        self.rare = key[self.rare_index:self.rare_index + 1]
        self.by_rare_byte = len(key) > 1 and _BYTE_FREQUENCY[key[self.rare_index]] <= RARE_BYTE_TENTHS
        self.rare_seen, self.counted_from = 0, low
        self.memmem, self.memchr = _libc() or (None, None)
        self.buffer, self.base = _buffer_of(blob) if self.memmem is not None and len(key) > 1 else (None, 0)
        self.hits_seen, self.hits_counted_from = 0, low

    def close(self) -> None:
        self.buffer = None

    def __call__(self, start: int) -> int:
        """The first position of the word from `start` on, or -1."""
        if self.by_rare_byte:
            position = self._by_rare_byte(start)
            if position != _GAVE_WAY:
                return position
            self.hits_counted_from = start  # memmem's hits are counted from where it takes over
        if self.buffer is not None:
            return self._by_memmem(start)
        return self.blob.find(self.key, start, self.high)

    def _find_rare(self, start: int) -> int:
        if self.buffer is None:
            return int(self.blob.find(self.rare, start, self.high))
        if start >= self.high:
            return -1
        found = self.memchr(self.base + start, self.rare[0], self.high - start)
        return found - self.base if found else -1

    def _by_rare_byte(self, start: int) -> int:
        blob, key, high = self.blob, self.key, self.high
        position = self._find_rare(start + self.rare_index)
        while position >= 0:
            self.rare_seen += 1
            if (self.rare_seen % _RARE_BYTE_CHECK_EVERY == 0
                    and position - self.counted_from < self.rare_seen * RARE_BYTE_MIN_SPACING):
                self.by_rare_byte = False  # not rare here: look for the word from now on
                return _GAVE_WAY
            begin = position - self.rare_index
            if begin + len(key) <= high and blob[begin:begin + len(key)] == key:
                return begin
            position = self._find_rare(position + 1)
        return -1

    def _by_memmem(self, start: int) -> int:
        if start >= self.high:
            return -1
        found = self.memmem(self.base + start, self.high - start, self.key, len(self.key))
        if not found:
            return -1
        position = found - self.base
        self.hits_seen += 1
        if (self.hits_seen % _RARE_BYTE_CHECK_EVERY == 0
                and position - self.hits_counted_from < self.hits_seen * MEMMEM_MIN_SPACING):
            self.buffer = None  # hits are close together here: cheaper calls from now on
        return position


class Hits(list[Hit]):
    """Hits, and how many there were in all: `total` is more than those kept where a limit cut them."""

    def __init__(self, hits: Iterable[Hit] = (), total: int | None = None) -> None:
        super().__init__(hits)
        self.total = len(self) if total is None else total


class _Kept:
    """The hits a scan keeps as it meets them: every one, in file order; or, given a `limit`, the
    first `limit` by `rank` (the thread's place), then post number, the text read of those only."""

    def __init__(self, rank: Callable[[str], int] | None = None, limit: int | None = None) -> None:
        self.rank, self.limit = rank or (lambda thread_id: 0), limit
        self.every: list[Hit] = []
        self.best: list[tuple[int, int, Hit]] = []  # a heap of (-rank, -n, hit): the last kept on top
        self.total = 0

    def wants(self, thread_id: str, n: int) -> bool:
        """Count a hit; whether it is one to keep (its text read)."""
        self.total += 1
        if self.limit is None or len(self.best) < self.limit:
            return True
        if not self.best:
            return False  # a limit of 0: counted only
        rank, number = self.best[0][:2]
        return (self.rank(thread_id), n) < (-rank, -number)

    def add(self, hit: Hit) -> None:
        if self.limit is None:
            self.every.append(hit)
            return
        keep = heapq.heappush if len(self.best) < self.limit else heapq.heapreplace  # the last kept gives way
        keep(self.best, (-self.rank(hit.thread_id), -hit.n, hit))

    def hits(self) -> Hits:
        """Every hit in file order; or those kept, in rank order."""
        if self.limit is None:
            return Hits(self.every)
        return Hits((hit for _rank, _n, hit in sorted(self.best, reverse=True)), self.total)


def _find_in(blob: Any, layout: SearchLayout, terms: tuple[str, ...],
             key: bytes, others: Sequence[bytes], kept: _Kept) -> None:
    """Keep the posts of one search file whose lowercased line holds `key` and all `others`."""
    next_at = _Finder(blob, key, layout.lowered_start, layout.lowered_end)
    try:
        _hits(blob, layout, terms, others, next_at, kept)
    finally:
        next_at.close()  # before the file is closed: a map cannot close while a buffer points into it


def _hits(blob: Any, layout: SearchLayout, terms: tuple[str, ...], others: Sequence[bytes],
          next_at: _Finder, kept: _Kept) -> None:
    low, high = layout.lowered_start, layout.lowered_end
    lowered_starts, written_starts, written_start = layout.lowered_starts, layout.written_starts, layout.written_start
    first_lines = layout.first_lines
    ids: list[str] | None = None  # read at the first hit, each id one string for all its hits
    position = next_at(low)
    while position >= 0:
        line_index = bisect_right(lowered_starts, position - low) - 1
        end = blob.find(b"\n", position, high)
        if not others or all(other in blob[low + lowered_starts[line_index]:end] for other in others):
            if ids is None:
                ids = _ids(blob, layout)
            thread = bisect_right(first_lines, line_index) - 1
            n = line_index - first_lines[thread] + 1
            if kept.wants(ids[thread], n):
                start = written_start + written_starts[line_index]
                line = blob[start:blob.find(b"\n", start)]
                text_at = line.find(b"\t") + 1
                if text_at:  # else the file is damaged: skip the line
                    kept.add(Hit(ids[thread], n, line[text_at:].decode("utf-8", errors="replace"), terms))
        position = next_at(end)


def _ids(blob: Any, layout: SearchLayout) -> list[str]:
    """The ids of a search file's threads, in order."""
    return blob[layout.ids_start:layout.written_start].decode("utf-8", errors="replace").split("\n")


def _laid_out(blobs: Iterable[Any], cancelled: Callable[[], bool],
              checked: bool) -> Iterator[tuple[Any, SearchLayout]]:
    """Each search file this code wrote, with its sections (let go of once the caller is done with it)."""
    for blob in blobs:
        if cancelled():
            break
        layout = search_layout(blob, checked)
        if layout is None:
            continue
        try:
            yield blob, layout
        finally:
            layout.release()


def find_posts(blobs: Iterable[Any], terms: Sequence[str], cancelled: Callable[[], bool] = lambda: False,
               rank: Callable[[str], int] | None = None, limit: int | None = None, checked: bool = False) -> Hits:
    """Every post whose lowercased line holds every (lowercased) term, in file order; or, given a
    `limit`, the first `limit` of them by `rank` of their thread, then post number (with the total).
    `checked`: each file passed `search_layout`'s checks before."""
    terms = tuple(terms)
    encoded = sorted((term.encode("utf-8") for term in terms), key=len, reverse=True)
    if not encoded:
        return Hits()
    key, others = encoded[0], encoded[1:]
    kept = _Kept(rank, limit)
    for blob, layout in _laid_out(blobs, cancelled, checked):
        with suppress(IndexError):  # a damaged index that looked whole: its hits are lost, not the search
            _find_in(blob, layout, terms, key, others, kept)
    return kept.hits()


def every_post(blobs: Iterable[Any], cancelled: Callable[[], bool] = lambda: False,
               checked: bool = False) -> list[Hit]:
    """Every post of the search files, as a hit with no terms (for a query no word narrows)."""
    found: list[Hit] = []
    for blob, layout in _laid_out(blobs, cancelled, checked):
        ids = _ids(blob, layout)
        lines = blob[layout.written_start:].decode("utf-8", errors="replace").split("\n")
        firsts = [*layout.first_lines.tolist(), len(lines) - 1]
        for thread_id, first, end in zip(ids, firsts, firsts[1:]):
            found += [Hit(thread_id, n, line.partition("\t")[2]) for n, line in enumerate(lines[first:end], 1)]
    return found


def make_snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line window of `text` around the first match, and where terms occur in it."""
    flat = " ".join(text.split())
    lowered = flat.casefold()
    # casefold() can change lengths (ß is ss); spans are only exact where it did not.
    same_length = len(lowered) == len(flat)
    first = min((lowered.find(t) for t in terms if t in lowered), default=0) if same_length else 0
    start = max(0, first - width // 3)
    if start:
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 15 else start
    snippet = flat[start:start + width]
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(flat) else ""
    spans: list[tuple[int, int]] = []
    if same_length:
        window = snippet.casefold()
        for term in terms:
            position = window.find(term)
            while position >= 0:
                spans.append((position + len(prefix), position + len(prefix) + len(term)))
                position = window.find(term, position + len(term))
    return prefix + snippet + suffix, tuple(sorted(spans))
