"""Reading JSON input: one-line failures that say what is wrong and where (`thread.post`)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from .base import ImportFailure, Source, decode_text, utf16_without_bom

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What one JSON file may hold, checked before parsing (real exports hold far fewer: a 60 MB
# Mastodon outbox, 420,000 objects and arrays and 1.2 million commas).
MAX_JSON_CONTAINERS = 500_000
MAX_JSON_VALUES = 2_000_000
MAX_JSON_DEPTH = 1024  # orjson's own limit
# And the memory it may take with what its reader holds (Source.held), estimated as the file, each object
# or array (up to 320 bytes), each other value (up to 92) and the text: per byte of the file 1 byte if
# ASCII, 2 if not, 4 if any character is beyond U+FFFF (Python then stores all at 4 bytes).
MAX_JSON_MEMORY = 384 * 1024 * 1024
_CONTAINER_BYTES = 320
_VALUE_BYTES = 92
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]|\\u[dD][89abAB]")
_NOT_ASCII = re.compile(rb"[\x80-\xff]|\\u")
_PROBE_BYTES = 64 * 1024
_TYPE_NAMES: dict[type, str] = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
                                list: "an array", dict: "an object", type(None): "null"}


def load_json(source: Source, max_bytes: int) -> Any:
    """The parsed content of a JSON source, read up to `max_bytes`."""
    data = source.read_bytes(max_bytes)
    check_json_size(data, held=source.held)
    payload: bytes | str = decode_text(data) if data.startswith(_BOMS) or utf16_without_bom(data) else data
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        if is_too_deep(error):
            raise ImportFailure(TOO_DEEP) from error
        raise ImportFailure(f"not valid JSON ({error})") from error


TOO_DEEP = f"JSON nested too deeply to read (over {MAX_JSON_DEPTH} levels)"


def is_too_deep(error: orjson.JSONDecodeError) -> bool:
    """Whether orjson refused the JSON for its nesting (`depth limit exceeded`, before 3.11 `recursion depth`)."""
    return "depth" in str(error).split(":", 1)[0]


def check_json_size(data: bytes, start: int = 0, held: int = 0) -> None:
    """Refuse JSON (from `start` in `data`) that would take more memory to parse than any real export,
    with the `held` memory of its reader; counted with bytes.count, as upper bounds, to cost little."""
    # At most one object or array in two bytes: a file this small is within every limit.
    if len(data) < MAX_JSON_CONTAINERS and held + (5 + _CONTAINER_BYTES // 2) * len(data) <= MAX_JSON_MEMORY:
        return
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_JSON_CONTAINERS:
        try:  # nested too deeply within its first 64 KiB (parsing those is cheap): say that instead
            orjson.loads(data[start:start + _PROBE_BYTES])
        except orjson.JSONDecodeError as error:
            if is_too_deep(error):
                raise ImportFailure(TOO_DEEP) from None
        raise ImportFailure(f"more than {MAX_JSON_CONTAINERS:,} JSON objects and arrays ({containers:,}): "
                            "more than any saved thread or archive file holds, not read")
    values = data.count(b",") + 1
    if values > MAX_JSON_VALUES:
        raise ImportFailure(f"more than {MAX_JSON_VALUES:,} JSON values ({values:,}): "
                            "more than any saved thread or archive file holds, not read")
    text_bytes = 4 if _BEYOND_BMP.search(data, start) else 2 if _NOT_ASCII.search(data, start) else 1
    needed = (1 + text_bytes) * len(data) + _CONTAINER_BYTES * containers + _VALUE_BYTES * values
    if held + needed > MAX_JSON_MEMORY:
        with_held = f" (with the {held // 1048576} MiB of the posts read before it)" if held else ""
        raise ImportFailure(f"would take about {needed // 1048576} MiB of memory to read{with_held}, "
                            f"more than threads-tui allows ({MAX_JSON_MEMORY // 1048576} MiB)")


def type_name(value: Any) -> str:
    """How a JSON value is called in a failure: `an array`, `null`."""
    return kind_name(type(value))


def kind_name(kind: type) -> str:
    """How a JSON type is called in a failure: `a string` for `str`."""
    return _TYPE_NAMES.get(kind) or next(name for known, name in _TYPE_NAMES.items() if issubclass(kind, known))


@dataclass(frozen=True, slots=True)
class Obj:
    """A JSON object and its path in the file, so a wrong shape fails with one clear line."""

    data: dict[str, Any]
    path: str

    @classmethod
    def at(cls, value: Any, path: str = "") -> Obj:
        if not isinstance(value, dict):
            where = f"`{path}`" if path else "the file"
            raise ImportFailure(f"{where} should hold a JSON object, not {type_name(value)}")
        return cls(value, path)

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, kinds: tuple[type, ...], kind_name: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise ImportFailure(f"`{self.where(key)}` is {'null' if key in self.data else 'missing'}")
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ImportFailure(f"`{self.where(key)}` should be {kind_name}, not {type_name(value)}")
        return value

    def text(self, key: str) -> str:
        return self._get(key, (str,), "a string", True)

    def optional_text(self, key: str) -> str | None:
        return self._get(key, (str,), "a string", False)

    def integer(self, key: str) -> int:
        return self._get(key, (int,), "a whole number", True)

    def ident(self, key: str) -> str:
        """An id, given as a string or a number."""
        return str(self._get(key, (str, int), "a string", True))

    def optional_ident(self, key: str) -> str | None:
        value = self._get(key, (str, int), "a string", False)
        return None if value is None else str(value)

    def obj(self, key: str) -> Obj:
        return Obj(self._get(key, (dict,), "an object", True), self.where(key))

    def optional_obj(self, key: str) -> Obj | None:
        value = self._get(key, (dict,), "an object", False)
        return None if value is None else Obj(value, self.where(key))

    def objects(self, key: str, required: bool = True) -> list[Obj]:
        """The objects of an array (missing and optional: none)."""
        items = self._get(key, (list,), "an array", required) or []
        return [Obj.at(item, f"{self.where(key)}[{index}]") for index, item in enumerate(items)]

    def take_objects(self, key: str, required: bool = True) -> Iterator[Obj]:
        """The objects of an array, each dropped from it once given: the parsed file shrinks as it is read."""
        items = self._get(key, (list,), "an array", required) or []
        where = self.where(key)
        for index in range(len(items)):
            item, items[index] = items[index], None
            yield Obj.at(item, f"{where}[{index}]")

    def time(self, key: str) -> datetime:
        """An ISO 8601 timestamp as an aware UTC datetime (no zone given means UTC)."""
        text = self.text(key)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ImportFailure(f"`{self.where(key)}` is not a date and time: {text[:40]!r}") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
