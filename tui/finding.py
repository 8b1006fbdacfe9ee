"""Answering a query (see `query`) from the library: the posts it matches (the search) and the
threads it matches (the list filter, `list --query`). No Textual here.

A post is its thread's author, name and `@handle`, and its text: words and phrases are looked for
there, by a scan of the search files for what every match needs (`query.required_texts`); each post
found is then tested against the whole query. A thread's fields (`from:`, `since:`, `until:`, `is:`,
`tag:`) are answered from its summary and the user's marks; `has:` from the summary where it records
it, else from the posts.

A thread matches the list filter when its summary (title, author) and its posts, taken together,
satisfy the query: `-word` keeps the threads without the word anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from .library import Library, LibraryError
from .model import PartialDate, Thread
from .query import (
    AllOf, Field, Node, Phrase, QueryError, Word, asks_has, has_text, nodes_of, parse, predicate, required_texts,
    texts_of,
)
from .search import Hit, Hits, every_post, find_posts
from .summary_file import LazySummary, Summaries, handle_key

__all__ = ["Marks", "QueryError", "ThreadStates", "matching_threads", "search_library"]

# A summary, or a view of one read lazily from the summaries file (`summary_file.LazySummary`).
SummaryFields = Mapping[str, Any]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Marks:
    """What the user's data says of threads, by thread id: reading states and tags."""

    states: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)


class ThreadStates:
    """The `is:` values a thread has: read or unread, bookmarked, preview or complete, reply. Each is
    worked out when asked: the reading state's from the user's marks, without its summary's line."""

    __slots__ = ("summary", "state")

    def __init__(self, summary: SummaryFields, state: Mapping[str, Any]) -> None:
        self.summary, self.state = summary, state

    def __contains__(self, value: object) -> bool:
        if value in ("read", "unread"):
            return bool(self.state.get("read")) == (value == "read")
        if value == "bookmarked":
            return bool(self.state.get("bookmarked"))
        if value in ("complete", "preview"):
            return bool(self.summary.get("complete", True)) == (value == "complete")
        return value == "reply" and bool(self.summary.get("in_reply_to"))


@lru_cache(maxsize=4096)
def _date_of(text: str | None) -> PartialDate | None:
    """`PartialDate.from_iso`, once for each of the few thousand dates many threads share."""
    return PartialDate.from_iso(text)


class _Facts:
    """What a query asks of one thread, from its summary and the user's marks, each worked out only when
    asked (most queries ask one or two things of every thread); `has:` reads the posts only where needed."""

    __slots__ = ("summary", "marks", "_posts_of", "_post_features")

    def __init__(self, summary: SummaryFields, marks: Marks, posts_of: Callable[[str], Thread | None]) -> None:
        self.summary, self.marks, self._posts_of = summary, marks, posts_of
        self._post_features: list[frozenset[str]] | None = None

    @property
    def handle(self) -> str:
        return handle_key(self.summary)

    @property
    def date(self) -> PartialDate | None:
        return _date_of(self.summary.get("date"))

    @property
    def states(self) -> ThreadStates:
        return ThreadStates(self.summary, self.marks.states.get(self.summary["id"], {}))

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(self.marks.tags.get(self.summary["id"], ()))

    def post_features(self) -> list[frozenset[str]]:
        """What each post has (`has:`), in order; none for a thread that cannot be read."""
        if self._post_features is None:
            thread = self._posts_of(self.summary["id"])
            self._post_features = [post.features() for post in thread.posts] if thread is not None else []
        return self._post_features


class _PostItem(_Facts):
    """One post, with its thread's facts, as `query.matches` tests it."""

    __slots__ = ("hit", "_words", "_facts")

    def __init__(self, hit: Hit, facts: _Facts) -> None:
        super().__init__(facts.summary, facts.marks, facts._posts_of)
        self.hit, self._words, self._facts = hit, "", facts  # the thread's facts: its posts read once

    def holds(self, words: str) -> bool:
        if not self._words:
            summary = self.summary
            self._words = " ".join(f"{summary.get('author_name') or ''} @{summary.get('author_handle') or ''} "
                                   f"{self.hit.text}".casefold().split())
        return words in self._words

    @property
    def has(self) -> frozenset[str]:
        if self.summary.get("has") == []:
            return frozenset()  # nothing in any post: no need to read them
        features = self._facts.post_features()
        return features[self.hit.n - 1] if self.hit.n <= len(features) else frozenset()


@dataclass(frozen=True)
class PostsFound:
    """What a list filter needs of the posts, found once (off the UI): the threads with a post holding
    each word and phrase, and what the posts of threads stored before summaries said (`has`) have."""

    holding: Mapping[str, set[str]] = field(default_factory=dict)
    features: Mapping[str, frozenset[str]] = field(default_factory=dict)


class _ThreadItem(_Facts):
    """One thread, its summary and its posts together, as `query.matches` tests it."""

    __slots__ = ("found", "_words")

    def __init__(self, summary: SummaryFields, marks: Marks, found: PostsFound) -> None:
        super().__init__(summary, marks, lambda thread_id: None)
        self.found, self._words = found, ""

    def holds(self, words: str) -> bool:
        if self.summary["id"] in self.found.holding.get(words, ()):
            return True
        if not self._words:
            if isinstance(self.summary, LazySummary) and not self.summary.may_hold(words):
                return words[:1] == "#" and words[1:] in self.tags  # its line is not read
            summary = self.summary
            self._words = " ".join(f"{summary.get('title') or ''} {summary.get('author_name') or ''} "
                                   f"@{summary.get('author_handle') or ''}".casefold().split())
        return words in self._words or (words[:1] == "#" and words[1:] in self.tags)  # `#tag`, as `tag:tag`

    @property
    def has(self) -> frozenset[str]:
        recorded = self.summary.get("has")
        if isinstance(recorded, list):
            return frozenset(recorded)
        return self.found.features.get(self.summary["id"], frozenset())


def _parsed(query: str | Node) -> Node:
    return parse(query) if isinstance(query, str) else query


def _scanned(library: Library, scan: Callable[[Library], _T]) -> tuple[Library, _T]:
    """The library and `scan(library)`; both anew where the scan failed as another process committed."""
    try:
        return library, scan(library)
    except LibraryError:
        if not library.changed_on_disk():
            raise
        library = type(library).open(library.path)
        return library, scan(library)


def search_library(library: Library, query: str | Node, marks: Marks | None = None,
                   cancelled: Callable[[], bool] = lambda: False, limit: int | None = None) -> Hits:
    """Every post matching `query`, newest thread first, then in post order; the first `limit` where one
    is given (`total` says how many there were). A query of fields only (no words, no `has:`) answers from
    the summaries: one hit per thread, its first post standing for it. QueryError for a malformed query."""
    node = _parsed(query)
    marks = marks or Marks()
    terms = tuple(texts_of(node))
    if answers_from_summaries(node):
        matching = matching_threads(library, node, marks, cancelled)
        kept = matching if limit is None else matching[:limit]  # only the summaries of those kept are read
        return Hits((Hit(summary["id"], 1, summary.get("title") or "", terms) for summary in kept), len(matching))
    alternatives = required_texts(node)
    # Words and phrases that must all hold (no field, `-` or OR): what the scan finds is the answer.
    words_only = all(isinstance(term, Word | Phrase) for term in (node.terms if isinstance(node, AllOf) else (node,)))

    def scan(source: Library) -> Hits:
        if alternatives is None:
            return Hits(every_post(source.search_blobs(), cancelled, checked=True))
        if words_only:  # one alternative, and only the first `limit` hits are read
            order = source.order_index()
            return find_posts(source.search_blobs(), alternatives[0], cancelled,
                              lambda thread_id: order.get(thread_id, len(order)), limit, checked=True)
        found: dict[tuple[str, int], Hit] = {}
        for words in alternatives:
            for hit in find_posts(source.search_blobs(), words, cancelled, checked=True):
                found.setdefault((hit.thread_id, hit.n), hit)
        return Hits(found.values())

    library, candidates = _scanned(library, scan)
    if words_only:  # every post holding every word and phrase, each hit carrying the words looked for;
        # in library order already where a limit kept the first only.
        return candidates if limit is not None else Hits(_in_library_order(library, candidates))
    test = predicate(node)
    facts: dict[str, _Facts | None] = {}
    hits: list[Hit] = []
    for hit in candidates:
        if cancelled():
            return Hits()
        if hit.thread_id not in facts:
            summary = library.summary(hit.thread_id)
            facts[hit.thread_id] = None if summary is None else _Facts(summary, marks, library.thread)
        thread_facts = facts[hit.thread_id]
        if thread_facts is not None and test(_PostItem(hit, thread_facts)):
            hits.append(hit._replace(terms=terms))
    hits = _in_library_order(library, hits)
    return Hits(hits if limit is None else hits[:limit], len(hits))


def answers_from_summaries(node: Node) -> bool:
    """Whether a search for `node` is answered from the summaries alone (fields, no words and no
    `has:`): a hit a thread, its title standing for the first post's text."""
    return not has_text(node) and not asks_has(node)


def _in_library_order(library: Library, hits: list[Hit]) -> list[Hit]:
    """Hits newest thread first, then in post order."""
    order = library.order_index()
    unknown = len(order)
    hits.sort(key=lambda hit: (order.get(hit.thread_id, unknown), hit.n))
    return hits


def matching_threads(library: Library, query: str | Node, marks: Marks | None = None,
                     cancelled: Callable[[], bool] = lambda: False,
                     summaries: Sequence[SummaryFields] | None = None) -> Sequence[SummaryFields]:
    """The threads (summaries, in the order given, else the library's) whose summary and posts
    together satisfy `query`. QueryError for a malformed query."""
    node = _parsed(query)
    marks = marks or Marks()
    summaries = library.summaries() if summaries is None else summaries
    return threads_matching(node, summaries, marks, posts_found(library, node, summaries, cancelled))


def needs_posts(node: Node, summaries: Iterable[SummaryFields]) -> bool:
    """Whether a list filter must read the posts (`posts_found`): for its words and phrases, or for
    `has:` where a summary does not say what its posts have."""
    return has_text(node) or (asks_has(node) and any(not isinstance(s.get("has"), list) for s in summaries))


def posts_found(library: Library, node: Node, summaries: Iterable[SummaryFields],
                cancelled: Callable[[], bool] = lambda: False) -> PostsFound:
    """For each word and phrase of the query, the threads with a post holding it (one scan each);
    for `has:`, what the posts of the threads whose summary does not say have (their shards read)."""
    texts = list(dict.fromkeys(text for term in nodes_of(node) if isinstance(term, Word | Phrase)
                               for text in texts_of(term)))  # those with `-` too

    def scan(source: Library) -> dict[str, set[str]]:
        return {text: {hit.thread_id for hit in find_posts(source.search_blobs(), (text,), cancelled, checked=True)}
                for text in texts}

    holding = _scanned(library, scan)[1] if texts else {}
    features: dict[str, frozenset[str]] = {}
    unrecorded = {s["id"] for s in summaries if not isinstance(s.get("has"), list)} if asks_has(node) else set()
    for thread in library.iter_threads() if unrecorded else ():
        if cancelled():
            break
        if thread.id in unrecorded:
            features[thread.id] = frozenset().union(*(post.features() for post in thread.posts))
    return PostsFound(holding, features)


def threads_matching(node: Node, summaries: Sequence[SummaryFields], marks: Marks,
                     found: PostsFound) -> Sequence[SummaryFields]:
    """The summaries whose thread satisfies `node`, given what its posts hold (`posts_found`): no post
    is read here, so the reader can filter as you type (a library's summaries stay unparsed)."""
    test = predicate(node)
    if isinstance(summaries, Summaries):  # a library's: most fields answered from its columns
        return summaries.reordered([n for n in _by_author(node, summaries)
                                    if test(_ThreadItem(LazySummary(summaries, n), marks, found))])
    return [summaries[n] for n in _by_author(node, summaries) if test(_ThreadItem(summaries[n], marks, found))]


def _by_author(node: Node, summaries: Sequence[SummaryFields]) -> Iterable[int]:
    """The positions of the summaries whose handle holds the name of each `from:` the query must satisfy:
    a far cheaper test than the query's (on a library's column of handles), which most threads fail."""
    names = [term.value for term in (node.terms if isinstance(node, AllOf) else (node,))
             if isinstance(term, Field) and term.name == "from"]
    if not names:
        return range(len(summaries))
    handles = summaries.handles if isinstance(summaries, Summaries) else [handle_key(s) for s in summaries]
    named = {handle for handle in set(handles) if all(name in handle for name in names)}  # few authors, many threads
    return [n for n, handle in enumerate(handles) if handle in named]
