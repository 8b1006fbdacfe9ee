"""Copies of one thread: when two copies are the same thread, and which one the library keeps (no Textual).

Threads are stored as documents (`Thread.to_dict()`). The same thread can come twice under one id (imported again,
or fuller) or under two: a Thread Reader preview has no post ids, so its id is a hash of its author and first text
(`text_key`), while a saved HTML page or an X archive gives the first post's id; a Mastodon context saved without
its first post starts at the second one. Two copies are taken for one thread only on evidence: the post ids of the
smaller are all in the larger, or, where one of them has none, the smaller's posts' texts open the larger one. The
fuller copy is kept. Copies by one author that share a post while each holds posts the other lacks are merged post
by post (`merge_copies`), each post keeping the captures (`sources`) it was found in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Thread, make_thread_id

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


def fullness(copy: Doc | Thread) -> tuple[int, int]:
    """Ordering for "a fuller copy replaces a partial one": complete first, then more posts. For a
    stored document, and for a thread just read (an archive's files holding one thread twice)."""
    if isinstance(copy, Thread):
        return (int(copy.complete), len(copy.posts))
    return (int(bool(copy.get("complete"))), len(copy.get("posts") or ()))


def same_content(doc: Doc, other: Doc) -> bool:
    """Whether two documents hold the same thread word for word (where each came from aside)."""
    return {**doc, "source": None} == {**other, "source": None}


def replaces(doc: Doc, previous: Doc) -> bool:
    """Whether a new copy replaces the stored one of the same id: as full or fuller, and different."""
    return fullness(doc) >= fullness(previous) and not same_content(doc, previous)


def flat_text(text: str) -> str:
    """Text as copies of one thread are compared: spacing and case aside."""
    return " ".join(text.split()).casefold()


def _flat(post: Doc) -> str:
    """`flat_text` of a post's text."""
    return flat_text(post.get("text") or "")


def _post_ids(doc: Doc) -> set[str]:
    return {post["id"] for post in doc.get("posts") or () if post.get("id")}


def _author(doc: Doc) -> str:
    return (doc.get("author_handle") or doc.get("author_name") or "").casefold()


def one_thread(doc: Doc, other: Doc) -> bool:
    """Whether two copies under different ids are the same thread (the evidence in the module's doc)."""
    smaller, larger = sorted((doc, other), key=lambda d: len(d.get("posts") or ()))
    small_posts, large_posts = smaller.get("posts") or (), larger.get("posts") or ()
    if not small_posts or _author(smaller) != _author(larger):
        return False
    small_ids, large_ids = _post_ids(smaller), _post_ids(larger)
    if small_ids and large_ids:
        return small_ids <= large_ids
    return [_flat(p) for p in small_posts] == [_flat(p) for p in large_posts[:len(small_posts)]]


ADDED, UPDATED, UNCHANGED, MERGED = "added", "updated", "unchanged", "merged"


@dataclass
class Plan:
    """What storing a batch of threads does to the library."""

    write: dict[str, Any] = field(default_factory=dict)  # id -> the copy to store (a StoredThread)
    remove: dict[str, Doc] = field(default_factory=dict)  # id -> the stored copy to remove
    outcome: dict[str, str] = field(default_factory=dict)  # each incoming id: ADDED, UPDATED, UNCHANGED, MERGED
    # removed id -> the id that replaced it (and takes its reading state, tags and highlights)
    replaced: dict[str, str] = field(default_factory=dict)
    written_as: dict[str, str] = field(default_factory=dict)  # incoming id -> the id of the merged thread it went into


def overlaps(doc: Doc, other: Doc) -> bool:
    """Whether two copies by one author share a post (each may hold posts the other lacks): a post
    id, or where one of them has no ids (Thread Reader text), the same first post by its text. Two
    copies without ids never overlap: of those the fuller is kept, as before."""
    if _author(doc) != _author(other):
        return False
    ids, other_ids = _post_ids(doc), _post_ids(other)
    if ids and other_ids:
        return not ids.isdisjoint(other_ids)
    if not ids and not other_ids:  # two copies without ids: text alone is too weak to join posts by
        return False
    posts: list[Doc] = doc.get("posts") or []
    other_posts: list[Doc] = other.get("posts") or []
    return bool(posts and other_posts) and _flat(posts[0]) == _flat(other_posts[0])


def _holds(doc: Doc, other: Doc) -> bool:
    """Whether `doc` holds every post of `other` (by id, else by text)."""
    ids = _post_ids(doc)
    texts = {_flat(post) for post in doc.get("posts") or ()}
    return all((post["id"] in ids) if post.get("id") and ids else (_flat(post) in texts)
               for post in other.get("posts") or ())


def plan(incoming: Iterable[Any], stored: Mapping[str, Doc], by_text_key: Mapping[str, str],
         by_post: Mapping[str, Iterable[str]] | None = None, make: Callable[[Doc], Any] | None = None) -> Plan:
    """Decide, copy by copy in order, what a batch changes: each copy is weighed against the library as
    the copies before it left it; one with nothing to be weighed against (the usual one) is not read as
    a document.

    `incoming`: StoredThreads (with `id`, `doc`, `aliases`, `partial_keys`). `stored`: the library's
    documents of every id that may matter (incoming ids, their aliases, the threads `by_text_key` names).
    `by_text_key`: stored threads by the ids a partial copy of them may have (`library.partial_keys`).
    `by_post` (post id -> stored thread ids holding it) and `make` (a document -> a StoredThread) turn on
    merging: a copy that shares posts with a stored one (or one earlier in the batch) while each holds
    posts the other lacks becomes one thread with both (`merge_copies`).
    """
    result = Plan()
    current: dict[str, Any] = dict(stored)  # the library as this batch has left it so far: docs, or StoredThreads
    keys = dict(by_text_key)
    posts_index: dict[str, list[str]] = {key: list(ids) for key, ids in (by_post or {}).items()}
    new_in_batch: set[str] = set()  # ids this batch added that were not in the library before
    for thread in incoming:
        thread_id = thread.id
        same = current.get(thread_id)
        others = [alias for alias in thread.aliases if alias in current]
        if make is not None:
            for key in (thread_id, *thread.aliases):
                for holder_id in posts_index.get(key, ()):
                    if holder_id != thread_id and holder_id in current and holder_id not in others:
                        others.append(holder_id)
        holder = keys.get(thread_id)
        if holder in (None, thread_id) or holder not in current:
            holder = None
        related: list[Doc] = []
        if same is not None or others or holder is not None:
            doc = thread.doc
            copies = [_doc(current[other]) for other in others]
            held = [_doc(current[holder])] if holder is not None else []
            related = [other for other in copies if one_thread(other, doc)] + [
                other for other in held if one_thread(doc, other)]
            if make is not None:
                # Another copy that holds all of this one is kept as it is (below); one this copy adds
                # posts to is merged with it (a copy of the same id only where each lacks posts).
                apart = [other for other in (*copies, *held)
                         if other not in related and overlaps(doc, other) and not _holds(other, doc)]
                if same is not None and overlaps(doc, _doc(same)) and not _holds(doc, _doc(same)) \
                        and not _holds(_doc(same), doc):
                    apart.append(_doc(same))
                if apart:
                    thread = make(merge_copies([doc, *apart, *related]))
                    related = [other for other in (*apart, *related) if other["id"] != thread.id]
                    same = current.get(thread.id)
                    if same is not None and same_content(thread.doc, _doc(same)):
                        result.outcome.setdefault(thread_id, UNCHANGED)
                        continue
                    result.written_as[thread_id] = thread.id
                    _write(result, current, keys, posts_index, new_in_batch, thread_id, thread, same, related)
                    continue
            if same is not None and not replaces(doc, _doc(same)):
                result.outcome.setdefault(thread_id, UNCHANGED)
                continue
            if same is None and any(fullness(other) >= fullness(doc) for other in related):
                result.outcome.setdefault(thread_id, UNCHANGED)  # a copy as full or fuller is kept under another id
                continue
            related = [other for other in related if fullness(other) < fullness(doc)]
        _write(result, current, keys, posts_index, new_in_batch, thread_id, thread, same, related)
    return result


def _write(result: Plan, current: dict[str, Any], keys: dict[str, str], posts_index: dict[str, list[str]],
           new_in_batch: set[str], incoming_id: str, thread: Any, same: Any, related: list[Doc]) -> None:
    """`plan`'s steps for a copy to store under its own id (the incoming copy, or the thread it was merged
    into), replacing `related`: written, and found by the copies after it in the batch."""
    thread_id = thread.id
    result.write[thread_id] = thread
    current[thread_id] = thread
    for key in thread.partial_keys:
        keys[key] = thread_id
    for key in (thread_id, *thread.aliases):
        posts_index.setdefault(key, []).append(thread_id)
    replaced_stored = same is not None and thread_id not in new_in_batch
    for other in related:
        other_id = other["id"]
        if current.pop(other_id, None) is None:
            continue
        if other_id in result.write:  # a copy from earlier in this batch: merged, never stored
            del result.write[other_id]
            result.outcome[other_id] = MERGED
            for earlier, into in list(result.written_as.items()):
                if into == other_id:
                    result.written_as[earlier] = thread_id
        else:
            result.remove[other_id] = other
            replaced_stored |= other_id not in new_in_batch
        result.replaced[other_id] = thread_id
    if replaced_stored:
        result.outcome[incoming_id] = UPDATED
    else:
        result.outcome[incoming_id] = ADDED
        new_in_batch.add(thread_id)


def _doc(value: Any) -> Doc:
    """A document of `plan`'s library so far: stored (a dict), or one of the batch's StoredThreads."""
    return value if isinstance(value, dict) else value.doc


# -- one thread from many captures -------------------------------------------


def _post_sources(post: Doc, doc: Doc) -> list[str]:
    """The captures a post of a copy came from: those it remembers, else its copy's source."""
    sources = post.get("sources")
    if isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources):
        return sources
    return [doc.get("source") or ""]


def _captures(doc: Doc) -> dict[str, list[int]]:
    """A copy as the captures it was made from: each capture's posts (their indexes), in order.
    A copy made by `merge_copies` gives back the copies it was made of; any other copy is one capture."""
    captures: dict[str, list[int]] = {}
    for index, post in enumerate(doc.get("posts") or ()):
        for source in _post_sources(post, doc):
            captures.setdefault(source, []).append(index)
    return captures


def _richness(post: Doc, source: str) -> tuple[Any, ...]:
    """Which of the copies of one post stands for it: one with an id, a time, more media, links and
    text; then the earliest source by name (so that the choice depends on the copies alone)."""
    return (bool(post.get("id")), bool(post.get("time")), len(post.get("media") or ()),
            len(post.get("links") or ()), len(post.get("text") or ""), _neg(source),
            _neg(_canonical(post)))


def _neg(text: str) -> tuple[int, ...]:
    """A key that sorts `text` in reverse (for max() to prefer the smallest)."""
    return tuple(-ord(c) for c in text) + (1,)


def _canonical(post: Doc) -> str:
    """A post (or thread) as text, its sources left out: the last tie-breaker between copies."""
    return json.dumps({k: v for k, v in post.items() if k != "sources"}, sort_keys=True, ensure_ascii=False)


def merge_copies(docs: list[Doc]) -> Doc:
    """One thread from several copies of it (each a `Thread.to_dict()`, each perhaps lacking posts the
    others hold): every post any copy had, in the order the copies give, each remembering the captures it
    was found in (`sources`, sorted). Posts are one post where they have the same id, or, where one of them
    has no id (Thread Reader text), the same text. The result depends on the set of captures alone, not on
    the order they are given or were merged in before: a merged copy is taken apart into its captures
    again (by its posts' `sources`). It is complete if any copy was, or if it holds as many posts as one
    declares; its other fields are those of one copy (below).
    """
    # Every post of every capture (a merged copy gives back several), with its source; each capture's
    # posts, in order, as indexes into that.
    flat: list[tuple[str, Doc]] = []
    at: list[list[int]] = []
    for doc in docs:
        posts = doc.get("posts") or []
        for source, indexes in _captures(doc).items():
            at.append(list(range(len(flat), len(flat) + len(indexes))))
            flat += [(source, posts[i]) for i in indexes]
    # Posts that are one post, by id, else by text where one of them has no id (the texts of posts with
    # ids go first: a post without one joins them).
    parent = list(range(len(flat)))

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    by_id: dict[str, int] = {}
    by_text: dict[str, int] = {}
    for n, (_, post) in enumerate(flat):
        if post.get("id"):
            parent[find(n)] = find(by_id.setdefault(post["id"], n))
            by_text.setdefault(_flat(post), n)
    for n, (_, post) in enumerate(flat):
        if not post.get("id"):
            parent[find(n)] = find(by_text.setdefault(_flat(post), n))
    groups: dict[int, list[int]] = {}
    for n in range(len(flat)):
        groups.setdefault(find(n), []).append(n)
    # The post that stands for each group, its sources, and the order the captures give.
    chosen: dict[int, Doc] = {}
    for root, members in groups.items():
        best = max(members, key=lambda m: _richness(flat[m][1], flat[m][0]))
        post = {k: v for k, v in flat[best][1].items() if k != "sources"}
        post["sources"] = sorted({flat[m][0] for m in members})
        chosen[root] = post
    after: dict[int, set[int]] = {root: set() for root in groups}
    waiting = dict.fromkeys(groups, 0)
    # Posts no capture orders against each other go by time; one without a time (Thread Reader
    # text) just after the latest timed post before it in its captures.
    after_time: dict[int, str] = {}
    for indexes in at:
        roots = [find(n) for n in indexes]
        for before, later in zip(roots, roots[1:]):
            if before != later and later not in after[before]:
                after[before].add(later)
                waiting[later] += 1
        last = ""
        for root in roots:
            if time := chosen[root].get("time"):
                last = time
            else:
                after_time[root] = max(after_time.get(root, ""), last)

    def tie(root: int) -> tuple[Any, ...]:
        post = chosen[root]
        post_id = post.get("id") or ""
        when = (post["time"], 0) if post.get("time") else (after_time.get(root, ""), 1)
        return (when, len(post_id), post_id, _flat(post), _canonical(post))

    ordered: list[Doc] = []
    ready = sorted((root for root, count in waiting.items() if count == 0), key=tie)
    left = set(groups)
    while left:
        if not ready:  # copies that disagree on the order: the earliest post left goes next
            ready = [min(left, key=tie)]
        root = ready.pop(0)
        if root not in left:
            continue
        left.discard(root)
        ordered.append(chosen[root])
        for later in after[root]:
            waiting[later] -= 1
            if waiting[later] == 0 and later in left:
                ready.append(later)
        ready.sort(key=tie)
    # The thread's own fields: those of the capture with the most posts (the earliest source among
    # equals). A merged copy keeps its own capture's source, so merging again chooses alike.
    def rank(doc: Doc) -> tuple[Any, ...]:
        own = doc.get("source") or ""
        return (len(_captures(doc).get(own, ())), _neg(own), _neg(_canonical(doc)))

    base = max(docs, key=rank)
    merged = {key: value for key, value in base.items() if key != "posts"}
    merged["posts"] = ordered
    declared = [count for d in docs if isinstance(count := d.get("declared_count"), int)]
    merged["declared_count"] = max(declared) if declared else None
    merged["complete"] = any(bool(d.get("complete")) for d in docs) or bool(declared and len(ordered) >= max(declared))
    first_post = ordered[0] if ordered else {}
    merged["id"] = make_thread_id(first_post.get("id"), merged.get("author_handle") or merged.get("author_name"),
                                  first_post.get("text") or "")
    merged["url"] = first_post.get("url") or merged.get("url")
    return merged
