"""What the importers that read HTML share (Thread Reader pages, Mastodon content)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from .base import ImportFailure

# HTML's own whitespace: a run of it in the source shows as one space.
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# Bounds no real page or post comes near: the parser's memory grows with the number of
# tags (about 270 bytes each) and its time with the nesting depth squared.
MAX_HTML_TAGS = 200_000
MAX_HTML_DEPTH = 2_000
# Elements that never hold others, and those whose content is text, not tags.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
                   "param", "source", "track", "wbr"})
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
# Start tags that close an open element of the same name (`<li>a<li>b`, `<p>a<p>b`).
_CLOSES_ITS_LIKE = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})
# Inside these, `<tag/>` closes itself; in HTML proper the slash is ignored.
_FOREIGN = frozenset({"svg", "math"})
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")


def check_html_shape(html: str) -> None:
    """Refuse HTML with more tags, or nested deeper (as a parser would nest them), than any real page,
    before parsing it; HTML with fewer tags than the depth limit is not scanned at all."""
    tags = html.count("<")
    if tags <= MAX_HTML_DEPTH:
        return
    if html_depth(html) > MAX_HTML_DEPTH:
        raise ImportFailure(f"HTML nested too deeply to read (over {MAX_HTML_DEPTH} levels)")
    if tags > MAX_HTML_TAGS:
        raise ImportFailure(f"HTML with more than {MAX_HTML_TAGS:,} tags ({tags:,}): "
                            "more than any saved page, not read")


def html_depth(html: str) -> int:
    """How deep the first MAX_HTML_TAGS tags of an HTML text nest (counted up to MAX_HTML_DEPTH + 1)."""
    stack: list[str] = []
    open_by_name: dict[str, int] = {}
    deepest = 0
    search = _TAG.search
    position = 0
    for _ in range(MAX_HTML_TAGS):
        match = search(html, position)
        if match is None:
            break
        position = match.end()
        closing, name, self_closing = match.groups()
        name = name.lower()
        if closing:
            if open_by_name.get(name):
                while True:  # close it and whatever was left open inside it
                    inner = stack.pop()
                    open_by_name[inner] -= 1
                    if inner == name:
                        break
            continue
        if name in _VOID or (self_closing and any(open_by_name.get(foreign) for foreign in _FOREIGN)):
            continue
        if name in _RAW_TEXT:
            end = re.compile(f"</{name}", re.I).search(html, position)  # compiled once: re caches it
            position = end.start() if end else len(html)
            continue
        if name in _CLOSES_ITS_LIKE and name in stack[-3:]:
            while stack[-1] != name:  # closes the one open (`<li><p>a<li>`), opens another
                open_by_name[stack.pop()] -= 1
            continue
        stack.append(name)
        open_by_name[name] = open_by_name.get(name, 0) + 1
        if len(stack) > deepest:
            deepest = len(stack)
            if deepest > MAX_HTML_DEPTH:
                break
    return deepest


def children(node: LexborNode | None) -> list[LexborNode]:
    """A node's children, text and comments included, in order (none for no node)."""
    return list(node.iter(include_text=True)) if node is not None else []
