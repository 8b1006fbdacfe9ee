"""One measurement in a fresh process, printed as JSON (run by bench/run.py).

    probe.py bare                      first frame of a bare Textual app (the baseline)
    probe.py start DB                  threads-tui to the thread list drawn
    probe.py search DB WORD            keypress to search hits drawn, then peak RSS
    probe.py open DB THREAD_ID         keypress to the first posts of a thread drawn
    probe.py scroll DB THREAD_ID       the slowest frame paging through the list and a thread

Times in `start` and `bare` count from BENCH_T0 (set by the parent just
before it started this process), so they include Python's start-up and imports.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def peak_rss_mib() -> float:
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
    app.mark_read_after = 3600
    return app


async def wait_until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the condition never held")
        await pilot.pause(0.001)


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


def search(db: str, word: str) -> None:
    app = reader(db)

    async def pilot(p):
        from tui.screens.search import SearchScreen
        from tui.widgets.thread_list import ThreadList

        await mounted(p, ThreadList)
        await p.app.workers.wait_for_complete()
        await p.press("slash")
        search_input = await mounted(p, "#search-input")
        search_input.value = word
        await p.pause()
        began = time.perf_counter()
        await p.press("enter")  # the keypress that searches
        await wait_until(p, lambda: not isinstance(p.app.screen, SearchScreen))
        await p.app.workers.wait_for_complete()
        await p.pause()
        elapsed = time.perf_counter() - began
        emit(seconds=elapsed, hits=len(p.app.hits), rss_mib=peak_rss_mib())
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def open_thread(db: str, thread_id: str) -> None:
    app = reader(db)

    async def pilot(p):
        from tui.messages import OpenThread
        from tui.widgets.reading_pane import ThreadView

        view = await mounted(p, ThreadView)
        await p.app.workers.wait_for_complete()
        await p.pause()
        began = time.perf_counter()
        p.app.screen.post_message(OpenThread(thread_id))
        await wait_until(p, lambda: view.thread is not None and view.thread.id == thread_id)
        await p.pause()
        emit(seconds=time.perf_counter() - began, posts=view.thread.post_count)
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


def scroll(db: str, thread_id: str) -> None:
    app = reader(db)

    async def pilot(p):
        from tui.messages import OpenThread
        from tui.widgets.reading_pane import ThreadView
        from tui.widgets.thread_list import ThreadList

        await mounted(p, ThreadList)
        await p.app.workers.wait_for_complete()
        await p.pause()
        slowest_list = 0.0
        for _ in range(40):
            began = time.perf_counter()
            await p.press("pagedown")
            slowest_list = max(slowest_list, time.perf_counter() - began)
        view = p.app.screen.query_one(ThreadView)
        p.app.screen.post_message(OpenThread(thread_id))
        await wait_until(p, lambda: view.thread is not None and view.thread.id == thread_id)
        slowest_thread = 0.0
        for _ in range(40):
            began = time.perf_counter()
            await p.press("space")
            slowest_thread = max(slowest_thread, time.perf_counter() - began)
        emit(list_seconds=slowest_list, thread_seconds=slowest_thread,
             rows=len(p.app.screen.query_one(ThreadList).items))
        p.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"bare": bare, "start": start, "search": search, "open": open_thread, "scroll": scroll}[command](*args)
