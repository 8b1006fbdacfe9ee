"""Thread Reader pages saved as HTML (see docs/formats/threadreader-html.md).

Only the tweet markup is relied on (`.t-main`, `div.content-tweet` and the
entity classes inside); the header is read by its text, not its classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Media, PartialDate, Post, Thread
from ..text import clean_line, clean_paragraphs, clean_text, strip_control
from .base import MAX_POSTS_PER_THREAD, Importer, ImportFailure, ParseResult, Source, utc_date, utc_iso
from .html_common import HTML_SPACE, check_html_shape, children
from .threadreader_text import links_in, parse_date_line, shown_date
from .tweet_time import is_tweet_id, snowflake_time

_DETECT_MARKERS = ("content-tweet", "t-main", "threadreaderapp", "thread reader app")
_ASSETS_SUFFIX = "_files"
_PROFILE_SUFFIX = " Profile picture"
# The header, found by its text anywhere before .t-main: `7 tweets, 2 min read` or
# `7 tweets`; `3 Mar`, `Mar 3, 2023`, also inside other text (`@dana_example 3 Mar`).
_COUNTS = re.compile(r"(?<![\d,])(\d[\d,]*) tweets?\b(?:, (\d+) min read)?", re.I)
_MONTH_NAME = (r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?"
               r"\.?(?![A-Za-z])")
_DATE_IN_TEXT = re.compile(rf"(?<![\w@])(?:(\d{{1,2}}) {_MONTH_NAME}(?:,? (\d{{4}})(?!\d))?"
                           rf"|{_MONTH_NAME} (\d{{1,2}})(?!\d)(?:, (\d{{4}})(?!\d))?)")
_STATUS_URL = re.compile(r"/status(?:es)?/(\d{1,20})")
_NOT_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "button", "svg", "head", "title"})
# An image in the text with an alt this short is an emoji drawn as a picture (`alt="📚"`): its alt is text.
_INLINE_ALT_CHARS = 16
# A video, and a GIF (which the page plays as a looping video: `.entity-video-gif`).
_VIDEO_CLASSES = frozenset({"entity-video", "entity-video-gif"})
_BLOCK_TAGS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _media_url(node: LexborNode) -> str | None:
    """The real address of a lazy-loaded image or video: `data-src`, else a real `src`."""
    for attribute in ("data-src", "src"):
        value = (node.attributes.get(attribute) or "").strip()
        if value.startswith("//"):
            value = "https:" + value
        if value.startswith(("https://", "http://")):
            return clean_line(value)
    return None


def _tweet_id(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if is_tweet_id(value) else None


class _TextBuilder:
    """Text as the page shows it: `<br>` breaks lines, the source's own whitespace is a space."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.at_line_start = True

    def add(self, text: str) -> None:
        """Text as shown: a run of spaces is one space, across elements too (`and <img> more`)."""
        text = HTML_SPACE.sub(" ", text)
        if self.at_line_start or (self.parts and self.parts[-1].endswith(" ")):
            text = text.lstrip(" ")
        if text:
            self.parts.append(text)
            self.at_line_start = False

    def line_break(self) -> None:
        self.parts.append("\n")
        self.at_line_start = True

    def block_edge(self) -> None:
        """A block element starts or ends: a new line, never an empty one."""
        if not self.at_line_start:
            self.line_break()

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return clean_text("\n".join(line.strip(" ") for line in lines))


@dataclass
class _Draft:
    """A tweet (or a quoted one) being read from its markup."""

    text: _TextBuilder = field(default_factory=_TextBuilder)
    media: list[Media] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    quoted: Post | None = None

    def to_post(self, tweet_id: str | None, handle: str | None) -> Post:
        moment = snowflake_time(tweet_id)
        return Post(
            text=self.text.text(),
            id=tweet_id,
            time=utc_iso(moment) if moment else None,
            media=self.media,
            links=list(dict.fromkeys(self.links)),
            quoted=self.quoted,
            url=f"https://x.com/{handle}/status/{tweet_id}" if handle and tweet_id else None,
        )


_BLOCK_END = object()  # a marker on the walk's stack: a block element ends here


def _read(root: LexborNode) -> _Draft:
    """Read a tweet's content: text, `<br>`, links, images, video, a quoted tweet; chrome dropped."""
    draft = _Draft()
    stack: list[LexborNode | object] = list(reversed(children(root)))
    while stack:
        node = stack.pop()
        if not isinstance(node, LexborNode):
            draft.text.block_edge()
            continue
        if node.is_text_node:
            text = node.text_content or ""
            draft.text.add(text)
            if "/" in text or "www." in text:  # an address written as text, not as a link
                draft.links += links_in(strip_control(text))
            continue
        tag = node.tag or ""
        classes = _classes(node)
        if not node.is_element_node or tag in _NOT_TEXT_TAGS or "tw-permalink" in classes \
                or ("row" in classes and node.parent is not None and node.parent.mem_id == root.mem_id):
            continue
        if tag == "br":
            draft.text.line_break()
        elif "entity-image" in classes:
            images = node.css("img") or [node]
            draft.media += [Media("image", _media_url(image), _alt(image)) for image in images]
        elif classes & _VIDEO_CLASSES:
            sources = [node, *node.css("[data-src], [src]")]
            url = next(filter(None, map(_media_url, sources)), None)
            draft.media.append(Media("video", url))
        elif "entity-embed" in classes:
            if draft.quoted is None:
                draft.quoted = _read(node).to_post(_quoted_id(node), None)
        elif tag == "a" and "entity-url" in classes and node.attributes.get("href"):
            href = clean_line(node.attributes["href"]) or ""
            draft.text.add(href)
            draft.links.append(href)
        elif tag == "img":
            alt, lazy = _alt(node), bool(node.attributes.get("data-src"))
            if alt and ("emoji" in classes or (len(alt) <= _INLINE_ALT_CHARS and not lazy)):
                draft.text.add(alt)  # an emoji drawn as an image: its alt is the character
            elif lazy:
                draft.media.append(Media("image", _media_url(node), alt))
        else:
            if tag in _BLOCK_TAGS:
                draft.text.block_edge()
                stack.append(_BLOCK_END)
            stack.extend(reversed(children(node)))
    return draft


def _alt(image: LexborNode) -> str | None:
    """An image's alt text; the page's generic `Image` says nothing."""
    alt = clean_paragraphs(image.attributes.get("alt"))
    return None if alt is None or alt.casefold() == "image" else alt


def _quoted_id(embed: LexborNode) -> str | None:
    """The quoted tweet's id: a `data-tweet`, else a link to its status page."""
    for node in (embed, *embed.css("[data-tweet]")):
        if found := _tweet_id(node.attributes.get("data-tweet")):
            return found
    for link in embed.css("a[href]"):
        if match := _STATUS_URL.search(link.attributes.get("href") or ""):
            return match.group(1)
    return None


@dataclass
class _Header:
    """What the text above `.t-main` tells: name, date, counts."""

    name: str | None = None
    date: PartialDate | None = None
    declared: int | None = None
    minutes: int | None = None


def _date_in(text: str) -> PartialDate | None:
    """The first real date shown anywhere in a text (`@dana_example 3 Mar`, `Mar 3, 2023 · 7 tweets`)."""
    for match in _DATE_IN_TEXT.finditer(text):
        day, month, year, other_month, other_day, other_year = match.groups()
        date = shown_date(year, month, day) if day else shown_date(other_year, other_month, other_day)
        if date:
            return date
    return None


def _header(tree: LexborHTMLParser, main: LexborNode) -> _Header:
    """The avatar's `<Name> Profile picture`, a date and `N tweets, M min read` before `.t-main`: a date
    line wins over a date inside other text, and `N tweets, M min read` over a bare `N tweets`."""
    header = _Header()
    date_in_text: PartialDate | None = None
    bare_count: int | None = None
    main_id = main.mem_id  # nodes compare by their HTML (slow): compare where they live
    if tree.root is None:  # an empty document: no header
        return header
    for node in tree.root.traverse(include_text=True):
        if node.mem_id == main_id:
            break
        if node.tag == "img" and header.name is None:
            alt = clean_line(node.attributes.get("alt")) or ""
            if alt.endswith(_PROFILE_SUFFIX):
                header.name = clean_line(alt.removesuffix(_PROFILE_SUFFIX))
        if not node.is_text_node or (node.parent and node.parent.tag in _NOT_TEXT_TAGS):
            continue
        line = clean_line(node.text_content) or ""
        if header.date is None:
            date_line = parse_date_line(line)
            if date_line and date_line.date:
                header.date = date_line.date
            elif date_in_text is None:
                date_in_text = _date_in(line)
        counts = _COUNTS.search(line) if header.minutes is None else None
        if counts and counts.group(2):
            header.declared, header.minutes = int(counts.group(1).replace(",", "")), int(counts.group(2))
        elif counts and bare_count is None:
            bare_count = int(counts.group(1).replace(",", ""))
    header.date = header.date or date_in_text
    if header.declared is None:
        header.declared = bare_count
    return header


def _tweets(main: LexborNode) -> list[LexborNode]:
    """The thread's own tweets: `div.content-tweet` in `.t-main`, not inside another tweet or a quote."""
    tweets: list[LexborNode] = []
    main_id = main.mem_id  # nodes compare by their HTML (slow): compare where they live
    for node in main.css("div.content-tweet"):
        parent = node.parent
        while parent is not None and parent.mem_id != main_id \
                and not _classes(parent) & {"content-tweet", "entity-embed"}:
            parent = parent.parent
        if parent is not None and parent.mem_id == main_id:
            if len(tweets) == MAX_POSTS_PER_THREAD:
                raise ImportFailure(f"more than {MAX_POSTS_PER_THREAD} tweets in one thread")
            tweets.append(node)
    return tweets


def parse_page(html: str, source_name: str) -> ParseResult:
    """The main thread of a saved Thread Reader page (its previews are left out)."""
    check_html_shape(html)
    tree = LexborHTMLParser(html)
    main = tree.css_first(".t-main")
    if main is None:
        raise ImportFailure("no .t-main element: not a saved Thread Reader thread")
    tweets = _tweets(main)
    if not tweets:
        raise ImportFailure(".t-main holds no tweets (no div.content-tweet)")
    handle = clean_line((tweets[0].attributes.get("data-screenname") or "").lstrip("@"))
    posts = [_read(tweet).to_post(_tweet_id(tweet.attributes.get("data-tweet")), handle) for tweet in tweets]
    header = _header(tree, main)
    first_time = snowflake_time(posts[0].id)
    result = ParseResult()
    if header.declared is not None and header.declared != len(posts):
        result.warnings.append(f"the page says {header.declared} tweets but holds {len(posts)}")
    result.threads.append(Thread(
        posts=posts,
        author_name=header.name,
        author_handle=handle,
        date=utc_date(first_time) if first_time else header.date,
        declared_count=header.declared,
        complete=True,
        source=source_name,
        read_minutes=header.minutes,
    ))
    return result


class ThreadReaderHtmlImporter(Importer):
    """A Thread Reader unroll saved as HTML: the tweets of `.t-main`."""

    name = "Thread Reader HTML"
    max_bytes = 8 * 1024 * 1024  # a saved unroll of hundreds of tweets is well under 1 MiB

    def detect(self, source: Source) -> bool:
        head = source.head_text().lstrip()
        return head.startswith("<") and any(marker in head.lower() for marker in _DETECT_MARKERS)

    def parse(self, source: Source) -> ParseResult:
        return parse_page(source.read_text(self.max_bytes), source.name)

    def detect_dir(self, path: Path) -> bool:
        """The `<name>_files/` folder a "complete" save puts beside `<name>.html`."""
        if not path.name.endswith(_ASSETS_SUFFIX):
            return False
        stem = path.name.removesuffix(_ASSETS_SUFFIX)
        return any(self._is_page(path.with_name(stem + extension)) for extension in (".html", ".htm"))

    def _is_page(self, path: Path) -> bool:
        try:
            return path.is_file() and self.detect(Source(str(path), path=path))
        except (OSError, ImportFailure):
            return False

    def parse_dir(self, path: Path) -> ParseResult:
        """The page's styles, scripts and images: nothing to import, nothing wrong."""
        return ParseResult()
