"""What the Mastodon archive and API importers share: HTML content to text, handles, media."""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Media
from ..text import clean_line, clean_paragraphs, clean_text
from .html_common import HTML_SPACE, check_html_shape, children
from .json_input import Obj

# Elements that stand apart as paragraphs (Mastodon writes <p>; other servers more).
_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_UNSHOWN = frozenset({"script", "style", "template", "head", "title"})
_LINK_TEXT_CLASSES = frozenset({"mention", "hashtag"})
_PLAYABLE = frozenset({"video", "gifv", "audio"})


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Post text and links from Mastodon's HTML `content`: paragraphs apart by a blank line, `<br>` a line
    break, mentions and hashtags as their text, other links as their `href`; walked with a stack (deep
    nesting is fine)."""
    check_html_shape(html)
    parts: list[str] = []
    links: list[str] = []
    pending: list[LexborNode | str] = list(reversed(children(LexborHTMLParser(html).body)))
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = item.tag
        if tag == "-text":
            parts.append(HTML_SPACE.sub(" ", item.text()))
        elif tag == "br":
            parts.append("\n")
        elif tag is None or tag in _UNSHOWN or tag.startswith("-"):
            continue
        elif tag == "a" and (href := _link_target(item)):
            parts.append(href)
            links.append(href)
        else:
            if tag in _BLOCKS:
                parts.append("\n\n")
                pending.append("\n\n")
            elif tag == "li":
                parts.append("\n")
            pending.extend(reversed(children(item)))
    lines = (line.strip(" ") for line in "".join(parts).split("\n"))
    return clean_text("\n".join(lines)), list(dict.fromkeys(links))


def _link_target(link: LexborNode) -> str | None:
    """The href of a link shown as its address; None for mentions, hashtags and bare anchors."""
    classes = set((link.attributes.get("class") or "").split())
    if classes & _LINK_TEXT_CLASSES:
        return None
    return clean_line(link.attributes.get("href"))


def post_text(content: str, warning: str | None) -> tuple[str, list[str]]:
    """A post's text, the content warning first (`CW: ...` and a blank line), and its links."""
    text, links = html_to_text(content)
    warning = clean_line(warning)
    if warning:
        text = clean_text(f"CW: {warning}\n\n{text}")
    return text, links


def handle_for(username: str, profile_url: str | None) -> str | None:
    """`user@instance`: the instance is the host of the profile (or actor) URL."""
    try:
        host = urlsplit(profile_url or "").hostname
    except ValueError:  # a malformed address, such as an unclosed `[`
        host = None
    return clean_line(f"{username}@{host}" if host else username)


def account_handle(account: Obj) -> str | None:
    """An API account's (or mention's) `user@instance`: its `acct` where that names the instance."""
    acct = account.optional_text("acct") or ""
    return clean_line(acct) if "@" in acct else handle_for(account.text("username"), account.optional_text("url"))


def media_for(kind: str | None, url: str | None, alt: str | None) -> Media:
    """An attachment; `kind` is an API type (`gifv`) or a media type (`video/mp4`)."""
    general = (kind or "").split("/", 1)[0].lower()
    return Media("video" if general in _PLAYABLE else "image", clean_line(url), clean_paragraphs(alt))
