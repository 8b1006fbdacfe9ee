"""Thread Reader pages saved as plain text (see docs/formats/threadreader-text.md)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from ..model import MONTHS, Media, PartialDate, PlainThread, Post, Thread
from ..text import clean_line, strip_control
from .base import MAX_POSTS_PER_THREAD, Importer, ImportFailure, ParseResult, PlainResult, Source

_MONTH = r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
COUNTS = r"(?P<count>\d[\d,]*) tweets?, (?P<minutes>\d+) min read"
# `15 Oct`, `15 Oct 2021`, `Oct 15, 2021`, optionally followed by the counts.
_DAY_MONTH = re.compile(rf"^(?P<day>\d{{1,2}}) {_MONTH}(?:,? (?P<year>\d{{4}}))?(?:,? {COUNTS})?$", re.I)
_MONTH_DAY = re.compile(rf"^{_MONTH} (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?(?:,? {COUNTS})?$", re.I)
_COUNTS_LINE = re.compile(rf"^{COUNTS}$", re.I)
# Detection looks for a profile line and the counts within the first lines.
DETECT_LINES = 40
_PROFILE_ANYWHERE = re.compile(r"^[ \t]*\S.*? Profile picture[ \t\r]*$", re.M)
_COUNTS_ANYWHERE = re.compile(COUNTS)
_COUNTS_END = " min read"
_PROFILE = re.compile(r"^(.+?) Profile picture$")
_END_MARK = re.compile(r"^•\s*•\s*•$")
_MORE_FROM = re.compile(r"^More from @(\w{1,50})$")
_READ_MORE = re.compile(r"^Read (\d[\d,]*) tweets?$")
_FOOTER = re.compile(r"^(Did Thread Reader help you today\?|Support us!|Follow Us on Twitter!)")
_LIST_ITEM = re.compile(r"^(?:[•◦▪‣●·\-–—*]|\d{1,3}[.)])\s")
_NUMBERED = re.compile(r"^\d{1,3}[.)/]\s")
_TRAILING_IMAGES = re.compile(r"(?:\s?Image)+$")
# HTML, XML or JSON, which other importers read: never a saved text page.
_MARKUP_OR_JSON_START = re.compile(r"^\s*(?:<|\{|\[\s*[\[{\"\d\]-])")


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Links in plain text: an http(s) address, or one starting `www.`.
_URL = re.compile(r"(?:(?i:https?)://|\bwww\.)[^\s<>\"]+")
_URL_TRAILING = ".,;:!?'\"’”»*)]}"
_URL_CLOSING = {")": "(", "]": "[", "}": "{"}


def links_in(text: str) -> list[str]:
    """The addresses written in text, in order, each once: without punctuation after them (but a bracket
    they opened), and none cut short with `…`."""
    links: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0)
        while url[-1] in _URL_TRAILING:
            opening = _URL_CLOSING.get(url[-1])
            if opening and url.count(opening) >= url.count(url[-1]):
                break
            url = url[:-1]
        if url.endswith(("…", "://", "www.")) or url in links:
            continue
        links.append(url)
    return links


@dataclass
class DateCounts:
    """A date line: its date (None when the page shows a day the month lacks) and any counts on it."""

    date: PartialDate | None
    declared: int | None = None
    minutes: int | None = None
    text: str = ""


def parse_date_line(line: str) -> DateCounts | None:
    """A date line, with the counts when they share the line; None for another line. A day its month lacks
    (`Feb 30`, `29 Feb 2021`) leaves the date unknown: nothing is invented."""
    match = _DAY_MONTH.match(line) or _MONTH_DAY.match(line)
    if not match:
        return None
    day, month, year, count, minutes = match.group("day", "month", "year", "count", "minutes")
    if not 1 <= int(day) <= 31:
        return None
    return DateCounts(
        shown_date(year, month, day),
        int(count.replace(",", "")) if count else None,
        int(minutes) if minutes else None,
        line,
    )


@lru_cache(maxsize=1 << 13)  # an archive's threads share their days: each worked out once
def shown_date(year: str | None, month: str, day: str) -> PartialDate | None:
    """The date a page shows (`Oct`, `15`, no year); None for a day its month lacks."""
    year_number, day_number = (int(year) if year else None), int(day)
    month_number = MONTHS.index(month[:3].lower()) + 1
    if not 1 <= day_number <= _MONTH_DAYS[month_number - 1] or (
            month_number == 2 and day_number == 29 and year_number is not None and not calendar.isleap(year_number)):
        return None
    return PartialDate(year_number, month_number, day_number)


def _no_date(line: DateCounts) -> str:
    return f"the date line {line.text[:40]!r} shows a day its month lacks: the date is left unknown"


# How list items are treated when splitting: the note's rule, then fallbacks when the count disagrees.
LIST_ITEMS_CONTINUE = "continue"      # every list item continues its tweet
NUMBERED_START_TWEETS = "numbered"    # `1.` lines start tweets (numbered threads)
LIST_ITEMS_START_TWEETS = "all"       # any line after a non-empty line starts a tweet
SPLIT_RULES = (LIST_ITEMS_CONTINUE, NUMBERED_START_TWEETS, LIST_ITEMS_START_TWEETS)


_LIST_MARKS = frozenset("•◦▪‣●·-–—*0123456789")


def _is_list_item(line: str) -> bool:
    """Whether a line starts a list item (`•`, `-`, `1.` and the like)."""
    first = line[:1]
    if first not in _LIST_MARKS:
        return False
    if first.isdigit() and "." not in line[1:4] and ")" not in line[1:4]:
        return False  # a number, as tweets often start with, that no `.` or `)` follows
    return bool(_LIST_ITEM.match(line))


def split_tweets(lines: list[str], rule: str = LIST_ITEMS_CONTINUE, spaces_are_blank: bool = True) -> list[Post]:
    """Split body lines into tweets: a non-empty line right after another starts a new tweet, unless it is
    a list item (how those count is set by `rule`); a line of only spaces is blank, or (not
    `spaces_are_blank`) no line at all."""
    tweets: list[list[str]] = []  # each tweet's lines, "" between paragraphs
    images: list[int] = []
    previous_blank = True
    for raw in lines:
        line = raw.rstrip()
        if not line:
            if spaces_are_blank or not raw:
                previous_blank = True
            continue
        if not tweets:
            starts_tweet = True
        elif previous_blank:
            starts_tweet = False
        elif rule == LIST_ITEMS_START_TWEETS or not _is_list_item(line):
            starts_tweet = True
        else:
            starts_tweet = rule == NUMBERED_START_TWEETS and _NUMBERED.match(line) is not None
        marks = _TRAILING_IMAGES.search(line) if line.endswith("Image") else None
        if marks:
            line = line[: marks.start()].rstrip()
        if starts_tweet:
            if len(tweets) == MAX_POSTS_PER_THREAD:
                raise ImportFailure(f"more than {MAX_POSTS_PER_THREAD} tweets in one thread")
            tweets.append([line] if line else [])
            images.append(0)
        elif line:
            tweet = tweets[-1]
            if previous_blank and tweet:
                tweet.append("")
            tweet.append(line)
        if marks:
            images[-1] += marks.group(0).count("Image")
        previous_blank = False
    # The page was cleaned whole and its lines trimmed: joining the lines is all that is left.
    posts = [Post("\n".join(tweet).strip("\n"), media=[Media("image") for _ in range(count)] if count else [])
             for tweet, count in zip(tweets, images)]
    for post in posts:
        if "/" in post.text or "www." in post.text:  # cheap tests first: most tweets hold no link
            post.links = links_in(post.text)
    return posts


_PARAGRAPH_BREAK = re.compile(r"\n{3,}")
# Where a list item may start a line after the first (the space after the mark may be the line break):
# searched from a fixed `\n`, found at C speed (`^` in multiline mode is tried at every character).
_LIST_ITEM_AFTER_BREAK = re.compile(r"\n(?:[•◦▪‣●·\-–—*]|\d{1,3}[.)])\s")


def _plain_texts(lines: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """The texts and links of `split_tweets(lines)`, split on the text whole, for the usual body: no line
    ending in whitespace, no list item, no `Image` mark, no NUL (which stands for paragraph breaks here).
    None for any other."""
    body = "\n".join(lines)
    if ("Image" in body or "\0" in body or _LIST_ITEM.match(body) is not None
            or _LIST_ITEM_AFTER_BREAK.search(body) is not None):
        return None
    for line in lines:
        if line[-1:].isspace():
            return None
    body = body.strip("\n")
    if not body:
        return [], []
    # A line break between two non-empty lines ends a tweet; two or more are a paragraph break.
    paragraphs = "\n\n" in body
    if paragraphs:
        if "\n\n\n" in body:
            body = _PARAGRAPH_BREAK.sub("\n\n", body)
        body = body.replace("\n\n", "\0")
    texts = body.split("\n")
    if len(texts) > MAX_POSTS_PER_THREAD:
        raise ImportFailure(f"more than {MAX_POSTS_PER_THREAD} tweets in one thread")
    if paragraphs:
        texts = [text.replace("\0", "\n\n") for text in texts]
    if "/" in body or "www." in body:  # cheap tests first: most bodies hold no link
        return texts, [links_in(text) if "/" in text or "www." in text else [] for text in texts]
    return texts, [[] for _ in texts]


def _plain_split(lines: list[str]) -> list[Post] | None:
    """`split_tweets(lines)` for the usual body (see `_plain_texts`); None for any other."""
    plain = _plain_texts(lines)
    return None if plain is None else [Post(text, links=links) for text, links in zip(*plain)]


def _best_split(lines: list[str], declared: int | None) -> tuple[list[Post], str | None]:
    """Split, checked against the declared count, and a warning when they disagree. When the note's rule
    gives another count, each list-item rule is tried, then each with lines of only spaces taken for none."""
    posts = _plain_split(lines)
    if posts is not None and (declared is None or len(posts) == declared):
        return posts, None
    posts = split_tweets(lines)
    if declared is None or len(posts) == declared:
        return posts, None
    ways = [(rule, True) for rule in SPLIT_RULES[1:]]
    if any(raw and not raw.strip() for raw in lines):
        ways += [(rule, False) for rule in SPLIT_RULES]
    for rule, spaces_are_blank in ways:
        alternative = split_tweets(lines, rule, spaces_are_blank)
        if len(alternative) == declared:
            return alternative, None
    return posts, f"the page says {declared} tweets but the text splits into {len(posts)}"


# A thread of a page before it is split: its date line, its lines and the posts it says it has. The first
# of a page is its main thread, the others "More from" previews.
_Part = tuple[DateCounts, list[str], int | None]


def _plain_threads(parts: list[_Part], author_name: str | None, handle: str | None, source_name: str
                   ) -> tuple[list[PlainThread], list[str]] | None:
    """A page's threads as PlainThreads, and their warnings; None unless every one is plain and the main
    thread splits into as many tweets as the page says."""
    threads: list[PlainThread] = []
    warnings: list[str] = []
    for number, (date, lines, declared) in enumerate(parts):
        plain = _plain_texts(lines)
        if plain is None or (number == 0 and (not plain[0] or declared not in (None, len(plain[0])))):
            return None
        if not plain[0]:
            continue
        if number and date.date is None:
            warnings.append(_no_date(date))
        threads.append(PlainThread(plain[0], plain[1], author_name, handle, date.date, declared,
                                   number == 0 or len(plain[0]) >= (declared or 0), source_name,
                                   None if number else date.minutes))
    return threads, warnings


def _has_counts(text: str) -> bool:
    """`_COUNTS_ANYWHERE.search(text)`, tried only on the line before each ` min read` (where a match
    ends, after the one before): each character is tried once."""
    start, end = 0, text.find(_COUNTS_END)
    while end >= 0:
        end += len(_COUNTS_END)
        if _COUNTS_ANYWHERE.search(text, max(start, text.rfind("\n", 0, end) + 1), end) is not None:
            return True
        start, end = end, text.find(_COUNTS_END, end)
    return False


class ThreadReaderTextImporter(Importer):
    """A Thread Reader unroll saved as text: one thread plus "More from" previews."""

    name = "Thread Reader text"
    max_bytes = 4 * 1024 * 1024  # a saved unroll is well under 1 MiB; parsing costs ~25x the size

    def detect(self, source: Source) -> bool:
        head = source.head_text()
        if _MARKUP_OR_JSON_START.match(head):
            return False
        # The first DETECT_LINES lines (a short page: all of it, without splitting it).
        top = head if head.count("\n") < DETECT_LINES else "\n".join(head.split("\n", DETECT_LINES)[:DETECT_LINES])
        # The patterns' fixed words first: found at C speed, and most files in no format lack them.
        return " Profile picture" in top and _has_counts(top) and _PROFILE_ANYWHERE.search(top) is not None

    def parse(self, source: Source) -> ParseResult:
        return parse_page(self._lines(source), source.name)

    def parse_for_storage(self, source: Source) -> ParseResult | PlainResult:
        return plain_page(self._lines(source), source.name)

    def _lines(self, source: Source) -> list[str]:
        text = source.read_text(self.max_bytes)
        text = strip_control(text).replace("\t", " ")
        # Lines keep their trailing spaces: a line of only spaces is told from an empty one.
        return text.split("\n")


def parse_page(lines: list[str], source_name: str) -> ParseResult:
    """Parse the lines of a saved page into the main thread and its previews."""
    result = _read_page(lines, source_name, plain=False)
    assert isinstance(result, ParseResult)
    return result


def plain_page(lines: list[str], source_name: str) -> ParseResult | PlainResult:
    """`parse_page`, its threads as PlainThreads where every one is plain (see `_plain_texts`)."""
    return _read_page(lines, source_name, plain=True)


def _read_page(lines: list[str], source_name: str, plain: bool) -> ParseResult | PlainResult:
    result = ParseResult()
    numbered = enumerate(lines, 1)  # each line's number: the index of the line after it
    for _, line in numbered:
        if match := _PROFILE.match(line.strip()):
            author_name = clean_line(match.group(1))
            break
    else:
        raise ImportFailure("no 'Profile picture' line: not a Thread Reader page")

    # The thread's date: the first line with text after the profile line.
    index, line = next(((number, line.strip()) for number, line in numbered if line.strip()), (0, ""))
    if not line:
        raise ImportFailure("no date line after the profile line")
    header = parse_date_line(line)
    if header is None:
        raise ImportFailure(f"line {index}: expected the thread's date, found {line[:40]!r}")
    if header.date is None:
        result.warnings.append(_no_date(header))
    if header.declared is None:
        following = index
        while following < len(lines) and not lines[following].strip():
            following += 1
        counts = _COUNTS_LINE.match(lines[following].strip()) if following < len(lines) else None
        if counts:
            header.declared = int(counts.group(1).replace(",", ""))
            header.minutes = int(counts.group(2))
            index = following + 1

    start = index
    for index in range(start, len(lines)):
        line = lines[index]
        if "•" in line and _END_MARK.match(line.strip()):
            break
    else:
        raise ImportFailure("no end mark '• • •' after the tweets: the page looks cut short")
    body = lines[start:index]

    handle: str | None = None
    rest = iter(lines[index + 1:])
    parts: list[_Part] = [(header, body, header.declared)]
    for line in rest:
        if match := _MORE_FROM.match(line.strip()):
            handle = match.group(1)
            break
    current: tuple[DateCounts, list[str]] | None = None
    for raw in rest:  # the previews after "More from" (without it, nothing is left)
        line = raw.strip()
        if current is None:
            if _FOOTER.match(line):
                break
            date = parse_date_line(line) if line else None
            if date:
                current = (date, [])
            continue
        if read_more := _READ_MORE.match(line):
            parts.append((current[0], current[1], int(read_more.group(1).replace(",", ""))))
            current = None
        else:
            current[1].append(raw)

    if plain and (found := _plain_threads(parts, author_name, handle, source_name)) is not None:
        return PlainResult(found[0], result.warnings + found[1])
    posts, warning = _best_split(body, header.declared)
    if not posts:
        raise ImportFailure("no tweets between the header and the end mark")
    if warning:
        result.warnings.append(warning)
    for number, (date, part_lines, declared) in enumerate(parts):
        thread_posts = split_tweets(part_lines) if number else posts
        if not thread_posts:
            continue
        if number and date.date is None:
            result.warnings.append(_no_date(date))
        result.threads.append(Thread(
            posts=thread_posts,
            author_name=author_name,
            author_handle=handle,
            date=date.date,
            declared_count=declared,
            complete=number == 0 or len(thread_posts) >= (declared or 0),
            source=source_name,
            read_minutes=None if number else date.minutes,
        ))
    return result
