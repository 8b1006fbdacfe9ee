"""The query language answered from a real library: every row of the table on the samples (posts
for search, threads for the list filter), and the algebra of AND, OR and NOT over random libraries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.finding import Marks, matching_threads, search_library
from tui.importing import run_import
from tui.library import Library
from tui.model import PartialDate, Post, Thread
from tui.query import parse
from tui.user_data import UserData

from .conftest import SAMPLES


@pytest.fixture
def library(db_path: Path) -> Library:
    report = run_import([SAMPLES], Library.open(db_path))
    assert not report.failures
    return Library.open(db_path)


def by_handle(library: Library) -> dict[str, list[str]]:
    """Thread ids by author handle."""
    found: dict[str, list[str]] = {}
    for summary in library.summaries():
        found.setdefault(summary["author_handle"], []).append(summary["id"])
    return found


def thread_ids(library: Library, query: str, marks: Marks | None = None) -> set[str]:
    return {summary["id"] for summary in matching_threads(library, query, marks)}


def post_texts(library: Library, query: str, marks: Marks | None = None) -> list[str]:
    return [hit.text for hit in search_library(library, query, marks)]


def posts_with(library: Library, test) -> set[tuple[str, int]]:
    """Every (thread, post number) whose post passes `test(thread, post)`: the expected answer, read
    from the threads themselves rather than from the search files."""
    return {(thread.id, n) for thread in library.iter_threads() for n, post in enumerate(thread.posts, 1)
            if test(thread, post)}


def hits(library: Library, query: str, marks: Marks | None = None) -> set[tuple[str, int]]:
    return {(hit.thread_id, hit.n) for hit in search_library(library, query, marks)}


def test_words_match_text_author_and_handle_in_any_case(library):
    assert hits(library, "TOWPATH") == posts_with(library, lambda t, p: "towpath" in p.text.casefold())
    assert hits(library, "@wren") == posts_with(library, lambda t, p: t.author_handle == "wren@fedi.example")


def test_a_phrase_is_its_words_next_to_each_other_in_order(library):
    phrase = hits(library, '"short thread"')
    assert phrase == posts_with(library, lambda t, p: "short thread" in " ".join(p.text.casefold().split()))
    assert len(phrase) == 2  # the squeaky stairs and the rye loaf
    assert hits(library, '"thread short"') == set()
    assert hits(library, "one loaf") and not hits(library, '"one loaf"')  # "one sourdough loaf": apart
    assert hits(library, '"sourdough loaf"') and not hits(library, '"loaf sourdough"')


def test_minus_excludes_and_or_joins(library):
    loaf = hits(library, "loaf")
    assert hits(library, "loaf -week") == loaf - hits(library, "week")
    assert hits(library, "loaf OR towpath") == loaf | hits(library, "towpath")
    assert hits(library, "(loaf OR towpath) -week") == (loaf | hits(library, "towpath")) - hits(library, "week")
    everything = posts_with(library, lambda t, p: True)
    assert hits(library, "-loaf") == everything - loaf


def test_from_takes_the_handle_with_or_without_its_domain(library):
    wren = set(by_handle(library)["wren@fedi.example"])
    for query in ("from:wren", "from:@wren", "from:wren@fedi.example", "FROM:@Wren@Fedi.Example"):
        assert thread_ids(library, query) == wren, query
    assert thread_ids(library, "from:nadia-quill") == set(by_handle(library)["nadia-quill.bsky.social"])
    assert thread_ids(library, "from:wre") == set()  # a handle, not the start of one


def test_from_among_other_terms_means_what_it_means_alone(library):
    handles = by_handle(library)
    wren, nadia = set(handles["wren@fedi.example"]), set(handles["nadia-quill.bsky.social"])
    everyone = {s["id"] for s in library.summaries()}
    assert thread_ids(library, "from:wren since:2024") == wren & thread_ids(library, "since:2024")
    assert thread_ids(library, "from:wren OR from:nadia-quill") == wren | nadia
    assert thread_ids(library, "-from:wren") == everyone - wren
    assert thread_ids(library, "from:wren from:nadia-quill") == set()
    assert thread_ids(library, "from:wren from:fedi.example") == set()  # in the handle, but not a name of it
    assert {hit.thread_id for hit in search_library(library, "from:wren is:unread")} == wren


def test_dates_are_inclusive_and_partial_dates_match_where_they_can_fall(library):
    found = {s["id"]: s for s in matching_threads(library, "since:2024 until:2024-03")}
    for summary in library.summaries():
        date = PartialDate.from_iso(summary["date"])
        if date.year is not None:
            expected = (2024, 1, 1) <= (date.year, date.month, date.day) <= (2024, 3, 31)
        else:  # 2 Dec, 28 Feb…: in range where the month is
            expected = date.month <= 3
        assert (summary["id"] in found) == expected, summary["date"]
    assert thread_ids(library, "since:2024-03-09 until:2024-03-09") == {
        s["id"] for s in library.summaries() if s["date"] == "2024-03-09"}
    assert thread_ids(library, "since:2025") == {
        s["id"] for s in library.summaries() if s["date"].startswith("--")}  # no year: could be 2025


@pytest.mark.parametrize("feature", ["image", "video", "link", "quote", "alt"])
def test_has_finds_posts_with_that(library, feature):
    expected = posts_with(library, lambda t, p: feature in p.features())
    assert expected, feature
    assert hits(library, f"has:{feature}") == expected
    assert thread_ids(library, f"has:{feature}") == {thread for thread, _ in expected}


def test_has_reads_the_posts_of_threads_stored_before_summaries_said(library):
    summaries = [{key: value for key, value in s.items() if key != "has"} for s in library.summaries()]
    expected = {thread for thread, _ in posts_with(library, lambda t, p: "video" in p.features())}
    assert {s["id"] for s in matching_threads(library, "has:video", summaries=summaries)} == expected


def test_is_answers_from_reading_state_and_summary(library):
    ids = [s["id"] for s in library.summaries()]
    states = {ids[0]: {"read": True, "bookmarked": True}, ids[1]: {"read": True}}
    marks = Marks(states, {})
    assert thread_ids(library, "is:bookmarked", marks) == {ids[0]}
    assert thread_ids(library, "is:read", marks) == {ids[0], ids[1]}
    assert thread_ids(library, "is:unread", marks) == set(ids) - {ids[0], ids[1]}
    previews = {s["id"] for s in library.summaries() if not s["complete"]}
    assert previews and thread_ids(library, "is:preview") == previews
    assert thread_ids(library, "is:complete") == set(ids) - previews
    replies = {s["id"] for s in library.summaries() if s.get("in_reply_to")}
    assert len(replies) == 1 and thread_ids(library, "is:reply") == replies  # Ivy answering @bo


def test_tag_finds_tagged_threads_and_search_hits_carry_the_query_words(library):
    mira = by_handle(library)["mira_bakes"]
    UserData(library).tag(mira[0], ["Baking"])
    marks = Marks({}, UserData(library).all_tags())
    assert thread_ids(library, "tag:baking", marks) == {mira[0]}
    assert thread_ids(library, "tag:#BAKING", marks) == {mira[0]}
    assert thread_ids(library, "#baking", marks) == {mira[0]}  # the list filter's old way to ask
    found = search_library(library, 'tag:baking "worst loaf"', marks)
    assert [hit.thread_id for hit in found] == [mira[0]]
    snippet, spans = found[0].snippet()
    assert [snippet[a:b].casefold() for a, b in spans] == ["worst loaf"]


def test_fields_alone_answer_one_hit_per_thread_from_the_summaries(library, monkeypatch):
    monkeypatch.setattr(Library, "search_blobs", lambda self: pytest.fail("a field query read the posts"))
    monkeypatch.setattr(Library, "thread", lambda self, thread_id: pytest.fail("a field query read a thread"))
    found = search_library(library, "from:theo_types is:preview")
    theo = [s for s in library.summaries() if s["author_handle"] == "theo_types" and not s["complete"]]
    assert [(hit.thread_id, hit.n, hit.text) for hit in found] == [(s["id"], 1, s["title"]) for s in theo]


def test_the_list_filter_takes_a_thread_whole(library):
    ines = set(by_handle(library)["ines_on_rails"])
    # `earplugs` is in a post of the night trains thread, `border` in its title: both hold, in no one post.
    both = thread_ids(library, "earplugs borders")
    assert both and both <= ines
    assert not hits(library, "earplugs borders")
    assert thread_ids(library, "-earplugs") == {s["id"] for s in library.summaries()} - thread_ids(library, "earplugs")


def test_a_query_is_read_from_a_library_another_process_changed(library, db_path):
    library.summaries()  # this copy has read the library
    Library.open(db_path).add_threads([Thread([Post("a zebracorn appears")], author_handle="zed", date=None)])
    assert post_texts(library, "zebracorn") == []  # this copy has not seen it…
    assert post_texts(Library.open(db_path), "zebracorn from:zed") == ["a zebracorn appears"]


# -- the algebra over random libraries ---------------------------------------------

WORDS = ["ash", "birch", "cedar", "dock", "elm"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
libraries = st.lists(st.lists(texts, min_size=1, max_size=4), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(threads=libraries, a=st.sampled_from(WORDS), b=st.sampled_from(WORDS))
def test_a_query_and_its_parts_agree(tmp_path_factory, threads, a, b):
    db = tmp_path_factory.mktemp("algebra") / "library.json"
    library = Library.open(db)
    library.add_threads([Thread([Post(text) for text in posts], author_handle=f"h{i}", date=PartialDate(2020, 1, i + 1))
                         for i, posts in enumerate(threads)])
    library = Library.open(db)
    every_post = hits(library, "-zzz")
    every_thread = thread_ids(library, "-zzz")
    assert len(every_post) == sum(map(len, threads)) and len(every_thread) == len(threads)
    for query in (a, f"{a} {b}", f"{a} OR {b}", f"-{a}", f'"{a} {b}"'):
        parse(query)
    assert hits(library, f"{a} {b}") == hits(library, a) & hits(library, b)
    assert hits(library, f"{a} OR {b}") == hits(library, a) | hits(library, b)
    assert hits(library, f"-{a}") == every_post - hits(library, a)
    assert hits(library, f"-({a} OR {b})") == every_post - hits(library, a) - hits(library, b)
    assert hits(library, f'"{a} {b}"') <= hits(library, f"{a} {b}")
    assert thread_ids(library, f"{a} {b}") == thread_ids(library, a) & thread_ids(library, b)
    assert thread_ids(library, f"{a} OR {b}") == thread_ids(library, a) | thread_ids(library, b)
    assert thread_ids(library, f"-{a}") == every_thread - thread_ids(library, a)
    holding = {thread.id for thread in library.iter_threads() if any(a in post.text.split() for post in thread.posts)}
    assert thread_ids(library, a) == holding


def test_words_are_folded_as_the_language_folds_them(db_path):
    """ß is ss and a final ς is σ, in the query and in the posts alike (casefold, not lower)."""
    library = Library.open(db_path)
    library.add_threads([Thread([Post("First post."), Post("Ο δρόμος ΠΡΟΣ τη Straße.")], author_handle="eleni",
                                date=PartialDate(2024, 5, 1))])
    library = Library.open(db_path)
    for query in ("δρόμος", "ΔΡΌΜΟΣ", "προς", "straße", "STRASSE", "strasse", '"τη straße"'):
        assert hits(library, query) == {(library.summaries()[0]["id"], 2)}, query
        assert thread_ids(library, query) == {library.summaries()[0]["id"]}, query


def test_a_phrase_never_runs_from_the_author_into_the_text(library):
    assert hits(library, "@nadia-quill.bsky.social") and hits(library, "finished")
    assert hits(library, '"@nadia-quill.bsky.social finished"') == set()


@pytest.mark.parametrize("query", ["e", "a the", '"a "', "is:complete", "e -bread", "e OR zzz", "has:image"])
@pytest.mark.parametrize("limit", [0, 1, 3, 7])
def test_a_limit_keeps_the_first_hits_in_order_and_counts_them_all(library, query, limit):
    """What the reader asks for: the first hits of a query however common, and how many there are."""
    every = search_library(library, query)
    first = search_library(library, query, limit=limit)
    assert len(every) > limit  # the samples hold more than the limit for each of these
    assert first == every[:limit] and first.total == every.total == len(every)
