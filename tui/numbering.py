"""The author's own `n/N` numbering of a thread's posts, and the gaps it shows (no Textual here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

# `1/14`, `[1/14]`, `(1/14)` at the start or the end of a post.
_AT_START = re.compile(r"^\s*[\[(]?(\d{1,4}) ?/ ?(\d{1,4})[\])]?(?![\w/])")
_AT_END = re.compile(r"(?<![\w/])[\[(]?(\d{1,4}) ?/ ?(\d{1,4})[\])]?\s*$")
# Only a post's edges are looked at: numbering sits there, and a long post costs no more than a short one.
_EDGE_CHARS = 24


class Numbering(NamedTuple):
    """What the numbering tells: how many posts the thread has, and which numbers no post carries
    (known only where every post held is numbered)."""

    total: int
    missing: tuple[int, ...]


def _number(text: str) -> tuple[int, int] | None:
    start, end = text[:_EDGE_CHARS], text[-_EDGE_CHARS:]
    match = ("/" in start and _AT_START.match(start)) or ("/" in end and _AT_END.search(end))
    if not match:
        return None
    n, total = int(match.group(1)), int(match.group(2))
    return (n, total) if 1 <= n <= total else None


def author_numbering(texts: Sequence[str]) -> Numbering | None:
    """The numbering of these posts, where at least two carry `n/N` with one N, in rising order,
    and N says the thread is longer than the posts held; else None."""
    found = [number for number in map(_number, texts) if number is not None]
    totals = {total for _, total in found}
    numbers = [n for n, _ in found]
    if len(found) < 2 or len(totals) != 1 or numbers != sorted(set(numbers)):
        return None
    total = totals.pop()
    if total <= len(texts):
        return None
    missing = tuple(sorted(set(range(1, total + 1)) - set(numbers))) if len(found) == len(texts) else ()
    return Numbering(total, missing)


def numbers_text(numbers: Sequence[int]) -> str:
    """`8`, `8 and 9`, `2, 8 and 9`."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
