"""The orders the thread list and `threads-tui list` offer (no Textual here).

Each sorts the library's summaries as `Library.summaries()` gives them
(newest first): a sort is stable, so threads that tie keep that order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Summary = dict[str, Any]

DEFAULT_SORT = "newest"
SETTING = "sort"  # the name of the user's setting that remembers the order (`UserData.setting`)
# Each order's name, as `list --sort` takes it, and how it is told.
SORT_LABELS: dict[str, str] = {
    "newest": "newest first",
    "oldest": "oldest first",
    "author": "by author",
    "longest": "longest first",
    "added": "recently added",
}


def _undated(summary: Summary) -> bool:
    return not (summary.get("placed_at") or summary.get("date"))


def _newest(summaries: Sequence[Summary]) -> Sequence[Summary]:
    """As the library gives them (not copied: a library's summaries are read as they are shown)."""
    return summaries


def _oldest(summaries: Sequence[Summary]) -> list[Summary]:
    """Oldest first; undated threads still last."""
    return [s for s in reversed(summaries) if not _undated(s)] + [s for s in summaries if _undated(s)]


def _by_author(summaries: Sequence[Summary]) -> list[Summary]:
    """By `@handle` (else name), case aside; each author's threads newest first."""
    return sorted(summaries, key=lambda s: (s.get("author_handle") or s.get("author_name") or "\uffff").casefold())


def _longest(summaries: Sequence[Summary]) -> list[Summary]:
    """Most posts first (the posts the library holds)."""
    return sorted(summaries, key=lambda s: -(s.get("post_count") or 0))


def _recently_added(summaries: Sequence[Summary]) -> list[Summary]:
    """Latest `added_at` (the time the import first stored it) first. Threads stored before
    `added_at` was kept have none: they come after those that have, in their position in the
    library's own order (newest first)."""
    dated = [s for s in summaries if isinstance(s.get("added_at"), int | float)]
    dated.sort(key=lambda s: -s["added_at"])
    return dated + [s for s in summaries if not isinstance(s.get("added_at"), int | float)]


_SORTERS: dict[str, Callable[[Sequence[Summary]], Sequence[Summary]]] = {
    "newest": _newest,
    "oldest": _oldest,
    "author": _by_author,
    "longest": _longest,
    "added": _recently_added,
}


def sort_summaries(summaries: Sequence[Summary], order: str) -> Sequence[Summary]:
    """The summaries (newest first, as the library gives them) in `order`; an unknown order is newest."""
    return _SORTERS.get(order, _newest)(summaries)


def known_sort(order: str | None) -> str:
    """`order` if it is one of SORT_LABELS, else the default (a setting from a later release, say)."""
    return order if order in SORT_LABELS else DEFAULT_SORT
