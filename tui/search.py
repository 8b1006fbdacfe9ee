"""Searching the library: every post whose text, author or handle holds all query words."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .model import Thread

SNIPPET_CHARS = 90


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching post: its thread, its 1-based number, and a snippet with match spans."""

    thread_id: str
    n: int
    snippet: str
    spans: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"thread_id": self.thread_id, "n": self.n, "snippet": self.snippet}


def query_terms(query: str) -> list[str]:
    """The words of a query, case-folded; a leading `@` matches handles as typed."""
    return [term for term in query.casefold().split() if term]


def make_snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line window of `text` around the first match, and where terms occur in it."""
    flat = " ".join(text.split())
    folded = flat.casefold()
    # casefold can change lengths (ß -> ss); spans are only exact where it did not.
    same_length = len(folded) == len(flat)
    first = min((folded.find(t) for t in terms if t in folded), default=0) if same_length else 0
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


def search_threads(
    threads: Iterable[Thread],
    query: str,
    limit: int | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[Hit]:
    """Hits in library order (newest thread first, then post order)."""
    terms = query_terms(query)
    if not terms:
        return
    found = 0
    for thread in threads:
        if cancelled():
            return
        author = f"{thread.author_name or ''} @{thread.author_handle or ''}".casefold()
        for n, post in enumerate(thread.posts, 1):
            text = post.text.casefold()
            if all(term in text or term in author for term in terms):
                snippet, spans = make_snippet(post.text, terms)
                yield Hit(thread.id, n, snippet, spans)
                found += 1
                if limit is not None and found >= limit:
                    return
