"""Threads as clean text and Markdown, for `show`, copy and export (no Textual here)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .model import VISIBILITY_MARKS, InReplyTo, Media, PartialDate, Post, Thread
from .numbering import author_numbering, numbers_text
from .weblinks import web_address

# The id a thread gets when its first post has none (see model.make_thread_id).
_HASH_ID = re.compile(r"h[0-9a-f]{20}")
HEADER_SEPARATOR = " · "


def _handle(thread: Thread) -> str:
    return f"@{thread.author_handle}" if thread.author_handle else ""


def _both(first: str, second: str) -> str:
    """`first (second)`, with whatever of the two is known."""
    if first and second:
        return f"{first} ({second})"
    return first or second or "unknown author"


def byline(thread: Thread) -> str:
    """`Dana Example (@dana_example)`, with whatever of the two is known."""
    return _both(thread.author_name or "", _handle(thread))


def date_text(date: PartialDate | None) -> str:
    return date.human() if date else "date unknown"


def author_label(summary: Mapping[str, Any]) -> str:
    """`@handle`, else the name, of a thread summary's author; `?` when neither is known."""
    if summary.get("author_handle"):
        return f"@{summary['author_handle']}"
    return summary.get("author_name") or "?"


def reply_label(in_reply_to: InReplyTo | None, with_address: bool = False) -> str:
    """`in reply to @bo@crumb.example` (and the answered post's address, `with_address` and where
    known) for a thread that answers a post outside it; "" for one that does not."""
    if in_reply_to is None:
        return ""
    label = f"in reply to @{in_reply_to.handle}" if in_reply_to.handle else "in reply to another post"
    return f"{label} ({in_reply_to.url})" if with_address and in_reply_to.url else label


def author_and_reply_label(summary: Mapping[str, Any]) -> str:
    """`@ivy@toot.example`, and `in reply to @bo` where the thread answers someone (the list's second line)."""
    reply = reply_label(InReplyTo.from_dict(summary.get("in_reply_to")))
    return f"{author_label(summary)} {reply}" if reply else author_label(summary)


def post_noun(thread_id: str, count: int) -> str:
    """`tweet`/`tweets` for a Twitter/X thread, `post`/`posts` for Bluesky and Mastodon, judged by the id:
    tweet ids are numbers, a Thread Reader text page's a hash; Bluesky and Mastodon ids are addresses."""
    noun = "tweet" if thread_id.isdigit() or _HASH_ID.fullmatch(thread_id) else "post"
    return noun if count == 1 else noun + "s"


def is_preview(thread: Thread) -> bool:
    """A preview holds the first posts of a thread the source says is longer."""
    return not thread.complete and thread.declared_count is not None and thread.declared_count > thread.post_count


def numbered_total(thread: Thread) -> int:
    """The N of `n/N` for a thread (see `total_of`)."""
    return total_of(thread.post_count, thread.declared_count, thread.complete)


def total_of(held: int, declared: int | None, complete: bool) -> int:
    """The N of `n/N`: the declared count for a preview (it holds the first posts), else the posts held."""
    return declared if not complete and declared and declared > held else held


def held_text(summary: Mapping[str, Any]) -> str:
    """How many posts a listed thread has: `12`, or for one not known whole `3/12` (held of declared), `3/?`."""
    held = summary.get("post_count") or 0
    return str(held) if summary.get("complete") else f"{held}/{summary.get('declared_count') or '?'}"


def count_text(thread: Thread) -> str:
    """`5 tweets` (`5 posts` for Bluesky and Mastodon), or `2 of 9 tweets (preview)`."""
    noun = post_noun(thread.id, thread.declared_count or thread.post_count)
    if thread.complete:
        return f"{thread.post_count} {noun}"
    if is_preview(thread):
        return f"{thread.post_count} of {thread.declared_count} {noun} (preview)"
    return f"{thread.post_count} {noun} (incomplete)"


def missing_text(thread: Thread) -> str | None:
    """What the reader should be told about an incomplete thread, or None."""
    if thread.complete:
        return None
    if thread.in_reply_to is not None and thread.post_count == 1:
        known = ", ".join(filter(None, (thread.in_reply_to.handle and f"@{thread.in_reply_to.handle}",
                                        thread.in_reply_to.url)))
        return f"One post on its own: it answers another post{f' ({known})' if known else ''}, not in this copy."
    numbering = author_numbering([post.text for post in thread.posts])
    if numbering is not None and numbering.total == thread.declared_count:
        count = len(numbering.missing)
        if count:
            which = (f"{post_noun(thread.id, count).capitalize()} {numbers_text(numbering.missing)} "
                     f"{'is' if count == 1 else 'are'}")
        else:
            which = f"The other {numbering.total - thread.post_count} are"
        return (f"Gaps: {thread.post_count} of {numbering.total} {post_noun(thread.id, 2)}, by the author's numbering. "
                f"{which} missing from this copy.")
    if is_preview(thread) and thread.declared_count:
        missing = thread.declared_count - thread.post_count
        return (f"Preview: {thread.post_count} of {thread.declared_count} {post_noun(thread.id, 2)}. "
                f"The other {missing} {'is' if missing == 1 else 'are'} missing from this copy.")
    return "Incomplete: part of this thread is missing from this copy."


def media_line(media: Media) -> str:
    """`[image: alt text]`, `[video]`, `[link: title] url`."""
    label = media.label()
    return f"{label} {media.url}" if media.kind == "link" and media.url else label


def post_body(post: Post) -> str:
    """A post's text as clean text, media and quoted post below it."""
    lines = [post.text, *map(media_line, post.media)]
    if post.quoted:
        quoted = post.quoted.text.splitlines() + [media_line(m) for m in post.quoted.media]
        lines += ["> " + line if line else ">" for line in quoted]
    return "\n".join(lines)


def post_numbers(thread: Thread) -> dict[str, int]:
    """Each post's number (`n` of `n/N`) by its id, for `post_label`'s `answers n/N`."""
    return {post.id: n for n, post in enumerate(thread.posts, 1) if post.id}


def post_label(post: Post, n: int, total: int, numbers: dict[str, int]) -> str:
    """`n/N` above a post; which post it answers where that is not the one above it, and who
    could see it where it was not public (`5/7 · answers 2/7 · followers only`)."""
    parts = [f"{n}/{total}"]
    if post.answers in numbers:
        parts.append(f"answers {numbers[post.answers]}/{total}")
    if mark := VISIBILITY_MARKS.get(post.visibility or ""):
        parts.append(mark)
    return " · ".join(parts)


def post_with_attribution(thread: Thread, index: int) -> str:
    """Post `index` for copying on its own, below who wrote it (`@dana (Dana)`), when, and which post it is."""
    who = _both(_handle(thread), thread.author_name or "")
    top = f"{who} · {date_text(thread.date)} · post {index + 1}/{numbered_total(thread)}"
    return f"{top}\n{post_body(thread.posts[index])}"


def header_parts(thread: Thread) -> list[str]:
    """The parts of the line above a thread: author, whom it answers, date, count and read time."""
    reply = reply_label(thread.in_reply_to, with_address=True)
    return [byline(thread), *([reply] if reply else []), date_text(thread.date), count_text(thread),
            f"{thread.minutes_to_read()} min read"]


def thread_as_text(thread: Thread) -> str:
    """The whole thread: author and date on top (and the address it came from, where known),
    posts numbered `1/N`."""
    total = numbered_total(thread)
    parts = [HEADER_SEPARATOR.join(header_parts(thread)) + (f"\n{thread.url}" if thread.url else "")]
    if missing := missing_text(thread):
        parts.append(missing)
    numbers = post_numbers(thread)
    parts += [f"{post_label(post, n, total, numbers)}\n{post_body(post)}" for n, post in enumerate(thread.posts, 1)]
    return "\n\n".join(parts) + "\n"


# What starts a Markdown block (a list item, a setext heading's underline, a ~~~ code fence) when it
# begins a line, once the characters that are markup anywhere (`#` and `>` among them) are escaped.
_BLOCK_START = re.compile(r"^(\s*)(?:([+=~-])|(\d+)([.)]))")
# A web address in a post: written as an autolink, `<…>`, whole (an escape inside it would break
# it where addresses are made links).
_ADDRESS = re.compile(r"https?://[^\s<>]+")
# An HTML entity (`&copy;`, `&#169;`) that a renderer would turn into its character.
_ENTITY = re.compile(r"&(?=#?\w+;)")


def _block_mark_escaped(match: re.Match[str]) -> str:
    """`\\-`, `\\=`, `1\\.`: the mark that would start a block, escaped."""
    indent, mark, number, dot = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{number}\\{dot}"


def _without_closing_punctuation(address: str) -> str:
    """An address without the punctuation after it that ends its sentence or closes a bracket
    opened before it (`(see https://x.org/a_(b)).` keeps `https://x.org/a_(b)`)."""
    while address[-1] in ".,;:!?'\")]":
        opener = {")": "(", "]": "["}.get(address[-1])
        if opener and address.count(opener) >= address.count(address[-1]):
            break
        address = address[:-1]
    return address


def _characters_escaped(text: str) -> str:
    return _ENTITY.sub(r"\\&", "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text))


def markdown_literal(line: str) -> str:
    """One line kept literal in Markdown: the characters that would become markup escaped, web
    addresses as autolinks, and the mark that would start a block of its own escaped."""
    parts, start = [], 0
    for found in _ADDRESS.finditer(line):
        address = _without_closing_punctuation(found.group())
        parts += [_characters_escaped(line[start:found.start()]), f"<{address}>"]
        start = found.start() + len(address)
    parts.append(_characters_escaped(line[start:]))
    return _BLOCK_START.sub(_block_mark_escaped, "".join(parts))


def _markdown_escape(text: str) -> str:
    """Keep text literal in Markdown, its line breaks kept (as hard breaks)."""
    return "  \n".join(map(markdown_literal, text.split("\n")))


def _markdown_media(media: Media) -> list[str]:
    """A list item `- [image: alt](<url>)`; an alt of several lines goes below it, indented, in its lines."""
    alt_lines = media.alt.split("\n") if media.alt else []
    label = _markdown_escape(f"{media.kind}: {media.alt}" if len(alt_lines) == 1 else media.kind)
    address = web_address(media.url)
    item = f"- [{label}](<{address}>)" if address else f"- \\[{label}\\]"
    if len(alt_lines) < 2:
        return [item]
    return [item, ""] + ["  " + _markdown_escape(line) if line else "" for line in alt_lines]


def thread_as_markdown(thread: Thread) -> str:
    """A Markdown document for export: title, byline, date, then `1/N` sections."""
    total = numbered_total(thread)
    lines = [f"# {_markdown_escape(thread.title) or 'Untitled thread'}", ""]
    author, *rest = map(_markdown_escape, header_parts(thread))
    lines += [HEADER_SEPARATOR.join([f"**{author}**", *rest]), ""]
    if address := web_address(thread.url):
        lines += [f"Original: <{address}>", ""]
    if missing := missing_text(thread):
        lines += [f"> {missing}", ""]
    numbers = post_numbers(thread)
    for n, post in enumerate(thread.posts, 1):
        lines += [f"## {post_label(post, n, total, numbers)}", "", _markdown_escape(post.text), ""]
        for media in post.media:
            lines += _markdown_media(media)
        if post.media:
            lines.append("")
        if post.quoted:
            lines += ["> " + line for line in _markdown_escape(post.quoted.text).split("\n")] + [""]
    if thread.source:
        lines += ["---", "", f"Source: {_markdown_escape(thread.source)}", ""]
    return "\n".join(lines)
