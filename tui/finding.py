"""Answering a query (see `query`) from the library: the posts it matches (the search) and the
threads it matches (the list filter, `list --query`). No Textual here.

A post is its thread's author, name and `@handle`, and its text: words and phrases are looked
for there. A scan of the search files (`search.find_posts`) finds the posts holding the words
and phrases every match needs (`query.required_texts`); each is then tested against the whole query. The
fields that describe a thread (`from:`, `since:`, `until:`, `is:`, `tag:`) are answered from its
summary and the user's marks, without reading posts; `has:` asks what the posts hold, which a
summary records (`has`) for threads stored since it did, and the posts tell for the others.

A thread matches the list filter when its summary (title, author) and its posts, taken together,
satisfy the query: `-word` keeps the threads without the word anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .library import Library, LibraryError
from .model import PartialDate, Thread
from .query import (
    AllOf, AnyOf, Node, Not, QueryError, fields_of, has_text, matches, parse, required_texts, texts_of,
)
from .search import Hit, every_post, find_posts

__all__ = ["Marks", "QueryError", "matching_threads", "search_library", "thread_states"]

Summary = Mapping[str, Any]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Marks:
    """What the user's data says of threads, by thread id: reading states and tags."""

    states: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)


def thread_states(summary: Summary, state: Mapping[str, Any]) -> frozenset[str]:
    """The `is:` values a thread has: read or unread, bookmarked, preview or complete, reply."""
    states = {"read" if state.get("read") else "unread",
              "complete" if summary.get("complete", True) else "preview"}
    if state.get("bookmarked"):
        states.add("bookmarked")
    if summary.get("in_reply_to"):
        states.add("reply")
    return frozenset(states)


def _summary_text(summary: Summary) -> str:
    return " ".join(f"{summary.get('title') or ''} {summary.get('author_name') or ''} "
                    f"@{summary.get('author_handle') or ''}".casefold().split())


class _Facts:
    """What a query asks of one thread, from its summary and the user's marks; what its posts
    have (`has:`) read from them only when asked."""

    def __init__(self, summary: Summary, marks: Marks, posts_of: Callable[[str], Thread | None]) -> None:
        self.summary = summary
        self.handle = (summary.get("author_handle") or "").casefold()
        self.date = PartialDate.from_iso(summary.get("date"))
        self.states = thread_states(summary, marks.states.get(summary["id"], {}))
        self.tags = frozenset(marks.tags.get(summary["id"], ()))
        self._posts_of = posts_of
        self._post_features: list[frozenset[str]] | None = None

    def post_features(self) -> list[frozenset[str]]:
        """What each post has (`has:`), in order; none for a thread that cannot be read."""
        if self._post_features is None:
            thread = self._posts_of(self.summary["id"])
            self._post_features = [post.features() for post in thread.posts] if thread is not None else []
        return self._post_features

    def thread_features(self) -> frozenset[str]:
        recorded = self.summary.get("has")
        if isinstance(recorded, list):
            return frozenset(recorded)
        return frozenset().union(*self.post_features())


class _PostItem:
    """One post, with its thread's facts, as `query.matches` tests it."""

    def __init__(self, hit: Hit, facts: _Facts) -> None:
        self.hit, self.facts = hit, facts
        self.handle, self.date, self.states, self.tags = facts.handle, facts.date, facts.states, facts.tags
        summary = facts.summary
        self._words = " ".join(f"{summary.get('author_name') or ''} @{summary.get('author_handle') or ''} "
                               f"{hit.text}".casefold().split())

    def holds(self, words: str) -> bool:
        return words in self._words

    @property
    def has(self) -> frozenset[str]:
        features = self.facts.post_features()
        return features[self.hit.n - 1] if self.hit.n <= len(features) else frozenset()


class _ThreadItem:
    """One thread, its summary and its posts together, as `query.matches` tests it."""

    def __init__(self, facts: _Facts, found: Mapping[str, set[str]]) -> None:
        self.facts, self.found = facts, found
        self.handle, self.date, self.states, self.tags = facts.handle, facts.date, facts.states, facts.tags
        self._words = _summary_text(facts.summary)
        self._id = facts.summary["id"]

    def holds(self, words: str) -> bool:
        if words in self._words or self._id in self.found.get(words, ()):
            return True
        return words[:1] == "#" and words[1:] in self.tags  # `#tag`, as `tag:tag`

    @property
    def has(self) -> frozenset[str]:
        return self.facts.thread_features()


def _parsed(query: str | Node) -> Node:
    return parse(query) if isinstance(query, str) else query


def _scanned(library: Library, scan: Callable[[Library], _T]) -> tuple[Library, _T]:
    """`scan(library)`; where another process committed while it read the shards, the scan of
    the library as it is now. With the library scanned."""
    try:
        return library, scan(library)
    except LibraryError:
        if not library.changed_on_disk():
            raise
        library = type(library).open(library.path)
        return library, scan(library)


def search_library(library: Library, query: str | Node, marks: Marks | None = None,
                   cancelled: Callable[[], bool] = lambda: False) -> list[Hit]:
    """Every post matching `query`, newest thread first, then in post order. A query of fields
    only (no words, no `has:`) answers from the summaries: one hit per thread, its first post
    standing for it. QueryError for a malformed query."""
    node = _parsed(query)
    marks = marks or Marks()
    terms = tuple(texts_of(node))
    if not has_text(node) and not any(f.name == "has" for f in fields_of(node)):
        return [Hit(summary["id"], 1, summary.get("title") or "", terms)
                for summary in matching_threads(library, node, marks, cancelled)]
    alternatives = required_texts(node)

    def scan(source: Library) -> list[Hit]:
        if alternatives is None:
            return every_post(source.search_blobs(), cancelled)
        found: dict[tuple[str, int], Hit] = {}
        for words in alternatives:
            for hit in find_posts(source.search_blobs(), words, cancelled):
                found.setdefault((hit.thread_id, hit.n), hit)
        return list(found.values())

    library, candidates = _scanned(library, scan)
    facts: dict[str, _Facts | None] = {}
    hits: list[Hit] = []
    for hit in candidates:
        if cancelled():
            return []
        thread_facts = facts.get(hit.thread_id, False)
        if thread_facts is False:
            summary = library.summary(hit.thread_id)
            thread_facts = facts[hit.thread_id] = None if summary is None else _Facts(summary, marks, library.thread)
        if thread_facts is not None and matches(node, _PostItem(hit, thread_facts)):
            hits.append(hit._replace(terms=terms))
    order = library.order_index()
    unknown = len(order)
    hits.sort(key=lambda hit: (order.get(hit.thread_id, unknown), hit.n))
    return hits


def matching_threads(library: Library, query: str | Node, marks: Marks | None = None,
                     cancelled: Callable[[], bool] = lambda: False,
                     summaries: Iterable[Summary] | None = None) -> list[Summary]:
    """The threads (summaries, in the order given, else the library's) whose summary and posts
    together satisfy `query`. QueryError for a malformed query."""
    node = _parsed(query)
    marks = marks or Marks()
    found = posts_holding(library, node, cancelled)
    return threads_matching(node, library.summaries() if summaries is None else summaries, marks, found,
                            library.thread)


def posts_holding(library: Library, node: Node, cancelled: Callable[[], bool] = lambda: False) -> dict[str, set[str]]:
    """For each word and phrase of the query, the threads with a post holding it (one scan each)."""
    texts = list(dict.fromkeys(texts_of(node) + _negated_texts(node)))

    def scan(source: Library) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for text in texts:
            found[text] = {hit.thread_id for hit in find_posts(source.search_blobs(), (text,), cancelled)}
        return found

    return _scanned(library, scan)[1] if texts else {}


def _negated_texts(node: Node) -> list[str]:
    """The words and phrases a match must not hold."""
    if isinstance(node, Not):
        return texts_of(node.term) + _negated_texts(node.term)
    if isinstance(node, AllOf | AnyOf):
        return [text for term in node.terms for text in _negated_texts(term)]
    return []


def threads_matching(node: Node, summaries: Iterable[Summary], marks: Marks, found: Mapping[str, set[str]],
                     posts_of: Callable[[str], Thread | None]) -> list[Summary]:
    """The summaries whose thread satisfies `node`, given which threads' posts hold each word
    (`posts_holding`): no post is read here but for `has:` on threads stored without `has`."""
    return [summary for summary in summaries
            if matches(node, _ThreadItem(_Facts(summary, marks, posts_of), found))]
