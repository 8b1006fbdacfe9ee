"""A Thread Reader unroll (also the way to an X thread, which has no public interface): its page, imported.

The page exists once someone has asked Thread Reader to unroll the thread;
before that the site answers 404, and the user is told where to ask.
"""

from __future__ import annotations

from ..importers.base import ParseResult, Source
from ..importers.threadreader_html import ThreadReaderHtmlImporter
from .addresses import ThreadReaderPage
from .http import FetchError, Http, checked_base

SITE_ENV_VAR = "THREADS_TUI_THREADREADER"
DEFAULT_SITE = "https://threadreaderapp.com"


def fetch_threadreader(address: ThreadReaderPage, http: Http) -> ParseResult:
    """The thread on the unroll page of the tweet the link names."""
    site = checked_base(SITE_ENV_VAR, DEFAULT_SITE)
    answer = http.get(f"{site}/thread/{address.tweet_id}.html", max_bytes=ThreadReaderHtmlImporter.max_bytes,
                      accept="text/html")
    if answer.status == 404:
        raise FetchError("Thread Reader has not unrolled this thread yet: open "
                         f"{DEFAULT_SITE}/thread/{address.tweet_id}.html in a browser to unroll it, then fetch again")
    if answer.status != 200:
        raise FetchError(f"Thread Reader answered HTTP {answer.status}")
    source = Source.of_bytes(address.link, answer.body)
    importer = ThreadReaderHtmlImporter()
    if not importer.detect(source):
        raise FetchError("Thread Reader answered with something that is not an unrolled thread's page")
    return importer.parse(source)
