"""One measurement in a fresh process, printed as JSON (run by bench/run.py).

    probe.py bare                      first frame of a bare Textual app (the baseline)
    probe.py start DB                  threads-tui to the thread list drawn
    probe.py search DB WORD            keypress to search hits drawn, then peak RSS
    probe.py query DB QUERY            a query typed and enter pressed at once, to its first hit's thread drawn
    probe.py open DB THREAD_ID         keypress to the first posts of a thread drawn
    probe.py scroll DB THREAD_ID       the slowest frame paging through the list and a thread
    probe.py searches DB WORD...       each word typed key by key, then enter; then peak RSS
    probe.py mark DB THREAD_ID         bytes written to save one read mark, as the reader saves it
    probe.py add DB PAGE               seconds to import one page (opening the library included)

Times in `start` and `bare` count from BENCH_T0 (set by the parent just
before it started this process), so they include Python's start-up and imports.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux ru_maxrss
    starts from the parent's size at fork, and the bench's parent holds a whole import."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def since_t0() -> float:
    return time.time() - float(os.environ["BENCH_T0"])


def emit(**values: object) -> None:
    print(json.dumps(values), flush=True)


def bare() -> None:
    from textual.app import App
    from textual.widgets import Static

    drawn: list[float] = []

    class FirstDraw(Static):
        def render_line(self, y: int):
            if not drawn:
                drawn.append(since_t0())
            return super().render_line(y)

    class Bare(App):
        def compose(self):
            yield FirstDraw("hello")

    async def pilot(p):
        await wait_until(p, lambda: bool(drawn))
        emit(seconds=drawn[0])
        p.app.exit()

    Bare().run(headless=True, size=(120, 40), auto_pilot=pilot)


def reader(db: str):
    from pathlib import Path

    from tui.app import ThreadsApp
    from tui.library import Library

    app = ThreadsApp(Library.open(Path(db)))
    app.session.delays.mark_read_after = 3600
    return app


async def wait_until(pilot, condition, timeout: float = 60.0) -> None:
    """Wait, looking every millisecond, until `condition()` holds. The app is left to draw at its own
    pace: `pilot.pause` would repaint the screen at each look, taking the app's time (and the GIL
    from its workers) as no terminal does."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the condition never held")
        await asyncio.sleep(0.001)


async def idle(pilot) -> None:
    """Wait until start-up work is done: workers finished, the open thread laid out."""
    from tui.widgets.reading_pane import ThreadView

    view = await mounted(pilot, ThreadView)
    await pilot.app.workers.wait_for_complete()
    await wait_until(pilot, lambda: view.fully_laid_out)
    await pilot.pause()


async def mounted(pilot, widget_type):
    """The screen's widget of `widget_type`, once the screen has composed it."""
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(widget_type)))
    return pilot.app.screen.query(widget_type).first()


def start(db: str) -> None:
    from tui.widgets.thread_list import ThreadList

    drawn: list[float] = []
    original = ThreadList.render_line

    def render_line(self, y: int):
        if self.items and not drawn:
            drawn.append(since_t0())
        return original(self, y)

    ThreadList.render_line = render_line  # the moment the list is first drawn with threads
    app = reader(db)

    async def pilot(p):
        thread_list = await mounted(p, ThreadList)
        await wait_until(p, lambda: bool(drawn))
        emit(seconds=drawn[0], rows=len(thread_list.items), rss_mib=peak_rss_mib())
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def first_draw(widget_type, ready) -> tuple[list[float], list[bool]]:
    """Record when a `widget_type` first draws while `ready(widget)`, once armed.

    Returns the list the time goes into, and the list to append to (arm) when
    the measurement starts.
    """
    drawn: list[float] = []
    armed: list[bool] = []
    original = widget_type.render_line

    def render_line(self, y: int):
        if armed and not drawn and ready(self):
            drawn.append(time.perf_counter())
        return original(self, y)

    widget_type.render_line = render_line
    return drawn, armed


def search(db: str, word: str) -> None:
    from tui.screens.search import SearchScreen
    from tui.widgets.hit_list import HitList

    drawn, armed = first_draw(HitList, lambda widget: bool(widget.items))
    app = reader(db)
    app.session.delays.search_delay = 0  # the search starts as the word is typed (enter would also open the first hit)

    async def pilot(p):
        await idle(p)
        await p.press("slash")
        search_input = await mounted(p, "#search-input")
        armed.append(True)
        began = time.perf_counter()
        search_input.value = word  # typed: the search of it starts
        await wait_until(p, lambda: bool(drawn))
        elapsed = drawn[0] - began
        hits = len(p.app.screen.hits)
        await p.press("enter")  # open the first hit, as a reader would
        await wait_until(p, lambda: not isinstance(p.app.screen, SearchScreen))
        await p.app.workers.wait_for_complete()
        await p.pause()
        emit(seconds=elapsed, hits=hits, rss_mib=peak_rss_mib())
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def query(db: str, text: str) -> None:
    """As a person feels a search: the query typed and enter pressed at once (the app's own delays
    kept), until the first hit's thread is drawn with the dialog closed."""
    from textual.widgets import Input

    from tui.screens.search import SearchScreen
    from tui.widgets.reading_pane import ThreadView

    app = reader(db)

    def at_first_hit(view) -> bool:
        hits = app.session.hits
        return (not isinstance(app.screen, SearchScreen) and bool(hits) and view.thread is not None
                and view.thread.id == hits[0].thread_id)

    drawn, armed = first_draw(ThreadView, at_first_hit)

    async def pilot(p):
        await idle(p)
        await p.press("slash")
        search_input = await mounted(p, "#search-input")
        await p.pause()
        armed.append(True)
        began = time.perf_counter()
        search_input.value = text
        search_input.post_message(Input.Submitted(search_input, text))
        await wait_until(p, lambda: bool(drawn))
        emit(seconds=drawn[0] - began, hits=len(p.app.session.hits), rss_mib=peak_rss_mib())
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def open_thread(db: str, thread_id: str) -> None:
    from tui.messages import OpenThread
    from tui.widgets.reading_pane import ThreadView

    drawn, armed = first_draw(ThreadView, lambda view: view.thread is not None and view.thread.id == thread_id)
    app = reader(db)

    async def pilot(p):
        await idle(p)
        other = next(s["id"] for s in p.app.library.summaries() if s["id"] != thread_id)
        p.app.screen.post_message(OpenThread(other))  # start from another thread
        view = await mounted(p, ThreadView)
        await wait_until(p, lambda: view.thread is not None and view.thread.id == other)
        await idle(p)
        armed.append(True)
        began = time.perf_counter()
        p.app.screen.post_message(OpenThread(thread_id))
        await wait_until(p, lambda: bool(drawn))
        view = p.app.screen.query_one(ThreadView)
        emit(seconds=drawn[0] - began, posts=view.thread.post_count)
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def scroll(db: str, thread_id: str) -> None:
    from tui.messages import OpenThread
    from tui.widgets.reading_pane import ThreadView
    from tui.widgets.thread_list import ThreadList

    list_drawn, list_armed = first_draw(ThreadList, lambda widget: True)
    view_drawn, view_armed = first_draw(ThreadView, lambda widget: True)
    app = reader(db)

    async def slowest_frame(p, key: str, drawn: list[float], armed: list[bool]) -> float:
        """The longest time from a keypress to the pane's next frame, over 40 presses."""
        slowest = 0.0
        for _ in range(40):
            drawn.clear()
            armed.append(True)
            began = time.perf_counter()
            await p.press(key)
            await wait_until(p, lambda: bool(drawn))
            slowest = max(slowest, drawn[0] - began)
            armed.clear()
        return slowest

    async def pilot(p):
        await idle(p)
        slowest_list = await slowest_frame(p, "pagedown", list_drawn, list_armed)
        view = p.app.screen.query_one(ThreadView)
        p.app.screen.post_message(OpenThread(thread_id))
        await wait_until(p, lambda: view.thread is not None and view.thread.id == thread_id)
        await idle(p)
        slowest_thread = await slowest_frame(p, "space", view_drawn, view_armed)
        emit(list_seconds=slowest_list, thread_seconds=slowest_thread,
             rows=len(p.app.screen.query_one(ThreadList).items))
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def searches(db: str, *words: str) -> None:
    """Search as a reader types: key by key (so a one-letter query runs first), enter opening the
    first hit (the app keeps the hits for n / N); peak memory once every search is done."""
    from tui.screens.search import SearchScreen

    app = reader(db)
    app.session.delays.search_delay = 0

    async def pilot(p):
        await idle(p)
        for word in words:
            await p.press("slash")
            await mounted(p, "#search-input")
            await p.press(*word, "enter")
            await wait_until(p, lambda: not isinstance(p.app.screen, SearchScreen), timeout=300)
            await p.app.workers.wait_for_complete()
            await p.pause()
        emit(rss_mib=peak_rss_mib(), searches=len(words))
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def written_bytes() -> int | None:
    """Bytes this process has handed to write calls so far (Linux), else None."""
    try:
        with open("/proc/self/io") as io:
            for line in io:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def mark(db: str, thread_id: str) -> None:
    """What one read mark writes: the reader's save of it (`ThreadsApp._write_states`, to the user's file)."""
    from pathlib import Path

    from tui.library import Library
    from tui.user_data import UserData

    path = Path(db)
    files_before = {f: f.stat().st_mtime_ns for f in path.parent.rglob("*") if f.is_file()}
    library = Library.open(path)
    before = written_bytes()
    UserData(library).set_states({thread_id: {"read": True}})
    after = written_bytes()
    if before is None or after is None:  # no /proc: the files the save replaced or made
        changed = [f for f in path.parent.rglob("*") if f.is_file() and files_before.get(f) != f.stat().st_mtime_ns]
        emit(bytes=sum(f.stat().st_size for f in changed))
    else:
        emit(bytes=after - before)


def add(db: str, page: str) -> None:
    """One saved page imported, as `threads-tui import PAGE` does once the program is loaded."""
    from pathlib import Path

    from tui.importing import run_import
    from tui.library import Library

    began = time.perf_counter()
    report = run_import([Path(page)], Library.open(Path(db)))
    seconds = time.perf_counter() - began
    if report.failures or len(report.counts.added) != 1:
        raise RuntimeError(f"the page was not added: {report.failures or report.counts}")
    emit(seconds=seconds)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"bare": bare, "start": start, "search": search, "query": query, "open": open_thread, "scroll": scroll,
     "searches": searches, "mark": mark, "add": add}[command](*args)
