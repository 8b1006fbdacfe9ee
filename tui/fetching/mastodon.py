"""A Mastodon thread from its instance's public API: the status and its context, then imported.

The self-thread runs from the author's first post above the status (no other account between) down their
self-replies. A copy of another instance's post is read from its origin, whose context is complete.
Without an account an instance gives at most 40 ancestors and 60 descendants 20 replies deep: a context
that full is followed by the context of the last post it reaches, up to MAX_CONTEXTS, then a preview.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import orjson

from ..importers.base import ImportFailure, ParseResult, Source
from ..importers.json_input import Obj
from ..importers.mastodon_api import MastodonApiImporter
from .addresses import AddressError, MastodonStatus, is_loopback, parse_address
from .http import FetchError, Http, shape_checked

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 60
MAX_DEPTH = 20  # replies below a post, in a context given without an account
# Contexts asked for one thread, at most: each goes on from where the one before was cut.
MAX_CONTEXTS = 12


def fetch_mastodon(address: MastodonStatus, http: Http) -> ParseResult:
    """The author's self-thread through the linked status (read from its origin where it is a copy)."""
    status = _get(address, f"/api/v1/statuses/{address.status_id}", http)
    origin = _origin_of(address, status)
    if origin is None:
        return _unroll(address, status, http)
    try:
        return _unroll(origin, _get(origin, f"/api/v1/statuses/{origin.status_id}", http), http, link=address.link)
    except (FetchError, ImportFailure) as error:
        result = _unroll(address, status, http)
        result.warnings.append(f"the original on {origin.base} could not be read ({error}): "
                               f"this is {address.base}'s copy, which may miss posts")
        return result


def _origin_of(address: MastodonStatus, status: dict[str, Any]) -> MastodonStatus | None:
    """The status on its own instance, where the one linked is a copy; one on this machine only from a link
    to this machine too (an instance on the internet cannot send threads-tui to the user's own services)."""
    url = status.get("url")
    if not isinstance(url, str):
        return None
    try:
        origin = parse_address(url)
    except AddressError:
        return None
    if not isinstance(origin, MastodonStatus) or origin.base == address.base:
        return None
    if _is_local(origin.base) and not _is_local(address.base):
        return None
    return origin


def _is_local(base: str) -> bool:
    """Whether an address names this machine or a private network."""
    host = urlsplit(base).hostname or ""
    if is_loopback(host) or host.endswith((".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_link_local or address.is_reserved or address.is_unspecified


def _unroll(address: MastodonStatus, status: dict[str, Any], http: Http, link: str | None = None) -> ParseResult:
    """Give the status and its contexts (see the module), trimmed to the author's chain, to the API importer."""
    name = link or address.link
    author = shape_checked(lambda: Obj.at(status).obj("account").ident("id"))
    importer = MastodonApiImporter()
    importer.parse(Source.of_bytes(name, orjson.dumps(status)))
    # Each context to ask for, and which ways to go on from it (one reached going up or down: only that way).
    pending = [(shape_checked(lambda: Obj.at(status).ident("id")), True, True)]
    asked: set[str] = set()
    cut = False
    while pending:
        status_id, up, down = pending.pop()
        if status_id in asked:
            continue
        if len(asked) == MAX_CONTEXTS:
            cut = True
            break
        asked.add(status_id)
        context = _get(address, f"/api/v1/statuses/{status_id}/context", http)
        ancestors = shape_checked(lambda: Obj.at(context).objects("ancestors"))
        descendants = shape_checked(lambda: Obj.at(context).objects("descendants"))
        own_ancestors = _own_end(ancestors, author)
        importer.parse(Source.of_bytes(name, orjson.dumps({"ancestors": [a.data for a in own_ancestors],
                                                            "descendants": [d.data for d in descendants]})))
        top = own_ancestors[0] if own_ancestors else None
        if (up and len(ancestors) >= MAX_ANCESTORS and len(own_ancestors) == len(ancestors) and top is not None
                and shape_checked(lambda: top.optional_ident("in_reply_to_id")) is not None):
            pending.append((shape_checked(lambda: top.ident("id")), True, False))  # the author's posts go on above
        last, depth = _chain_end(status_id, author, descendants)
        if down and (len(descendants) >= MAX_DESCENDANTS or depth >= MAX_DEPTH):
            # Others' replies filled the context before the author's chain went on: no way further down.
            cut = cut or last == status_id
            pending.append((last, False, True))
    result = importer.finish()
    if cut:
        for thread in result.threads:
            thread.complete = False
        result.warnings.append(f"{address.base} gives at most {MAX_ANCESTORS} posts above a post and "
                               f"{MAX_DESCENDANTS} below it ({MAX_DEPTH} replies deep) without an account, and "
                               "this thread goes on past what threads-tui could read: stored as a preview")
    return result


def _own_end(ancestors: list[Obj], author: str) -> list[Obj]:
    """The ancestors by `author` that end the list without another account's post between them."""
    own: list[Obj] = []
    for ancestor in reversed(ancestors):
        if shape_checked(lambda: ancestor.obj("account").ident("id")) != author:
            break
        own.insert(0, ancestor)
    return own


def _chain_end(start_id: str, author: str, descendants: list[Obj]) -> tuple[str, int]:
    """The last post of the author's chain of self-replies below `start_id`, and how many replies deep it is."""
    replies: dict[str, list[Obj]] = {}
    for status in descendants:
        if shape_checked(lambda: status.obj("account").ident("id")) == author:
            parent = shape_checked(lambda: status.optional_ident("in_reply_to_id"))
            replies.setdefault(parent or "", []).append(status)
    current, depth = start_id, 0
    while following := replies.get(current):
        earliest = min(following, key=lambda status: (str(status.data.get("created_at") or ""), status.ident("id")))
        current = earliest.ident("id")
        depth += 1
        if depth > MAX_DESCENDANTS:
            break  # a loop of replies: no real chain below one post is this long
    return current, depth


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
