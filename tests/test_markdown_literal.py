"""A post's text stays text in every Markdown the tool writes: the quote (`y`), highlights and the export,
rendered by a real Markdown parser (markdown-it, CommonMark)."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from tui.formatting import thread_as_markdown
from tui.model import Post, Thread
from tui.quoting import Quote

MARKUP_TEXT = "Use *args and __init__, not <b>HTML</b> or `code` | [a](b) #tag"
BLOCK_TEXT = "# not a heading\n- not a list\n1. not a list either\n> not a quote\n=== nor a heading's line"


def rendered_text(markdown: str) -> str:
    """What a reader of the rendered Markdown sees: its HTML's text, tags dropped, lines joined."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", " ", rendered))


def tags_of(markdown: str) -> set[str]:
    return set(re.findall(r"<(\w+)", MarkdownIt("commonmark").render(markdown)))


def words(text: str) -> list[str]:
    return text.split()


def thread() -> Thread:
    return Thread(posts=[Post(MARKUP_TEXT), Post(BLOCK_TEXT)], author_handle="mira", author_name="Mira")


def test_a_quote_keeps_inline_markup_characters_as_text() -> None:
    markdown = Quote(thread(), [0]).markdown()
    assert tags_of(markdown) <= {"blockquote", "p", "br", "a"}  # the citation's link, nothing from the post
    assert " ".join(words(MARKUP_TEXT)) in " ".join(words(rendered_text(markdown)))


def test_a_quote_starts_no_block_of_its_own_inside_the_quote() -> None:
    markdown = Quote(thread(), [1]).markdown()
    assert not tags_of(markdown) & {"h1", "ul", "ol", "li"}
    assert MarkdownIt("commonmark").render(markdown).count("<blockquote") == 1  # "> not a quote" nests none
    shown = " ".join(words(rendered_text(markdown)))
    for line in BLOCK_TEXT.split("\n"):
        assert " ".join(words(line)) in shown


def test_the_export_and_the_quote_keep_the_same_text() -> None:
    exported = thread_as_markdown(thread())
    assert not tags_of(exported) & {"em", "code", "b", "a", "ul", "ol", "li", "blockquote"}
    assert " ".join(words(MARKUP_TEXT)) in " ".join(words(rendered_text(exported)))


def test_web_addresses_stay_whole_links_and_the_rest_stays_text() -> None:
    """An address is an autolink, never escaped inside (a renderer that links addresses would send
    its backslashes along); the sentence's punctuation and a bracket opened before it stay outside."""
    text = ("Read https://example.com/read_me_first. (see https://en.example.org/wiki/A_(b)), "
            "AT&T &copy; stays text\n~~~ not a fence")
    markdown = Quote(Thread(posts=[Post(text)], author_handle="mira"), [0]).markdown()
    rendered = MarkdownIt("commonmark").render(markdown)
    assert 'href="https://example.com/read_me_first"' in rendered
    assert 'href="https://en.example.org/wiki/A_(b)"' in rendered
    assert "&amp;copy;" in rendered and "<pre" not in rendered and "<code" not in rendered
    shown = "".join(words(rendered_text(markdown)))  # the text as read, spaces aside (tags leave some)
    assert "".join(words(text)) in shown
    linked = MarkdownIt("gfm-like").render(markdown)  # addresses made links: none gets a backslash
    assert "%5C" not in linked and "\\" not in linked
