"""Searching the library: every post whose text, author or handle holds all query words.

The library keeps, beside each posts shard, a compact search file: one line
per post, `thread id TAB n TAB lowercased author, handle and text TAB the
text as written`. A search scans those bytes with `bytes.find` (no JSON, no
objects) and takes its snippets from the same lines. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .library import Library

SNIPPET_CHARS = 90


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching post: its thread, its 1-based number, and a snippet with match spans."""

    thread_id: str
    n: int
    snippet: str = ""
    spans: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"thread_id": self.thread_id, "n": self.n, "snippet": self.snippet}


def query_terms(query: str) -> list[str]:
    """The words of a query, lowercased, as the search files hold text."""
    return [term for term in query.lower().split() if term]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _one_line(text: str) -> str:
    """Text on one line with no tabs: the search file's fields stay apart."""
    return text.replace("\n", " ").replace("\t", " ")


def search_lines(doc: dict[str, Any]) -> bytes:
    """The search file lines of one stored thread (its `to_dict` form)."""
    author = _one_line(f"{doc.get('author_name') or ''} @{doc.get('author_handle') or ''}").lower()
    thread_id = _one_line(doc["id"])
    lines = []
    for n, post in enumerate(doc.get("posts") or (), 1):
        text = _one_line(post.get("text") or "")
        lines.append(f"{thread_id}\t{n}\t{author} {text.lower()}\t{text}\n")
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Found:
    """A post that holds every term: where it is, and its text as written (flattened)."""

    thread_id: str
    n: int
    text: str


def find_posts(blobs: Iterable[bytes], terms: Sequence[str],
               cancelled: Callable[[], bool] = lambda: False) -> list[Found]:
    """Every line whose lowercased part holds every term."""
    encoded = sorted((term.encode("utf-8") for term in terms), key=len, reverse=True)
    if not encoded:
        return []
    key, others = encoded[0], encoded[1:]
    found: list[Found] = []
    for blob in blobs:
        if cancelled():
            break
        position = blob.find(key)
        while position >= 0:
            start = blob.rfind(b"\n", 0, position) + 1
            end = blob.find(b"\n", position)
            end = len(blob) if end < 0 else end
            fields = blob[start:end].split(b"\t", 3)
            if len(fields) == 4:
                lowered = fields[2]
                if key in lowered and all(other in lowered for other in others):
                    found.append(Found(fields[0].decode("utf-8"), int(fields[1]),
                                       fields[3].decode("utf-8", errors="replace")))
            position = blob.find(key, end)
    return found


def make_snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line window of `text` around the first match, and where terms occur in it."""
    flat = _flat(text)
    lowered = flat.lower()
    # lower() can change lengths (rarely); spans are only exact where it did not.
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
        window = snippet.lower()
        for term in terms:
            position = window.find(term)
            while position >= 0:
                spans.append((position + len(prefix), position + len(prefix) + len(term)))
                position = window.find(term, position + len(term))
    return prefix + snippet + suffix, tuple(sorted(spans))


def search_library(library: Library, query: str, cancelled: Callable[[], bool] = lambda: False) -> list[Hit]:
    """Every hit, newest thread first, then in post order, each with its snippet."""
    terms = query_terms(query)
    if not terms:
        return []
    found = find_posts(library.search_blobs(), terms, cancelled)
    order = library.order_index()
    found.sort(key=lambda post: (order.get(post.thread_id, len(order)), post.n))
    return [Hit(post.thread_id, post.n, *make_snippet(post.text, terms)) for post in found]
