"""The reading pane: a header line and the thread's posts as flowing, wrapped text.

| key | action |
|---|---|
| `j` / `down`, `k` / `up` | next / previous post (`j` at the last post twice: the next unread thread) |
| `space` / `pgdn` / `ctrl+f`, `b` / `pgup` / `ctrl+b` | page down / up |
| `ctrl+d`, `ctrl+u` | half a page down / up |
| `g` / `home`, `G` / `end` | top / bottom |
| `n` / `N` | next / previous search hit (the main screen's, in this pane's footer) |

Moving through a thread by key or mouse wheel posts `ThreadView.Moved`: the
main screen marks the thread read.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..formatting import header_parts, media_line, missing_text, numbered_total, post_label, post_numbers
from ..model import Post, Thread
from ..text import strip_control
from ..weblinks import link_spans, short_address, web_address
from .find_bar import FindBar
from .thread_header import ThreadHeader

_MENTION = re.compile(r"(?<![\w@])@\w+(?:@[\w.-]+\w)?")
_HASHTAG = re.compile(r"(?<![\w#&])#\w+")
MAX_TEXT_WIDTH = 100
QUOTE_PREFIX = "│ "
MIN_LINK_WIDTH = 12  # a link is never shortened below this: a narrower pane folds it
# A long thread is laid out while the reader is idle, a slice of time at a time: a key
# pressed meanwhile waits for one slice at most.
LAYOUT_SLICE_SECONDS = 0.004
LAYOUT_PAUSE_SECONDS = 0.01
# How often that tells the scrollbar the thread's new length: each time costs the screen a new
# layout, dearer than the slice itself.
LAYOUT_SYNC_SECONDS = 0.25


PAGE_KEYS = Binding.Group("Page")
END_KEYS = Binding.Group("Top/Bottom")
HIT_KEYS = Binding.Group("Hits")
COPY_KEYS = Binding.Group("Copy")


class ThreadView(ScrollView, can_focus=True, inherit_bindings=False):
    """The posts of one thread, numbered `n/N`, drawn line by line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thread-view--label",
        "thread-view--current",
        "thread-view--separator",
        "thread-view--link",
        "thread-view--mention",
        "thread-view--media",
        "thread-view--quote",
        "thread-view--notice",
        "thread-view--hit",
        "thread-view--mark",
    }
    # Shown in the footer while the pane has focus: paging, top and bottom, search hits.
    BINDINGS: ClassVar[list[BindingType]] = [
        # At the last post only, from FULL_FOOTER_WIDTH columns (check_action): j twice opens the next unread.
        Binding("j", "next_post_at_end", "Next unread", key_display="j j", id="reader.next-unread"),
        Binding("j,down", "next_post", "Next post (at the last post: j twice opens the next unread thread)",
                show=False, id="reader.next-post"),
        Binding("k,up", "previous_post", "Previous post", show=False, id="reader.previous-post"),
        Binding("space,pagedown,ctrl+f", "page_down", "Page down", group=PAGE_KEYS, id="reader.page-down"),
        Binding("b,pageup,ctrl+b", "page_up", "Page up", group=PAGE_KEYS, id="reader.page-up"),
        Binding("ctrl+d", "half_page_down", "Half a page down", show=False, id="reader.half-page-down"),
        Binding("ctrl+u", "half_page_up", "Half a page up", show=False, id="reader.half-page-up"),
        Binding("g,home", "top", "Top", group=END_KEYS, id="reader.top"),
        Binding("G,end", "bottom", "Bottom", group=END_KEYS, id="reader.bottom"),
        Binding("n", "screen.next_hit", "Next hit", group=HIT_KEYS, id="reader.next-hit"),
        Binding("N", "screen.previous_hit", "Previous hit", group=HIT_KEYS, id="reader.previous-hit"),
        # The screen's copy keys again, so that `y` (quote) shows beside them here, where quoting applies.
        Binding("c", "screen.copy_post", "Copy", group=COPY_KEYS, id="reader.copy-post"),
        Binding("C", "screen.copy_thread", "Copy thread", group=COPY_KEYS, id="reader.copy-thread"),
        Binding("y", "screen.copy_quote", "Copy as quote", group=COPY_KEYS, id="reader.quote"),
        # Shown from FULL_FOOTER_WIDTH columns on (narrower, the screen's own hidden bindings of these keys act).
        Binding("v", "wide('screen.select_posts')", "Select", id="reader.select"),
        Binding("H", "wide('screen.keep_highlight')", "Highlight", id="reader.highlight"),
        Binding("t", "wide('screen.edit_tags')", "Tags", id="reader.tags"),
    ]

    current: reactive[int] = reactive(0, init=False)
    FULL_FOOTER_WIDTH = 110

    class Moved(Message):
        """The user moved through the thread (a key or the mouse wheel): they are reading it."""

    @dataclass
    class PastEnd(Message):
        """`j` at the last post: `again` when the previous key did the same (the screen opens the next unread)."""

        again: bool

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.thread: Thread | None = None
        self.terms: tuple[str, ...] = ()
        self.notice = ""
        self._lines: list[tuple[Text, str]] = []
        self._post_starts: list[int] = []
        self._numbers: dict[str, int] = {}  # `formatting.post_numbers` of the thread shown
        self._width = 0
        self._syncing = False
        self._layout_pending = False
        self._synced_at = 0.0
        # The post go_to_post put on top, and the line it scrolled to: a pane too short to
        # scroll that far (a resize, the sidebar shown) must not make the last post current.
        self._pinned: tuple[int, int] | None = None
        self.highlighted: frozenset[int] = frozenset()  # posts kept in a highlight, marked by their number
        self.selection_start: int | None = None  # where a selection (`v`) started; it runs to the current post
        self.end_offered = False  # `j` at the last post said that `j` again opens the next unread thread

    # -- content ----------------------------------------------------------

    def show(self, thread: Thread | None, position: int = 0, terms: Sequence[str] = (), notice: str = "") -> None:
        """Display a thread with post `position` at the top, `terms` highlighted; with none, `notice`."""
        self.thread = thread
        self.terms = tuple(terms)
        self.notice = notice
        self.selection_start = None
        self.end_offered = False
        self._reset_layout()
        self.go_to_post(position)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keep-and-share keys show in the footer only where it has room for them."""
        if action == "wide":
            return self.app.size.width >= self.FULL_FOOTER_WIDTH
        if action == "next_post_at_end":  # narrower, it would push Help and Quit out: the notification says it
            return self.at_last_post() and self.app.size.width >= self.FULL_FOOTER_WIDTH
        return True

    def at_last_post(self) -> bool:
        return self.thread is not None and bool(self.thread.posts) and self.current >= self.thread.post_count - 1

    async def action_wide(self, action: str) -> None:
        await self.run_action(action)

    def selection(self) -> list[int]:
        """The posts selected (from where `v` started to the current post), else the current one."""
        if self.selection_start is None:
            return [self.current]
        low, high = sorted((self.selection_start, self.current))
        return list(range(low, high + 1))

    def toggle_selection(self) -> bool:
        """Start a selection at the current post, or drop the one there is; whether one is on now."""
        self.selection_start = self.current if self.selection_start is None else None
        self.refresh()
        return self.selection_start is not None

    def mark_highlighted(self, indexes: frozenset[int]) -> None:
        self.highlighted = indexes
        self.refresh()

    def _marks(self, index: int) -> str:
        """What follows a post's number: whether it is selected, and whether it is kept in a highlight."""
        marks = []
        if self.selection_start is not None and index in self.selection():
            marks.append("◆ selected")
        if index in self.highlighted:
            marks.append("✎ highlighted")
        return "  " + " · ".join(marks) if marks else ""

    def _text_width(self) -> int:
        return max(10, min(self.scrollable_content_region.width - 1, MAX_TEXT_WIDTH))

    @property
    def fully_laid_out(self) -> bool:
        return self.thread is None or len(self._post_starts) >= self.thread.post_count

    def _reset_layout(self) -> None:
        """Start laying out from the first post, at the current width."""
        self._width = self._text_width()
        # A long thread's lines take milliseconds to free: that is done once the new thread is drawn.
        self.call_after_refresh(self._lines.clear)
        self._lines, self._post_starts = [], []
        self._numbers = post_numbers(self.thread) if self.thread is not None else {}
        if self.thread is None:
            self._lines += self._wrap(Text(strip_control(self.notice)), self._width, "notice")
        elif notice := missing_text(self.thread):
            self._lines += self._wrap(Text(notice), self._width, "notice")
            self._lines.append((Text(""), "text"))
        self._sync_size()

    def _lay_out_posts(self, until: int, enough: Callable[[], bool] | None = None, sync: bool = True) -> None:
        """Lay out posts up to index `until` (inclusive), or fewer once `enough()` (at least one):
        long threads are laid out as needed. `sync`: tell the scrollbar (see `_sync_size`)."""
        thread = self.thread
        if thread is None:
            return
        width, total, numbered = self._width, thread.post_count, numbered_total(thread)
        first = len(self._post_starts)
        for index in range(first, min(until + 1, total)):
            if index > first and enough is not None and enough():
                break
            if index:
                self._lines += [(Text(""), "text"), (Text("─" * min(width, 24)), "separator"), (Text(""), "text")]
            self._post_starts.append(len(self._lines))
            self._lines += self._post_lines(thread.posts[index], index + 1, numbered, width)
            if index == total - 1:
                self._lines.append((Text(""), "text"))
        if sync:
            self._sync_size()

    def _lay_out_screenful_after(self, index: int) -> None:
        """Lay out post `index` and enough after it to fill the pane twice over."""
        self._lay_out_posts(index)
        screen_lines = max(self.size.height, 24) * 2
        target = (self._post_starts[index] if index < len(self._post_starts) else len(self._lines)) + screen_lines
        self._lay_out_lines(target)
        self._schedule_rest()

    def _lay_out_lines(self, lines: int) -> None:
        """Lay out posts until there are `lines` lines (or no more posts), all of them known to the scrollbar."""
        if not self.fully_laid_out and len(self._lines) < lines:
            assert self.thread is not None
            self._lay_out_posts(self.thread.post_count - 1, lambda: len(self._lines) >= lines)
        elif self.virtual_size.height != len(self._lines):
            self._sync_size()

    def _schedule_rest(self) -> None:
        # A pause between chunks lets frames and keys in: the rest is laid out while idle.
        if not self.fully_laid_out and not self._layout_pending:
            self._layout_pending = True
            self.set_timer(LAYOUT_PAUSE_SECONDS, self._lay_out_more)

    def _lay_out_more(self) -> None:
        """Lay out more of a long thread, for one slice of time."""
        self._layout_pending = False
        if self.thread is not None:
            began = time.perf_counter()
            self._lay_out_posts(self.thread.post_count - 1, lambda: time.perf_counter() >= began + LAYOUT_SLICE_SECONDS,
                                sync=False)
            if self.fully_laid_out or began - self._synced_at >= LAYOUT_SYNC_SECONDS:
                self._sync_size()
        self._schedule_rest()

    def _sync_size(self) -> None:
        self._synced_at = time.perf_counter()
        self.virtual_size = Size(self._width, len(self._lines))
        self.refresh()

    def _styled(self, text: str, width: int, base: str = "") -> Text:
        """A paragraph with its links (terminal hyperlinks to the whole address), mentions and search
        terms styled; a link too long for `width` is shown shortened, so wrapping never breaks one."""
        plain = strip_control(text)
        pieces: list[str] = []
        links: list[tuple[int, int, str]] = []  # where each link is in the text shown, and its address
        shown_to = 0
        length = 0
        for start, end in link_spans(plain):
            url = plain[start:end]
            # Wrapping breaks only at spaces: the link and what touches it, `(` or `).`, must fit.
            word_start = next((i + 1 for i in range(start - 1, -1, -1) if plain[i].isspace()), 0)
            word_end = next((i for i in range(end, len(plain)) if plain[i].isspace()), len(plain))
            room = max(MIN_LINK_WIDTH, width - (start - word_start) - (word_end - end))
            label = short_address(url, room)
            pieces += [plain[shown_to:start], label]
            length += start - shown_to
            links.append((length, length + len(label), url))
            length += len(label)
            shown_to = end
        pieces.append(plain[shown_to:])
        styled = Text("".join(pieces), style=self.get_component_rich_style(base, partial=True) if base else "")
        plain = styled.plain
        link_style = self.get_component_rich_style("thread-view--link", partial=True)
        for start, end, url in links:
            styled.stylize(link_style, start, end)
            if address := web_address(url):
                styled.stylize(Style(link=address), start, end)
        mention_style = self.get_component_rich_style("thread-view--mention", partial=True)
        for pattern in (_MENTION, _HASHTAG):
            for match in pattern.finditer(plain):
                if not any(start <= match.start() < end for start, end, _ in links):
                    styled.stylize(mention_style, match.start(), match.end())
        if self.terms:
            styled.highlight_words(self.terms, self.get_component_rich_style("thread-view--hit", partial=True),
                                   case_sensitive=False)
        return styled

    def _wrap(self, text: Text, width: int, kind: str, prefix: str = "") -> list[tuple[Text, str]]:
        lines: list[Text] = list(text.wrap(self.app.console, max(1, width - len(prefix))))
        if prefix:
            prefix_style = self.get_component_rich_style("thread-view--quote", partial=True)
            lines = [Text(prefix, style=prefix_style) + line for line in lines]
        return [(line, kind) for line in lines]

    def _post_lines(self, post: Post, n: int, total: int, width: int) -> list[tuple[Text, str]]:
        lines: list[tuple[Text, str]] = [(Text(post_label(post, n, total, self._numbers)), "label")]
        for paragraph in post.text.split("\n"):
            if paragraph:
                lines += self._wrap(self._styled(paragraph, width), width, "text")
            else:
                lines.append((Text(""), "text"))
        media_style = self.get_component_rich_style("thread-view--media", partial=True)
        for media in post.media:
            lines += self._wrap(Text(strip_control(media_line(media)), style=media_style), width, "media")
        if post.quoted:
            for paragraph in post.quoted.text.split("\n"):
                lines += self._wrap(self._styled(paragraph, width - len(QUOTE_PREFIX), "thread-view--quote"), width,
                                    "quote", QUOTE_PREFIX)
            for media in post.quoted.media:
                lines += self._wrap(Text(strip_control(media_line(media)), style=media_style), width,
                                    "quote", QUOTE_PREFIX)
        return lines

    # -- position ---------------------------------------------------------

    def post_at_line(self, line: int) -> int:
        """The index of the post shown at `line`."""
        return max(0, bisect_right(self._post_starts, line) - 1)

    def first_post_shown(self, top: int) -> int:
        """With line `top` at the top, the first post whose `n/N` is on screen; where a long post
        fills the pane, that post: the current post is always one the reader sees."""
        index = bisect_left(self._post_starts, top)
        if index < len(self._post_starts) and self._post_starts[index] < top + self.scrollable_content_region.height:
            return index
        return self.post_at_line(top)

    def go_to_post(self, index: int) -> None:
        """Make post `index` current and scroll it to the top."""
        if self.thread is None or not self.thread.posts:
            self.scroll_to(y=0, animate=False, force=True)
            return
        index = max(0, min(index, self.thread.post_count - 1))
        self._lay_out_screenful_after(index)
        self._syncing = True
        try:
            self.current = index
            target = max(0, self._post_starts[index] - 1 if index else 0)
            self._pinned = (index, target)
            self.scroll_to(y=target, animate=False, force=True)
        finally:
            self._syncing = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._syncing and self._post_starts:
            # What this scroll shows and a screen past it, now; the rest is left to idle time.
            self._lay_out_lines(int(new_value) + self.size.height * 2)
            if self._pinned is not None:
                index, target = self._pinned
                if abs(new_value - min(target, self.max_scroll_y)) < 1:
                    self.current = index  # where go_to_post went, as far as the pane scrolls
                    return
                self._pinned = None  # scrolled elsewhere (a key, the wheel, the scrollbar)
            at_bottom = self.fully_laid_out and new_value >= self.max_scroll_y and new_value > 0
            self.current = len(self._post_starts) - 1 if at_bottom else self.first_post_shown(int(new_value))

    def watch_current(self, old: int, new: int) -> None:
        self.end_offered = False
        if self.thread is not None and (old >= self.thread.post_count - 1) != (new >= self.thread.post_count - 1):
            self.refresh_bindings()  # the footer's `j j Next unread` shows at the last post only
        self.refresh()

    def action_next_post_at_end(self) -> None:
        self.action_next_post()

    def action_next_post(self) -> None:
        self.post_message(self.Moved())
        if self.at_last_post():
            # At the last post: the first j offers the next unread thread, the second takes it.
            self.post_message(self.PastEnd(again=self.end_offered))
            self.end_offered = True
            return
        self.go_to_post(self.current + 1)

    def action_previous_post(self) -> None:
        self.post_message(self.Moved())
        self.go_to_post(self.current - 1)

    def _moved(self) -> None:
        """The user scrolled: they are reading, and the post go_to_post pinned is no longer on top."""
        self.post_message(self.Moved())
        self._pinned = None

    def action_page_down(self) -> None:
        self._moved()
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self._moved()
        self.scroll_page_up(animate=False)

    def action_half_page_down(self) -> None:
        self._scroll_half_page(+1)

    def action_half_page_up(self) -> None:
        self._scroll_half_page(-1)

    def _scroll_half_page(self, direction: int) -> None:
        self._moved()
        self.scroll_to(y=self.scroll_y + direction * max(1, self.scrollable_content_region.height // 2), animate=False)

    def highlight(self, terms: Sequence[str]) -> None:
        """Highlight `terms` in the posts (a search within the thread), staying at the current post."""
        self.terms = tuple(terms)
        self._lay_out_again()

    def _lay_out_again(self) -> None:
        """Lay the thread out afresh, staying at the current post."""
        keep = self.current
        self._reset_layout()
        self.go_to_post(keep)

    def action_top(self) -> None:
        self.post_message(self.Moved())
        self.scroll_home(animate=False)
        self.go_to_post(0)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._moved()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._moved()

    def action_bottom(self) -> None:
        self._moved()
        if self.thread is not None:
            self._lay_out_posts(self.thread.post_count - 1)
        self.scroll_end(animate=False)
        self.current = max(0, len(self._post_starts) - 1)

    # -- drawing ----------------------------------------------------------

    def on_mount(self) -> None:
        # Links, mentions and media carry their colours from layout: lay the thread out again in the new theme's.
        self.app.theme_changed_signal.subscribe(self, lambda theme: self._lay_out_again())

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_bindings()
        if self._text_width() != self._width:
            self._lay_out_again()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line_number = int(self.scroll_y) + y
        base = self.rich_style
        if line_number >= len(self._lines):
            return Strip.blank(width, base)
        text, kind = self._lines[line_number]
        if kind == "label" and self.post_at_line(line_number) == self.current:
            current_style = self.get_component_rich_style("thread-view--current", partial=True)
            text = Text("▶ ", style=current_style) + Text(text.plain, style=current_style)
        else:
            text = text.copy()
            if kind in ("label", "separator", "notice"):
                text.stylize_before(self.get_component_rich_style(f"thread-view--{kind}", partial=True))
        if kind == "label" and (marks := self._marks(self.post_at_line(line_number))):
            text.append(marks, style=self.get_component_rich_style("thread-view--mark", partial=True))
        segments = list(text.render(self.app.console))
        return Strip(segments).simplify().crop_extend(0, width, base).apply_style(base)


class ReadingPane(Vertical):
    """Header (author, date, count, read time) above the thread's posts."""

    def compose(self) -> ComposeResult:
        yield ThreadHeader(id="thread-header")
        yield ThreadView(id="thread-view")
        yield FindBar(id="find-bar")

    @property
    def view(self) -> ThreadView:
        return self.query_one(ThreadView)

    def show_header(self, thread: Thread | None, tags: Sequence[str] = ()) -> None:
        """Author, date, count and read time; below, the thread's address and its tags, where it has them."""
        header = self.query_one(ThreadHeader)
        if thread is None:
            header.show(["No thread open"])
            return
        below = [thread.url] if thread.url else []
        below += [" ".join(f"#{tag}" for tag in tags)] if tags else []
        header.show(header_parts(thread), " · ".join(below))
