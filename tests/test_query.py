"""The query language: every term of the grammar, every error with its column, and the algebra of
AND, OR and NOT over random items (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.model import PartialDate
from tui.query import (
    AllOf, AnyOf, Field, Not, Phrase, QueryError, Record, Word, matches, parse,
)


@pytest.mark.parametrize(("query", "tree"), [
    ("Word", Word("word")),
    ("a b", AllOf((Word("a"), Word("b")))),
    ('"Part 5"', Phrase(("part", "5"))),
    ('"one"', Word("one")),
    ("-spam", Not(Word("spam"))),
    ('-"two words"', Not(Phrase(("two", "words")))),
    ("a OR b c", AllOf((AnyOf((Word("a"), Word("b"))), Word("c")))),
    ("(a b) OR c", AnyOf((AllOf((Word("a"), Word("b"))), Word("c")))),
    ("from:@Ivy@toot.example", Field("from", "ivy@toot.example")),
    ("since:2021 until:2021-10-31", AllOf((Field("since", "2021"), Field("until", "2021-10-31")))),
    ("has:image has:alt", AllOf((Field("has", "image"), Field("has", "alt")))),
    ("is:unread OR is:bookmarked", AnyOf((Field("is", "unread"), Field("is", "bookmarked")))),
    ("tag:#Rust is:reply", AllOf((Field("tag", "rust"), Field("is", "reply")))),
    ("https://example.org/x", Word("https://example.org/x")),
    ("a-b", Word("a-b")),
])
def test_each_term_parses(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize(("query", "message"), [
    ('"part 5', "unclosed quote at column 1"),
    ("frm:ivy", "unknown field 'frm:' at column 1; fields: from, since, until, has, is, tag"),
    ("a since:2021-13", "since:2021-13 is not a date (write 2021, 2021-10 or 2021-10-01) at column 3"),
    ("until:2021-02-30", "until:2021-02-30 is not a date (write 2021, 2021-10 or 2021-10-01) at column 1"),
    ("OR a", "OR with nothing before it at column 1"),
    ("a OR", "OR with nothing after it at column 3"),
    ("a (b", "unclosed '(' at column 3"),
    ("a )", "a ')' with no '(' before it at column 3"),
    ("()", "empty parentheses at column 2"),
    ("has:gif", "has:gif is not one of image, video, link, quote, alt at column 1"),
    ("is:new", "is:new is not one of bookmarked, unread, read, preview, complete, reply at column 1"),
    ("tag:", "tag: needs a value at column 1"),
    ("from:@", "from: needs a value at column 1"),
    ("tag:#", "tag: needs a value at column 1"),
    ('""', "empty quotes at column 1"),
    ("   ", "nothing to search for at column 1"),
    ("since:2021-10-01T10:00", "since:2021-10-01T10:00 is not a date (write 2021, 2021-10 or 2021-10-01) at column 1"),
    ("IS:Nope", "is:Nope is not one of bookmarked, unread, read, preview, complete, reply at column 1"),  # as typed
    ("until:0000", "until:0000 is not a date (write 2021, 2021-10 or 2021-10-01) at column 1"),
    ("a - b", "nothing"),  # a lone '-' is a word, not an error: see below
])
def test_errors_say_what_and_where(query, message):
    if message == "nothing":
        assert parse(query) == AllOf((Word("a"), Word("-"), Word("b")))
        return
    with pytest.raises(QueryError) as error:
        parse(query)
    assert str(error.value) == message


def post(text: str = "", **fields) -> Record:
    return Record(text, **fields)


def test_words_phrases_and_exclusions_match_posts():
    item = post("Notes from part 5 of the walk", handle="dana")
    assert matches(parse('"part 5"'), item) and not matches(parse('"5 part"'), item)
    assert matches(parse("walk -river"), item) and not matches(parse("walk -notes"), item)
    assert matches(parse("river OR walk"), item) and not matches(parse("river OR lake"), item)


@pytest.mark.parametrize(("handle", "query", "hit"), [
    ("ivy@toot.example", "from:ivy", True), ("ivy@toot.example", "from:@ivy@toot.example", True),
    ("ivy@toot.example", "from:ivy@other.example", False), ("nadia.bsky.social", "from:nadia", True),
    ("nadia.bsky.social", "from:nadia.bsky.social", True), ("mira_bakes", "from:mira", False),
])
def test_from_takes_a_handle_with_or_without_its_instance(handle, query, hit):
    assert matches(parse(query), post(handle=handle)) is hit


@pytest.mark.parametrize(("date", "query", "hit"), [
    (PartialDate(2021, 10, 15), "since:2021-10-01", True), (PartialDate(2021, 10, 15), "until:2021-10-14", False),
    (PartialDate(2021, 10, 15), "since:2021 until:2021", True), (PartialDate(2021, 10, 15), "since:2021-11", False),
    (PartialDate(None, 10, 15), "since:2021-10-01 until:2021-10-31", True),  # no year: it can fall inside
    (PartialDate(None, 10, 15), "since:2021-11-01", True), (PartialDate(None, 10, 15), "until:2021-10-14", True),
    (PartialDate(None, 10, 15), "since:2021-10-01 until:2021-10-14", False),  # no year puts it in that fortnight
    (PartialDate(None, 10, 15), "since:2021-12-01 until:2022-01-31", False),
    (PartialDate(None, 10, 15), "since:2021-12-01 until:2022-10-31", True),  # 15 Oct 2022
    (None, "since:2000", False),
])
def test_dates_are_inclusive_and_partial_dates_match_where_they_can(date, query, hit):
    assert matches(parse(query), post(date=date)) is hit


def test_has_is_and_tag_fields():
    item = post(has=frozenset({"image", "alt"}), states=frozenset({"unread", "reply"}), tags=frozenset({"rust"}))
    for query, hit in (("has:image", True), ("has:video", False), ("is:reply", True), ("is:read", False),
                       ("tag:rust", True), ("tag:go", False), ("-is:read has:alt tag:#RUST", True)):
        assert matches(parse(query), item) is hit, query


WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta"])
ITEMS = st.lists(st.builds(lambda words, tags: post(" ".join(words), tags=frozenset(tags)),
                           st.lists(WORDS, max_size=4), st.sets(st.sampled_from(["x", "y"]))), max_size=25)
TERMS = st.one_of(WORDS, st.sampled_from(["tag:x", "tag:y", '"alpha beta"', "is:read"]))


@settings(max_examples=60, deadline=None)
@given(ITEMS, TERMS, TERMS)
def test_a_query_and_its_parts_agree(items, a, b):
    def hits(query: str) -> set[int]:
        node = parse(query)
        return {index for index, item in enumerate(items) if matches(node, item)}

    everything = set(range(len(items)))
    assert hits(f"{a} {b}") == hits(a) & hits(b)
    assert hits(f"{a} OR {b}") == hits(a) | hits(b)
    assert hits(f"-{a}") == everything - hits(a)
    assert hits(f"-({a} OR {b})") == everything - (hits(a) | hits(b))


@pytest.mark.parametrize("query", ["CW: bird", "12:30", "at://did:plc:nadiaquill/app.bsky.feed.post/3lcanal1",
                                   "did:plc:nadiaquill", "mailto:ada@example.org", "note:", "frm:"])
def test_a_colon_that_asks_no_field_is_part_of_a_word(query):
    """Text people search for (a content warning, a time, an address, a thread id the CLI
    prints) holds colons: only `name:value` with a plain name is a field."""
    tree = parse(query)
    words = tree.terms if isinstance(tree, AllOf) else (tree,)
    assert all(isinstance(word, Word) for word in words)
    assert " ".join(word.text for word in words) == query.casefold()


@pytest.mark.parametrize("word", ["from", "since", "until", "has", "is", "tag", "IS"])
def test_a_fields_name_without_its_colon_is_a_word(word):
    """`is`, `from`, `has`: common words, searched for as words."""
    assert parse(word) == Word(word.casefold())
    assert parse(f"what {word} it") == AllOf((Word("what"), Word(word.casefold()), Word("it")))


def test_a_known_fields_name_always_asks_that_field():
    assert parse("from:a:b") == Field("from", "a:b")
