"""When two copies are one thread, and which the library keeps: the rules on plain documents."""

from __future__ import annotations

import itertools

from tui.library import StoredThread
from tui.model import Post, Thread
from tui.thread_copies import ADDED, MERGED, UNCHANGED, UPDATED, one_thread, plan


def copy(texts: list[str], ids: list[str] | None = None, complete: bool = True, declared: int | None = None,
         handle: str = "dana") -> StoredThread:
    posts = [Post(text, id=ids[n] if ids else None) for n, text in enumerate(texts)]
    return StoredThread.of(Thread(posts=posts, author_handle=handle, complete=complete, declared_count=declared))


WHOLE = ["A thread 🧵", "about cats", "part three", "part four", "part five", "the end"]
IDS = ["500", "501", "502", "503", "504", "505"]


def stored_and_keys(*threads: StoredThread) -> tuple[dict, dict]:
    return ({t.id: t.doc for t in threads},
            {t.summary["text_key"]: t.id for t in threads if "text_key" in t.summary})


def test_a_whole_copy_without_ids_replaces_a_part_with_ids_and_not_the_other_way():
    part = copy(WHOLE[:3], IDS[:3], complete=False, declared=6)
    whole = copy(WHOLE)  # a Thread Reader page: no post ids, its id is the text key
    stored, keys = stored_and_keys(part)
    changes = plan([whole], stored, keys)
    assert set(changes.write) == {whole.id} and set(changes.remove) == {"500"}
    assert changes.outcome == {whole.id: UPDATED} and changes.replaced == {"500": whole.id}
    stored, keys = stored_and_keys(whole)
    changes = plan([part], stored, keys)
    assert not changes.write and not changes.remove and changes.outcome == {"500": UNCHANGED}


def test_copies_that_only_overlap_are_both_kept():
    later = copy(WHOLE[1:], IDS[1:], complete=False, declared=6)  # posts 501-505
    earlier = copy(WHOLE[:2], IDS[:2], complete=False, declared=6)  # posts 500-501
    assert not one_thread(later.doc, earlier.doc)
    stored, keys = stored_and_keys(later)
    changes = plan([earlier], stored, keys)
    assert set(changes.write) == {"500"} and not changes.remove and changes.outcome == {"500": ADDED}


def test_threads_that_open_alike_are_not_one_thread():
    cats = copy(["A thread 🧵", "about cats"], complete=False, declared=5)
    dogs = copy(["A thread 🧵", "about dogs", "and more dogs"], ["700", "701", "702"])
    stored, keys = stored_and_keys(cats)
    changes = plan([dogs], stored, keys)
    assert set(changes.write) == {"700"} and not changes.remove
    stored, keys = stored_and_keys(dogs)
    changes = plan([cats], stored, keys)
    assert set(changes.write) == {cats.id} and changes.outcome == {cats.id: ADDED}


def test_another_author_is_another_thread():
    mine = copy(WHOLE[:2], complete=False, declared=6)
    theirs = copy(WHOLE, IDS, handle="someone_else")
    assert not one_thread(mine.doc, theirs.doc)


def test_in_one_batch_the_preview_merges_into_the_whole_copy_in_either_order():
    preview = copy(WHOLE[:2], complete=False, declared=6)
    whole = copy(WHOLE, IDS)
    for batch in ([preview, whole], [whole, preview]):
        changes = plan(batch, {}, {})
        assert set(changes.write) == {"500"} and not changes.remove
        assert changes.outcome["500"] == ADDED
        assert changes.outcome[preview.id] in (MERGED, UNCHANGED)
        assert changes.outcome[preview.id] == (MERGED if batch[0] is preview else UNCHANGED)


def test_every_order_of_copies_leaves_one_thread_the_fullest():
    copies = [copy(WHOLE[:2], complete=False, declared=6), copy(WHOLE[:4], IDS[:4], complete=False, declared=6),
              copy(WHOLE, IDS), copy(WHOLE[:3], complete=False, declared=6)]
    for order in itertools.permutations(copies):
        stored: dict = {}
        keys: dict = {}
        for one in order:  # one import each
            changes = plan([one], stored, keys)
            for removed in changes.remove:
                stored.pop(removed)
            for thread_id, written in changes.write.items():
                stored[thread_id] = written.doc
                if "text_key" in written.summary:
                    keys[written.summary["text_key"]] = thread_id
        assert list(stored) == ["500"], [t.id for t in order]
        assert len(stored["500"]["posts"]) == 6
