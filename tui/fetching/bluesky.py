"""A Bluesky thread from the public AppView: its getPostThread answer, made whole, then imported.

Where the author's chain stops at a post with replies the answer lacks (the depth limit cut it), the
thread is asked for again from there and the replies grafted in; a deleted or blocked post of the
author's ends the chain, and the thread is kept as a preview.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..importers.base import ParseResult
from ..importers.bluesky import BlueskyThreadImporter, build_thread, is_post_node, next_self_reply, uri_did
from ..importers.json_input import Obj
from .addresses import BlueskyPost
from .http import Answer, FetchError, Http, checked_base, shape_checked

API_ENV_VAR = "THREADS_TUI_BLUESKY_API"
DEFAULT_API = "https://public.api.bsky.app"
DEPTH = 1000
# getPostThread requests for the parts of one thread the depth limit cut off, at most.
MAX_MORE_REQUESTS = 8
_GONE_TYPES = {"app.bsky.feed.defs#notFoundPost": "deleted", "app.bsky.feed.defs#blockedPost": "blocked"}


def fetch_bluesky(address: BlueskyPost, http: Http) -> ParseResult:
    """The author's self-thread through the linked post."""
    api = checked_base(API_ENV_VAR, DEFAULT_API)
    did = address.actor if address.actor.startswith("did:") else _resolve_handle(api, address.actor, http)
    focal = _post_thread(api, f"at://{did}/app.bsky.feed.post/{address.rkey}", http, parent_height=DEPTH)
    ends = _complete_chain(api, focal, http)
    # The answer as it was read (not written out and read again: a long thread nests deeper than JSON
    # writers go), to the importer's own walk.
    thread = build_thread(focal, address.link)
    thread.complete = thread.complete and ends is None
    return ParseResult([thread], [f"{ends}: stored as a preview"] if ends is not None else [])


def _resolve_handle(api: str, handle: str, http: Http) -> str:
    answer = http.get(f"{api}/xrpc/com.atproto.identity.resolveHandle?{urlencode({'handle': handle})}",
                      max_bytes=64 * 1024)
    if answer.status == 400:
        raise FetchError(f"no Bluesky account has the handle {handle!r} ({answer.error_text()})")
    _check(answer)
    did = shape_checked(lambda: Obj.at(answer.json()).text("did"))
    if not did.startswith("did:"):
        raise FetchError(f"Bluesky resolved {handle!r} to {did[:60]!r}, which is no DID")
    return did


def _post_thread(api: str, uri: str, http: Http, parent_height: int) -> Obj:
    """The `thread` node of a getPostThread answer."""
    query = urlencode({"uri": uri, "depth": DEPTH, "parentHeight": parent_height})
    answer = http.get(f"{api}/xrpc/app.bsky.feed.getPostThread?{query}",
                      max_bytes=BlueskyThreadImporter.max_bytes)
    if answer.status == 400:
        raise FetchError(f"Bluesky cannot give this post ({answer.error_text()}): deleted, or never there")
    _check(answer)
    return shape_checked(lambda: Obj.at(answer.json()).obj("thread"))


def _complete_chain(api: str, focal: Obj, http: Http) -> str | None:
    """Graft in the replies the depth limit cut from the author's chain; say why it ends early, if it does."""
    if not is_post_node(focal):
        return None  # the importer says what the focal post is
    did = shape_checked(lambda: focal.obj("post").obj("author").text("did"))
    node, uri = focal, shape_checked(lambda: focal.obj("post").text("uri"))
    asked: set[str] = set()
    while True:
        found = shape_checked(lambda: next_self_reply(node, did, uri))
        if found is not None:
            node, post = found
            uri = shape_checked(lambda: post.text("uri"))
            continue
        replies = node.data.get("replies")
        reply_count = node.data.get("post", {}).get("replyCount")
        if isinstance(reply_count, int) and reply_count > 0 and not replies:
            if uri in asked:
                return "Bluesky counts replies below a post of the thread but gives none"
            if len(asked) == MAX_MORE_REQUESTS:
                return f"the thread goes on past the {len(asked) + 1} parts threads-tui asks Bluesky for"
            asked.add(uri)
            node.data["replies"] = _post_thread(api, uri, http, parent_height=0).data.get("replies") or []
            continue
        for reply in replies if isinstance(replies, list) else ():
            gone = _GONE_TYPES.get(reply.get("$type") or "") if isinstance(reply, dict) else None
            if gone and isinstance(reply.get("uri"), str) and uri_did(reply["uri"]) == did:
                return f"a post of the author's is {gone} there, which ends the thread"
        return None


def _check(answer: Answer) -> None:
    """FetchError for any status but 200."""
    if answer.status != 200:
        raise FetchError(f"Bluesky answered HTTP {answer.status} ({answer.error_text()})")
