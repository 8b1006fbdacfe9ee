"""Threads as self-contained HTML pages anyone can open and print (no Textual here).

A page needs nothing from elsewhere: its style is inline, it has no script, and images are links
with their alt text, never loaded. Every piece of text is escaped, so nothing from a post becomes markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .formatting import byline, count_text, date_text, media_line, missing_text, numbered_total
from .model import Post, Thread
from .user_data import Highlight
from .weblinks import link_spans, web_address

# What a page may load or run: nothing but its own inline style (a second guard, after escaping).
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
:root { color-scheme: light; }
body { font: 17px/1.55 Georgia, "Times New Roman", serif; color: #1c1c1c; background: #fdfcf8;
       max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
header { border-bottom: 1px solid #d8d4c8; margin-bottom: 1.5rem; }
h1 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 .4rem; }
.meta, .source, .n, nav { font: 14px/1.4 system-ui, sans-serif; color: #5b5b5b; }
article { padding: .8rem 0 1rem; border-bottom: 1px solid #ebe7dc; break-inside: avoid; }
.n { font-weight: 600; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
blockquote { margin: .6rem 0; padding: .4rem .9rem; border-left: 3px solid #c9c2ad; color: #3a3a3a; }
.notice { background: #f3efe3; padding: .5rem .8rem; }
.highlight { background: #fff4c2; }
.note { background: #fff4c2; margin: 0 0 .8rem; padding: .3rem .8rem; font-style: italic; }
a { color: #1d4f91; }
ul.threads { list-style: none; padding: 0; }
ul.threads li { padding: .5rem 0; border-bottom: 1px solid #ebe7dc; }
@media print {
  body { background: #fff; margin: 0; max-width: none; font-size: 12pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .source a::after, .n a::after { content: " (" attr(href) ")"; font-size: 9pt; }
}
"""


def _text(text: str) -> str:
    """Post text as HTML: escaped, its addresses made links (the address is the link's text)."""
    parts: list[str] = []
    position = 0
    for start, end in link_spans(text):
        parts += [escape(text[position:start]), _link(text[start:end], text[start:end])]
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def _link(url: str | None, label: str) -> str:
    """A link to a web address (its label escaped); the label alone for anything else."""
    target = web_address(url)
    return f'<a href="{escape(target)}">{escape(label)}</a>' if target else escape(label)


def _media(post: Post) -> str:
    items = []
    for media in post.media:
        label = media_line(media) if media.kind != "link" else f"[link: {media.alt or media.url or ''}]"
        items.append(f"<li>{_link(media.url, label)}</li>")
    return f'<ul class="media">{"".join(items)}</ul>' if items else ""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_POLICY}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def thread_page(thread: Thread, tags: Sequence[str], highlights: Sequence[Highlight]) -> str:
    """One thread as an unrolled page: author, date, count and read time on top (and its tags), numbered
    posts, highlighted ones shaded, a highlight's note after its last post."""
    highlighted: set[int] = set()
    notes: dict[int, list[str]] = {}  # by post number
    for highlight in highlights:
        numbers = highlight.numbers_in(thread)
        highlighted.update(numbers)
        if numbers and highlight.note:
            notes.setdefault(numbers[-1], []).append(highlight.note)
    total = numbered_total(thread)
    meta = escape(f"{byline(thread)} · {date_text(thread.date)} · {count_text(thread)} · "
                  f"{thread.minutes_to_read()} min read")
    parts = ['<nav><a href="index.html">All threads</a></nav>',
             f"<header><h1>{escape(thread.title or 'Untitled thread')}</h1><p class=\"meta\">{meta}</p>"]
    if web_address(thread.url):
        parts.append(f'<p class="source">Original: {_link(thread.url, thread.url or "")}</p>')
    if tags:
        parts.append(f'<p class="meta tags">{escape(" ".join("#" + tag for tag in tags))}</p>')
    parts.append("</header>")
    if missing := missing_text(thread):
        parts.append(f'<p class="notice">{escape(missing)}</p>')
    for number, post in enumerate(thread.posts, 1):
        heading = _link(post.url, f"{number}/{total}")
        kind = ' class="highlight"' if number in highlighted else ""
        quoted = (f'<blockquote class="quoted"><p class="text">{_text(post.quoted.text)}</p>{_media(post.quoted)}'
                  "</blockquote>" if post.quoted is not None else "")
        parts.append(f'<article id="post-{number}"{kind}><div class="n">{heading}</div>'
                     f'<p class="text">{_text(post.text)}</p>{_media(post)}{quoted}</article>')
        parts += [f'<aside class="note">Note: {escape(note)}</aside>' for note in notes.get(number, [])]
    return _page(f"{thread.title} — {byline(thread)}", "\n".join(parts))


def _placed_key(thread: Thread) -> tuple[int, int, int]:
    placed = thread.placed_date()
    return placed.sort_key() if placed else (0, 0, 0)


def index_page(entries: list[tuple[Thread, str]]) -> str:
    """The exported threads, newest first, each a link to its page (`entries`: thread and file name)."""
    entries = sorted(entries, key=lambda entry: _placed_key(entry[0]), reverse=True)
    items = "\n".join(
        f'<li><a href="{escape(name)}">{escape(thread.title or "Untitled thread")}</a>'
        f'<div class="meta">{escape(f"{byline(thread)} · {date_text(thread.date)} · {count_text(thread)}")}</div></li>'
        for thread, name in entries)
    return _page("Threads", f"<header><h1>Threads</h1><p class=\"meta\">{len(entries)} exported</p></header>\n"
                            f'<ul class="threads">\n{items}\n</ul>')
