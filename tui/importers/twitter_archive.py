"""The X/Twitter account archive, zipped or unpacked (see docs/formats/twitter-archive.md).

The archive holds only the account's own tweets, so its threads are
self-threads: tweets linked by the author's replies to themselves.
"""

from __future__ import annotations

import codecs
import html
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import orjson

from ..model import MONTHS, InReplyTo, Media, Post, Thread
from ..text import clean_line, clean_paragraphs, clean_text
from .base import (
    Held, Importer, ImportFailure, ParseResult, Source, check_post_length, error_reason, failures_in,
    in_reply_order, mark_answers, utc_date, utc_iso,
)
from .json_input import TOO_DEEP, check_json_size, is_too_deep, kind_name, type_name
from .tweet_time import is_tweet_id

# Any of these in `data/` makes an archive; the newest archives have all three.
MARKER_FILES = ("manifest.js", "tweets.js", "tweet.js")
# The tweet files by name, for archives without a manifest (never `tweet-headers.js` or the like).
_TWEET_FILE = re.compile(r"^tweets?(?:-part(\d{1,6}))?\.js$")
_TCO_LINK = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_JS_PREFIX = b"window."
_CREATED_AT_EXAMPLE = "Fri Nov 03 09:15:00 +0000 2023"
_NOT_AN_ARCHIVE = "no data/manifest.js, data/tweets.js or data/tweet.js: not an X archive"

T = TypeVar("T")


def _field(obj: dict[str, Any], key: str, kind: type[T], where: str) -> T | None:
    """An optional field: None when absent or null, a failure when of the wrong kind."""
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value
    raise ImportFailure(f"{where}: {key!r} is {type_name(value)}, expected {kind_name(kind)}")


def _required(obj: dict[str, Any], key: str, kind: type[T], where: str) -> T:
    value = _field(obj, key, kind, where)
    if value is None:
        raise ImportFailure(f"{where}: no {key!r}")
    return value


def _objects(value: list[Any] | None, where: str) -> list[dict[str, Any]]:
    """A list that must hold only objects (an absent list is empty)."""
    for number, item in enumerate(value or (), 1):
        if not isinstance(item, dict):
            raise ImportFailure(f"{where} item {number} is {type_name(item)}, expected an object")
    return value or []


@dataclass
class DataFolder:
    """The files directly inside an archive's `data/` folder, zipped or on disk."""

    origin: str
    sources: dict[str, Source]

    @classmethod
    def in_zip(cls, zip_file: zipfile.ZipFile, origin: str) -> DataFolder | None:
        prefix = _zip_data_prefix(zip_file.namelist())
        if prefix is None:
            return None
        return cls(origin, {
            info.filename[len(prefix):]: Source(f"{origin}:{info.filename}", zip_file=zip_file, member=info)
            for info in zip_file.infolist()
            if info.filename.startswith(prefix) and "/" not in info.filename[len(prefix):] and not info.is_dir()
        })

    @classmethod
    def on_disk(cls, path: Path) -> DataFolder | None:
        folder = _data_folder_on_disk(path)
        if folder is None:
            return None
        try:
            entries = [entry for entry in os.scandir(folder) if entry.is_file()]
        except OSError as error:
            raise ImportFailure(f"cannot list {folder}: {error_reason(error)}") from error
        return cls(str(path), {e.name: Source(e.path, path=Path(e.path)) for e in entries})

    def load(self, name: str, max_bytes: int, held: int = 0) -> Any:
        """The JSON value a `data/*.js` file assigns (None for no such file), read within what is `held`."""
        source = self.sources.get(name)
        if source is None:
            return None
        label = f"data/{name}"
        with failures_in(label):
            payload = source.read_bytes(max_bytes)
        return _parse_assignment(payload, label, held)


def _zip_data_prefix(names: list[str]) -> str | None:
    """Where `data/` is in a zip: at the top, or inside one top folder."""
    found = [name[: -len(marker)] for name in names for marker in MARKER_FILES if name.endswith(f"data/{marker}")]
    prefixes = [p for p in found if p == "data/" or (p.endswith("/data/") and p.count("/") == 2)]
    return min(prefixes, key=len) if prefixes else None


def _data_folder_on_disk(path: Path) -> Path | None:
    """The archive's `data/` folder: inside `path`, or `path` itself; judged by content."""
    for folder in (path / "data", path):
        for marker in MARKER_FILES:
            try:
                with open(folder / marker, "rb") as handle:
                    head = handle.read(len(codecs.BOM_UTF8) + len(_JS_PREFIX))
            except OSError:
                continue
            if head.removeprefix(codecs.BOM_UTF8).startswith(_JS_PREFIX):
                return folder
    return None


def _parse_assignment(payload: bytes, label: str, held: int = 0) -> Any:
    """Drop everything up to and including the first `=`; parse the rest as JSON."""
    start = len(codecs.BOM_UTF8) if payload.startswith(codecs.BOM_UTF8) else 0
    equals = payload.find(b"=", start)
    if equals < 0:
        raise ImportFailure(f"{label}: no 'window.YTD... =' assignment: not an archive data file")
    with failures_in(label):
        check_json_size(payload, equals + 1, held)
    try:
        return orjson.loads(memoryview(payload)[equals + 1:])
    except orjson.JSONDecodeError as error:
        if is_too_deep(error):
            raise ImportFailure(f"{label}: {TOO_DEEP}") from error
        if "UTF-8" in error.msg:
            raise ImportFailure(f"{label}: not UTF-8 text") from error
        line = payload.count(b"\n", 0, equals) + error.lineno
        column = error.colno
        if error.lineno == 1:
            column += equals - (payload.rfind(b"\n", 0, equals) + 1) + 1
        raise ImportFailure(
            f"{label}: not valid JSON after the '=' (line {line}, column {column}: {error.msg})"
        ) from error


@dataclass
class Account:
    """Whose archive it is: from `account.js`, else the manifest's `userInfo`."""

    id: str | None = None
    handle: str | None = None
    name: str | None = None

    def fill(self, other: Account) -> None:
        """Take what this one lacks from another."""
        self.id = self.id or other.id
        self.handle = self.handle or other.handle
        self.name = self.name or other.name


def _account_from(obj: dict[str, Any], handle_key: str, name_key: str, where: str) -> Account:
    """The account an object names by `accountId` and the given keys."""
    return Account(_field(obj, "accountId", str, where), clean_line(_field(obj, handle_key, str, where)),
                   clean_line(_field(obj, name_key, str, where)))


def _account(value: Any, label: str) -> Account:
    if value is None:
        return Account()
    if not isinstance(value, list) or not value or not isinstance(value[0], dict) \
            or not isinstance(value[0].get("account"), dict):
        raise ImportFailure(f'{label}: expected [{{"account": {{...}}}}], found {type_name(value)}')
    return _account_from(value[0]["account"], "username", "accountDisplayName", f"{label}: account")


@dataclass
class Manifest:
    """What `manifest.js` tells: the account, and which files hold the tweets."""

    account: Account = field(default_factory=Account)
    tweet_files: list[str] = field(default_factory=list)


def _manifest(value: Any) -> Manifest:
    label = "data/manifest.js"
    if value is None:
        return Manifest()
    if not isinstance(value, dict):
        raise ImportFailure(f"{label}: expected an object after the '=', found {type_name(value)}")
    manifest = Manifest()
    if user := _field(value, "userInfo", dict, label):
        manifest.account = _account_from(user, "userName", "displayName", f"{label}: userInfo")
    data_types = _field(value, "dataTypes", dict, label) or {}
    for key in ("tweets", "tweet"):
        if entry := _field(data_types, key, dict, f"{label}: dataTypes"):
            where = f"{label}: dataTypes.{key}.files"
            for item in _objects(_field(entry, "files", list, where), where):
                manifest.tweet_files.append(_required(item, "fileName", str, where))
    return manifest


def _tweet_file_names(folder: DataFolder, manifest: Manifest, warnings: list[str]) -> list[str]:
    """The tweet files: those the manifest lists, else those named like tweet files."""
    names: list[str] = []
    for listed in manifest.tweet_files:
        name = listed.removeprefix("./").removeprefix("data/")
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            warnings.append(f"data/manifest.js lists {listed!r}, not a file in data/: skipped")
        elif name not in folder.sources:
            warnings.append(f"data/manifest.js lists {listed!r}, which is missing: skipped")
        elif name not in names:
            names.append(name)
    if not names:
        by_name = [(m.group(0), int(m.group(1) or 0)) for m in map(_TWEET_FILE.match, folder.sources) if m]
        names = [name for name, _ in sorted(by_name, key=lambda item: (item[1], item[0]))]
    if not names:
        raise ImportFailure("no tweet file (data/tweets.js or data/tweet.js) in the archive")
    return names


@dataclass
class Tweet:
    """One of the account's tweets, read and checked, its post ready."""

    id: str
    post: Post
    created: datetime
    parent_id: str | None
    parent_user_id: str | None
    parent_handle: str | None


def _created_at(value: str, where: str) -> datetime:
    """`Fri Nov 03 09:15:00 +0000 2023` in UTC (read by hand: strptime is slow and follows the locale)."""
    try:
        _, month_name, day, clock, offset, year = value.split()
        hour, minute, second = clock.split(":")
        if len(offset) != 5 or offset[0] not in "+-":
            raise ValueError(offset)
        shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:]))
        zone = timezone(-shift if offset[0] == "-" else shift)
        month = MONTHS.index(month_name.lower()) + 1
        moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ImportFailure(
            f"{where}: created_at {value[:40]!r} is not a date like {_CREATED_AT_EXAMPLE!r}"
        ) from error


def _video_url(media: dict[str, Any], where: str) -> str | None:
    """The mp4 variant with the highest bitrate."""
    info = _field(media, "video_info", dict, where) or {}
    best: tuple[int, str] | None = None
    for variant in _objects(_field(info, "variants", list, where), f"{where}: variants"):
        url = _field(variant, "url", str, where)
        if not url or _field(variant, "content_type", str, where) != "video/mp4":
            continue
        bitrate = str(variant.get("bitrate") or "0")
        rate = int(bitrate) if bitrate.isascii() and bitrate.isdigit() else 0
        if best is None or rate > best[0]:
            best = (rate, url)
    return clean_line(best[1]) if best else None


def _media(tweet: dict[str, Any], where: str) -> tuple[list[Media], list[str]]:
    """The tweet's media, and the t.co links that stand for them in the text."""
    holder = _field(tweet, "extended_entities", dict, where) or _field(tweet, "entities", dict, where) or {}
    found: list[Media] = []
    links: list[str] = []
    for item in _objects(_field(holder, "media", list, where), f"{where}: media"):
        kind = _field(item, "type", str, where)
        alt = clean_paragraphs(_field(item, "ext_alt_text", str, where))
        if kind == "photo":
            found.append(Media("image", clean_line(_field(item, "media_url_https", str, where)), alt))
        elif kind in ("video", "animated_gif"):
            found.append(Media("video", _video_url(item, where), alt))
        link = _field(item, "url", str, where)
        if link:
            links.append(link)
    return found, links


def _post(tweet: dict[str, Any], id_str: str, created: datetime, where: str) -> Post:
    """Text, links and media in the order the note gives: decode, expand, drop media links."""
    text = html.unescape(check_post_length(_required(tweet, "full_text", str, where), where))
    entities = _field(tweet, "entities", dict, where) or {}
    replacements: dict[str, str] = {}
    links: list[str] = []
    for item in _objects(_field(entities, "urls", list, where), f"{where}: urls"):
        short, expanded = _field(item, "url", str, where), _field(item, "expanded_url", str, where)
        if short and expanded:
            replacements[short] = expanded
            links.append(expanded)
    media, media_links = _media(tweet, where)
    replacements.update((link, "") for link in media_links)
    if replacements:
        # One pass, so an expanded URL is never rewritten again.
        pattern = _TCO_LINK if all(map(_TCO_LINK.fullmatch, replacements)) else re.compile(
            "|".join(map(re.escape, sorted(replacements, key=len, reverse=True))))
        text = pattern.sub(lambda match: replacements.get(match.group(0), match.group(0)), text)
    return Post(
        text=clean_text(text).strip(),
        id=id_str,
        time=utc_iso(created),
        media=media,
        links=list(dict.fromkeys(link for link in map(clean_line, links) if link)),  # a link used twice, once
    )


def _read_tweets(value: Any, label: str, into: dict[str, Tweet], held: Held) -> None:
    """Add a tweet file's tweets to `into` by id, and to what is `held`; retweets are left out."""
    if not isinstance(value, list):
        raise ImportFailure(f"{label}: expected a list of tweets after the '=', found {type_name(value)}")
    for number, item in enumerate(value, 1):
        value[number - 1] = None  # drop it from the parsed file: that shrinks as the tweets grow
        where = f"{label}: item {number}"
        if not isinstance(item, dict) or not isinstance(item.get("tweet"), dict):
            raise ImportFailure(f'{where} is {type_name(item)}, expected {{"tweet": {{...}}}}')
        tweet = item["tweet"]
        id_str = _required(tweet, "id_str", str, where)
        if not is_tweet_id(id_str):
            raise ImportFailure(f"{where}: id_str {id_str[:30]!r} is not a number")
        where = f"{label}: tweet {id_str}"
        if _required(tweet, "full_text", str, where).startswith("RT @"):
            continue
        created = _created_at(_required(tweet, "created_at", str, where), where)
        post = _post(tweet, id_str, created, where)
        held.add([post.text])
        into[id_str] = Tweet(
            id=id_str,
            post=post,
            created=created,
            parent_id=_field(tweet, "in_reply_to_status_id_str", str, where),
            parent_user_id=_field(tweet, "in_reply_to_user_id_str", str, where),
            parent_handle=_field(tweet, "in_reply_to_screen_name", str, where),
        )


def _is_self_reply(tweet: Tweet, account: Account) -> bool:
    if not tweet.parent_id:
        return False
    if account.id and tweet.parent_user_id == account.id:
        return True
    return bool(account.handle and tweet.parent_handle
                and tweet.parent_handle.casefold() == account.handle.casefold())


def self_threads(tweets: dict[str, Tweet], account: Account) -> list[tuple[list[tuple[Tweet, Tweet | None]], bool]]:
    """Self-threads, each as its tweets with the ones they answer (see `in_reply_order`) and whether it is
    complete: a self-reply whose parent is missing (deleted) starts an incomplete thread of its own."""
    replies: dict[str, list[Tweet]] = {}
    after_gap: set[str] = set()
    for tweet in tweets.values():
        if not _is_self_reply(tweet, account):
            continue
        if tweet.parent_id in tweets:
            replies.setdefault(tweet.parent_id, []).append(tweet)
        else:
            after_gap.add(tweet.id)
    linked = {reply.id for group in replies.values() for reply in group}
    return [(in_reply_order(tweets[start], replies, lambda tweet: tweet.id, lambda tweet: int(tweet.id)),
             start not in after_gap) for start in sorted((set(replies) - linked) | after_gap, key=int)]


def _answered(first: Tweet) -> InReplyTo | None:
    """Whom a thread's first tweet answers, and the answered tweet's address; None for a tweet answering none."""
    if not first.parent_id:
        return None
    handle = clean_line(first.parent_handle)
    return InReplyTo(handle, f"https://x.com/{handle or 'i/web'}/status/{first.parent_id}")


def _guess_account(tweets: dict[str, Tweet]) -> Account:
    """With no account file, a reply to a tweet in the archive names the account."""
    for tweet in tweets.values():
        if tweet.parent_id in tweets and (tweet.parent_user_id or tweet.parent_handle):
            return Account(tweet.parent_user_id, clean_line(tweet.parent_handle))
    return Account()


class TwitterArchiveImporter(Importer):
    """An account archive: the downloaded zip, or the folder it unpacks to."""

    name = "X/Twitter archive"
    max_bytes = 64 * 1024 * 1024  # per file read from the archive (tweets.js of ~25,000 tweets: 60 MB)

    def detect_zip(self, zip_file: zipfile.ZipFile) -> bool:
        return _zip_data_prefix(zip_file.namelist()) is not None

    def parse_zip(self, zip_file: zipfile.ZipFile, name: str) -> ParseResult:
        return self._parse_folder(DataFolder.in_zip(zip_file, name))

    def detect_dir(self, path: Path) -> bool:
        return _data_folder_on_disk(path) is not None

    def parse_dir(self, path: Path) -> ParseResult:
        return self._parse_folder(DataFolder.on_disk(path))

    def _parse_folder(self, folder: DataFolder | None) -> ParseResult:
        """Every self-thread of the archive whose `data/` folder this is (None: none found)."""
        if folder is None:
            raise ImportFailure(_NOT_AN_ARCHIVE)
        result = ParseResult()
        manifest = _manifest(folder.load("manifest.js", self.max_bytes))
        account = _account(folder.load("account.js", self.max_bytes), "data/account.js")
        account.fill(manifest.account)
        tweets: dict[str, Tweet] = {}
        held = Held("the archive")
        for name in _tweet_file_names(folder, manifest, result.warnings):
            _read_tweets(folder.load(name, self.max_bytes, held.used), f"data/{name}", tweets, held)
        if not (account.id or account.handle):
            account = _guess_account(tweets)
            if account.id or account.handle:
                result.warnings.append("no account in data/account.js or the manifest: read it from the replies")
        for members, complete in self_threads(tweets, account):
            first = members[0][0]
            result.threads.append(Thread(
                posts=mark_answers([(tweet.post, parent.post if parent else None) for tweet, parent in members]),
                author_name=account.name,
                author_handle=account.handle,
                date=utc_date(first.created),
                complete=complete,
                source=folder.origin,
                in_reply_to=_answered(first),
            ))
        if not result.threads:
            result.warnings.append(f"no self-threads among {len(tweets)} tweets")
        return result
