"""The summaries file: every thread's summary, newest first, each read when it is asked for (no Textual here).

A library's summaries are what its thread list shows and what a query of fields asks. At 100,000 threads they are
40 MB of JSON: parsed whole, they would take several times that in memory and most of a second at every start. So they
live in a file of their own, laid out so that opening the library parses one line of columns and maps the rest into
memory unread, a summary being parsed from its line only when it is drawn or tested.

Layout (UTF-8 text, each line ending in a newline):

- line 1, the columns: a JSON object with `format` (`FORMAT`), `crc32` (the CRC-32 of all that follows line 1), and
  lists with an entry per thread, in the file's order: `ids`, `lengths` (each summary's line in bytes, its newline
  included), and what the thread list's orders and the author and date queries ask of every thread (see
  `Summaries`): `handles`, `names`, `counts`, `added`, `dated` and `dates`;
- then each summary (`model.Thread.summary()`, with what the library adds), one JSON object a line, newest first
  (`sort_newest_first`).

A large library keeps a journal beside the file (see `library.py`): each commit's lines, the ids of the threads that
went (`{"gone": [...]}`) and then each summary written, one JSON object a line (`journal_record`); `with_journal`
applies them to the file's summaries.

A file that fails its checksum, or whose columns disagree with where its lines end, is damaged: ValueError. A line
is parsed (and checked) only when its summary is asked for: one that is not the summary its columns name gives a
stand-in (`DAMAGED_TITLE`), not an error.
"""

from __future__ import annotations

import io
import itertools
import mmap
import re
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, overload

import orjson

from .model import PartialDate, Summary, placed_at

FORMAT = "threads-tui summaries 1"
_PIECE = 1 << 20  # a file is checked a piece of this many bytes at a time
# The characters past ASCII whose casefolding holds ASCII letters (Unicode 14, Python 3.11; a test
# checks them against this Python's own): `LazySummary.may_hold` reads a line holding one.
FOLDING_TO_ASCII = (  # ß İ ŉ ſ ǰ ẖ ẗ ẘ ẙ ẚ ẞ, the Kelvin sign, the ligatures ﬀ to ﬆ
    "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06")
_FOLDS_TO_ASCII = re.compile(b"|".join(re.escape(char.encode()) for char in FOLDING_TO_ASCII))
_ASCII = bytes(range(128))  # left out of a line before it is searched for those: the rest is short
DAMAGED_TITLE = "(this thread's summary is damaged: import the thread again to mend it)"
_SUMMARY_DATE = re.compile(r"(?:\d{4}|-)-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?|\d{4}")


def date_sort_text(summary: Summary) -> str:
    """Text that sorts by time: where the thread was placed (`model.placed_at`), or for a summary
    stored before threads were placed, where its date places it."""
    placed = summary.get("placed_at")
    return placed if isinstance(placed, str) else placed_at(PartialDate.from_iso(summary.get("date")), None)


def sort_newest_first(summaries: Iterable[Summary]) -> list[Summary]:
    """Newest first; undated threads last; ties by title, then id."""
    ordered = sorted(summaries, key=lambda summary: (summary.get("title") or "", summary["id"]))
    ordered.sort(key=date_sort_text, reverse=True)  # stable: ties keep title order
    return ordered


def _order_key(summary: Summary) -> tuple[str, str, str]:
    """What places a summary in `sort_newest_first`'s order: its date as sortable text, title and id."""
    return date_sort_text(summary), summary.get("title") or "", summary["id"]


def _key_before(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Whether the summary of order key `a` comes before that of `b` in `sort_newest_first`'s order."""
    return a[0] > b[0] if a[0] != b[0] else a[1:] < b[1:]


def check_summary(summary: Any) -> str:
    """A summary's id, where it holds what listing and writing need; ValueError naming what is wrong."""
    if not (isinstance(summary, dict) and isinstance(summary.get("id"), str)):
        raise ValueError(f"a thread summary is malformed: {str(summary)[:80]!r}")
    date = summary.get("date")
    if date is not None and not (isinstance(date, str) and _SUMMARY_DATE.fullmatch(date)):
        raise ValueError(f"summary of thread {summary['id']} has a malformed date {date!r}")
    if not isinstance(summary.get("title", ""), str) or not isinstance(summary.get("post_count"), int):
        raise ValueError(f"summary of thread {summary['id']} is malformed")
    return summary["id"]


class _Row(NamedTuple):
    """One summary as the file keeps it: its columns and its line."""

    id: str
    handle: str
    name: str
    posts: int
    added: float | None
    dated: bool
    date: str | None
    line: bytes | memoryview


def _row_of(summary: Summary) -> _Row:
    handle = handle_key(summary)
    name = summary.get("author_name")
    added = summary.get("added_at")
    known = isinstance(added, int | float) and not isinstance(added, bool)
    return _Row(summary["id"], handle, name if isinstance(name, str) and not handle else "", summary["post_count"],
                added if known else None, bool(summary.get("placed_at") or summary.get("date")), summary.get("date"),
                orjson.dumps(summary) + b"\n")


# The columns after `ids` (see `Summaries`): each one's name in the file, and the types its entries may have.
_COLUMNS: dict[str, frozenset[type]] = {
    "handles": frozenset({str}),
    "names": frozenset({str}),
    "counts": frozenset({int}),  # `type(True)` is bool: a flag is no count
    "added": frozenset({int, float, type(None)}),
    "dated": frozenset({bool}),
    "dates": frozenset({str, type(None)}),  # each distinct one checked after
}


def _checked(stream: BinaryIO) -> tuple[list[list[Any]], array[int]]:
    """The columns of a summaries file (`ids`, then those of `_COLUMNS`) and where each line starts
    (and the last ends), read from its start once its lines are checked against them and its checksum:
    one pass, a piece at a time. ValueError where it is damaged."""
    head = stream.readline()
    try:
        columns = orjson.loads(head) if head.endswith(b"\n") else None
    except orjson.JSONDecodeError:
        columns = None
    if not isinstance(columns, dict) or columns.get("format") != FORMAT:
        raise ValueError("not a summaries file, or not of this version")
    ids, lengths = columns.get("ids"), columns.get("lengths")
    values: list[Any] = [columns.get(name) for name in _COLUMNS]
    if not (isinstance(ids, list) and isinstance(lengths, list) and len(ids) == len(lengths)
            and all(isinstance(column, list) and len(column) == len(ids) for column in values)
            and set(map(type, ids)) <= {str}
            and all(set(map(type, column)) <= types for types, column in zip(_COLUMNS.values(), values))):
        raise ValueError("its columns are malformed")
    try:
        starts = array("q", itertools.accumulate(lengths, initial=len(head)))
    except (TypeError, OverflowError) as error:
        raise ValueError("its line lengths are malformed") from error
    if lengths and min(lengths) < 1:
        raise ValueError("its line lengths are malformed")
    crc, offset, lines_end = 0, len(head), True
    ends = itertools.islice(starts, 1, None)  # each line's end: a newline must be just before it
    end = next(ends, None)
    while piece := stream.read(_PIECE):
        crc = zlib.crc32(piece, crc)
        offset += len(piece)
        while end is not None and end <= offset:
            lines_end = lines_end and end > starts[0] and piece[end - 1 - offset + len(piece)] == 10
            end = next(ends, None)
    if crc != columns.get("crc32"):
        raise ValueError("it fails its checksum")
    if offset != starts[-1] or not lines_end:
        raise ValueError("its columns disagree with its lines")
    unique: dict[str, str] = {}  # few authors, many threads: each handle and name kept once
    values[0] = [unique.setdefault(handle, handle) for handle in values[0]]
    values[1] = [unique.setdefault(name, name) for name in values[1]]
    dates: dict[str, str] = {}
    values[5] = [date if date is None else dates.setdefault(date, date) for date in values[5]]
    if not all(map(_SUMMARY_DATE.fullmatch, dates)):
        raise ValueError("its columns are malformed")
    return [ids, *values], starts


def handle_key(summary: Mapping[str, Any]) -> str:
    """The author's handle as the `handles` column holds it: casefolded, "" for none."""
    if isinstance(summary, LazySummary):
        return summary.handle_key
    handle = summary.get("author_handle")
    return handle.casefold() if isinstance(handle, str) else ""


class LazySummary(Mapping[str, Any]):
    """One of a library's summaries, as a query tests it: its id, date and handle (`handle_key`) from
    the columns, the rest read from its line when first asked for (most queries of fields ask no more)."""

    __slots__ = ("_summaries", "_index", "_whole")

    def __init__(self, summaries: Summaries, index: int) -> None:
        self._summaries, self._index = summaries, index
        self._whole: Summary | None = None

    @property
    def handle_key(self) -> str:
        return self._summaries.handles[self._index]

    def may_hold(self, word: str) -> bool:
        """False where its title, author's name and handle surely do not hold `word` (casefolded, one
        word, ASCII): its line, all ASCII, does not hold it in any case. Else True: read it to tell."""
        if not (word.isascii() and word.isprintable()) or any(mark in word for mark in ' "\\@'):
            return True  # JSON writes these otherwise, or the text a query reads puts them between fields
        line = bytes(self._summaries.line(self._index))
        # An ASCII word's letters are where they are in the line, in any case, unless a letter that
        # casefolds to ASCII ones (`ß` to `ss`) is in it.
        return _FOLDS_TO_ASCII.search(line.translate(None, _ASCII)) is not None or word.encode() in line.lower()

    def whole(self) -> Summary:
        """The summary, read from its line (once)."""
        if self._whole is None:
            self._whole = self._summaries[self._index]
        return self._whole

    def __getitem__(self, key: str) -> Any:
        if key == "id":
            return self._summaries.ids[self._index]
        if key == "date" and self._whole is None:
            date = self._summaries.dates[self._index]
            if date is None:
                raise KeyError(key)  # as the summary itself: `get` gives None
            return date
        whole: Mapping[str, Any] = self.whole()
        return whole[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())


class Summaries(Sequence[Summary]):
    """A library's summaries, newest first (or in another order: `reordered`), each parsed from its
    line when asked for (a new dict each time: change it freely), with columns at hand for what is
    asked of every thread at once:

    - `ids`;
    - `handles`: the author's handle, casefolded ("" for none: `from:`, "More from");
    - `names`: the author's name where there is no handle, else "";
    - `counts`: the posts the library holds; `added`: `added_at` (None where not kept);
      `dated`: whether it has a date or a place in time (the orders of `sorting`);
    - `dates`: its `date` (`since:`, `until:`).
    """

    __slots__ = ("ids", "handles", "names", "counts", "added", "dated", "dates", "_body", "_extra", "_split",
                 "_starts", "_ends", "_order")

    def __init__(self, columns: list[list[Any]], body: bytes | mmap.mmap, starts: array[int], ends: array[int],
                 extra: bytes = b"") -> None:
        self.ids: list[str] = columns[0]
        self.handles: list[str] = columns[1]
        self.names: list[str] = columns[2]
        self.counts: list[int] = columns[3]
        self.added: list[float | None] = columns[4]
        self.dated: list[bool] = columns[5]
        self.dates: list[str | None] = columns[6]
        # Where each line starts and ends: in `_body` (the lines of the file read, after what came before
        # them there), or at `_split` and past it, in `_extra` (the lines added since, by `updated`).
        self._body, self._extra, self._split = body, extra, len(body)
        self._starts, self._ends = starts, ends
        self._order: dict[str, int] | None = None

    @classmethod
    def parse(cls, data: bytes) -> Summaries:
        """The summaries a file's content holds; ValueError where it is damaged."""
        columns, starts = _checked(io.BytesIO(data))
        return cls(columns, data, starts[:-1], starts[1:])

    @classmethod
    def read(cls, path: Path) -> Summaries:
        """The summaries a file holds, its lines mapped into memory, not read into it (a summary's page
        is brought in when it is first asked for); ValueError where it is damaged, OSError."""
        with open(path, "rb") as handle:
            columns, starts = _checked(handle)
            body = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if columns[0] else b""
        return cls(columns, body, starts[:-1], starts[1:])

    @classmethod
    def of(cls, summaries: Iterable[Summary]) -> Summaries:
        """Summaries already in order (`sort_newest_first`), as a file would hold them."""
        rows = [_row_of(summary) for summary in summaries]
        starts = array("q", itertools.accumulate((len(row.line) for row in rows), initial=0))
        columns = [list(column) for column in zip(*rows)][:-1] if rows else [[] for _ in range(7)]
        return cls(columns, b"".join(row.line for row in rows), starts[:-1], starts[1:])

    def file(self) -> list[bytes | memoryview]:
        """The file's content, in pieces to write one after the other (of summaries in the library's
        order: as `read` and `updated` give them). Lines next to each other where they are kept go as one piece."""
        pieces: list[bytes | memoryview] = []
        first, crc = 0, 0
        for index in range(1, len(self) + 1):
            if index == len(self) or self._starts[index] != self._ends[index - 1] or self._starts[index] == self._split:
                pieces.append(self._span(self._starts[first], self._ends[index - 1]))
                crc = zlib.crc32(pieces[-1], crc)
                first = index
        lengths = [end - start for start, end in zip(self._starts, self._ends)]
        columns = {"format": FORMAT, "crc32": crc, "ids": self.ids, "lengths": lengths,
                   **{name: getattr(self, name) for name in _COLUMNS}}
        return [orjson.dumps(columns) + b"\n", *pieces]

    def _span(self, start: int, end: int) -> memoryview:
        """The lines from `start` to `end`, all in `_body` or all in `_extra` (not copied)."""
        if start >= self._split:
            return memoryview(self._extra)[start - self._split:end - self._split]
        return memoryview(self._body)[start:end]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Summary: ...

    @overload
    def __getitem__(self, index: slice) -> list[Summary]: ...

    def __getitem__(self, index: int | slice) -> Summary | list[Summary]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        try:
            summary: Summary = orjson.loads(self.line(index))
            if check_summary(summary) == self.ids[index]:
                return summary
        except ValueError:  # orjson.JSONDecodeError is one
            pass
        return self._stand_in(index)

    def _stand_in(self, index: int) -> Summary:
        """What is shown for a line that is not the summary its columns name (a file rewritten by hand,
        its checksum made again): the thread is listed, and importing it again writes its line anew."""
        return {"id": self.ids[index], "author_handle": self.handles[index] or None,
                "author_name": self.names[index] or None, "post_count": self.counts[index],
                "title": DAMAGED_TITLE, "damaged": True}

    def __iter__(self) -> Iterator[Summary]:
        for index in range(len(self)):
            yield self[index]

    def line(self, index: int) -> memoryview:
        """The summary's line in the file, its newline included (not copied)."""
        return self._span(self._starts[index], self._ends[index])

    def order(self) -> dict[str, int]:
        """Each thread id's position."""
        if self._order is None:
            self._order = {thread_id: index for index, thread_id in enumerate(self.ids)}
        return self._order

    def get(self, thread_id: str) -> Summary | None:
        """A thread's summary, None if not here."""
        index = self.order().get(thread_id)
        return None if index is None else self[index]

    def holds(self, thread_id: str) -> bool:
        """Whether a thread of that id is here."""
        return thread_id in self.order()

    def reordered(self, indices: Iterable[int]) -> Summaries:
        """These summaries in another order (positions in this one), the lines shared, not copied."""
        order = list(indices)
        columns = [[column[n] for n in order] for column in self._columns()]
        return Summaries(columns, self._body, array("q", (self._starts[n] for n in order)),
                         array("q", (self._ends[n] for n in order)), self._extra)

    def updated(self, remove: Iterable[str], add: Sequence[Summary]) -> Summaries:
        """These summaries (in the library's order) without the threads of `remove` and with `add`, each
        checked (ValueError), all newest first. The kept summaries' columns and places are copied as runs;
        their lines are shared, not copied; a kept summary is parsed only where the place of one added
        must be weighed against it."""
        gone = set(remove) | {check_summary(summary) for summary in add}
        kept = _Kept(len(self), self._positions(gone))
        incoming = sort_newest_first(add)
        places = self._places(kept, [_order_key(summary) for summary in incoming])
        columns: list[list[Any]] = [[] for _ in range(7)]
        starts, ends = array("q"), array("q")
        rows = [_row_of(summary) for summary in incoming]
        offset = self._split + len(self._extra)
        at = 0
        for place, row in itertools.chain(zip(places, rows), [(len(kept), None)]):
            for low, high in kept.runs(at, place):
                for column, own in zip(columns, self._columns()):
                    column += own[low:high]
                starts += self._starts[low:high]
                ends += self._ends[low:high]
            if row is not None:
                for column, value in zip(columns, row[:-1]):
                    column.append(value)
                starts.append(offset)
                offset += len(row.line)
                ends.append(offset)
            at = place
        extra = bytes(self._extra) + b"".join(row.line for row in rows) if rows else self._extra
        return Summaries(columns, self._body, starts, ends, extra)

    def _positions(self, ids: set[str]) -> list[int]:
        """Where those of these ids that are here are, in order (a few found without indexing them all)."""
        if self._order is None and len(ids) <= 32:
            found = []
            for thread_id in ids:
                with suppress(ValueError):
                    found.append(self.ids.index(thread_id))
            return sorted(found)
        order = self.order()
        return sorted(order[thread_id] for thread_id in ids if thread_id in order)

    def _columns(self) -> tuple[list[Any], ...]:
        return self.ids, self.handles, self.names, self.counts, self.added, self.dated, self.dates

    def _places(self, kept: _Kept, keys: list[tuple[str, str, str]]) -> list[int]:
        """Where each of these order keys (in order) goes among the kept summaries: a position in `kept`."""
        places = []
        at = 0
        # Few summaries into many: each one's place is found by halving (a few parsed where it falls);
        # many: the kept are walked in order, each parsed once.
        halving = len(keys) * max(1, len(kept).bit_length()) < len(kept)
        walked: tuple[int, tuple[str, str, str]] | None = None  # the kept summary last parsed by the walk
        for key in keys:
            if halving:
                low, high = at, len(kept)
                while low < high:
                    middle = (low + high) // 2
                    if _key_before(_order_key(self[kept[middle]]), key):
                        low = middle + 1
                    else:
                        high = middle
                at = low
            else:
                while at < len(kept):
                    if walked is None or walked[0] != at:
                        walked = (at, _order_key(self[kept[at]]))  # a stand-in's, where damaged
                    if not _key_before(walked[1], key):
                        break
                    at += 1
            places.append(at)
        return places


class _Kept:
    """The positions `0 .. count - 1` less those removed, in order, kept as runs (few, for a commit's few
    removals): the n-th is found by halving, and a stretch of them is given as runs to copy as slices."""

    def __init__(self, count: int, removed: list[int]) -> None:
        bounds = [-1, *removed, count]
        self._runs = [(low + 1, high) for low, high in zip(bounds, bounds[1:]) if high > low + 1]
        self._before = list(itertools.accumulate((high - low for low, high in self._runs), initial=0))

    def __len__(self) -> int:
        return self._before[-1]

    def __getitem__(self, index: int) -> int:
        run = bisect_right(self._before, index) - 1
        return self._runs[run][0] + index - self._before[run]

    def runs(self, start: int, stop: int) -> Iterator[tuple[int, int]]:
        """The kept positions from the `start`-th to before the `stop`-th, as runs (first, past the last)."""
        run = bisect_right(self._before, start) - 1
        while start < stop:
            low, high = self._runs[run]
            first = low + start - self._before[run]
            last = min(high, first + stop - start)
            yield first, last
            start += last - first
            run += 1


def journal_record(gone: Iterable[str], added: Iterable[Summary]) -> bytes:
    """One commit's lines in a summaries journal: the ids of the threads that went (a line, if any), then
    each summary written (a line each)."""
    went = sorted(gone)
    return (orjson.dumps({"gone": went}) + b"\n" if went else b"") + b"".join(
        orjson.dumps(summary) + b"\n" for summary in added)


def with_journal(base: Summaries, journal: bytes) -> Summaries:
    """The summaries of a file and of the journal kept beside it: its commits applied in turn.
    ValueError where a line is not a record `journal_record` writes."""
    gone: set[str] = set()
    added: dict[str, Summary] = {}
    for line in journal.splitlines():
        record = orjson.loads(line)
        if isinstance(record, dict) and "id" not in record:
            went = record.get("gone")
            if not (isinstance(went, list) and all(isinstance(thread_id, str) for thread_id in went)):
                raise ValueError(f"a journal line is malformed: {line[:80]!r}")
            for thread_id in went:
                added.pop(thread_id, None)
                gone.add(thread_id)
        else:
            added[check_summary(record)] = record
    return base.updated(gone, list(added.values())) if gone or added else base


def ids_of(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    """The thread ids of some summaries, in order (from the column, where they are a library's)."""
    return summaries.ids if isinstance(summaries, Summaries) else [summary["id"] for summary in summaries]


def position_of(summaries: Sequence[Mapping[str, Any]], thread_id: str) -> int | None:
    """Where a thread is among some summaries; None if not there."""
    if isinstance(summaries, Summaries):
        return summaries.order().get(thread_id)
    return next((index for index, summary in enumerate(summaries) if summary["id"] == thread_id), None)
