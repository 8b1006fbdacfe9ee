"""Fetching links: for each, the threads the format's importer found in the answers, or the
one line that says why the link failed; several links at once, a few at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

from ..importers.base import ImportFailure, ParseResult
from .addresses import AddressError, BlueskyPost, MastodonStatus, parse_address
from .bluesky import fetch_bluesky
from .http import FetchCancelled, FetchError, Http
from .mastodon import fetch_mastodon
from .threadreader import fetch_threadreader

# Links fetched at once (each host also takes at most `http.PER_HOST` requests at once).
LINKS_AT_ONCE = 4
_POLL_SECONDS = 0.1

def fetch_link(link: str, http: Http) -> ParseResult:
    """The threads at one link; AddressError, FetchError or ImportFailure with one line if not."""
    address = parse_address(link)
    if isinstance(address, BlueskyPost):
        result = fetch_bluesky(address, http)
    elif isinstance(address, MastodonStatus):
        result = fetch_mastodon(address, http)
    else:
        result = fetch_threadreader(address, http)
    for thread in result.threads:
        thread.url = thread.url or address.link
    return result


def _outcome(link: str, http: Http) -> ParseResult | str:
    try:
        return fetch_link(link, http)
    except (AddressError, FetchError, ImportFailure) as failure:
        return str(failure)
    except FetchCancelled:
        raise
    except Exception as error:  # a bug: one line for this link, the others go on
        return f"threads-tui could not fetch it: an internal error ({type(error).__name__}: {error}); please report it"


def fetch_links(links: Sequence[str], on_wait: Callable[[str], None] = lambda line: None,
                cancelled: Callable[[], bool] = lambda: False) -> Iterator[tuple[str, ParseResult | str]]:
    """Each link with its threads or why it failed, in the order given; FetchCancelled once `cancelled`."""
    http = Http(on_wait, cancelled)
    pool = ThreadPoolExecutor(LINKS_AT_ONCE, thread_name_prefix="fetch")
    all_done = False
    try:
        futures = [(link, pool.submit(_outcome, link, http)) for link in links]
        for link, future in futures:
            while True:
                try:
                    outcome = future.result(timeout=_POLL_SECONDS)
                    break
                except FutureTimeout:
                    if cancelled():
                        raise FetchCancelled from None
            yield link, outcome
        all_done = True
    finally:
        # Done: the idle threads end here (an import of files after the links forks its workers only from a
        # process with one thread). Cancelled: requests still under way end at their timeouts, unawaited.
        pool.shutdown(wait=all_done, cancel_futures=True)
        if all_done:
            http.close()
