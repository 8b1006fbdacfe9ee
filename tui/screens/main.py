"""The main screen: thread list, reading pane and "More from @author" sidebar."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.markup import escape
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from ..formatting import author_label, count_text, numbered_total, post_with_attribution, thread_as_text
from ..finding import PostsFound, needs_posts, posts_found, threads_matching
from ..messages import (ChangeTags, ChooseSort, CopyText, DeleteThread, ExportThreads, FetchAgain, FollowLink,
                        KeepHighlight, OpenThread, ShowHighlights, StatesChanged, StepHit, UndoDelete)
from ..model import Thread
from ..ordered_keys import KeyEvent, OrderedKeysApp, is_text
from ..query import Node, QueryError, parse
from ..quoting import Quote, posts_text
from ..session import ReadingSession
from ..sorting import DEFAULT_SORT, SORT_LABELS, sort_summaries
from ..summary_file import Summaries, ids_of, position_of
from ..text import clean_line, strip_control
from ..weblinks import post_links, web_address
from ..widgets.author_list import AuthorList
from ..widgets.filter_input import FilterInput
from ..widgets.find_bar import FindBar
from ..widgets.reader_footer import ReaderFooter
from ..widgets.reading_pane import ReadingPane, ThreadView
from ..widgets.summary_list import SummaryList
from ..widgets.thread_list import ThreadList
from .base import ReportsWorkerErrors, after, plural
from .confirm import ConfirmScreen
from .keep import NoteScreen, TagChange, TagsScreen
from .links import LinkChoice, LinksScreen

COPY_KEYS = Binding.Group("Copy")
# From this width the sidebar shows by default; below it, showing it hides the thread list.
SIDEBAR_MIN_WIDTH = 110
# Below this width one pane shows at a time (the one with focus): two would leave neither readable.
TWO_PANES_MIN_WIDTH = 80
# What acts on the open thread (it is saved as the one to reopen on quit).
THREAD_ACTIONS = frozenset({"copy_post", "copy_thread", "toggle_bookmark", "quit_key", "copy_quote", "select_posts",
                            "keep_highlight", "edit_tags", "refresh_thread", "post_origin", "open_links", "find"})


def posts_matching(thread: Thread, query: str) -> list[int]:
    """The indexes of the posts whose text (or quoted post's) holds `query`, case aside."""
    needle = query.casefold()
    if not needle:
        return []
    return [index for index, post in enumerate(thread.posts)
            if needle in post.text.casefold() or (post.quoted is not None and needle in post.quoted.text.casefold())]


def describe(summary: Mapping[str, Any]) -> str:
    """`“title” by @handle`, for a question or a notification (one line, control characters out)."""
    title = clean_line(summary.get("title")) or "(no text)"
    return f"“{title[:80]}{'…' if len(title) > 80 else ''}” by {clean_line(author_label(summary)) or '?'}"


class MainScreen(ReportsWorkerErrors, Screen):
    """Three panes and a footer; below 110 columns the sidebar hides (`s` shows it in the list's place)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_post", "Copy", group=COPY_KEYS, id="copy-post"),
        Binding("C", "copy_thread", "Copy thread", group=COPY_KEYS, id="copy-thread"),
        Binding("n", "next_hit", "Next hit (of the search in the thread while F is on)", id="next-hit", show=False),
        Binding("N", "previous_hit", "Previous hit (likewise)", id="previous-hit", show=False),
        Binding("m", "toggle_bookmark", "Bookmark", id="bookmark", show=False),
        Binding("B", "toggle_bookmarked_only", "Bookmarked only", id="bookmarked-only", show=False),
        Binding("f", "filter", "Filter", id="filter", show=False),
        Binding("s", "toggle_sidebar", "Sidebar", id="sidebar", show=False),
        Binding("h", "pane_left", "Focus the pane to the left (the thread list)", show=False, id="pane-left"),
        Binding("l", "pane_right", "Focus the pane to the right (reading pane, then More from)", show=False,
                id="pane-right"),
        Binding("tab", "pane_next", "Move between panes", show=False, id="pane-next"),
        Binding("shift+tab", "pane_previous", "Move between panes, backwards", show=False, id="pane-previous"),
        Binding("F", "find", "Find in the open thread (n / N step through its matches, esc ends it)",
                show=False, id="find"),
        Binding("escape", "end_find", "End the search in the thread", show=False, id="end-find"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("escape", "back_to_list", "Back to the thread list (one pane at a time)", show=False,
                id="back-to-list"),
        Binding("R", "refresh_thread", "Fetch the thread again from its address", show=False, id="refresh"),
        Binding("v", "select_posts", "Select posts from here (j/k grow it; v again drops it)", show=False,
                id="select"),
        Binding("y", "copy_quote", "Copy the selection (or the post) as a cited Markdown quote", show=False,
                id="copy-quote"),
        Binding("H", "keep_highlight", "Keep the selection (or the post) as a highlight, with a note", show=False,
                id="highlight"),
        Binding("t", "edit_tags", "Tags of the thread (-tag removes one); f then #tag lists a tag's threads",
                show=False, id="tags"),
        Binding("K", "show_highlights", "Every highlight; enter opens it at its place", show=False, id="highlights"),
        Binding("o", "open_links", "Links of the post: enter opens one in the browser (else copies it)",
                show=False, id="links"),
        Binding("O", "post_origin", "Where the post came from (its address, the captures that held it)",
                show=False, id="post-origin"),
        Binding("d", "delete_thread", "Delete the thread (asks first; z undoes it)", show=False, id="delete"),
        Binding("z", "undo_delete", "Undo the last delete", show=False, id="undo-delete"),
        Binding("u", "toggle_read", "Mark the thread read / unread", show=False, id="toggle-read"),
        Binding("M", "mark_all_read", "Mark every thread shown read (asks first)", show=False, id="mark-all-read"),
        Binding("J", "next_unread", "Open the next unread thread (after this one, wrapping)", show=False,
                id="next-unread"),
        Binding("U", "toggle_unread_only", "Unread threads only, or all", show=False, id="unread-only"),
        Binding("S", "sort", "Sort the list: newest, oldest, author, longest, recently added", show=False,
                id="sort"),
        Binding("e", "export", "Export the open thread, the list or the bookmarks (Markdown or HTML)",
                show=False, id="export"),
    ]
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (SIDEBAR_MIN_WIDTH, "-wide")]

    app: OrderedKeysApp[int]

    def __init__(self, session: ReadingSession) -> None:
        super().__init__()
        self.session = session
        self.thread: Thread | None = None
        self.filter_text = ""
        self.filter_node: Node | None = None  # the filter's query, as last typed without a mistake
        # Which threads' posts hold each word or phrase of the filter, and the summaries it was found for.
        self._filter_found = PostsFound()
        self._filter_found_for: tuple[Node | None, object] = (None, None)  # its query, and the summaries it read
        self._filter_scanning: tuple[Node | None, object] = (None, None)  # what the running scan is for
        self.bookmarked_only = False
        self.unread_only = False
        self.export_folder = ""  # the folder the last export from the reader went to, offered again
        self._wide: bool | None = None
        self._read_timer: Timer | None = None
        self._read_when_shown: str | None = None
        self._open_timer: Timer | None = None  # opens the highlighted thread once the cursor rests
        self._resting_on: str | None = None  # the thread that timer opens
        self._loading: Worker[None] | None = None  # the latest thread load
        self._sidebar_behind = False  # a thread was shown: the sidebar follows it a frame later
        self._opening: str | None = None  # the thread it loads, until it is shown
        self.find_query = ""  # the search within the open thread, while the find bar is on
        self._find_matches: list[int] = []
        self._sorted_cache: tuple[Summaries, str, Summaries] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield FilterInput(id="filter", placeholder="words from: is: tag:…")
                yield Static("", id="filter-error", markup=False)
                yield ThreadList(id="thread-list")
            yield ReadingPane(id="reading-pane")
            with Vertical(id="sidebar"):
                yield Static("More from", id="sidebar-title", markup=False)
                yield AuthorList(id="author-list")
        yield ReaderFooter(compact=True)

    def on_screen_resume(self) -> None:
        self.query_one(ReaderFooter).refit()
        if self._sidebar_behind:  # asked for under a dialog, whose refresh may never have come
            self.call_after_refresh(self._catch_up_sidebar)

    def on_mount(self) -> None:
        self.refresh_threads(start_on=self.session.last_open_thread())
        self.thread_list.focus()

    # -- the thread list --------------------------------------------------

    @property
    def thread_list(self) -> ThreadList:
        return self.query_one(ThreadList)

    @property
    def reading_pane(self) -> ReadingPane:
        return self.query_one(ReadingPane)

    def visible_summaries(self) -> Sequence[Mapping[str, Any]]:
        """The library's summaries in the chosen order, after the filter and the bookmarked-only and
        unread-only switches (unread-only keeps the thread being read, so reading it does not pull it away)."""
        ordered = self._sorted_summaries()
        summaries: Sequence[Mapping[str, Any]] = ordered
        states = self.session.states
        if self.bookmarked_only or self.unread_only:
            reading = self.chosen_id
            summaries = ordered.reordered(
                n for n, thread_id in enumerate(ordered.ids)
                if (not self.bookmarked_only or states.get(thread_id, {}).get("bookmarked"))
                and (not self.unread_only or not states.get(thread_id, {}).get("read") or thread_id == reading))
        if self.filter_node is not None:
            if self._filter_scan_needed():  # what the posts hold is still being found: the list stays
                return self.thread_list.items
            summaries = threads_matching(self.filter_node, summaries, self.session.marks, self._filter_found)
        return summaries

    def _filter_scan_needed(self) -> bool:
        """Whether the filter's words must be looked for in the posts (again: the library changed)."""
        node = self.filter_node
        summaries = self.session.library.summaries()
        found_node, found_in = self._filter_found_for
        return node is not None and not (found_node == node and found_in is summaries) \
            and needs_posts(node, summaries)

    def _start_filter_scan(self) -> None:
        """Look for the filter's words in the posts, unless that is under way already."""
        node, summaries = self.filter_node, self.session.library.summaries()
        scanning_node, scanning_in = self._filter_scanning
        if node is not None and not (scanning_node == node and scanning_in is summaries):
            self._filter_scanning = (node, summaries)
            self._scan_for_filter(node)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _scan_for_filter(self, node: Node) -> None:
        worker = get_current_worker()
        library = self.session.library
        summaries = library.summaries()
        found = posts_found(library, node, summaries, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._filter_scanned, node, summaries, found)

    def _filter_scanned(self, node: Node, summaries: object, found: PostsFound) -> None:
        self._filter_scanning = (None, None)
        if node != self.filter_node:
            return  # a newer filter was typed meanwhile
        self._filter_found, self._filter_found_for = found, (node, summaries)
        self.refresh_threads()

    def _sorted_summaries(self) -> Summaries:
        """The library's summaries in the order chosen (`S`), sorted once per library and order."""
        summaries = self.session.library.summaries()
        order = self.session.sort_order
        cached = self._sorted_cache
        if cached is None or cached[0] is not summaries or cached[1] != order:
            cached = self._sorted_cache = (summaries, order, sort_summaries(summaries, order))
        return cached[2]

    def refresh_threads(self, start_on: str | None = None) -> None:
        """Reload the list from the library, keeping the selection where it can (else on `start_on`)."""
        thread_list = self.thread_list
        thread_list.states, thread_list.tags = self.session.states, self.session.tags
        # The cursor's thread, else the open one (a filter that matched nothing kept it open).
        chosen = self.chosen_id
        keep = thread_list.current["id"] if thread_list.current else chosen if chosen is not None else start_on
        items = self.visible_summaries()
        list_notice, reader_notice = self._nothing_here()
        thread_list.empty_text = list_notice
        thread_list.set_items(items, keep_id=keep)
        total = len(self.session.library)
        count = f"{len(items)}" if len(items) == total else f"{len(items)} of {total}"
        label = " ".join(word for word, on in (("Bookmarked", self.bookmarked_only), ("Unread", self.unread_only))
                         if on) or "Threads"
        order = self.session.sort_order
        by = f", {SORT_LABELS[order]}" if order != DEFAULT_SORT else ""
        # The count first: a narrow pane keeps it; then as much of the query as fits ("Threads" goes
        # without saying in the list's own title).
        query = f": {escape(self.filter_text.strip())}" if self.filter_node is not None else ""
        self.query_one("#list-pane").border_title = (f"{count}{by}{query}" if query and label == "Threads"
                                                     else f"{label.capitalize()} ({count}{by}){query}")
        if self._filter_scan_needed():
            self._start_filter_scan()
        current = thread_list.current
        narrowed = self.filter_text or self.bookmarked_only or self.unread_only
        if current is None and self.thread is not None and narrowed \
                and self.session.library.summary(self.thread.id) is not None:
            self.refresh_sidebar()  # nothing matches: the thread being read stays open
        elif current is None:
            self._show(None, notice=reader_notice)
        elif self.chosen_id != current["id"]:
            self.open_thread(current["id"], self.session.position(current["id"]))
        elif self.thread is not None and self.thread.id == current["id"] \
                and (current["post_count"], current.get("complete")) != (self.thread.post_count, self.thread.complete):
            self.open_thread(current["id"], self.current_post_index())  # a fuller copy came in: show it, in place
        else:
            self.refresh_sidebar()

    def _nothing_here(self) -> tuple[str, str]:
        """What the list and the reading pane say when the list is empty."""
        if not len(self.session.library):
            return ("No threads. Press i to import.",
                    "No threads yet. Press i to import files or folders, or run threads-tui import PATH.")
        if self.filter_text:
            return "No thread matches the filter.", "No thread matches the filter: esc clears it."
        if self.bookmarked_only:
            return "No bookmarked threads.", "No bookmarked threads: m bookmarks the open thread, B shows all."
        if self.unread_only:
            return "No unread threads.", "No unread threads: U shows all."
        return "", "Select a thread to read it."

    @on(SummaryList.Highlighted, "#thread-list")
    def _thread_highlighted(self, event: SummaryList.Highlighted) -> None:
        thread_id = event.item["id"]
        if thread_id != self._read_when_shown:
            self._read_when_shown = None  # the cursor moved on before the opened thread loaded
        self._cancel_pending_open()
        if self.chosen_id != thread_id:  # the one shown, or on its way
            left = self.chosen_id
            self._resting_on = thread_id
            if self.unread_only and left is not None and self.session.state(left).get("read"):
                self.refresh_threads()  # the thread read is left: it goes from the unread list now
            # Paging through the list opens only the thread it stops on: reading each
            # thread paged past would hold up the frames that draw the list.
            self._open_timer = after(self, self.session.delays.open_after, self._open_resting)

    @property
    def chosen_id(self) -> str | None:
        """The thread the reading pane shows, or will once the list cursor rests or its load ends."""
        if self._resting_on is not None:
            return self._resting_on
        return self._opening if self._opening is not None else self.thread.id if self.thread else None

    def _open_resting(self) -> None:
        """Open the thread the list cursor rests on (when the timer fires, or a key needs it sooner)."""
        thread_id = self._resting_on
        if thread_id is not None:
            self.open_thread(thread_id, self.session.position(thread_id))

    def prepare_for_key(self, event: KeyEvent) -> None:
        """Before a key in the reading pane or sidebar, or one that acts on the thread (THREAD_ACTIONS),
        the thread the list cursor rests on opens now, and the key waits until it shows."""
        if not self.is_mounted:
            return  # a key typed before the screen is up: nothing is open yet to wait for
        self._catch_up_sidebar()  # a key in the frame after a thread was shown finds its author's list
        if isinstance(self.focused, Input) and is_text(event):
            return  # typed into the filter
        binding = self.active_bindings.get(event.key) if isinstance(event, events.Key) else None
        acts_on_thread = binding is not None and binding.binding.action.rpartition(".")[2] in THREAD_ACTIONS
        if not acts_on_thread and self.focused not in (self.reading_pane.view, self.query_one(AuthorList)):
            return
        self._open_resting()
        if self._loading is not None and not self._loading.is_finished:
            self.app.hold_keys(self._loading)

    @on(SummaryList.Selected, "#thread-list")
    def _thread_selected(self, event: SummaryList.Selected) -> None:
        self.reading_pane.view.focus()
        if self._open_timer is not None:  # enter opens it now, resting or not
            self.open_thread(event.item["id"], self.session.position(event.item["id"]))
        if self.thread is not None and self.thread.id == event.item["id"]:
            self._mark_read()
        else:
            self._read_when_shown = event.item["id"]  # still loading

    @on(SummaryList.Selected, "#author-list")
    def _author_thread_selected(self, event: SummaryList.Selected) -> None:
        self.post_message(OpenThread(event.item["id"]))

    @on(OpenThread)
    def _open_requested(self, message: OpenThread) -> None:
        self.open_at(message.thread_id, message.index, message.terms, focus_reader=message.focus_reader)

    def open_at(self, thread_id: str, index: int = 0, terms: tuple[str, ...] = (), focus_reader: bool = True) -> None:
        """Open a thread at post `index`, highlighting `terms`, and select it in the list (unfiltered if hidden)."""
        self.open_thread(thread_id, index, terms, focus_reader=focus_reader)
        thread_list = self.thread_list
        row = position_of(thread_list.items, thread_id)
        if row is None and (self.filter_text or self.bookmarked_only or self.unread_only):
            self._set_filter("")
            self.bookmarked_only, self.unread_only = False, False
            self.query_one("#filter", Input).value = ""
            thread_list.set_items(self.visible_summaries(), keep_id=thread_id)
        elif row is not None and row != thread_list.cursor:
            thread_list.select(row, announce=False)

    # -- opening threads --------------------------------------------------

    def open_thread(self, thread_id: str, index: int = 0, terms: tuple[str, ...] = (),
                    focus_reader: bool = False) -> None:
        """Load a thread off the UI thread, then show it at post `index`."""
        self._cancel_pending_open()  # whatever asked for this thread wins over a cursor that rested before
        self.remember_position()
        cached = self.session.library.cached_thread(thread_id)
        if cached is not None:  # its shard is in memory: shown in this frame, no load to wait for
            self.workers.cancel_group(self, "open-thread")
            self._opening, self._loading = None, None
            self._show(cached, index, terms, focus_reader)
            return
        self._opening = thread_id
        self._loading = self._load_thread(thread_id, index, terms, focus_reader)
        if focus_reader:  # the keys after this one are for the reading pane, once it shows the thread
            self.app.hold_keys(self._loading)

    def _cancel_pending_open(self) -> None:
        self._resting_on = None
        if self._open_timer is not None:
            self._open_timer.stop()
            self._open_timer = None

    @work(thread=True, exclusive=True, group="open-thread", exit_on_error=False)
    def _load_thread(self, thread_id: str, index: int, terms: tuple[str, ...], focus_reader: bool) -> None:
        worker = get_current_worker()
        thread = self.session.library.thread(thread_id)
        self.app.call_from_thread(self._loaded, worker, thread, index, terms, focus_reader)

    def _loaded(self, worker: Worker[None], thread: Thread | None, index: int, terms: tuple[str, ...],
                focus_reader: bool) -> None:
        # A load overtaken by a newer one (the cursor moved on) may finish last: drop it.
        # Workers are cancelled on this thread, so the check cannot race.
        if not worker.is_cancelled:
            self._opening = None
            self._show(thread, index, terms, focus_reader)

    def _show(self, thread: Thread | None, index: int = 0, terms: tuple[str, ...] = (),
              focus_reader: bool = False, notice: str = "") -> None:
        if self.find_active and (thread is None or self.thread is None or thread.id != self.thread.id):
            self._close_find()
        self.thread = thread
        self.reading_pane.view.show(thread, index, terms, notice)
        if self.find_active and thread is not None:
            self._apply_find()
        self.show_user_data()
        self._refresh_sidebar_after_thread()
        if focus_reader:
            self.reading_pane.view.focus()
        if thread is not None and (focus_reader or thread.id == self._read_when_shown):
            self._read_when_shown = None
            self._mark_read()
        elif self.focused is self.reading_pane.view:
            self._start_dwell()

    # -- read marks: opened, read in, or dwelt on in the reading pane ------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is self.reading_pane.view:
            self._start_dwell()
        self._show_pane_of(event.widget)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget is self.reading_pane.view and self._read_timer is not None:
            self._read_timer.stop()

    @on(ThreadView.PastEnd)
    def _past_end(self, message: ThreadView.PastEnd) -> None:
        if message.again:
            self.action_next_unread()
        else:
            self.notify("End of thread — j again opens the next unread.", timeout=3, markup=False)

    def _start_dwell(self) -> None:
        """Mark the open thread read once the reading pane has had focus a while."""
        if self._read_timer is not None:
            self._read_timer.stop()
        self._read_timer = after(self, self.session.delays.mark_read_after, self._mark_read)

    @on(ThreadView.Moved)  # the user moves through the thread: they are reading it
    def _mark_read(self) -> None:
        if self.thread is not None and not self.session.state(self.thread.id).get("read"):
            # With unread-only on, the list's count changes; the thread stays listed while it is read.
            self._change_marks({self.thread.id: {"read": True}}, refilter=self.unread_only)

    def _change_marks(self, changes: dict[str, dict[str, Any]], refilter: bool) -> None:
        """Change read or bookmark marks, shown in the list at once; `refilter`: the list again."""
        self._change_states(changes)
        self.thread_list.refresh_items()
        if refilter:
            self.refresh_threads()

    def _change_states(self, changes: dict[str, dict[str, Any]]) -> None:
        """Change reading state in the session now; the app saves it shortly."""
        self.session.change_states(changes)
        self.post_message(StatesChanged())

    def remember_position(self) -> None:
        """Keep the open thread's current post, to reopen it there next time (not a thread just deleted)."""
        if self.thread is not None and self.session.library.summaries().holds(self.thread.id):
            position = self.reading_pane.view.current
            if self.session.position(self.thread.id) != position:
                self._change_states({self.thread.id: {"position": position}})

    def _refresh_sidebar_after_thread(self) -> None:
        """The sidebar follows the thread shown, in the frame after it: the thread asked for is drawn
        first, not after the author's other threads are found and drawn (half that frame's time)."""
        if not self._sidebar_behind:
            self._sidebar_behind = True
            self.call_after_refresh(self._catch_up_sidebar)

    def _catch_up_sidebar(self) -> None:
        if self._sidebar_behind:
            self._sidebar_behind = False
            self.refresh_sidebar()

    def refresh_sidebar(self) -> None:
        self._sidebar_behind = False
        title = self.query_one("#sidebar-title", Static)
        author_list = self.query_one(AuthorList)
        summary = self.session.library.summary(self.thread.id) if self.thread else None
        if summary is None:
            title.update("More from")
            author_list.empty_text = "Open a thread to see more by its author."
            author_list.set_items([])
        else:
            title.update(f"More from {author_label(summary)}")
            author_list.empty_text = "No other threads by this author."
            keep = author_list.current["id"] if author_list.current else None
            author_list.set_items(self.session.library.by_author(summary), keep_id=keep)
        self._show_sidebar_hint()

    def _show_sidebar_hint(self) -> None:
        """Where the sidebar is hidden, the reading pane's border says which key shows it."""
        others = len(self.query_one(AuthorList).items)
        hidden = not self.query_one("#sidebar").display
        self.reading_pane.border_subtitle = (
            f"s: {others} more from {author_label(self.session.library.summary(self.thread.id) or {})}"
            if hidden and others and self.thread is not None else "")

    # -- actions ----------------------------------------------------------

    def current_post_index(self) -> int:
        return self.reading_pane.view.current

    def action_copy_post(self) -> None:
        if (thread := self._open_thread_or_say("copy")) is None:
            return
        index = self._post_index(thread)
        self.post_message(CopyText(post_with_attribution(thread, index), f"post {index + 1}/{numbered_total(thread)}"))

    def action_copy_thread(self) -> None:
        if self.thread is None:
            self.notify("No thread open: nothing to copy.", severity="warning", markup=False)
            return
        self.post_message(CopyText(thread_as_text(self.thread), f"the thread ({count_text(self.thread)})"))

    def action_refresh_thread(self) -> None:
        """Fetch the open thread again from the address it came from: a preview may come back whole."""
        if self.thread is None:
            self.notify("No thread open: nothing to fetch again.", severity="warning", markup=False)
        elif not self.thread.url:
            self.notify("This thread came from a file: it has no address to fetch it from.",
                        severity="warning", markup=False)
        else:
            self.post_message(FetchAgain(self.thread.url))

    # -- quote, keep and share ------------------------------------------------

    def user_data_changed(self) -> None:
        """The user's file was read again: the list's tags and the open thread's highlights as it has them."""
        self.thread_list.states, self.thread_list.tags = self.session.states, self.session.tags
        self.thread_list.refresh_items()
        self.show_user_data()

    def show_user_data(self) -> None:
        """Show the open thread's header with its tags, and mark its highlighted posts, as the user's data has them."""
        thread = self.thread
        view = self.reading_pane.view
        if thread is None:
            view.mark_highlighted(frozenset())
            self.reading_pane.show_header(None)
            return
        view.mark_highlighted(frozenset(number - 1 for highlight in self.session.highlights
                                        if highlight.thread_id == thread.id for number in highlight.numbers_in(thread)))
        self.reading_pane.show_header(thread, self.session.tags.get(thread.id, []))

    def _open_thread_or_say(self, what: str) -> Thread | None:
        if self.thread is None or not self.thread.posts:
            self.notify(f"No thread open: nothing to {what}.", severity="warning", markup=False)
            return None
        return self.thread

    def _post_index(self, thread: Thread) -> int:
        """The current post's index, within the thread's posts."""
        return min(self.current_post_index(), thread.post_count - 1)

    def action_select_posts(self) -> None:
        """Start a selection at the current post (j/k grow it), or drop it."""
        if self._open_thread_or_say("select") is None:
            return
        if self.reading_pane.view.toggle_selection():
            self.notify("Selecting: j/k grow it, y copies it as a quote, H keeps it as a highlight, v drops it.",
                        markup=False)

    def action_copy_quote(self) -> None:
        """Copy the selected posts (else the current one) as a Markdown quote with its citation."""
        if (thread := self._open_thread_or_say("quote")) is None:
            return
        quote = Quote(thread, self.reading_pane.view.selection())
        self.post_message(CopyText(quote.markdown(), f"{posts_text(quote.numbers)} as a quote"))
        if self.reading_pane.view.selection_start is not None:
            self.reading_pane.view.toggle_selection()

    def action_keep_highlight(self) -> None:
        """Keep the selected posts (else the current one) as a highlight, with a note typed now."""
        if (thread := self._open_thread_or_say("highlight")) is None:
            return
        view = self.reading_pane.view
        indexes = view.selection()
        what = f"{posts_text([i + 1 for i in indexes])} of {numbered_total(thread)}"

        def keep(note: str | None) -> None:
            if note is None:
                return
            if view.selection_start is not None:
                view.toggle_selection()
            self.post_message(KeepHighlight(thread, indexes, note))

        self.app.push_screen(NoteScreen(what), keep)

    def action_edit_tags(self) -> None:
        if (thread := self._open_thread_or_say("tag")) is None:
            return
        in_use = sorted({tag for tags in self.session.tags.values() for tag in tags})

        def apply(change: TagChange | None) -> None:
            if change is not None and (change.add or change.remove):
                self.post_message(ChangeTags(thread.id, change.add, change.remove))

        self.app.push_screen(TagsScreen(self.session.tags.get(thread.id, []), in_use), apply)

    def action_show_highlights(self) -> None:
        self.post_message(ShowHighlights())

    def action_post_origin(self) -> None:
        """Tell where the current post came from: its own address, and each capture (file or link) that held it."""
        if (thread := self._open_thread_or_say("tell the origin of")) is None:
            return
        index = self._post_index(thread)
        post = thread.posts[index]
        lines = [f"Post {index + 1}/{numbered_total(thread)}"]
        if post.url:
            lines.append(f"address: {post.url}")
        captures = post.sources or [thread.source]
        lines += [f"captured in: {capture}" for capture in captures if capture]
        self.notify(strip_control("\n".join(lines)), timeout=10, markup=False)

    def action_open_links(self) -> None:
        """List the current post's links (and its own address) to open or copy one."""
        if (thread := self._open_thread_or_say("list the links of")) is None:
            return
        index = self._post_index(thread)
        post = thread.posts[index]
        quoted = [post.quoted] if post.quoted else []
        choices = [LinkChoice(url) for url in post_links([post.text, *(q.text for q in quoted)],
                                                         [*post.links, *(link for q in quoted for link in q.links)])]
        own = web_address(post.url)
        if own and own not in (choice.url for choice in choices):
            choices.append(LinkChoice(own, "this post"))
        which = f"post {index + 1}/{numbered_total(thread)}"
        if not choices:
            self.notify(f"No links in {which}.", markup=False)
            return

        def follow(url: str | None) -> None:
            if url:
                self.post_message(FollowLink(url))

        self.app.push_screen(LinksScreen(f"Links of {which}", choices, self.app.size.width), follow)

    def action_next_hit(self, step: int = +1) -> None:
        """The next match of the search in the thread while one is on, else the next search hit (`step` -1: back)."""
        if self.find_active:
            self._step_find(step)
        else:
            self.post_message(StepHit(step))

    def action_previous_hit(self) -> None:
        self.action_next_hit(-1)

    # -- search within the open thread (F) ---------------------------------

    @property
    def find_active(self) -> bool:
        return self.query_one(FindBar).has_class("-active")

    def action_find(self) -> None:
        if self._open_thread_or_say("search in") is None:
            return
        find_bar = self.query_one(FindBar)
        find_bar.add_class("-active")
        find_bar.input.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        self.find_query = event.value.strip()
        self._apply_find()

    def _apply_find(self) -> None:
        """Highlight the query in the open thread and count the posts that hold it."""
        thread = self.thread
        self._find_matches = posts_matching(thread, self.find_query) if thread is not None else []
        self.reading_pane.view.highlight((self.find_query,) if self.find_query else ())
        self.query_one(FindBar).show_count(len(self._find_matches), self.find_query)

    @on(Input.Submitted, "#find")
    def _find_submitted(self) -> None:
        self.reading_pane.view.focus()
        if self.find_query:
            self._step_find(0)

    def _step_find(self, step: int) -> None:
        """Go to the first match after the current post (`step` 1), before it (-1), or from it on (0: enter)."""
        if not self._find_matches:
            self.notify(f"No post of this thread holds {self.find_query!r}." if self.find_query
                        else "Type what to find, then enter.", severity="warning", markup=False)
            return
        view = self.reading_pane.view
        current = view.current
        if step < 0:
            target = next((i for i in reversed(self._find_matches) if i < current), self._find_matches[-1])
        else:
            target = next((i for i in self._find_matches if i >= current + step), self._find_matches[0])
        view.go_to_post(target)
        self.notify(f"Match {self._find_matches.index(target) + 1} of {len(self._find_matches)} for "
                    f"{self.find_query!r} in this thread (n / N for more, esc ends)", timeout=2, markup=False)

    def action_end_find(self) -> None:
        focused_in_bar = self.focused is not None and self.query_one(FindBar) in self.focused.ancestors_with_self
        self._close_find()
        self.reading_pane.view.highlight(())
        if focused_in_bar:
            self.reading_pane.view.focus()

    def _close_find(self) -> None:
        find_bar = self.query_one(FindBar)
        find_bar.remove_class("-active")
        find_bar.input.value = ""
        self.find_query, self._find_matches = "", []
        self.refresh_bindings()

    # -- panes: h / l, tab, and one pane at a time in a narrow terminal ----

    def _panes(self) -> list[Widget]:
        """The panes left to right, each as the widget that takes its focus."""
        return [self.thread_list, self.reading_pane.view, self.query_one(AuthorList)]

    def _pane_of(self, widget: Widget | None) -> int | None:
        """Which of `_panes` holds `widget`, if one does."""
        if widget is None:
            return None
        boxes = [self.query_one("#list-pane"), self.reading_pane, self.query_one("#sidebar")]
        return next((index for index, box in enumerate(boxes) if box in widget.ancestors_with_self), None)

    def _reachable(self, pane: Widget) -> bool:
        """One at a time, every pane can be shown; else those on screen."""
        return self.has_class("-single") or all(node.display for node in pane.ancestors_with_self if node is not self)

    def _move_to_pane(self, step: int, wrap: bool) -> None:
        panes = self._panes()
        index = self._pane_of(self.focused)
        if index is None:
            index = 0 if step > 0 else len(panes) - 1
            step = 0
        count = len(panes)
        for offset in range(1, count + 1) if step else (0,):
            target = index + step * offset
            if not wrap and not 0 <= target < count:
                return
            pane = panes[target % count]
            if self._reachable(pane):
                self._focus_pane(pane)
                return

    def _focus_pane(self, pane: Widget) -> None:
        self._show_pane_of(pane)
        pane.focus()

    def action_pane_left(self) -> None:
        self._move_to_pane(-1, wrap=False)

    def action_pane_right(self) -> None:
        self._move_to_pane(+1, wrap=False)

    def action_pane_next(self) -> None:
        if self.has_class("-single"):
            self._move_to_pane(+1, wrap=True)
        else:
            self.focus_next()

    def action_pane_previous(self) -> None:
        if self.has_class("-single"):
            self._move_to_pane(-1, wrap=True)
        else:
            self.focus_previous()

    def action_back_to_list(self) -> None:
        self._focus_pane(self.thread_list)

    def _show_pane_of(self, widget: Widget) -> None:
        """One pane at a time: show the pane holding `widget`."""
        if not self.has_class("-single"):
            return
        shown = self._pane_of(widget) or 0  # in none: the list
        for index, name in enumerate(("-show-list", "-show-reader", "-show-sidebar")):
            self.set_class(index == shown, name)
        self.call_after_refresh(self._show_sidebar_hint)

    def action_toggle_bookmark(self) -> None:
        if self.thread is None:
            self.notify("No thread open: nothing to bookmark.", severity="warning", markup=False)
            return
        bookmarked = not self.session.state(self.thread.id).get("bookmarked")
        self._change_marks({self.thread.id: {"bookmarked": bookmarked}},
                           refilter=self.bookmarked_only and not bookmarked)
        self.notify("Bookmarked." if bookmarked else "Bookmark removed.", markup=False)

    def action_toggle_bookmarked_only(self) -> None:
        self.bookmarked_only = not self.bookmarked_only
        self.refresh_threads()
        self.notify("Showing bookmarked threads only (B shows all)." if self.bookmarked_only
                    else "Showing all threads.", markup=False)

    # -- tidying: delete, read marks, order -----------------------------------

    def _target_or_say(self, what: str) -> Mapping[str, Any] | None:
        """The thread a key acts on: the list cursor's where the list has focus, else the open thread's;
        with neither, the user is told there is nothing to `what`."""
        if self.focused is self.thread_list and self.thread_list.current is not None:
            return self.thread_list.current
        summary = self.session.library.summary(self.thread.id) if self.thread is not None else None
        if summary is None:
            self.notify(f"No thread selected: nothing to {what}.", severity="warning", markup=False)
        return summary

    def action_delete_thread(self) -> None:
        """Ask, naming the thread, then delete it (z undoes it while the reader runs)."""
        if (summary := self._target_or_say("delete")) is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._move_off(summary["id"])
                self.post_message(DeleteThread(summary))

        self.app.push_screen(ConfirmScreen("Delete", f"Delete {describe(summary)}?\n"
                                           "Its posts, read mark, bookmark, tags and highlights go with it "
                                           "(z undoes it while the reader runs)."), answered)

    def _move_off(self, thread_id: str) -> None:
        """Put the list cursor on the thread after this one (else the one before), as it goes."""
        thread_list = self.thread_list
        index = position_of(thread_list.items, thread_id)
        if index is not None and thread_list.cursor == index and len(thread_list.items) > 1:
            thread_list.select(index + 1 if index + 1 < len(thread_list.items) else index - 1, announce=False)

    def action_undo_delete(self) -> None:
        self.post_message(UndoDelete())

    def action_toggle_read(self) -> None:
        if (summary := self._target_or_say("mark")) is None:
            return
        read = not self.session.state(summary["id"]).get("read")
        if not read and self.thread is not None and self.thread.id == summary["id"] and self._read_timer is not None:
            self._read_timer.stop()  # the dwell in the reading pane would mark it read again
        self._change_marks({summary["id"]: {"read": read}}, refilter=self.unread_only)
        self.notify("Marked read." if read else "Marked unread.", markup=False)

    def action_mark_all_read(self) -> None:
        """Ask, with the count, then mark every thread the list shows read."""
        states = self.session.states
        unread = [thread_id for thread_id in ids_of(self.thread_list.items)
                  if not states.get(thread_id, {}).get("read")]
        if not unread:
            self.notify("Every thread shown is read already." if self.thread_list.items
                        else "No threads shown: nothing to mark.", markup=False)
            return
        shown = len(self.thread_list.items)

        def answered(yes: bool | None) -> None:
            if yes:
                self._change_marks({thread_id: {"read": True} for thread_id in unread}, refilter=self.unread_only)
                self.notify(f"Marked {plural(len(unread), 'thread')} read.", markup=False)

        self.app.push_screen(ConfirmScreen("Mark read", f"Mark {plural(len(unread), 'unread thread')} of the "
                                           f"{shown} shown read?"), answered)

    def action_next_unread(self) -> None:
        """Open the next unread thread after the current one in the list's order, wrapping round."""
        ids = ids_of(self.thread_list.items)
        states = self.session.states
        here = position_of(self.thread_list.items, self.thread.id) if self.thread is not None else None
        if here is None:
            here = self.thread_list.cursor
        for step in range(1, len(ids)):
            index = (here + step) % len(ids)
            thread_id = ids[index]
            if not states.get(thread_id, {}).get("read"):
                self.thread_list.select(index, announce=False)
                self.open_thread(thread_id, self.session.position(thread_id), focus_reader=True)
                return
        self.notify("No other unread thread in the list.", markup=False)

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.refresh_threads()
        self.notify("Showing unread threads only (U shows all)." if self.unread_only
                    else "Showing all threads.", markup=False)

    def action_sort(self) -> None:
        from .sort_picker import SortScreen

        def chosen(order: str | None) -> None:
            if order is not None:
                self.post_message(ChooseSort(order))

        self.app.push_screen(SortScreen(self.session.sort_order), chosen)

    def sort_changed(self) -> None:
        """The order changed: the list again, the cursor kept on its thread."""
        self.refresh_threads()
        self.notify(f"Sorted {SORT_LABELS[self.session.sort_order]}.", markup=False)

    def action_export(self) -> None:
        from .export_screen import ExportChoice, ExportScreen

        def chosen(choice: ExportChoice | None) -> None:
            if choice is None:
                return
            if choice.what == "thread":
                ids = [self.thread.id] if self.thread is not None else []
            elif choice.what == "bookmarks":
                states = self.session.states
                ids = [thread_id for thread_id in ids_of(self._sorted_summaries())
                       if states.get(thread_id, {}).get("bookmarked")]
            else:
                ids = ids_of(self.thread_list.items)
            if not ids:
                self.notify(f"Nothing to export: {'no thread open' if choice.what == 'thread' else 'no threads'}.",
                            severity="warning", markup=False)
                return
            self.export_folder = str(choice.folder)
            self.post_message(ExportThreads(ids, choice.kind, choice.folder))

        self.app.push_screen(ExportScreen(self.thread is not None, self.export_folder), chosen)

    def system_commands(self) -> Iterable[SystemCommand]:
        """The palette's commands for what this screen and its reading pane do (ctrl+p), each with its key."""
        view = self.reading_pane.view
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Open thread", "Open the thread selected in the list (enter)", self.thread_list.action_select),
            ("Next post", "Go to the next post in the reading pane (j)", view.action_next_post),
            ("Previous post", "Go to the previous post in the reading pane (k)", view.action_previous_post),
            ("Page down", "Page down in the reading pane (space)", view.action_page_down),
            ("Page up", "Page up in the reading pane (b)", view.action_page_up),
            ("Half page down", "Half a page down in the reading pane (ctrl+d)", view.action_half_page_down),
            ("Half page up", "Half a page up in the reading pane (ctrl+u)", view.action_half_page_up),
            ("Top", "Go to the first post of the thread (g)", view.action_top),
            ("Bottom", "Go to the last post of the thread (G)", view.action_bottom),
            ("Focus next pane", "Move focus to the next pane (tab)", self.action_pane_next),
            ("Focus previous pane", "Move focus to the previous pane (shift+tab)", self.action_pane_previous),
            ("Pane to the left", "Focus the pane to the left (h)", self.action_pane_left),
            ("Pane to the right", "Focus the pane to the right (l)", self.action_pane_right),
            ("Next hit", "Go to the next search hit (n)", self.action_next_hit),
            ("Previous hit", "Go to the previous search hit (N)", self.action_previous_hit),
            ("Copy post", "Copy the current post (c)", self.action_copy_post),
            ("Copy thread", "Copy the whole thread as clean text (C)", self.action_copy_thread),
            ("Select posts", "Start or drop a selection of posts in the reading pane (v)", self.action_select_posts),
            ("Copy as quote", "Copy the selected posts, or the current one, as a Markdown quote with its source (y)",
             self.action_copy_quote),
            ("Highlight", "Keep the selected posts, or the current one, as a highlight with a note (H)",
             self.action_keep_highlight),
            ("Tags", "Add or remove the open thread's tags (t)", self.action_edit_tags),
            ("Highlights", "Every highlight; enter opens one at its place (K)", self.action_show_highlights),
            ("Fetch again", "Fetch the open thread again from its address (R)", self.action_refresh_thread),
            ("Links", "The current post's links: open one in the browser, or copy it (o)", self.action_open_links),
            ("Find in thread", "Search the open thread; n / N step through its matches (F)", self.action_find),
            ("Post origin", "Where the current post came from: its address and captures (O)", self.action_post_origin),
            ("Bookmark", "Bookmark the open thread, or remove its bookmark (m)", self.action_toggle_bookmark),
            ("Bookmarked only", "Show only bookmarked threads, or all (B)", self.action_toggle_bookmarked_only),
            ("Delete thread", "Delete the selected thread, after asking (d; z undoes it)", self.action_delete_thread),
            ("Undo delete", "Put back the thread deleted last (z)", self.action_undo_delete),
            ("Mark read or unread", "Mark the selected thread read, or unread (u)", self.action_toggle_read),
            ("Mark all read", "Mark every thread shown read, after asking (M)", self.action_mark_all_read),
            ("Next unread", "Open the next unread thread in the list (J)", self.action_next_unread),
            ("Unread only", "Show only unread threads, or all (U)", self.action_toggle_unread_only),
            ("Sort", "Choose the list's order (S)", self.action_sort),
            ("Export", "Export the open thread, the list shown or the bookmarks as Markdown or HTML (e)",
             self.action_export),
            ("Filter", "Filter the thread list by title or author (f)", self.action_filter),
            ("Clear filter", "Show every thread again (esc)", self.action_clear_filter),
            ("Sidebar", "Show or hide More from @author (s)", self.action_toggle_sidebar),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """esc clears a filter only where there is one (the footer shows it then)."""
        if not self.is_mounted:
            return True  # asked before the panes exist (a key typed at start): they are checked when it acts
        if action == "clear_filter":
            return bool(self.filter_text) or self.query_one("#filter", Input).has_class("-active")
        if action == "end_find":
            return self.find_active
        if action == "back_to_list":
            return self.has_class("-single") and self.focused is not None and self._pane_of(self.focused) != 0
        return True

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.add_class("-active")
        if not self.query_one("#list-pane").display:  # narrow, the sidebar in the list's place
            self.action_toggle_sidebar()
            self.call_after_refresh(filter_input.focus)
        else:
            filter_input.focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_class("-active") or self.filter_text:
            filter_input.value = ""
            filter_input.remove_class("-active")
            self._set_filter("")
            self.refresh_threads()
            self.thread_list.focus()
            self.refresh_bindings()

    def _set_filter(self, text: str) -> None:
        """Take what the filter box holds; a mistake is shown under it, and the last good filter stays."""
        problem = ""
        try:
            self.filter_node = parse(text) if text.strip() else None
            self.filter_text = text
        except QueryError as error:
            problem = str(error)
        error_line = self.query_one("#filter-error", Static)
        error_line.update(problem)
        error_line.display = bool(problem)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._set_filter(event.value)
        if self._filter_scan_needed():
            self._start_filter_scan()  # the list changes once its words are found
        else:
            self.refresh_threads()
        self.refresh_bindings()  # esc clears it: the footer says so where there is a filter

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.thread_list.focus()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the sidebar while the terminal stays this wide (narrow, in the thread list's place)."""
        sidebar = self.query_one("#sidebar")
        if self.has_class("-single"):  # one pane at a time: s goes to the sidebar, or back to the reading pane
            self._focus_pane(self.reading_pane.view if self.has_class("-show-sidebar") else self.query_one(AuthorList))
            return
        showing = not sidebar.display
        self.set_class(showing, "-sidebar-shown")
        self.set_class(not showing, "-sidebar-hidden")
        self.call_after_refresh(self._show_sidebar_hint)  # once the classes have set what shows
        focused = self.focused
        if not showing and focused is not None and sidebar in focused.ancestors_with_self:
            self.reading_pane.view.focus()
        elif showing and self.has_class("-narrow") and focused is not None and \
                self.query_one("#list-pane") in focused.ancestors_with_self:
            self.query_one(AuthorList).focus()

    def on_resize(self, event: events.Resize) -> None:
        single = event.size.width < TWO_PANES_MIN_WIDTH
        if single != self.has_class("-single"):
            self.set_class(single, "-single")
            if single:
                self.remove_class("-sidebar-shown", "-sidebar-hidden")
                self._show_pane_of(self.focused or self.thread_list)
            self.call_after_refresh(self._show_sidebar_hint)
        wide = event.size.width >= SIDEBAR_MIN_WIDTH
        if wide != self._wide:
            if self._wide is not None:
                # Crossing the breakpoint: a choice made with s held for the old width only.
                self.remove_class("-sidebar-shown", "-sidebar-hidden")
                self.call_after_refresh(self._focus_something_visible)
            self._wide = wide
            self.call_after_refresh(self._show_sidebar_hint)

    def _focus_something_visible(self) -> None:
        """After a pane was hidden by a resize, focus is never left on nothing."""
        if self.focused is None or not all(node.display for node in self.focused.ancestors_with_self):
            self.reading_pane.view.focus()
