"""The search screen: type a query, see hits from the whole library, open one."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from ..finding import search_library
from ..messages import OpenHits, SaveSearch
from ..ordered_keys import OrderedKeysApp
from ..query import Node, QueryError, parse
from ..search import Hit, Hits
from ..session import ReadingSession
from ..widgets.hit_list import HitList
from ..widgets.summary_list import SummaryList
from .base import Dialog, ReportsWorkerErrors, after
from .keep import AskScreen


# The hits a search in the reader keeps (n / N step through them): the newest threads' first. A
# query of one common letter finds every post, which no one reads through and memory need not hold.
LISTED_HITS = 1_000


class SearchScreen(ReportsWorkerErrors, Dialog[None]):
    """Search text, authors and handles; enter opens the thread at the hit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close search", id="search.close"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
        Binding("ctrl+s", "save_search", "Save search", id="search.save"),
    ]

    app: OrderedKeysApp[int]

    def __init__(self, session: ReadingSession, query: str = "") -> None:
        super().__init__("search", "Search")
        self.session = session
        self.initial_query = query
        self.hits: list[Hit] = []
        self.query_text = ""
        self._timer: Timer | None = None
        self._latest_query = ""
        self._open_first_of: str | None = None  # enter was pressed on this query before its hits came

    def body(self) -> ComposeResult:
        yield Input(value=self.initial_query, id="search-input",
                    placeholder='Search: words, "a phrase", -word, a OR b, from: since: has: is: tag:')
        yield Static("Type to search the whole library.", id="search-status", markup=False)
        yield HitList(summary_of=lambda thread_id: self.session.library.summary(thread_id), id="search-results")

    def on_mount(self) -> None:
        if self.initial_query:
            self._run_search(self.initial_query)

    @on(Input.Changed, "#search-input")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = after(self, self.session.delays.search_delay, lambda: self._run_search(event.value))

    @on(Input.Submitted, "#search-input")
    def _query_submitted(self, event: Input.Submitted) -> None:
        """Enter opens the first hit of what is typed: at once if its hits are shown, else once
        its search (started now) finds them; the keys after enter wait for that."""
        if self.hits and self.query_text == event.value:
            self._open_hit(0)
            return
        self._open_first_of = event.value
        worker = self._run_search(event.value)
        if worker is not None:
            self.app.hold_keys(worker)

    def _run_search(self, query: str) -> Worker[None] | None:
        if self._timer is not None:
            self._timer.stop()
        if query != self._open_first_of:
            self._open_first_of = None  # typed on after enter: enter's wish was for what it was pressed on
        self._latest_query = query
        status = self.query_one("#search-status", Static)
        node: Node | None = None
        problem = ""
        if query.strip():
            try:
                node = parse(query)
            except QueryError as error:
                problem = str(error)
        status.set_class(bool(problem), "-error")
        if node is None:
            self.hits, self.query_text = [], query
            self.query_one(HitList).set_items([])
            status.update(problem or "Type to search the whole library.")
            return None
        if query != self._open_first_of:
            status.update(f"Searching for {query!r}…")
        return self._search(query, node)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, node: Node) -> None:
        worker = get_current_worker()
        hits = search_library(self.session.library, node, self.session.marks, cancelled=lambda: worker.is_cancelled,
                              limit=LISTED_HITS)
        if hits and not worker.is_cancelled:
            self.session.library.thread(hits[0].thread_id)  # its shard read now: the first hit opens at once
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_hits, query, hits)

    def _show_hits(self, query: str, hits: Hits) -> None:
        if query != self._latest_query:
            return  # a search overtaken by a newer one finished late
        self.hits, self.query_text = hits, query
        if hits and query == self._open_first_of:
            self._open_hit(0)  # enter was pressed: the hits need not be drawn
            return
        self.query_one(HitList).set_items([{"id": str(index), "hit": hit} for index, hit in enumerate(hits)])
        listed = f" (the first {len(hits):,} listed, newest threads first)" if len(hits) < hits.total else ""
        status = (f"{hits.total:,} hit{'s' if hits.total != 1 else ''} for {query!r}{listed}. "
                  "Enter opens the first, ↓ picks another; n / N step through hits later." if hits
                  else f"No hits for {query!r}.")
        self.query_one("#search-status", Static).update(status)

    @on(SummaryList.Selected, "#search-results")
    def _hit_chosen(self, event: SummaryList.Selected) -> None:
        self._open_hit(int(event.item["id"]))

    def _open_hit(self, index: int) -> None:
        """Open hit `index` in the reader beneath; the app closes the dialog once it has (a result
        handed back by `dismiss` would come after the frame that uncovers the reader)."""
        self.post_message(OpenHits(self.query_text, self.hits, index, self))

    def action_focus_results(self) -> None:
        """From the query, ↓ goes to the hits and picks the next one (enter alone opens the first)."""
        hit_list = self.query_one(HitList)
        hit_list.focus()
        if hit_list.cursor + 1 < len(hit_list.items):
            hit_list.select(hit_list.cursor + 1)

    def action_save_search(self) -> None:
        """Keep what is typed under a name (asked for); the palette reruns it."""
        query = self.query_one("#search-input", Input).value
        try:
            parse(query)
        except QueryError as error:
            self.notify(f"Nothing to save: {error}", severity="warning", markup=False)
            return

        def named(name: str | None) -> None:
            if name:
                self.post_message(SaveSearch(name, query))

        self.app.push_screen(SearchNameScreen(query), named)


class SearchNameScreen(AskScreen[str | None]):
    """Type a name to keep a search under; enter keeps it, esc does not."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel", id="search-name.cancel")]

    def __init__(self, query: str) -> None:
        super().__init__("Save search", f"Keep the search {query!r} under a name, then enter; esc cancels. "
                         "ctrl+p then the name runs it again.", Input(placeholder="name", id="search-name-input"))

    def answer(self, typed: str) -> str | None:
        return " ".join(typed.split()) or None
