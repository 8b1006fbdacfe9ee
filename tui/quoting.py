"""Quoting posts with their source: a Markdown blockquote and one citation line (no Textual here).

```
> The third post, as written.
>
> The fourth post.

— Dana Example (@dana_example), 3 Mar 2024, posts 3–4 of 23: [link](https://…)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .formatting import byline, date_text, markdown_literal, numbered_total
from .model import Thread
from .weblinks import web_address


def _quoted(text: str) -> str:
    """A post's text as quoted Markdown lines, literal as the export's: a blank line stays a paragraph
    break, a single line break stays one (a backslash ends the line)."""
    lines = [markdown_literal(line.rstrip()) for line in text.split("\n")]
    return "\n".join(f"> {line}" + ("\\" if following else "") if line else ">"
                     for line, following in zip(lines, [*lines[1:], ""]))


class RangeError(Exception):
    """A range of posts that is not one, or not in the thread (one line)."""


def parse_range(text: str, count: int) -> list[int]:
    """`4`, `3-5` or `1,3-5` (also `3–5`) as 0-based post indexes, in order, each once."""
    indexes: list[int] = []
    for part in text.replace("–", "-").split(","):
        first, dash, last = part.strip().partition("-")
        try:
            start = int(first)
            end = int(last) if dash else start
        except ValueError:
            raise RangeError(f"not a range of posts: {text!r} (write 4, 3-5 or 1,3-5)") from None
        if start > end:
            raise RangeError(f"not a range of posts: {part.strip()!r} runs backwards")
        if start < 1 or end > count:
            raise RangeError(f"post {start if start < 1 else end} is not in the thread (posts 1–{count})")
        indexes += range(start - 1, end)
    return sorted(set(indexes))


def posts_text(numbers: list[int]) -> str:
    """`post 4`, `posts 3–5`, `posts 1, 3–5`: runs of consecutive numbers joined."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]
    return ("post " if len(numbers) == 1 else "posts ") + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Quote:
    """Posts of a thread, quoted, and where they come from."""

    thread: Thread
    indexes: list[int]

    @property
    def numbers(self) -> list[int]:
        return [index + 1 for index in self.indexes]

    @property
    def link(self) -> str | None:
        """The first quoted post's web address, else the thread's."""
        return web_address(self.thread.posts[self.indexes[0]].url) or web_address(self.thread.url)

    def citation(self) -> str:
        thread = self.thread
        where = f"{posts_text(self.numbers)} of {numbered_total(thread)}"
        link = f": [link]({self.link})" if self.link else ""
        return f"— {byline(thread)}, {date_text(thread.date)}, {where}{link}"

    def markdown(self) -> str:
        """The posts as one blockquote (a `>` line between posts, their line breaks kept), then the citation."""
        blocks = [_quoted(self.thread.posts[i].text) for i in self.indexes]
        return "\n>\n".join(blocks) + f"\n\n{self.citation()}\n"

    def to_json(self) -> dict[str, Any]:
        thread = self.thread
        return {
            "thread_id": thread.id, "author_name": thread.author_name, "author_handle": thread.author_handle,
            "date": thread.date.iso() if thread.date else None, "numbers": self.numbers,
            "of": numbered_total(thread), "link": self.link, "citation": self.citation(),
            "posts": [{"n": i + 1, "text": thread.posts[i].text, "url": thread.posts[i].url} for i in self.indexes],
            "markdown": self.markdown(),
        }
