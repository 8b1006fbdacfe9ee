"""The orders the thread list and `threads-tui list` offer (no Textual here).

Each sorts the library's summaries as `Library.summaries()` gives them (newest first), by their
columns (no summary is read): a sort is stable, so threads that tie keep that order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from .summary_file import Summaries

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


def _oldest(summaries: Summaries) -> Summaries:
    """Oldest first; undated threads still last."""
    dated = summaries.dated
    return summaries.reordered([*(n for n in reversed(range(len(dated))) if dated[n]),
                                *(n for n in range(len(dated)) if not dated[n])])


def _by_author(summaries: Summaries) -> Summaries:
    """By `@handle` (else name), case aside; each author's threads newest first."""
    handles, names = summaries.handles, summaries.names
    return summaries.reordered(sorted(range(len(handles)), key=lambda n: handles[n] or names[n].casefold() or "\uffff"))


def _longest(summaries: Summaries) -> Summaries:
    """Most posts first (the posts the library holds)."""
    counts = summaries.counts
    return summaries.reordered(sorted(range(len(counts)), key=lambda n: -counts[n]))


def _recently_added(summaries: Summaries) -> Summaries:
    """Latest `added_at` (when the import first stored it) first; threads stored before it was kept
    have none, and come after, in the library's own order."""
    added = summaries.added
    known = sorted((n for n in range(len(added)) if added[n] is not None), key=lambda n: -cast(float, added[n]))
    return summaries.reordered([*known, *(n for n in range(len(added)) if added[n] is None)])


# Newest first is the library's own order: no sorter.
_SORTERS: dict[str, Callable[[Summaries], Summaries]] = {
    "oldest": _oldest,
    "author": _by_author,
    "longest": _longest,
    "added": _recently_added,
}


def sort_summaries(summaries: Summaries, order: str) -> Summaries:
    """The summaries (newest first, as the library gives them) in `order`; an unknown order is newest."""
    sorter = _SORTERS.get(order)
    return sorter(summaries) if sorter else summaries


def known_sort(order: str | None) -> str:
    """`order` if it is one of SORT_LABELS, else the default (a setting from a later release, say)."""
    return order if order in SORT_LABELS else DEFAULT_SORT
