"""The query language, one grammar for the search dialog, the list filter and the command line
(no Textual here).

```
query   := clause*                      terms joined by spaces must all hold
clause  := term ("OR" term)*            OR binds tighter than the space
term    := "-"? atom                    - excludes
atom    := WORD | "PHRASE" | FIELD:VALUE | "(" query ")"
```

Fields: `from:handle` (`@` and the instance or domain optional), `since:` and
`until:` (`2021`, `2021-10`, `2021-10-01`, inclusive), `has:` (image, video,
link, quote, alt), `is:` (bookmarked, unread, read, preview, complete, reply),
`tag:name`. Case never matters. A malformed query raises QueryError with the
column (1-based) where it goes wrong, in one line.

`matches(query, item)` tells whether an item (a post with its thread, or a
thread and what its posts hold) satisfies a query: what the item cannot know
(a date with no year against `since:`) matches where its known parts can fall
inside the range.
"""

from __future__ import annotations

import calendar
import re
from collections import deque
from dataclasses import dataclass
from collections.abc import Callable, Container, Iterator
from typing import Protocol

from .model import PartialDate

FIELDS = ("from", "since", "until", "has", "is", "tag")
HAS_VALUES = ("image", "video", "link", "quote", "alt")
IS_VALUES = ("bookmarked", "unread", "read", "preview", "complete", "reply")
_CHOICES = {"has": HAS_VALUES, "is": IS_VALUES}
_MARKS = {"from": "@", "tag": "#"}  # what a value may start with, left out: `from:@ivy`, `tag:#maps`
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# After any spaces, one token, its kind the group's name: a parenthesis, a `-` right before what it excludes,
# a quoted phrase, a quote that is never closed, or a word (up to a space, a parenthesis or a quote).
_TOKEN = re.compile(r'''\s*(?:(?P<open>\()|(?P<close>\))|(?P<not>-)(?=\S)|(?P<phrase>"[^"]*")|(?P<unclosed>")'''
                    r'''|(?P<word>[^\s()"]+))''')


class QueryError(Exception):
    """A query that is not one: what is wrong and at which column (1-based), on one line."""

    def __init__(self, message: str, column: int, hint: str = "") -> None:
        super().__init__(f"{message} at column {column}" + (f"; {hint}" if hint else ""))
        self.column = column


# -- the tree ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # casefolded


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]  # casefolded, next to each other, in order


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str  # casefolded; for since/until the ISO date as typed


@dataclass(frozen=True, slots=True)
class Not:
    term: Node


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    terms: tuple[Node, ...]


Node = Word | Phrase | Field | Not | AnyOf | AllOf


# -- parsing ------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # word, phrase, field, or, not, open, close
    text: str
    column: int


def _tokens(query: str) -> Iterator[_Token]:
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or ""
        text, column = match.group(kind), match.start(kind) + 1
        if kind == "unclosed":
            raise QueryError("unclosed quote", column)
        if kind == "phrase":
            text = text[1:-1]
        elif text == "OR" and kind == "word":
            kind = "or"
        elif kind == "word":
            name, colon, value = text.partition(":")
            if colon and _is_field(name, value):
                if not value and query[match.end():match.end() + 1] == '"':  # a word never holds a quote
                    raise QueryError(f"write {name}: without quotes", column)
                kind = "field"
        yield _Token(kind, text, column)


# Schemes of addresses people paste whole (`mailto:ada@example.org`): words, not fields.
_SCHEMES = frozenset({"http", "https", "at", "did", "mailto", "ftp", "file", "tel", "xmpp", "acct"})


def _is_field(name: str, value: str) -> bool:
    """Whether `name:value` asks a field (known or mistyped) rather than being a word with a colon
    in it: `CW:`, `12:30`, `:)` and addresses (`at://…`, `did:plc:…`) are words. A known field's
    name always asks it (`since:2021-10-01T10:00` is a date that is no date, not a word)."""
    if not (name.isascii() and name.isalpha()) or name.casefold() in _SCHEMES:
        return False
    if name.casefold() in FIELDS:
        return True
    return bool(value) and ":" not in value and not value.startswith("/")


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = deque(_tokens(query))

    def peek(self) -> _Token | None:
        return self.tokens[0] if self.tokens else None

    def take(self) -> _Token:
        return self.tokens.popleft()

    def clauses(self, top: bool) -> Node:
        terms: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "close":
            terms.append(self.clause())
        if token is not None and top:
            raise QueryError("a ')' with no '(' before it", token.column)
        if not terms:
            column = token.column if token is not None else len(self.query.rstrip()) + 1
            raise QueryError("nothing to search for" if top else "empty parentheses", column)
        return terms[0] if len(terms) == 1 else AllOf(tuple(terms))

    def clause(self) -> Node:
        terms = [self.term()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("or", "close"):
                raise QueryError("OR with nothing after it", token.column)
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else AnyOf(tuple(terms))

    def term(self) -> Node:
        token = self.take()
        if token.kind == "not":
            following = self.peek()
            if following is None or following.kind in ("or", "close", "not"):
                raise QueryError("'-' with nothing to exclude after it", token.column)
            return Not(self.term())
        if token.kind == "or":
            raise QueryError("OR with nothing before it", token.column)
        if token.kind == "open":
            node = self.clauses(top=False)
            if self.peek() is None:
                raise QueryError("unclosed '('", token.column)
            self.take()
            return node
        if token.kind == "phrase":
            words = tuple(token.text.casefold().split())
            if not words:
                raise QueryError("empty quotes", token.column)
            return Phrase(words) if len(words) > 1 else Word(words[0])
        if token.kind == "field":
            return _field(token)
        return Word(token.text.casefold())


def _field(token: _Token) -> Field:
    typed_name, _, typed_value = token.text.partition(":")
    name, value = typed_name.casefold(), typed_value.casefold()
    if name not in FIELDS:
        raise QueryError(f"unknown field '{typed_name}:'", token.column, f"fields: {', '.join(FIELDS)}")
    value = value.lstrip(_MARKS.get(name, ""))
    if not value:
        raise QueryError(f"{name}: needs a value", token.column)
    if name in ("since", "until"):
        if _date_parts(value) is None:
            raise QueryError(f"{name}:{typed_value} is not a date (write 2021, 2021-10 or 2021-10-01)", token.column)
    elif name in _CHOICES and value not in _CHOICES[name]:
        raise QueryError(f"{name}:{typed_value} is not one of {', '.join(_CHOICES[name])}", token.column)
    return Field(name, value)


def _date_parts(value: str) -> tuple[int, int | None, int | None] | None:
    """The year, month and day (the last two where given) of a `since:` or `until:` value; None if no real date."""
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    if not year or (month is not None and not 1 <= month <= 12):  # no calendar has a year 0
        return None
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return year, month, day


def parse(query: str) -> Node:
    """The query's tree; QueryError (with a column) if it is malformed."""
    return _Parser(query).clauses(top=True)


# -- matching ----------------------------------------------------------------------


class Item(Protocol):
    """What a query is tested against: a post with its thread, or a thread with all its posts."""

    def holds(self, words: str) -> bool: ...  # whether its text holds these casefolded words, one space apart

    @property
    def handle(self) -> str: ...  # the author's handle, casefolded, without `@`

    @property
    def date(self) -> PartialDate | None: ...

    @property
    def has(self) -> frozenset[str]: ...  # of HAS_VALUES

    @property
    def states(self) -> Container[str]: ...  # of IS_VALUES

    @property
    def tags(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class Record:
    """A plain Item: what a caller knows of one post (or thread), ready to match."""

    text: str
    handle: str = ""
    date: PartialDate | None = None
    has: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def holds(self, words: str) -> bool:
        return words in " ".join(self.text.casefold().split())


Test = Callable[[Item], bool]


def matches(node: Node, item: Item) -> bool:
    """Whether `item` satisfies the query `node` (`predicate(node)` tests many items faster)."""
    return predicate(node)(item)


def predicate(node: Node) -> Test:
    """The test of an item against the query `node`, made once: the tree is read here, not per item."""
    if isinstance(node, AllOf):
        # A date range is one question (`since:` and `until:` together): a date with unknown parts
        # matches where those parts can take values that put it inside the whole range.
        dates = [term for term in node.terms if isinstance(term, Field) and term.name in ("since", "until")]
        tests = [predicate(term) for term in node.terms if term not in dates]
        if dates:
            tests.append(_date_test(dates))
        return lambda item: all(test(item) for test in tests)
    if isinstance(node, AnyOf):
        alternatives = [predicate(term) for term in node.terms]
        return lambda item: any(test(item) for test in alternatives)
    if isinstance(node, Not):
        test = predicate(node.term)
        return lambda item: not test(item)
    if isinstance(node, Word | Phrase):
        text = node.text if isinstance(node, Word) else " ".join(node.words)
        return lambda item: item.holds(text)
    value = node.value
    if node.name == "from":
        return lambda item: _handle_is(item.handle, value)
    if node.name == "has":
        return lambda item: value in item.has
    if node.name == "is":
        return lambda item: value in item.states
    if node.name == "tag":
        return lambda item: value in item.tags
    return _date_test([node])


def _handle_is(handle: str, value: str) -> bool:
    """Whether `from:value` names this handle, with or without its instance or domain."""
    handle = handle.lstrip("@")
    if handle == value:
        return True
    local = handle.split("@", 1)[0]  # `ivy` of `ivy@toot.example`
    return value in (local, local.split(".", 1)[0])  # `nadia` of `nadia.bsky.social`


def texts_of(node: Node) -> list[str]:
    """The words and phrases a match must or may hold (not those it must not): what a search
    looks for and what snippets highlight, each phrase's words one space apart."""
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, Phrase):
        return [" ".join(node.words)]
    if isinstance(node, AllOf | AnyOf):
        return [text for term in node.terms for text in texts_of(term)]
    return []


def required_texts(node: Node) -> list[tuple[str, ...]] | None:
    """What a match must hold, as alternatives: a post matches only if it holds every word or
    phrase (its words one space apart) of one of them. None where nothing is needed (a field, a `-`)."""
    if isinstance(node, Word | Phrase):
        return [tuple(texts_of(node))]
    if isinstance(node, AnyOf):
        alternatives = [required_texts(term) for term in node.terms]
        if any(a is None for a in alternatives):
            return None
        return [texts for a in alternatives if a is not None for texts in a]
    if isinstance(node, AllOf):
        needed = [a for a in map(required_texts, node.terms) if a is not None]
        if not needed:
            return None
        # What the terms with one alternative need, all together; else the first term's
        # alternatives (each still a superset of the matches).
        single = tuple(text for a in needed if len(a) == 1 for text in a[0])
        return [single] if single else needed[0]
    return None


def nodes_of(node: Node) -> Iterator[Node]:
    """The node and every node inside it."""
    yield node
    if isinstance(node, Not):
        yield from nodes_of(node.term)
    elif isinstance(node, AllOf | AnyOf):
        for term in node.terms:
            yield from nodes_of(term)


def asks_has(node: Node) -> bool:
    """Whether a `has:` field is anywhere in the query (with or without `-`)."""
    return any(isinstance(term, Field) and term.name == "has" for term in nodes_of(node))


def has_text(node: Node) -> bool:
    """Whether any word or phrase is in the query (with or without `-`)."""
    return any(isinstance(term, Word | Phrase) for term in nodes_of(node))


Day = tuple[int, int, int]


def _bound(field: Field) -> Day:
    """The first day `since:` lets in, or the last day `until:` does (inclusive)."""
    parts = _date_parts(field.value)
    assert parts is not None
    year, month, day = parts
    if field.name == "since":
        return (year, month or 1, day or 1)
    month = month or 12
    return (year, month, day or calendar.monthrange(year, month)[1])


def _date_test(fields: list[Field]) -> Test:
    """Whether an item's date, whose parts may be unknown, can fall between the bounds of `fields`."""
    lower = max((_bound(f) for f in fields if f.name == "since"), default=(1, 1, 1))
    upper = min((_bound(f) for f in fields if f.name == "until"), default=(9999, 12, 31))
    if lower > upper:
        return lambda item: False
    return lambda item: _date_in_range(item.date, lower, upper)


def _date_in_range(date: PartialDate | None, lower: Day, upper: Day) -> bool:
    """Whether some day the date may be (its unknown parts filled any way) falls in the range."""
    if date is None:
        return False
    years = [date.year] if date.year is not None else sorted({lower[0], min(lower[0] + 1, upper[0]), upper[0]})
    return any((year, date.month or 1, date.day or 1) <= upper and (year, date.month or 12, date.day or 31) >= lower
               for year in years)
