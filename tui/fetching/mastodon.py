"""A Mastodon thread from its instance's public API: the status and its context, then imported.

The self-thread runs from the first post of the status's author that the
status's chain of ancestors reaches without passing another account, down
through that author's replies to their own posts. A status an instance
holds as a copy of another instance's post is read from its origin, whose
context is the complete one. Without an account an instance gives at most
40 ancestors and 60 descendants: a context that full may be cut, and its
thread is kept as a preview.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..importers.base import ParseResult, Source
from ..importers.json_input import Obj
from ..importers.mastodon_api import MastodonApiImporter
from .addresses import AddressError, MastodonStatus, parse_address
from .http import FetchError, Http, shape_checked

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 60


def fetch_mastodon(address: MastodonStatus, http: Http) -> ParseResult:
    """The author's self-thread through the linked status (read from its origin where it is a copy)."""
    status = _get(address, f"/api/v1/statuses/{address.status_id}", http)
    origin = _origin_of(address, status)
    if origin is None:
        return _unroll(address, status, http)
    try:
        return _unroll(origin, _get(origin, f"/api/v1/statuses/{origin.status_id}", http), http, link=address.link)
    except FetchError as error:
        result = _unroll(address, status, http)
        result.warnings.append(f"the original on {origin.base} could not be read ({error}): "
                               f"this is {address.base}'s copy, which may miss posts")
        return result


def _origin_of(address: MastodonStatus, status: dict[str, Any]) -> MastodonStatus | None:
    """The status on its own instance, where the one linked is another instance's copy of it."""
    url = status.get("url")
    if not isinstance(url, str):
        return None
    try:
        origin = parse_address(url)
    except AddressError:
        return None
    if not isinstance(origin, MastodonStatus) or origin.base == address.base:
        return None
    return origin


def _unroll(address: MastodonStatus, status: dict[str, Any], http: Http, link: str | None = None) -> ParseResult:
    """Give the status and its context, trimmed to the author's chain, to the API importer."""
    name = link or address.link
    context = _get(address, f"/api/v1/statuses/{address.status_id}/context", http)
    ancestors = shape_checked(lambda: Obj.at(context).objects("ancestors"))
    descendants = shape_checked(lambda: Obj.at(context).objects("descendants"))
    author = shape_checked(lambda: Obj.at(status).obj("account").ident("id"))
    own_ancestors: list[dict[str, Any]] = []
    for ancestor in reversed(ancestors):
        if shape_checked(lambda: ancestor.obj("account").ident("id")) != author:
            break
        own_ancestors.insert(0, ancestor.data)
    importer = MastodonApiImporter()
    importer.parse(Source.of_bytes(name, orjson.dumps(status)))
    importer.parse(Source.of_bytes(name, orjson.dumps({"ancestors": own_ancestors,
                                                        "descendants": [d.data for d in descendants]})))
    result = importer.finish()
    if len(ancestors) >= MAX_ANCESTORS or len(descendants) >= MAX_DESCENDANTS:
        for thread in result.threads:
            thread.complete = False
        result.warnings.append(f"{address.base} gives at most {MAX_ANCESTORS} posts above and {MAX_DESCENDANTS} "
                               "below a post without an account, and this thread reaches that: it may go on, "
                               "so it is stored as a preview")
    return result


def _get(address: MastodonStatus, path: str, http: Http) -> dict[str, Any]:
    answer = http.get(address.base + path, max_bytes=MastodonApiImporter.max_bytes)
    if answer.status in (401, 403):
        raise FetchError(f"{address.base} lets no one read its posts without an account "
                         f"(HTTP {answer.status}: {answer.error_text()}): save the thread from a browser instead")
    if answer.status in (404, 410):
        raise FetchError(f"{address.base} has no such status ({answer.error_text()}): private, deleted or unknown")
    if answer.status != 200:
        raise FetchError(f"{address.base} answered HTTP {answer.status} ({answer.error_text()})")
    return shape_checked(lambda: Obj.at(answer.json()).data)
