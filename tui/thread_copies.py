"""Copies of one thread: when two copies are the same thread, and which one the library keeps (no Textual).

Threads are stored as documents (`Thread.to_dict()`). The same thread can
come twice under one id (imported again, or fuller) or under two: a Thread
Reader preview has no post ids, so its id is a hash of its author and first
text (`text_key`), while a saved HTML page or an X archive gives the first
post's id; a Mastodon context saved without its first post starts at the
second one. Two copies are taken for one thread only on evidence: the post
ids of the smaller are all in the larger, or, where one of them has none,
the smaller's posts' texts open the larger one. The fuller copy is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import make_thread_id

Doc = dict[str, Any]


def text_key(doc: Doc) -> str:
    """The id a copy of this thread without post ids would have: its author and first text, hashed."""
    posts = doc.get("posts") or ()
    first = (posts[0].get("text") or "") if posts else ""
    return make_thread_id(None, doc.get("author_handle") or doc.get("author_name"), first)


def aliases_of(doc: Doc, key: str | None = None) -> tuple[str, ...]:
    """Ids an earlier, partial copy of this thread may be stored under: its posts' ids and its
    text key (`key`, where the caller has it already)."""
    return aliases_from(doc["id"], [post["id"] for post in doc.get("posts") or () if post.get("id")],
                   key or text_key(doc))


def aliases_from(thread_id: str, post_ids: list[str], key: str) -> tuple[str, ...]:
    """`aliases_of` a thread of this id, these post ids (in order, none empty) and this text key."""
    post_ids.append(key)
    return tuple(alias for alias in dict.fromkeys(post_ids) if alias != thread_id)


def fullness(doc: Doc) -> tuple[int, int]:
    """Ordering for "a fuller copy replaces a partial one": complete first, then more posts."""
    return (int(bool(doc.get("complete"))), len(doc.get("posts") or ()))


def same_content(doc: Doc, other: Doc) -> bool:
    """Whether two documents hold the same thread word for word (where each came from aside)."""
    return {**doc, "source": None} == {**other, "source": None}


def replaces(doc: Doc, previous: Doc) -> bool:
    """Whether a new copy replaces the stored one of the same id: as full or fuller, and different."""
    return fullness(doc) >= fullness(previous) and not same_content(doc, previous)


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def _author(doc: Doc) -> str:
    return (doc.get("author_handle") or doc.get("author_name") or "").casefold()


def one_thread(doc: Doc, other: Doc) -> bool:
    """Whether two copies under different ids are the same thread (the evidence in the module's doc)."""
    smaller, larger = sorted((doc, other), key=lambda d: len(d.get("posts") or ()))
    small_posts, large_posts = smaller.get("posts") or (), larger.get("posts") or ()
    if not small_posts or _author(smaller) != _author(larger):
        return False
    small_ids = {post["id"] for post in small_posts if post.get("id")}
    large_ids = {post["id"] for post in large_posts if post.get("id")}
    if small_ids and large_ids:
        return small_ids <= large_ids
    return [_flat(p.get("text") or "") for p in small_posts] == [
        _flat(p.get("text") or "") for p in large_posts[:len(small_posts)]]


ADDED, UPDATED, UNCHANGED, MERGED = "added", "updated", "unchanged", "merged"


@dataclass
class Plan:
    """What storing a batch of threads does to the library."""

    write: dict[str, Any] = field(default_factory=dict)  # id -> the copy to store (a StoredThread)
    remove: dict[str, Doc] = field(default_factory=dict)  # id -> the stored copy to remove
    carried: list[tuple[str, str]] = field(default_factory=list)  # (removed id, the id that takes its state)
    outcome: dict[str, str] = field(default_factory=dict)  # each incoming id: ADDED, UPDATED, UNCHANGED, MERGED
    replaced: dict[str, str] = field(default_factory=dict)  # removed id -> the id that replaced it


def plan(incoming: Iterable[Any], stored: Mapping[str, Doc], by_text_key: Mapping[str, str]) -> Plan:
    """Decide, copy by copy in order, what a batch changes.

    `incoming`: StoredThreads (with `id`, `doc`, `aliases`, `partial_keys`). `stored`: the
    library's documents of every id that may matter (incoming ids, their
    aliases, and the threads `by_text_key` names). `by_text_key`: stored
    threads by the ids a partial copy of them may have (their text key where it
    differs from their id, their second post's id). Each copy is
    weighed against the library as the copies before it left it. A copy with
    nothing to be weighed against (the usual one) is not read as a document.
    """
    result = Plan()
    current: dict[str, Any] = dict(stored)  # the library as this batch has left it so far: docs, or StoredThreads
    keys = dict(by_text_key)
    new_in_batch: set[str] = set()  # ids this batch added that were not in the library before
    for thread in incoming:
        thread_id = thread.id
        same = current.get(thread_id)
        others = [alias for alias in thread.aliases if alias in current]
        holder = keys.get(thread_id)
        if holder in (None, thread_id) or holder not in current:
            holder = None
        related: list[Doc] = []
        if same is not None or others or holder is not None:
            doc = thread.doc
            related = [_doc(current[alias]) for alias in others if one_thread(_doc(current[alias]), doc)]
            if holder is not None and one_thread(doc, _doc(current[holder])):
                related.append(_doc(current[holder]))
            if same is not None and not replaces(doc, _doc(same)):
                result.outcome.setdefault(thread_id, UNCHANGED)
                continue
            if same is None and any(fullness(other) >= fullness(doc) for other in related):
                result.outcome.setdefault(thread_id, UNCHANGED)  # a copy as full or fuller is kept under another id
                continue
            related = [other for other in related if fullness(other) < fullness(doc)]
        result.write[thread_id] = thread
        current[thread_id] = thread
        for key in thread.partial_keys:
            keys[key] = thread_id
        replaced_stored = False
        for other in related:
            other_id = other["id"]
            current.pop(other_id)
            if other_id in result.write:  # a copy from earlier in this batch: it is merged, never stored
                del result.write[other_id]
                result.outcome[other_id] = MERGED
            else:
                result.remove[other_id] = other
                replaced_stored |= other_id not in new_in_batch
            result.carried.append((other_id, thread_id))
            result.replaced[other_id] = thread_id
        if (same is not None and thread_id not in new_in_batch) or replaced_stored:
            result.outcome[thread_id] = UPDATED
        else:
            result.outcome[thread_id] = ADDED
            new_in_batch.add(thread_id)
    return result


def _doc(value: Any) -> Doc:
    """A document of `plan`'s library so far: stored (a dict), or one of the batch's StoredThreads."""
    return value if isinstance(value, dict) else value.doc
