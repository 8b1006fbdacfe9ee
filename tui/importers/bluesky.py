"""Bluesky threads saved as the API's getPostThread JSON (see docs/formats/bluesky.md)."""

from __future__ import annotations

import re
from datetime import datetime

from ..model import InReplyTo, Media, Post, Thread
from ..text import clean_line, clean_paragraphs, clean_text
from .base import Importer, ImportFailure, ParseResult, Source, check_post_length, utc_date
from .json_input import Obj, load_json

THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
LINK_FACET = "app.bsky.richtext.facet#link"
IMAGES = "app.bsky.embed.images#view"
VIDEO = "app.bsky.embed.video#view"
EXTERNAL = "app.bsky.embed.external#view"
RECORD = "app.bsky.embed.record#view"
RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia#view"
VIEW_RECORD = "app.bsky.embed.record#viewRecord"

# Detection: a JSON object with a `thread` key, anywhere in the head (keys come in any
# order), and a thread node's `$type` (a notFoundPost focal post still fails clearly).
_THREAD_KEY = re.compile(r'"thread"\s*:')
_NODE_TYPE = '"app.bsky.feed.defs#'


class BlueskyThreadImporter(Importer):
    """A getPostThread response: the author's self-thread through the focal post."""

    name = "Bluesky thread JSON"
    max_bytes = 16 * 1024 * 1024  # a thread with thousands of replies: a few MB

    def detect(self, source: Source) -> bool:
        head = source.head_text().lstrip("\ufeff \t\r\n")
        return head.startswith("{") and _NODE_TYPE in head and _THREAD_KEY.search(head) is not None

    def parse(self, source: Source) -> ParseResult:
        document = Obj.at(load_json(source, self.max_bytes))
        return ParseResult(threads=[build_thread(document.obj("thread"), source.name)])


def build_thread(focal_node: Obj, source_name: str) -> Thread:
    """Walk up the parents and down the replies by the focal post's author."""
    if not is_post_node(focal_node):
        kind = focal_node.data.get("$type")
        name = kind.rsplit("#", 1)[-1][:60] if isinstance(kind, str) else "node without a post"
        raise ImportFailure(f"`thread` is a {name}, not a threadViewPost: the focal post is not in the file")
    focal = focal_node.obj("post")
    author = focal.obj("author")
    did = author.text("did")

    above: list[Obj] = []
    node = focal_node
    while (parent := node.optional_obj("parent")) is not None and is_post_node(parent):
        post = parent.obj("post")
        if _did_of(post) != did:
            break
        above.append(post)
        node = parent

    top_node = node
    below: list[Obj] = []
    node, uri = focal_node, focal.text("uri")
    while (found := next_self_reply(node, did, uri)) is not None:
        node, post = found
        below.append(post)
        uri = post.text("uri")

    chain = [*reversed(above), focal, *below]
    first_record = chain[0].obj("record")
    reply = first_record.optional_obj("reply")
    start_missing = reply is not None and uri_did(reply.obj("parent").text("uri")) == did
    in_reply_to = _answered(top_node, reply.obj("parent").text("uri")) if reply is not None else None
    return Thread(
        posts=[_post(post) for post in chain],
        author_name=clean_line(author.optional_text("displayName")),
        author_handle=clean_line(author.text("handle")),
        date=utc_date(first_record.time("createdAt")),
        # One post answering another is a part of a conversation, not the whole of one.
        complete=not start_missing and not (reply is not None and len(chain) == 1),
        source=source_name,
        in_reply_to=in_reply_to,
    )


def _answered(top: Obj, parent_uri: str) -> InReplyTo:
    """Whom the first post answers: the parent's author, where the file holds the parent, and its address."""
    parent = top.optional_obj("parent")
    handle = None
    if parent is not None and is_post_node(parent):
        handle = clean_line(parent.obj("post").obj("author").optional_text("handle"))
    return InReplyTo(handle, post_address(parent_uri, handle))


def post_address(uri: str, handle: str | None = None) -> str | None:
    """The web address of a post's `at://did/app.bsky.feed.post/rkey` (by handle where known, else by DID)."""
    repository, _, rest = uri.removeprefix("at://").partition("/")
    collection, _, rkey = rest.partition("/")
    if not (uri.startswith("at://") and repository and collection == "app.bsky.feed.post" and rkey):
        return None
    return clean_line(f"https://bsky.app/profile/{handle or repository}/post/{rkey}")


def is_post_node(node: Obj) -> bool:
    """A threadViewPost (not a notFoundPost or blockedPost)."""
    kind = node.data.get("$type")
    return kind == THREAD_VIEW or (kind is None and "post" in node.data)


def _did_of(post: Obj) -> str:
    return post.obj("author").text("did")


def uri_did(uri: str) -> str:
    """The repository (DID) of an `at://did/collection/rkey` address."""
    return uri.removeprefix("at://").split("/", 1)[0]


def next_self_reply(node: Obj, did: str, uri: str) -> tuple[Obj, Obj] | None:
    """The author's earliest reply to this very post, as (node, post)."""
    best: tuple[datetime, Obj, Obj] | None = None
    for reply in node.objects("replies", required=False):
        if not is_post_node(reply):
            continue
        post = reply.obj("post")
        if _did_of(post) != did:
            continue
        record = post.obj("record")
        answers = record.optional_obj("reply")
        if answers is None or answers.obj("parent").text("uri") != uri:
            continue
        created = record.time("createdAt")
        if best is None or created < best[0]:
            best = (created, reply, post)
    return None if best is None else (best[1], best[2])


def _post(post: Obj) -> Post:
    record = post.obj("record")
    text, links = apply_facets(record)
    media, embed_links, quoted = _embed(post.optional_obj("embed"))
    uri = clean_line(post.text("uri"))
    return Post(
        text=clean_text(text),
        id=uri,
        time=clean_line(record.text("createdAt")),
        media=media,
        links=list(dict.fromkeys(links + embed_links)),
        quoted=quoted,
        url=post_address(uri, clean_line(post.obj("author").text("handle"))) if uri else None,
    )


def apply_facets(record: Obj) -> tuple[str, list[str]]:
    """The record's text with link facets (UTF-8 byte spans, replaced last first) replaced by their full URI,
    and those URIs; a facet out of range, inside a character or overlapping another keeps its text."""
    data = check_post_length(record.optional_text("text") or "", f"`{record.where('text')}`").encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in record.objects("facets", required=False):
        index = facet.obj("index")
        start, end = index.integer("byteStart"), index.integer("byteEnd")
        for feature in facet.objects("features"):
            if feature.data.get("$type") == LINK_FACET and (link := clean_line(feature.text("uri"))):
                spans.append((start, end, link))
    spans.sort(key=lambda span: (span[0], span[1]))
    limit = len(data)
    for start, end, uri in reversed(spans):
        if 0 <= start <= end <= limit and _char_boundary(data, start) and _char_boundary(data, end):
            data = data[:start] + uri.encode("utf-8") + data[end:]
            limit = start
    return data.decode("utf-8"), [link for _, _, link in spans]


def _char_boundary(data: bytes, offset: int) -> bool:
    return offset == len(data) or data[offset] & 0xC0 != 0x80


def _embed(embed: Obj | None) -> tuple[list[Media], list[str], Post | None]:
    """Media, links and the quoted post of a post's embed view."""
    if embed is None:
        return [], [], None
    kind = embed.data.get("$type")
    if kind == RECORD:
        return [], [], _quoted(embed.obj("record"))
    if kind == RECORD_WITH_MEDIA:
        media, links = _media(embed.obj("media"))
        return media, links, _quoted(embed.obj("record").obj("record"))
    media, links = _media(embed)
    return media, links, None


def _media(view: Obj) -> tuple[list[Media], list[str]]:
    """Images, a video or a link card (anything else: nothing)."""
    kind = view.data.get("$type")
    if kind == IMAGES:
        return [Media("image", clean_line(image.optional_text("fullsize")),
                      clean_paragraphs(image.optional_text("alt")))
                for image in view.objects("images")], []
    if kind == VIDEO:
        return [Media("video", clean_line(view.optional_text("playlist")),
                      clean_paragraphs(view.optional_text("alt")))], []
    if kind == EXTERNAL:
        card = view.obj("external")
        uri = clean_line(card.text("uri"))
        return [Media("link", uri, clean_line(card.optional_text("title")))], [uri] if uri else []
    return [], []


def _quoted(record: Obj) -> Post | None:
    """The quoted post of a record view; None when it is not found, blocked or detached."""
    if record.data.get("$type") != VIEW_RECORD:
        return None
    value = record.obj("value")
    text, links = apply_facets(value)
    media: list[Media] = []
    for view in record.objects("embeds", required=False):
        if view.data.get("$type") == RECORD_WITH_MEDIA:
            view = view.obj("media")
        view_media, view_links = _media(view)
        media += view_media
        links += view_links
    return Post(
        text=clean_text(text),
        id=clean_line(record.text("uri")),
        time=clean_line(value.optional_text("createdAt")),
        media=media,
        links=list(dict.fromkeys(links)),
    )
