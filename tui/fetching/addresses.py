"""Which links threads-tui can fetch, and what each one names (no Textual, no network here).

Each link, and what it names:

- `https://bsky.app/profile/<handle-or-did>/post/<rkey>`, `at://<handle-or-did>/app.bsky.feed.post/<rkey>`:
  a Bluesky post;
- `https://<instance>/@<user>/<id>`, `https://<instance>/users/<user>/statuses/<id>`: a Mastodon status,
  on any instance;
- `https://threadreaderapp.com/thread/<id>.html`: a Thread Reader page;
- `https://x.com/<user>/status/<id>` (also twitter.com, `mobile.`, `www.`): an X post, read through its
  Thread Reader page.

Every link must be `https://`; plain `http://` only names a server on this machine (loopback).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

KNOWN_KINDS = ("Bluesky posts (https://bsky.app/profile/HANDLE/post/ID or at://…), "
               "Mastodon statuses (https://INSTANCE/@USER/ID), "
               "Thread Reader pages (https://threadreaderapp.com/thread/ID.html), "
               "X/Twitter posts (https://x.com/USER/status/ID)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BLUESKY_HOSTS = frozenset({"bsky.app", "www.bsky.app"})
_BLUESKY_PATH = re.compile(r"^/profile/([^/]+)/post/([A-Za-z0-9._:~-]+)/?$")
_AT_URI = re.compile(r"^at://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]+)/?$")
_THREADREADER_HOSTS = frozenset({"threadreaderapp.com", "www.threadreaderapp.com"})
_THREADREADER_PATH = re.compile(r"^/thread/(\d{1,20})(?:\.html)?/?$")
_X_HOSTS = frozenset({f"{prefix}{host}" for prefix in ("", "www.", "mobile.") for host in ("x.com", "twitter.com")})
_X_PATH = re.compile(r"^/(?:[A-Za-z0-9_]{1,15}|i/web)/status(?:es)?/(\d{1,20})(?:/.*)?$")
_MASTODON_PATHS = (re.compile(r"^/@([^/]+)/(\d{1,30})/?$"), re.compile(r"^/users/([^/]+)/statuses/(\d{1,30})/?$"))


class AddressError(Exception):
    """A link threads-tui cannot fetch; the message is the one line the user sees."""


@dataclass(frozen=True, slots=True)
class BlueskyPost:
    """A Bluesky post: its author (a handle, or a `did:`) and its record key."""

    link: str
    actor: str
    rkey: str


@dataclass(frozen=True, slots=True)
class MastodonStatus:
    """A status on a Mastodon instance (`base`: scheme, host and port). `user` holds `@origin`
    where the instance shows a copy of a post from another instance."""

    link: str
    base: str
    user: str
    status_id: str


@dataclass(frozen=True, slots=True)
class ThreadReaderPage:
    """A thread's unroll on Thread Reader, by the id of a tweet in it."""

    link: str
    tweet_id: str


Address = BlueskyPost | MastodonStatus | ThreadReaderPage


def is_link(text: str) -> bool:
    """Whether an import argument is a link (`scheme://…`) rather than a path."""
    return _SCHEME.match(text.strip()) is not None


def is_loopback(host: str) -> bool:
    """Whether a host is this machine: `localhost`, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_scheme(scheme: str, host: str) -> bool:
    """https anywhere; plain http only to this machine."""
    return scheme == "https" or (scheme == "http" and is_loopback(host))


def parse_address(text: str) -> Address:
    """What a link names; AddressError with the kinds threads-tui knows for any other link."""
    link = text.strip()
    unknown = AddressError(f"not a link threads-tui can fetch; it knows {KNOWN_KINDS}")
    if link.startswith("at://"):
        if match := _AT_URI.match(link):
            return BlueskyPost(link, match.group(1), match.group(2))
        raise unknown
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise unknown from None
    if not host or parts.scheme.lower() not in ("http", "https"):
        raise unknown
    if not allowed_scheme(parts.scheme.lower(), host):
        raise AddressError("plain http:// is only for a server on this machine: use the https:// address")
    path = parts.path
    if host in _BLUESKY_HOSTS and (match := _BLUESKY_PATH.match(path)):
        return BlueskyPost(link, match.group(1), match.group(2))
    if host in _THREADREADER_HOSTS and (match := _THREADREADER_PATH.match(path)):
        return ThreadReaderPage(link, match.group(1))
    if host in _X_HOSTS and (match := _X_PATH.match(path)):
        return ThreadReaderPage(link, match.group(1))
    if host in _BLUESKY_HOSTS | _THREADREADER_HOSTS | _X_HOSTS:
        raise unknown
    for pattern in _MASTODON_PATHS:
        if match := pattern.match(path):
            netloc = f"[{host}]" if ":" in host else host
            base = f"{parts.scheme.lower()}://{netloc}{f':{port}' if port else ''}"
            return MastodonStatus(link, base, match.group(1), match.group(2))
    raise unknown
