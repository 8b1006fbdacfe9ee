"""Web addresses in text, and which addresses may become links (no Textual here).

One rule for finding a URL in post text (the reading pane styles it, an HTML
export links it), and one for what may be a link's target in anything
threads-tui writes: only `http(s)://` addresses, never `javascript:` or
`data:`, whatever an imported file or a server says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A URL runs to a space, quote, angle bracket, square bracket or backquote;
# `link_spans` then drops punctuation that ends a sentence and an unbalanced `)`.
_LINK = re.compile(r"""https?://[^\s<>"'\[\]`]+""")
_LINK_TRAILING = ".,;:!?)"
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'`\\\x00-\x1f\x7f]+", re.IGNORECASE)


def link_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the URLs in `text` start and end: not the `.` after one, nor the `)` or `]` around one."""
    for match in _LINK.finditer(text):
        url = match.group()
        end = len(url)
        while end and url[end - 1] in _LINK_TRAILING:
            if url[end - 1] == ")" and url.count("(", 0, end) >= url.count(")", 0, end):
                break  # a `(...)` that is part of the URL, as in Wikipedia's
            end -= 1
        if end > url.index("//") + 2:
            yield match.start(), match.start() + end


def web_address(url: str | None) -> str | None:
    """`url` where it is a plain http(s) address that may be a link's target, else None."""
    if url and _WEB_ADDRESS.fullmatch(url.strip()):
        return url.strip()
    return None


def short_address(url: str, width: int) -> str:
    """`url` in at most `width` columns: the host, the start of the path, and `…` (no scheme)."""
    if len(url) <= width:
        return url
    rest = url.split("://", 1)[-1]
    if len(rest) <= width:
        return rest
    return rest[:max(0, width - 1)] + "…"


def post_links(texts: list[str], links: list[str]) -> list[str]:
    """The web addresses in `texts` (in order), then those of `links` not among them; each once."""
    found = [text[start:end] for text in texts for start, end in link_spans(text)] + links
    addresses = [address for address in map(web_address, found) if address]
    return list(dict.fromkeys(addresses))
