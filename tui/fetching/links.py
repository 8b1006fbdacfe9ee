"""Fetching links: for each, the threads the format's importer found in the answers, or the
one line that says why the link failed; several links at once, a few at a time."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from ..importers.base import ImportFailure, ParseResult
from .addresses import AddressError, BlueskyPost, MastodonStatus, parse_address
from .bluesky import fetch_bluesky
from .http import FetchCancelled, FetchError, Http
from .mastodon import fetch_mastodon
from .threadreader import fetch_threadreader

# Links fetched at once (each host also takes at most `http.PER_HOST` requests at once).
LINKS_AT_ONCE = 4
_POLL_SECONDS = 0.1


def _outcome(link: str, http: Http) -> ParseResult | str:
    """The threads at one link, or the one line saying why not."""
    try:
        address = parse_address(link)
        if isinstance(address, BlueskyPost):
            result = fetch_bluesky(address, http)
        elif isinstance(address, MastodonStatus):
            result = fetch_mastodon(address, http)
        else:
            result = fetch_threadreader(address, http)
    except (AddressError, FetchError, ImportFailure) as failure:
        return str(failure)
    except FetchCancelled:
        raise
    except Exception as error:  # a bug: one line for this link, the others go on
        return f"threads-tui could not fetch it: an internal error ({type(error).__name__}: {error}); please report it"
    for thread in result.threads:
        thread.url = thread.url or address.link
    return result


def fetch_links(links: Sequence[str], on_wait: Callable[[str], None],
                cancelled: Callable[[], bool]) -> Iterator[tuple[str, ParseResult | str]]:
    """Each link with its threads or why it failed, in order; FetchCancelled once `cancelled`. Fetched by
    LINKS_AT_ONCE daemon threads: a cancelled fetch's requests end at their timeouts, and nothing waits."""
    http = Http(on_wait, cancelled)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(links)):
        todo.put(index)
    outcomes: list[Future[ParseResult | str]] = [Future() for _ in links]

    def work() -> None:
        while not cancelled():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcomes[index].set_result(_outcome(links[index], http))
            except BaseException as error:  # FetchCancelled, or a bug `_outcome` let through: told below
                outcomes[index].set_exception(error)

    workers = [threading.Thread(target=work, name=f"fetch-{n}", daemon=True)
               for n in range(min(LINKS_AT_ONCE, len(links)))]
    for worker in workers:
        worker.start()
    for link, outcome in zip(links, outcomes):
        while True:
            try:
                result = outcome.result(timeout=_POLL_SECONDS)
                break
            except FutureTimeout:
                if cancelled():
                    raise FetchCancelled from None
        yield link, result
    # The idle threads end here: an import of files after the links forks only from a process of one thread.
    for worker in workers:
        worker.join()
    http.close()
