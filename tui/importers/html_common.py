"""What the importers that read HTML share (Thread Reader pages, Mastodon content)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

# HTML's own whitespace: a run of it in the source shows as one space.
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def children(node: LexborNode | None) -> list[LexborNode]:
    """A node's children, text and comments included, in order (none for no node)."""
    found: list[LexborNode] = []
    child = node.first_child if node is not None else None
    while child is not None:
        found.append(child)
        child = child.next
    return found
