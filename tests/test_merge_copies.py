"""Issue 15, item 11: one thread from many captures (`thread_copies.merge_copies`): every post any
capture had, in order, each remembering its captures; the same thread in any order and batching."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.model import Thread
from tui.thread_copies import merge_copies


def true_thread(n: int) -> list[dict]:
    return [{"text": f"Post {i}: something about trains, part {i}.", "id": str(1000 + i),
             "time": f"2024-03-01T10:{i:02d}:00Z", "media": [], "links": [], "quoted": None,
             "url": f"https://x.example/ines/status/{1000 + i}"} for i in range(1, n + 1)]


def capture(posts: list[dict], numbers: list[int], source: str, *, ids: bool = True,
            complete: bool = False) -> dict:
    chosen = [dict(posts[i - 1]) for i in numbers]
    if not ids:  # Thread Reader text: no ids, no times, no addresses
        chosen = [{**post, "id": None, "time": None, "url": None} for post in chosen]
    return {"id": chosen[0]["id"] or f"h-{source}", "author_name": "Inés", "author_handle": "ines",
            "date": "2024-03-01", "declared_count": None, "complete": complete, "source": source,
            "read_minutes": None, "url": chosen[0]["url"], "posts": chosen}


def issue_example() -> tuple[list[dict], list[dict]]:
    """A Thread Reader preview of posts 1-3, a saved page of 1-12 missing 8, a fetch of 5-14."""
    posts = true_thread(14)
    return posts, [capture(posts, [1, 2, 3], "/saved/preview.txt", ids=False),
                   capture(posts, [n for n in range(1, 13) if n != 8], "/saved/page.html"),
                   capture(posts, list(range(5, 15)), "/saved/fetch.json")]


def test_the_issue_example_gives_every_post_in_order_with_its_captures():
    posts, copies = issue_example()
    merged = merge_copies(copies)
    assert [p["id"] for p in merged["posts"]] == [p["id"] for p in posts]
    assert merged["id"] == "1001" and merged["url"] == posts[0]["url"]
    sources = {p["id"]: p["sources"] for p in merged["posts"]}
    assert sources["1001"] == ["/saved/page.html", "/saved/preview.txt"]
    assert sources["1004"] == ["/saved/page.html"]
    assert sources["1008"] == ["/saved/fetch.json"]
    assert sources["1014"] == ["/saved/fetch.json"]
    assert sources["1006"] == ["/saved/fetch.json", "/saved/page.html"]
    assert all(p["time"] for p in merged["posts"])  # a post found with and without its id keeps it
    # The stored form is a Thread's: reading it back keeps each post's captures.
    assert Thread.from_dict(merged).to_dict() == merged


def test_posts_without_ids_join_by_text_and_new_ones_keep_their_place():
    posts = true_thread(5)
    preview = capture(posts, [1, 2, 3, 4], "/p.txt", ids=False)
    part = capture(posts, [1, 3, 5], "/part.json")
    merged = merge_copies([part, preview])
    assert [p["text"] for p in merged["posts"]] == [p["text"] for p in posts]
    assert [p["id"] for p in merged["posts"]] == ["1001", None, "1003", None, "1005"]


@st.composite
def captures_of_one_thread(draw):
    n = draw(st.integers(4, 14))
    posts = true_thread(n)
    copies = []
    preview_length = draw(st.integers(1, n))
    copies.append(capture(posts, list(range(1, preview_length + 1)), "/c/preview.txt", ids=False))
    gaps = draw(st.sets(st.integers(2, n)))
    copies.append(capture(posts, [i for i in range(1, n + 1) if i not in gaps], "/c/page.html"))
    extra = draw(st.integers(0, 3))
    for k in range(extra):
        start = draw(st.integers(1, n))
        end = draw(st.integers(start, n))
        copies.append(capture(posts, list(range(start, end + 1)), f"/c/fetch{k}.json"))
    order = draw(st.permutations(copies))
    cuts = draw(st.lists(st.integers(1, len(copies) - 1), max_size=len(copies), unique=True)) if len(copies) > 1 else []
    return posts, copies, list(order), sorted(cuts)


def in_batches(order: list[dict], cuts: list[int]) -> dict:
    """Merge the copies a batch at a time, each batch with what the batches before it left."""
    bounds = [0, *cuts, len(order)]
    merged: dict | None = None
    for start, end in zip(bounds, bounds[1:]):
        batch = order[start:end]
        merged = merge_copies(([merged] if merged else []) + batch)
    assert merged is not None
    return merged


@settings(max_examples=200, deadline=None)
@given(captures_of_one_thread())
def test_any_order_and_batching_of_the_captures_gives_the_same_thread(case):
    posts, copies, order, cuts = case
    expected = merge_copies(copies)
    assert in_batches(order, cuts) == expected
    present = set()
    for copy in copies:
        present |= {p["text"] for p in copy["posts"]}
    assert [p["text"] for p in expected["posts"]] == [p["text"] for p in posts if p["text"] in present]
    for post in expected["posts"]:
        assert post["sources"] == sorted({c["source"] for c in copies
                                          if post["text"] in {p["text"] for p in c["posts"]}})
