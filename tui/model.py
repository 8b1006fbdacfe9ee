"""The data model: threads, posts, media and partial dates (no Textual here)."""

from __future__ import annotations

import calendar
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Day
from typing import Any, NamedTuple, Required, TypedDict

# A post not shown to everyone: left off public timelines, shown to followers only, or a direct message.
VISIBILITY_MARKS = {"unlisted": "unlisted", "followers": "followers only", "direct": "direct message"}
WORDS_PER_MINUTE = 200

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# A line ending in one of these (or in a letter or digit) ends mid-sentence: the title runs on.
_RUNS_ON = ",;&-–—("
_ISO_DATE = re.compile(r"^(?:(\d{4})|-)-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A calendar date where any part may be unknown (`15 Oct` has no year)."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def iso(self) -> str | None:
        """ISO 8601 text: `2021-10-15`, or `--10-15` when the year is unknown."""
        if self.month is None:
            return f"{self.year:04d}" if self.year is not None else None
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}" if self.year else f"--{self.month:02d}"
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def from_iso(cls, text: str | None) -> PartialDate | None:
        """Parse what `iso()` writes (full dates, `--MM-DD`); None for None, and for what
        no date is (a damaged library's `2024-22-11`, say): nothing is invented."""
        if not text or not isinstance(text, str):
            return None
        try:
            match = _ISO_DATE.match(text)
            if match:
                year = int(match.group(1)) if match.group(1) else None
                date = cls(year, int(match.group(2)), int(match.group(3)))
            elif text.startswith("--"):
                date = cls(None, int(text[2:4]), None)
            else:
                parts = text.split("-")
                date = cls(int(parts[0]), int(parts[1]) if len(parts) > 1 else None, None)
        except ValueError:
            return None
        if (date.month is not None and not 1 <= date.month <= 12) or (date.day is not None and not 1 <= date.day <= 31):
            return None
        return date

    def sort_key(self) -> tuple[int, int, int]:
        """Newest-first sorting key: unknown parts sort as oldest."""
        return (self.year or 0, self.month or 0, self.day or 0)

    def placed_by(self, reference: Day) -> PartialDate:
        """This date where its year is unknown, given the latest year that puts its month and day
        on or before `reference` (the day the page was saved or imported); itself otherwise."""
        if self.year is not None or self.month is None:
            return self
        year = reference.year
        while (year, self.month, self.day or 1) > (reference.year, reference.month, reference.day) or (
                self.month == 2 and self.day == 29 and not calendar.isleap(year)):
            year -= 1
        return PartialDate(year, self.month, self.day)

    def human(self) -> str:
        """Short display form: `3 Mar 2023`, `3 Mar` without a year."""
        month = MONTHS[self.month - 1].capitalize() if self.month is not None else None
        return " ".join(str(part) for part in (self.day, month, self.year) if part is not None)


@dataclass(slots=True)
class Media:
    """An image, video or link card attached to a post."""

    kind: str
    url: str | None = None
    alt: str | None = None

    def label(self) -> str:
        """`[image: alt text]`, `[video]`, `[link: title]`."""
        return f"[{self.kind}: {self.alt}]" if self.alt else f"[{self.kind}]"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "alt": self.alt}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Media:
        return cls(data["kind"], data.get("url"), data.get("alt"))


class InReplyTo(NamedTuple):
    """Whom a thread's first post answers, where it answers a post outside the thread: a handle
    (no `@`) and the answered post's address, each where the source tells it."""

    handle: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"handle": self.handle, "url": self.url}

    @classmethod
    def from_dict(cls, data: Any) -> InReplyTo | None:
        if not isinstance(data, dict):
            return None
        handle, url = data.get("handle"), data.get("url")
        return cls(handle if isinstance(handle, str) else None, url if isinstance(url, str) else None)


@dataclass(slots=True)
class Post:
    """One post of a thread: clean text plus what is known about it."""

    text: str
    id: str | None = None
    time: str | None = None
    media: list[Media] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    quoted: Post | None = None
    url: str | None = None  # the post's own address, where a person opens it in a browser
    visibility: str | None = None  # one of VISIBILITY_MARKS, where the source says it was not public
    answers: str | None = None  # the id of the post of this thread it answers, if not the post above it
    sources: list[str] = field(default_factory=list)  # the captures it was found in, in a merged thread

    def to_dict(self) -> dict[str, Any]:
        data = {
            "text": self.text,
            "id": self.id,
            "time": self.time,
            "media": [m.to_dict() for m in self.media],
            "links": list(self.links),
            "quoted": self.quoted.to_dict() if self.quoted else None,
            "url": self.url,
        }
        if self.visibility:
            data["visibility"] = self.visibility  # only where set: public posts' documents stay as they were
        if self.answers:
            data["answers"] = self.answers
        if self.sources:
            data["sources"] = list(self.sources)
        return data

    def features(self) -> frozenset[str]:
        """What it has, as the query language's `has:` names it: image, video, link, quote, alt."""
        kinds = {media.kind for media in self.media}
        found = {name for name, present in (
            ("image", "image" in kinds), ("video", bool(kinds & {"video", "gif", "gifv"})),
            ("link", bool(self.links) or "link" in kinds), ("quote", self.quoted is not None),
            ("alt", any(media.alt for media in self.media if media.kind != "link"))) if present}
        return frozenset(found)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Post:
        quoted = data.get("quoted")
        return cls(
            text=data["text"],
            id=data.get("id"),
            time=data.get("time"),
            media=[Media.from_dict(m) for m in data.get("media") or ()],
            links=list(data.get("links") or ()),
            quoted=cls.from_dict(quoted) if quoted else None,
            url=data.get("url"),
            visibility=data.get("visibility") if data.get("visibility") in VISIBILITY_MARKS else None,
            answers=data.get("answers") if isinstance(data.get("answers"), str) else None,
            sources=[s for s in data.get("sources") or () if isinstance(s, str)]
            if isinstance(data.get("sources"), list) else [],
        )


def make_thread_id(first_post_id: str | None, author: str | None, first_text: str) -> str:
    """The stable id: the source's id of the first post, else a hash of author and text."""
    if first_post_id:
        return first_post_id
    if first_text.isprintable() and "  " not in first_text and first_text[:1] != " " and first_text[-1:] != " ":
        normalized = first_text.casefold()  # already one space between words (printable: no other whitespace)
    else:
        normalized = " ".join(first_text.split()).casefold()
    digest = hashlib.sha256(f"{(author or '').casefold()}\n{normalized}".encode()).hexdigest()
    return f"h{digest[:20]}"


def title_of(text: str, limit: int = 120) -> str:
    """A post's opening words: its first line, run on into the next ones while a line ends
    mid-sentence (in a letter, a digit or one of `_RUNS_ON`), up to a blank line; cut to `limit` characters."""
    words: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            if words:
                break
            continue
        words.append(line)
        if not (line[-1].isalnum() or line[-1] in _RUNS_ON):
            break
    title = " ".join(words)
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def title_of_posts(posts: Sequence[Post]) -> str:
    """A thread's title: its first post's opening words; a first post with no text is titled by
    its media's alt text (`[image: alt]`), else by the next post with text, else by its media's kind."""
    if not posts:
        return ""
    first = posts[0]
    if first.text.strip():
        return title_of(first.text)
    described = next((media for media in first.media if media.alt), None)
    if described is not None:
        return replace(described, alt=title_of(described.alt or "")).label()
    following = next((post.text for post in posts[1:] if post.text.strip()), "")
    if following:
        return title_of(following)
    return first.media[0].label() if first.media else ""


@dataclass(slots=True)
class Thread:
    """A thread: an author, a date and ordered posts, with where it came from."""

    posts: list[Post]
    author_name: str | None = None
    author_handle: str | None = None
    date: PartialDate | None = None
    declared_count: int | None = None
    complete: bool = True
    source: str = ""
    read_minutes: int | None = None
    id: str = ""
    url: str | None = None  # the address it can be fetched again from: its first post's, where known
    in_reply_to: InReplyTo | None = None
    # Where a date without a year is placed (`PartialDate.placed_by` the day it was imported): the
    # list's order and export file names use it; it is never shown as the thread's date.
    placed_on: PartialDate | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = (self.posts[0].id if self.posts else None) or self.text_key()
        if not self.url and self.posts:
            self.url = self.posts[0].url
        reply = self.in_reply_to
        if reply is not None and reply.handle and self.author_handle \
                and reply.handle.casefold() == self.author_handle.casefold():
            self.in_reply_to = None  # its author's own post, missing from this copy: a gap, not a reply to someone

    def text_key(self) -> str:
        """The id a copy of this thread without post ids would have (`thread_copies.text_key`)."""
        author = self.author_handle or self.author_name
        return make_thread_id(None, author, self.posts[0].text if self.posts else "")

    @property
    def title(self) -> str:
        return title_of_posts(self.posts)

    @property
    def post_count(self) -> int:
        return len(self.posts)

    def minutes_to_read(self) -> int:
        """The source's read time where given, else words at 200 a minute."""
        return _minutes(self.read_minutes, sum(len(p.text.split()) for p in self.posts))

    def summary(self) -> Summary:
        """What the library keeps of it for the list: everything but the posts."""
        summary = _summary(self, self.id, self.title, self.minutes_to_read(), self.url)
        summary["placed_at"] = placed_at(self.placed_date(), self.posts[0].time if self.posts else None)
        summary["has"] = sorted(frozenset().union(*(post.features() for post in self.posts)))
        if self.in_reply_to is not None:
            summary["in_reply_to"] = self.in_reply_to.to_dict()
        return summary

    def placed_date(self) -> PartialDate | None:
        """The date it is placed by: its own, or where one without a year was placed (`placed_on`)."""
        if self.placed_on is not None and self.date is not None and self.date.year is None:
            return self.placed_on
        return self.date

    def detail(self) -> dict[str, Any]:
        """The fields of `show --json`: the summary plus numbered posts."""
        return {**self.summary(), "posts": [{"n": n, **p.to_dict()} for n, p in enumerate(self.posts, 1)]}

    def to_dict(self) -> dict[str, Any]:
        """The stored form: `from_dict(to_dict())` gives the same thread."""
        data = _document(self, self.id, [p.to_dict() for p in self.posts], self.url)
        if self.in_reply_to is not None:  # only for a thread that answers a post outside it
            data["in_reply_to"] = self.in_reply_to.to_dict()
        if self.placed_on is not None:
            data["placed_on"] = self.placed_on.iso()  # only where set: other documents stay as they were
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thread:
        return cls(
            posts=[Post.from_dict(p) for p in data.get("posts") or ()],
            author_name=data.get("author_name"),
            author_handle=data.get("author_handle"),
            date=PartialDate.from_iso(data.get("date")),
            declared_count=data.get("declared_count"),
            complete=bool(data.get("complete", True)),
            source=data.get("source") or "",
            read_minutes=data.get("read_minutes"),
            id=data["id"],
            url=data.get("url"),
            in_reply_to=InReplyTo.from_dict(data.get("in_reply_to")),
            placed_on=PartialDate.from_iso(data.get("placed_on")),
        )


class Summary(TypedDict, total=False):
    """What the library keeps of a thread for the list and for queries: all but its posts (one line
    of the summaries file, as JSON). A damaged line's stand-in holds only the id, names and count."""

    id: Required[str]
    author_name: str | None
    author_handle: str | None
    date: str | None  # `PartialDate.iso()`
    title: str
    post_count: int
    declared_count: int | None
    complete: bool
    source: str
    read_minutes: int
    url: str | None
    placed_at: str  # `placed_at()`: where it stands in newest-first order
    has: list[str]  # its posts' features (`Post.features`): image, video, link, quote, alt
    in_reply_to: dict[str, Any]  # `InReplyTo.to_dict()`, for a thread that answers a post outside it
    imported_at: str  # the day an import placed it by, for a date without a year (`StoredThread.place_by`)
    added_at: float  # when an import first stored it (absent in summaries written before that was kept)
    text_key: str  # `thread_copies.text_key`, where it is not the id
    second_id: str  # the second post's id: a copy saved without the first post has it as its own
    damaged: bool  # a stand-in for a line that could not be read


def placed_at(date: PartialDate | None, first_time: str | None) -> str:
    """Where a thread stands in newest-first order, as text that sorts by time: its first post's
    time where known (threads of one day in time order), else its date, an unknown year as year 0."""
    if first_time:
        return first_time
    iso = (date.iso() or "") if date else ""
    return "0000" + iso[1:] if iso.startswith("--") else iso


def _minutes(read_minutes: int | None, words: int) -> int:
    return read_minutes if read_minutes is not None else max(1, math.ceil(words / WORDS_PER_MINUTE))


def _summary(thread: Thread | PlainThread, thread_id: str, title: str, read_minutes: int, url: str | None) -> Summary:
    """The summary fields of a Thread, or of the Thread a PlainThread stands for."""
    return {"id": thread_id, "author_name": thread.author_name, "author_handle": thread.author_handle,
            "date": thread.date.iso() if thread.date else None, "title": title, "post_count": thread.post_count,
            "declared_count": thread.declared_count, "complete": thread.complete, "source": thread.source,
            "read_minutes": read_minutes, "url": url}


def _document(thread: Thread | PlainThread, thread_id: str, posts: list[dict[str, Any]],
              url: str | None) -> dict[str, Any]:
    """The stored form of a Thread, or of the Thread a PlainThread stands for."""
    return {"id": thread_id, "author_name": thread.author_name, "author_handle": thread.author_handle,
            "date": thread.date.iso() if thread.date else None, "declared_count": thread.declared_count,
            "complete": thread.complete, "source": thread.source, "read_minutes": thread.read_minutes, "url": url,
            "posts": posts}


class PlainThread(NamedTuple):
    """A thread whose posts are only text and links (most threads of a saved page), not yet made
    a Thread: an import may store it as it is (`library.StoredThread.of_plain`), which costs far
    less than making its Post objects first. `to_thread()` is the Thread it stands for."""

    texts: list[str]
    links: list[list[str]]  # each post's links, in order
    author_name: str | None = None
    author_handle: str | None = None
    date: PartialDate | None = None
    declared_count: int | None = None
    complete: bool = True
    source: str = ""
    read_minutes: int | None = None

    @property
    def post_count(self) -> int:
        return len(self.texts)

    def stored_forms(self) -> tuple[str, Summary, dict[str, Any]]:
        """The id, `summary()` and `to_dict()` of `to_thread()`, made without it (the document
        holds this thread's lists of links, not copies: it is to be written, not changed)."""
        texts = self.texts
        first = texts[0] if texts else ""
        thread_id = make_thread_id(None, self.author_handle or self.author_name, first)
        words = 0 if self.read_minutes is not None else sum(len(text.split()) for text in texts)
        summary = _summary(self, thread_id, self._title(), _minutes(self.read_minutes, words), None)
        summary["placed_at"] = placed_at(self.date, None)
        summary["has"] = ["link"] if any(self.links) else []
        if len(self.links) != len(texts):
            raise ValueError("a plain thread needs a list of links for each post")
        posts = [{"text": text, "id": None, "time": None, "media": [], "links": links, "quoted": None, "url": None}
                 for text, links in zip(texts, self.links)]
        return thread_id, summary, _document(self, thread_id, posts, None)

    def _title(self) -> str:
        """`to_thread().title`: only a first post with no text needs the posts made to tell it."""
        if not self.texts:
            return ""
        return title_of(self.texts[0]) if self.texts[0].strip() else self.to_thread().title

    def to_thread(self) -> Thread:
        fields = self._asdict()  # the rest are Thread's own fields, by the same names
        posts = [Post(text, links=links) for text, links in zip(fields.pop("texts"), fields.pop("links"), strict=True)]
        return Thread(posts=posts, **fields)
