"""The HTTP client every fetch goes through: bounded, polite, without cookies or credentials.

- a connect and a read timeout (`THREADS_TUI_FETCH_TIMEOUT` seconds sets both), and a deadline for
  a whole answer (TOTAL_TIMEOUT_FACTOR read timeouts), against a server that drips its answer;
- answers read as a stream and refused past a size cap, counted after decompression (done here,
  bounded, against a gzip bomb), before they are held whole;
- redirects followed by hand: at most MAX_REDIRECTS, only on the same host, never to plain http;
- 429 and 503 waited out as `Retry-After` says (at most MAX_WAIT_SECONDS), MAX_RETRIES times at most,
  each wait told to `on_wait`, and cut short by `cancelled`;
- at most PER_HOST requests at once to one host, however many links are fetched together.
"""

from __future__ import annotations

import email.utils
import os
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
import orjson

from .. import __version__
from ..importers.base import ImportFailure
from .addresses import allowed_scheme

T = TypeVar("T")

TIMEOUT_ENV_VAR = "THREADS_TUI_FETCH_TIMEOUT"
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0
TOTAL_TIMEOUT_FACTOR = 4  # a whole answer takes at most this many read timeouts
MAX_REDIRECTS = 3
MAX_RETRIES = 3
MAX_WAIT_SECONDS = 60.0
DEFAULT_WAIT_SECONDS = 5.0  # a 429 or 503 that does not say how long to wait
PER_HOST = 2
USER_AGENT = f"threads-tui/{__version__} (terminal reader of saved threads)"
_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]+)?")
# What an answer may be compressed with (zlib's window bits: gzip, or zlib's deflate).
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({429, 503})


class FetchError(Exception):
    """A link that cannot be fetched; the message is the one line the user sees."""


class FetchCancelled(Exception):
    """The user asked the fetch to stop."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A server's answer: its status, content type and body."""

    url: str
    status: int
    content_type: str
    body: bytes

    def json(self) -> object:
        """The body as JSON; FetchError when it is HTML or broken."""
        start = self.body.lstrip()[:1]
        if "html" in self.content_type or start == b"<":
            raise FetchError(f"{_host(self.url)} answered with an HTML page where JSON was expected")
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as error:
            raise FetchError(f"{_host(self.url)} answered with broken JSON ({error})") from None

    def error_text(self) -> str:
        """`error: message` from a JSON error answer (as Bluesky and Mastodon give), else the status."""
        try:
            data = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            text = ": ".join(str(data[key])[:120] for key in ("error", "message") if data.get(key))
            if text:
                return " ".join(text.split())
        return f"HTTP {self.status}"


def shape_checked(step: Callable[[], T]) -> T:
    """Run a step that reads an answer's JSON; a wrong shape is one FetchError line (where, and what)."""
    try:
        return step()
    except ImportFailure as failure:
        raise FetchError(f"the answer is not in the shape expected: {failure}") from None


def checked_base(env_var: str, default: str) -> str:
    """A service's address from the environment (else `default`): https, or http on this machine only."""
    base = (os.environ.get(env_var) or default).rstrip("/")
    parts = urlsplit(base)
    if not parts.hostname or not allowed_scheme(parts.scheme, parts.hostname):
        raise FetchError(f"${env_var} is {base[:80]!r}: it must be an https:// address "
                         "(plain http:// only for a server on this machine)")
    return base


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


class Http:
    """One client for a run of fetches, shared by the threads that fetch at once."""

    def __init__(self, on_wait: Callable[[str], None], cancelled: Callable[[], bool]) -> None:
        try:  # `$THREADS_TUI_FETCH_TIMEOUT` sets both timeouts, where it is a number
            seconds = float(os.environ.get(TIMEOUT_ENV_VAR, ""))
        except ValueError:
            seconds = 0
        connect, read = (seconds, seconds) if seconds > 0 else (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
        self.read_timeout = read
        self.on_wait = on_wait
        self.cancelled = cancelled
        self._client = httpx.Client(
            timeout=httpx.Timeout(read, connect=connect),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ", ".join(_DECODERS)},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keeps none, so sends none back
        )
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, max_bytes: int, accept: str = "application/json") -> Answer:
        """GET a URL, following redirects and waiting out rate limits; any status but those comes back."""
        for attempt in range(MAX_RETRIES + 1):
            answer, asked_wait = self._get_following(url, max_bytes, accept)
            if answer.status not in _RETRIED:
                return answer
            if attempt == MAX_RETRIES:
                raise FetchError(f"{_host(url)} still answers HTTP {answer.status} "
                                 f"({'too many requests' if answer.status == 429 else 'unavailable'}) "
                                 f"after {MAX_RETRIES} waits: try again later")
            wait = min(asked_wait, MAX_WAIT_SECONDS)
            self.on_wait(f"waiting {wait:.0f} s: {_host(url)} asks to slow down (HTTP {answer.status}); "
                         f"then try {attempt + 2} of {MAX_RETRIES + 1}")
            end = time.monotonic() + wait
            while (left := end - time.monotonic()) > 0:
                if self.cancelled():
                    raise FetchCancelled
                time.sleep(min(left, 0.1))
        raise AssertionError("unreachable")

    def _get_following(self, url: str, max_bytes: int, accept: str) -> tuple[Answer, float]:
        """The answer at the end of at most MAX_REDIRECTS redirects, and how long it asks to wait."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if self.cancelled():
                raise FetchCancelled
            answer, headers = self._get_once(current, max_bytes, accept)
            if answer.status not in _REDIRECTS:
                return answer, _retry_after(headers.get("retry-after"))
            target = urljoin(current, headers.get("location", ""))
            here, there = urlsplit(current), urlsplit(target)
            if not allowed_scheme(there.scheme, there.hostname or ""):
                raise FetchError(f"{_host(current)} redirects to {there.scheme}:// ({target[:120]}): "
                                 "refused, only https is followed")
            if (there.hostname, there.port) != (here.hostname, here.port):
                raise FetchError(f"{_host(current)} redirects to another host ({there.netloc[:80]}): refused")
            current = target
        raise FetchError(f"{_host(url)} redirects more than {MAX_REDIRECTS} times (a redirect loop?)")

    def _get_once(self, url: str, max_bytes: int, accept: str) -> tuple[Answer, httpx.Headers]:
        host = _host(url)
        with self._slots_lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))
        with slot:
            try:
                with self._client.stream("GET", url, headers={"Accept": accept}) as response:
                    if response.status_code in _REDIRECTS or response.status_code in _RETRIED:
                        return Answer(url, response.status_code, "", b""), response.headers
                    body = self._read_capped(response, max_bytes)
                    content_type = response.headers.get("content-type", "").lower()
                    return Answer(url, response.status_code, content_type, body), response.headers
            except httpx.HTTPError as error:
                raise FetchError(self._reason(error, host)) from None

    def _read_capped(self, response: httpx.Response, max_bytes: int) -> bytes:
        """The body, decompressed here and refused as soon as it is past `max_bytes` (a declared length
        past it: unread) or past the answer's deadline; the cancel check runs at each read."""
        host = _host(str(response.url))
        too_large = FetchError(f"{host} sent more than {max_bytes // 1048576} MiB, more than any thread needs: refused")
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding == "identity" and declared.isdigit() and int(declared) > max_bytes:
            raise too_large
        if encoding not in _DECODERS and encoding not in ("identity", ""):
            raise FetchError(f"{host} sent its answer encoded as {encoding[:40]!r}, which threads-tui does not read")
        decoder = zlib.decompressobj(_DECODERS[encoding]) if encoding in _DECODERS else None
        deadline = time.monotonic() + TOTAL_TIMEOUT_FACTOR * self.read_timeout
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in response.iter_raw():
                if self.cancelled():
                    raise FetchCancelled
                if time.monotonic() > deadline:
                    raise FetchError(f"{host} took more than {TOTAL_TIMEOUT_FACTOR * self.read_timeout:.0f} s "
                                     "to send its answer (timed out)")
                data = decoder.decompress(raw, max_bytes + 1 - size) if decoder is not None else raw
                size += len(data)
                if size > max_bytes or (decoder is not None and decoder.unconsumed_tail):
                    raise too_large
                chunks.append(data)
            if decoder is not None:
                chunks.append(decoder.flush())
        except zlib.error as error:
            raise FetchError(f"{host} sent a broken {encoding} answer ({error})") from None
        return b"".join(chunks)

    def _reason(self, error: httpx.HTTPError, host: str) -> str:
        """One line on what went wrong on the way to `host`."""
        text = " ".join(str(error).split())
        if isinstance(error, httpx.ConnectTimeout):
            return f"no connection to {host} within {self._client.timeout.connect:.0f} s (timed out)"
        if isinstance(error, httpx.TimeoutException):
            return f"{host} did not answer within {self.read_timeout:.0f} s (timed out)"
        if isinstance(error, httpx.ConnectError):
            lowered = text.lower()
            if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
                return f"the secure connection (TLS) to {host} failed: {text[:160]}"
            if "name or service" in lowered or "nodename" in lowered or "name resolution" in lowered:
                return f"cannot find {host} (DNS): offline, or no such host"
            if "refused" in lowered:
                return f"{host} refused the connection"
            if "unreachable" in lowered:
                return f"cannot reach {host}: offline? ({text[:120]})"
            return f"cannot connect to {host}: {text[:160]}"
        if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError)):
            return f"{host} broke off the answer before it was complete ({text[:120]})"
        if isinstance(error, httpx.DecodingError):
            return f"{host} sent an answer that cannot be decoded ({text[:120]})"
        return f"{host}: {type(error).__name__}: {text[:160]}"


def _retry_after(value: str | None) -> float:
    """Seconds to wait from a `Retry-After` header: seconds, or an HTTP date (UTC where it names no zone)."""
    value = (value or "").strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_WAIT_SECONDS
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - time.time())
