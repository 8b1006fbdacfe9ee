"""Mastodon threads saved from the API (docs/formats/mastodon.md): status and context files, pooled over
one import run by `parse`; `finish` builds the threads, so a status and its context make one thread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..model import InReplyTo, Post, Thread
from ..text import clean_line
from .base import (
    MAX_POSTS_PER_THREAD, Held, Importer, ParseResult, Source, check_post_length, utc_date, utc_iso,
)
from .json_input import Obj, load_json
from .mastodon_common import account_handle, media_for, post_text

_CONTEXT_START = re.compile(r'^\s*\{\s*"(?:ancestors|descendants)"\s*:')
_STATUS_KEYS = ('"account"', '"in_reply_to_id"', '"spoiler_text"', '"reblog"')
_UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)
# The API's `visibility` of a post not shown to everyone, as the model marks it.
_VISIBILITY = {"unlisted": "unlisted", "private": "followers", "direct": "direct"}


@dataclass
class _Status:
    """A post from a status or context file."""

    id: str
    reply_to: str | None
    reply_to_account: str | None
    reply_to_handle: str | None  # the answered post's author, where the status names them
    account_id: str
    created: datetime
    post: Post
    author_handle: str | None
    author_name: str | None
    source: str


@dataclass
class _Node:
    """A status, or the focal post a context file lacks (`status` None: a gap)."""

    id: str
    reply_to: str | None
    account_id: str | None
    created: datetime
    status: _Status | None
    source: str


@dataclass
class _Context:
    """What a context file says of its focal post, which it does not hold."""

    focal_id: str | None
    parent_id: str | None
    author_id: str | None
    member_ids: set[str]
    source: str


class MastodonApiImporter(Importer):
    """`/api/v1/statuses/<id>` and `/context` JSON: the conversation author's self-thread."""

    name = "Mastodon API JSON"
    max_bytes = 16 * 1024 * 1024  # a context of the most posts the API gives (4,096): a few MB

    def __init__(self) -> None:
        self.statuses: dict[str, _Status] = {}
        self.contexts: list[_Context] = []
        self.status_files: set[str] = set()
        self.held = Held("the Mastodon API files of this import")

    def detect(self, source: Source) -> bool:
        head = source.head_text().lstrip("\ufeff")
        if _CONTEXT_START.match(head):
            return True
        return head.lstrip().startswith("{") and '"content"' in head and any(
            key in head for key in _STATUS_KEYS)

    def parse(self, source: Source) -> ParseResult:
        """Check the file and pool its statuses (nothing is pooled from a bad file)."""
        source.held += self.held.used
        document = Obj.at(load_json(source, self.max_bytes))
        context: _Context | None = None
        if "ancestors" in document.data or "descendants" in document.data:
            ancestors = [_read_status(s, source.name) for s in document.objects("ancestors")]
            descendants = [_read_status(s, source.name) for s in document.objects("descendants")]
            context = _context(ancestors, descendants, source.name)
            statuses = [s for s in ancestors + descendants if s is not None]
        else:
            status = _read_status(document, source.name)
            if status is None:
                return ParseResult(warnings=["a boost of someone's post (`reblog`), not a thread"])
            statuses = [status]
        new: dict[str, _Status] = {}
        for status in statuses:
            if status.id not in self.statuses:
                new.setdefault(status.id, status)
        self.held.add([status.post.text for status in new.values()])
        if context is not None:
            self.contexts.append(context)
        else:
            self.status_files.add(source.name)
        self.statuses.update(new)
        return ParseResult()

    def finish(self) -> ParseResult:
        """One thread per conversation: its first post and the chain of its author's self-replies."""
        nodes = {s.id: _Node(s.id, s.reply_to, s.account_id, s.created, s, s.source)
                 for s in self.statuses.values()}
        answers: dict[str, set[str]] = {}
        for status in self.statuses.values():
            if status.reply_to is not None:
                answers.setdefault(status.reply_to, set()).add(status.id)
        for number, context in enumerate(self.contexts):
            if not _focal_missing(context, self.statuses, answers):
                continue
            gap_id = context.focal_id or f"\0focal post of context {number}"
            author_id = context.author_id
            if author_id is None and context.parent_id is None:
                author_id = _likely_author(gap_id, self.statuses, answers)
            nodes.setdefault(gap_id, _Node(gap_id, context.parent_id, author_id, _UNKNOWN_TIME, None, context.source))
        replies: dict[str, list[_Node]] = {}
        for node in nodes.values():
            if node.reply_to in nodes:
                replies.setdefault(node.reply_to, []).append(node)

        result = ParseResult()
        used_sources: set[str] = set()
        for top in nodes.values():
            if top.reply_to in nodes:
                continue
            chain = _self_chain(top, replies)
            statuses = [node.status for node in chain if node.status is not None]
            saved_alone = len(chain) == 1 and top.source in self.status_files
            if (len(chain) < 2 and not saved_alone) or not statuses:
                continue
            used_sources.update(node.source for node in chain)
            if len(statuses) > MAX_POSTS_PER_THREAD:
                result.warnings.append(f"{top.source}: a thread of more than {MAX_POSTS_PER_THREAD} posts, "
                                       "more than threads-tui keeps: left out")
                continue
            first = statuses[0]
            # A first post answering another account's starts the thread (a thread in reply to someone); one
            # answering its author's is a gap, and so is a post alone answering anyone (a part of a conversation).
            starts = first.reply_to is None or (
                first.reply_to_account not in (None, first.account_id) and len(chain) > 1)
            complete = len(statuses) == len(chain) and starts
            result.threads.append(Thread(
                posts=[status.post for status in statuses],
                author_name=first.author_name,
                author_handle=first.author_handle,
                date=utc_date(first.created),
                complete=complete,
                source=", ".join(dict.fromkeys(node.source for node in chain)),
                in_reply_to=InReplyTo(first.reply_to_handle)
                if top.status is first and first.reply_to is not None else None,
            ))
        result.warnings += [f"{context.source}: no self-thread of the conversation's first author in it"
                            for context in self.contexts if context.source not in used_sources]
        return result


def _read_status(status: Obj, source_name: str) -> _Status | None:
    """A status, or None for a boost."""
    if status.data.get("reblog") is not None:
        return None
    account = status.obj("account")
    content = check_post_length(status.text("content"), f"`{status.where('content')}`")
    text, links = post_text(content, status.optional_text("spoiler_text"))
    media = [media_for(item.optional_text("type"), item.optional_text("url"), item.optional_text("description"))
             for item in status.objects("media_attachments", required=False)]
    created = status.time("created_at")
    author_handle = account_handle(account)
    reply_to_account = status.optional_ident("in_reply_to_account_id")
    return _Status(
        id=status.ident("id"),
        reply_to=status.optional_ident("in_reply_to_id"),
        reply_to_account=reply_to_account,
        reply_to_handle=author_handle if reply_to_account == account.ident("id")
        else _mentioned_handle(status, reply_to_account),
        account_id=account.ident("id"),
        created=created,
        # The archive's form (to the second, UTC), so one post saved both ways is the same.
        post=Post(text, id=clean_line(status.text("uri")), time=utc_iso(created), media=media, links=links,
                  url=clean_line(status.optional_text("url")),
                  visibility=_VISIBILITY.get(status.optional_text("visibility") or "")),
        author_handle=author_handle,
        author_name=clean_line(account.optional_text("display_name")),
        source=source_name,
    )


def _mentioned_handle(status: Obj, account_id: str | None) -> str | None:
    """The handle of the account of this id among the status's `mentions` (a reply names whom it answers)."""
    for mention in status.objects("mentions", required=False) if account_id else ():
        if mention.optional_ident("id") == account_id:
            return account_handle(mention)
    return None


def _context(ancestors: list[_Status | None], descendants: list[_Status | None], source_name: str) -> _Context:
    """The focal post: what descendants answer that the file does not hold; its parent is the last ancestor."""
    member_ids = {s.id for s in ancestors + descendants if s is not None}
    answer = next((s for s in descendants
                   if s is not None and s.reply_to is not None and s.reply_to not in member_ids), None)
    parents = [s for s in ancestors if s is not None]
    return _Context(
        focal_id=answer.reply_to if answer else None,
        parent_id=parents[-1].id if parents else None,
        author_id=answer.reply_to_account if answer else None,
        member_ids=member_ids,
        source=source_name,
    )



def _likely_author(gap_id: str, statuses: dict[str, _Status], answers: dict[str, set[str]]) -> str | None:
    """Who wrote a missing first post that no reply names: the author of the longest chain of self-replies
    right below it (on a tie, the one that starts first); None when nothing answers it."""
    def chain_length(first: _Status) -> int:
        current, seen = first, {first.id}
        while following := [statuses[i] for i in answers.get(current.id, ())
                            if i not in seen and statuses[i].account_id == first.account_id]:
            current = min(following, key=lambda status: (status.created, status.id))
            seen.add(current.id)
        return len(seen)

    firsts = [statuses[answer_id] for answer_id in answers.get(gap_id, ())]
    best = min(firsts, key=lambda first: (-chain_length(first), first.created, first.id), default=None)
    return best.account_id if best else None


def _focal_missing(context: _Context, statuses: dict[str, _Status], answers: dict[str, set[str]]) -> bool:
    """Whether no pooled status is the context's focal post (without replies naming it: any pooled answer
    to the last ancestor that the context does not hold)."""
    if context.focal_id is not None:
        return context.focal_id not in statuses
    if context.parent_id is None:
        return False  # an empty context: there is nothing around a gap
    return not answers.get(context.parent_id, set()) - context.member_ids


def _self_chain(top: _Node, replies: dict[str, list[_Node]]) -> list[_Node]:
    """The top post and, repeatedly, its author's earliest reply to the last one; a gap (a missing focal
    post) continues the chain unless what answers it says it was someone else's."""
    author_id = top.account_id
    chain = [top]
    seen = {top.id}
    while True:
        options = [node for node in replies.get(chain[-1].id, ())
                   if node.id not in seen and (node.account_id == author_id
                                               or (node.status is None and node.account_id is None))]
        if not options:
            return chain
        following = min(options, key=lambda node: (node.status is None, node.created, node.id))
        chain.append(following)
        seen.add(following.id)
        if len(chain) > MAX_POSTS_PER_THREAD + 1:  # too long to keep: no need to walk on
            return chain
