"""Reading and rewriting a library's summaries file as a hand edit would (for tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tui.summary_file import Summaries


def summaries_path(db_path: Path) -> Path:
    """The summaries file `library.json` names now."""
    name = json.loads(db_path.read_text())["meta"]["1"]["summaries"]
    return db_path.with_name(db_path.name + ".posts") / name


def read_summaries(db_path: Path) -> list[dict[str, Any]]:
    """Every summary, in the file's order."""
    return list(Summaries.parse(summaries_path(db_path).read_bytes()))


def write_summaries(db_path: Path, summaries: list[dict[str, Any]]) -> None:
    """Replace the summaries with these, in this order, as a whole file (its checksum right)."""
    summaries_path(db_path).write_bytes(b"".join(Summaries.of(summaries).file()))


def with_summaries_table(db_path: Path) -> dict[str, Any]:
    """The library's data as a version before the summaries file wrote it (schema 3 and older): the
    summaries in a `threads` table, by document id as text; the summaries file removed."""
    from tui.library import doc_id_for

    data = json.loads(db_path.read_text())
    path = summaries_path(db_path)
    data["threads"] = {str(doc_id_for(doc["id"])): doc for doc in read_summaries(db_path)}
    del data["meta"]["1"]["summaries"]
    data["meta"]["1"]["schema"] = 3
    data["meta"]["1"]["shards"] = one_file_shards(data["meta"]["1"]["shards"])
    path.unlink()
    return data


def one_file_shards(shards: dict[str, list[str]]) -> dict[str, str]:
    """The shard map as versions before 5 wrote it: a file name per shard (the library must have one)."""
    assert all(len(names) == 1 for names in shards.values()), "a shard of several files: not a version 4 library"
    return {shard: names[0] for shard, names in shards.items()}
