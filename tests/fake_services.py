"""A real HTTP server on 127.0.0.1 that answers as Bluesky's AppView, Mastodon and Thread Reader do.

Answers are built here in the services' shapes (as the project's format docs
describe them); tests add routes and faults, then point threads-tui at the
server (`THREADS_TUI_BLUESKY_API`, `THREADS_TUI_THREADREADER`, Mastodon links
naming it).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BSKY_POST = "app.bsky.feed.post"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"


@dataclass
class Reply:
    """What the server sends for one request."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[BaseHTTPRequestHandler, dict[str, str]], "Reply | None"]


def json_reply(data: object, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(data).encode(), headers=headers)


class FakeServices:
    """The server; `routes` maps a path to a Reply or to a handler of (request, query)."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # path with query, and headers
        self.stopping = threading.Event()
        services = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                services.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                route = services.routes.get(parts.path)
                if route is None:
                    reply: Reply | None = json_reply({"error": "Record not found"}, 404)
                elif isinstance(route, Reply):
                    reply = route
                else:
                    reply = route(self, query)
                if reply is not None:
                    self.send(reply)

            def send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = False  # closing the server waits for every answer to end
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServices:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end every answer under way, and wait (a few seconds at most) for threads-tui's
        fetching threads to see the connections close: a test leaves no thread behind."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
        deadline = time.monotonic() + 10
        while any(t.name.startswith("fetch") for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.05)

    def paths_asked(self) -> list[str]:
        return [path for path, _ in self.requests]

    # -- faults ---------------------------------------------------------------

    def silent(self, path: str) -> None:
        """Accept the request and never answer (until the server stops)."""
        def hang(request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
            self.stopping.wait(120)
        self.routes[path] = hang

    def broken_off(self, path: str) -> None:
        """Promise 10,000 bytes, send 100, close the connection."""
        def cut(request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", "10000")
            request.end_headers()
            request.wfile.write(b'{"id": "1", ' + b" " * 88)
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
        self.routes[path] = cut

    def endless(self, path: str, total: int = 1024 ** 3) -> None:
        """An answer of `total` bytes (1 GiB), made as it is sent, with no length declared."""
        def flood(request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Connection", "close")
            request.end_headers()
            chunk = b" " * 65536
            sent = 0
            try:
                request.wfile.write(b"[")
                while sent < total and not self.stopping.is_set():
                    request.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the client stopped reading: what it should do
            request.close_connection = True
        self.routes[path] = flood

    def rate_limited(self, path: str, then: Reply, times: int = 1, retry_after: str = "1",
                     status: int = 429) -> list[float]:
        """Answer 429 (or `status`) with Retry-After `times` times, then `then`; the moments of the requests."""
        moments: list[float] = []

        def limited(request: BaseHTTPRequestHandler, query: dict[str, str]) -> Reply:
            moments.append(time.monotonic())
            if len(moments) <= times:
                return json_reply({"error": "Too many requests"}, status, **{"Retry-After": retry_after})
            return then
        self.routes[path] = limited
        return moments

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = Reply(status, b"", "text/plain", {"Location": location})


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- Bluesky ------------------------------------------------------------------


def at_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{BSKY_POST}/{rkey}"


@dataclass
class BskyPost:
    """A post of a made-up Bluesky conversation."""

    did: str
    handle: str
    rkey: str
    text: str
    minute: int
    parent: BskyPost | None = None
    name: str | None = None
    alt: str | None = None
    gone: str | None = None  # "notFound" or "blocked": how the AppView shows it

    @property
    def uri(self) -> str:
        return at_uri(self.did, self.rkey)

    def view(self, reply_count: int) -> dict[str, object]:
        record: dict[str, object] = {"$type": BSKY_POST, "text": self.text,
                                     "createdAt": f"2024-03-01T{10 + self.minute // 60:02d}:{self.minute % 60:02d}:00.000Z"}
        if self.parent is not None:
            root = self.parent
            while root.parent is not None:
                root = root.parent
            record["reply"] = {"root": {"uri": root.uri, "cid": "bafyroot"},
                               "parent": {"uri": self.parent.uri, "cid": "bafyparent"}}
        post: dict[str, object] = {
            "uri": self.uri, "cid": f"bafy{self.rkey}",
            "author": {"did": self.did, "handle": self.handle, "displayName": self.name or "",
                       "avatar": f"https://cdn.bsky.app/img/avatar/plain/{self.did}/a@jpeg"},
            "record": record, "replyCount": reply_count, "repostCount": 0, "likeCount": 1,
            "indexedAt": record["createdAt"],
        }
        if self.alt is not None:
            post["embed"] = {"$type": "app.bsky.embed.images#view", "images": [
                {"thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{self.did}/{self.rkey}@jpeg",
                 "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/{self.did}/{self.rkey}@jpeg",
                 "alt": self.alt}]}
        return post


class BlueskyConversation:
    """Posts that answer each other, served as getPostThread does (with its depth limit)."""

    def __init__(self, posts: list[BskyPost], depth_limit: int = 1000) -> None:
        self.posts = posts
        self.depth_limit = depth_limit

    def children(self, post: BskyPost) -> list[BskyPost]:
        return [other for other in self.posts if other.parent is post]

    def node(self, post: BskyPost) -> dict[str, object]:
        if post.gone == "notFound":
            return {"$type": NOT_FOUND, "uri": post.uri, "notFound": True}
        if post.gone == "blocked":
            return {"$type": BLOCKED, "uri": post.uri, "blocked": True,
                    "author": {"did": post.did, "viewer": {"blockedBy": True}}}
        return {"$type": THREAD_VIEW, "post": post.view(len(self.children(post)))}

    def below(self, post: BskyPost, depth: int) -> dict[str, object]:
        node = self.node(post)
        if depth > 0 and node["$type"] == THREAD_VIEW:
            node["replies"] = [self.below(child, depth - 1) for child in self.children(post)]
        return node

    def thread(self, uri: str, depth: int, parent_height: int) -> dict[str, object] | None:
        post = next((p for p in self.posts if p.uri == uri), None)
        if post is None:
            return None
        top = self.below(post, min(depth, self.depth_limit))
        node, parent, height = top, post.parent, 0
        while parent is not None and height < parent_height:
            above = self.node(parent)
            node["parent"] = above
            node, parent, height = above, parent.parent, height + 1
        return {"thread": top}

    def serve(self, services: FakeServices, handles: dict[str, str]) -> None:
        """getPostThread and resolveHandle on the server (`handles`: handle -> DID)."""
        def get_post_thread(request: BaseHTTPRequestHandler, query: dict[str, str]) -> Reply:
            answer = self.thread(query.get("uri", ""), int(query.get("depth", "6")),
                                 int(query.get("parentHeight", "80")))
            if answer is None:
                return json_reply({"error": "NotFound", "message": f"Post not found: {query.get('uri')}"}, 400)
            return json_reply(answer)

        def resolve_handle(request: BaseHTTPRequestHandler, query: dict[str, str]) -> Reply:
            did = handles.get(query.get("handle", ""))
            if did is None:
                return json_reply({"error": "InvalidRequest", "message": "Unable to resolve handle"}, 400)
            return json_reply({"did": did})

        services.routes["/xrpc/app.bsky.feed.getPostThread"] = get_post_thread
        services.routes["/xrpc/com.atproto.identity.resolveHandle"] = resolve_handle


# -- Mastodon -----------------------------------------------------------------


@dataclass
class Toot:
    """A status of a made-up Mastodon conversation."""

    id: str
    user: str
    account_id: str
    text: str
    minute: int
    reply_to: Toot | None = None
    instance: str = ""  # the base address of the instance the account lives on

    def status(self, instance: str) -> dict[str, object]:
        home = self.instance or instance
        host = urlsplit(home).netloc
        return {
            "id": self.id, "uri": f"{home}/users/{self.user}/statuses/{self.id}",
            "url": f"{home}/@{self.user}/{self.id}",
            "created_at": f"2023-06-01T{8 + self.minute // 60:02d}:{self.minute % 60:02d}:00.000Z",
            "in_reply_to_id": self.reply_to.id if self.reply_to else None,
            "in_reply_to_account_id": self.reply_to.account_id if self.reply_to else None,
            "account": {"id": self.account_id, "username": self.user,
                        "acct": self.user if home == instance else f"{self.user}@{host}",
                        "display_name": self.user.capitalize(), "url": f"{home}/@{self.user}"},
            "content": f"<p>{self.text}</p>", "spoiler_text": "", "visibility": "public",
            "media_attachments": [], "reblog": None,
        }


class MastodonConversation:
    """Statuses served as an instance's `/api/v1/statuses/:id` and `/context` (with the API's limits)."""

    def __init__(self, toots: list[Toot], max_ancestors: int = 40, max_descendants: int = 60,
                 max_depth: int = 20) -> None:
        self.toots = toots
        self.max_ancestors = max_ancestors
        self.max_descendants = max_descendants
        self.max_depth = max_depth

    def context(self, toot: Toot, instance: str) -> dict[str, object]:
        ancestors: list[Toot] = []
        parent = toot.reply_to
        while parent is not None:
            ancestors.insert(0, parent)
            parent = parent.reply_to
        descendants: list[Toot] = []
        pending = [(t, 1) for t in self.toots if t.reply_to is toot]
        while pending:
            current, depth = pending.pop(0)
            descendants.append(current)
            if depth < self.max_depth:
                pending = [(t, depth + 1) for t in self.toots if t.reply_to is current] + pending
        return {"ancestors": [t.status(instance) for t in ancestors[-self.max_ancestors:]],
                "descendants": [t.status(instance) for t in descendants[:self.max_descendants]]}

    def serve(self, services: FakeServices, ids: dict[str, str] | None = None) -> None:
        """Each toot at its id (or, with `ids`, at the id this instance gives it)."""
        for toot in self.toots:
            local_id = (ids or {}).get(toot.id, toot.id)
            status = toot.status(services.base)
            services.routes[f"/api/v1/statuses/{local_id}"] = json_reply(status)
            services.routes[f"/api/v1/statuses/{local_id}/context"] = json_reply(self.context(toot, services.base))


# -- Thread Reader --------------------------------------------------------------


def threadreader_page(handle: str, name: str, tweets: list[tuple[str, str]]) -> bytes:
    """An unrolled thread's page: the header by its text, the tweets in `.t-main`."""
    items = "\n".join(
        f'<div class="content-tweet" id="tweet_{n}" data-tweet="{tweet_id}" data-screenname="{handle}">'
        f'{text}<div class="tw-permalink"><a href="https://x.com/{handle}/status/{tweet_id}">link</a></div></div>'
        for n, (tweet_id, text) in enumerate(tweets, 1))
    return (f'<!DOCTYPE html><html><head><title>Thread by @{handle} on Thread Reader App</title>'
            f'<script src="/assets/app.js"></script></head><body>'
            f'<nav class="navbar"><a href="/">Thread Reader</a></nav><div class="container">'
            f'<div class="mb-2"><img alt="{name} Profile picture" src="/a.jpg"> <span>{name}</span> '
            f'<span>@{handle}</span> <span>{len(tweets)} tweets, 1 min read</span></div>'
            f'<div class="t-main">{items}</div><p>Read all threads</p></div></body></html>').encode()


def dripping(services: FakeServices, path: str, every: float = 0.5) -> None:
    """Headers at once, then the body a byte at a time, a byte every `every` seconds, for ever."""
    def drip(request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", "1000000")
        request.end_headers()
        try:
            while not services.stopping.wait(every):
                request.wfile.write(b" ")
                request.wfile.flush()
        except OSError:
            pass
        request.close_connection = True
    services.routes[path] = drip
