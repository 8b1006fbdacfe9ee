"""Hostile input: one clear line per bad file, the library unchanged by it, time and memory bounded.

Each test makes its file, runs a real `threads-tui import` child and measures
that child's peak RSS (getrusage(RUSAGE_CHILDREN) of a fresh parent).
"""

from __future__ import annotations

import codecs
import ctypes
import json
import os
import io
import random
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.importing import INTERNAL_ERROR

from .conftest import FIXTURES, SAMPLES
from .safety_helpers import MIB, library_files, run_cli, run_cli_measured, thread_page

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"
PEAK_RSS_LIMIT_MIB = 600
SECONDS_LIMIT = 30  # for one hostile file (the slowest took minutes before it was bounded)
HEADER = thread_page("mal", 0).split("\n", 3)  # profile line, date line, counts line, rest
PAGE_HEAD = "\n".join(HEADER[:3]).encode() + b"\n"


@pytest.fixture
def library(db_path: Path) -> Path:
    """A library holding the samples."""
    assert run_cli(db_path, "import", SAMPLES).returncode == 0
    return db_path


def import_measured(db_path: Path, *paths: Path, **kwargs) -> tuple:
    """Import in a child; return the measurement, the seconds taken, and check the bounds."""
    started = time.monotonic()
    measured = run_cli_measured(db_path, "import", *paths, **kwargs)
    seconds = time.monotonic() - started
    print(f"\n  {paths[0].name[:40]}: exit {measured.code}, peak RSS {measured.peak_rss_mib:.0f} MiB, "
          f"{seconds:.1f} s; {measured.failed_lines()}")
    assert "Traceback" not in measured.err and INTERNAL_ERROR not in measured.err, measured.err
    assert measured.peak_rss_mib < PEAK_RSS_LIMIT_MIB
    return measured, seconds


def write_binary_junk(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(MIB))


def write_empty(path: Path) -> None:
    path.write_bytes(b"")


def write_latin1_page(path: Path) -> None:
    path.write_bytes(thread_page("josé", 1).encode("latin-1", errors="replace"))


def write_utf16_without_bom_cut_short(path: Path) -> None:
    path.write_bytes(thread_page("kim", 1).encode("utf-16-le")[:-1])


def write_long_line(path: Path, prefix: bytes = b"") -> None:
    """A 200 MB file that is one line, written in 1 MiB pieces."""
    chunk = b"a" * MIB
    with open(path, "wb") as handle:
        handle.write(prefix)
        for _ in range(200):
            handle.write(chunk)


def write_long_line_after_a_page_header(path: Path) -> None:
    write_long_line(path, PAGE_HEAD)


def write_tiny_lines(path: Path, size: int = 4 * MIB - 4096) -> None:
    """A page whose every line would be a post: memory per post dwarfs its two bytes."""
    path.write_bytes(PAGE_HEAD + b"ab\n" * (size // 3) + "\n• • •\n".encode())


def write_too_many_tiny_lines(path: Path) -> None:
    write_tiny_lines(path, 32 * MIB)


BLUESKY_HEAD = (b'{"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": '
                b'"at://did:plc:a/app.bsky.feed.post/1", "author": {"did": "did:plc:a", "handle": "a.example"}, '
                b'"record": {"text": "hi", "createdAt": "2024-02-10T20:00:00.000Z"}}, "replies": [')
THREADREADER_HTML = (FIXTURES / "threadreader-html" / "note-example.html").read_bytes()
HTML_HEAD = THREADREADER_HTML[:THREADREADER_HTML.index(b'<div class="t-main">')]  # doctype to the counts
MASTODON_ACTOR = '{"id": "https://x.example/users/b", "preferredUsername": "b"}'


def write_deep_json(path: Path) -> None:
    """A Bluesky thread whose first reply nests a million levels deep."""
    depth = 1_000_000
    path.write_bytes(BLUESKY_HEAD + b"[" * depth + b"]" * depth + b"]}}")


def write_deep_html(path: Path) -> None:
    """A Thread Reader page whose .t-main nests a million levels deep."""
    path.write_bytes(HTML_HEAD + b'<div class="t-main">' + b"<div>" * 1_000_000 + b"</body></html>")


def write_deep_html_within_the_tag_limit(path: Path) -> None:
    """160,000 levels: parsing it took minutes (tree building costs the depth squared)."""
    path.write_bytes(b'<html><body><div class="t-main">' + b"<div>" * 160_000)


def write_many_tags(path: Path) -> None:
    """A tweet of 1.8 million `<br>` (7 MiB): the parser's nodes cost ~270 bytes each."""
    path.write_bytes(HTML_HEAD + b'<div class="t-main"><div class="content-tweet">' + b"<br>" * (1800 * 1024)
                     + b"</div></div>")


def write_too_many_tweets(path: Path) -> None:
    path.write_bytes(HTML_HEAD + b'<div class="t-main">' + b'<div class="content-tweet">a</div>' * 10_001
                     + b"</div>")


def write_too_large_html(path: Path) -> None:
    path.write_bytes(HTML_HEAD + b'<div class="t-main"><div class="content-tweet">' + b"<br>" * (12 * MIB // 4)
                     + b"</div></div>")


def write_bluesky_replies_of_empties(path: Path) -> None:
    """5 million empty replies in 15 MiB: parsed, 4.4 GB."""
    path.write_bytes(BLUESKY_HEAD + b"{}," * 5_000_000 + b"{}]}}")


def write_mastodon_context_of_lists(path: Path) -> None:
    path.write_bytes(b'{"ancestors": [' + b"[]," * 5_000_000 + b'[]], "descendants": []}')


def write_mastodon_context_of_numbers(path: Path) -> None:
    path.write_bytes(b'{"ancestors": [' + b"1," * 7_000_000 + b'1], "descendants": []}')


def _write_zip_member(archive: zipfile.ZipFile, name: str, head: bytes, repeated: bytes, times: int,
                      tail: bytes) -> None:
    """A member of `head`, `repeated` that many times, then `tail`: written in pieces of about 1 MiB."""
    per_piece = MIB // len(repeated)
    pieces, rest = divmod(times, per_piece)
    with archive.open(name, "w", force_zip64=True) as member:
        member.write(head)
        piece = repeated * per_piece
        for _ in range(pieces):
            member.write(piece)
        member.write(repeated * rest + tail)


def write_mastodon_outbox_bomb(path: Path) -> None:
    """A 250 KB account archive whose outbox.json unpacks to 250 MiB of `{},`: parsed, 17 GB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("actor.json", MASTODON_ACTOR)
        _write_zip_member(archive, "outbox.json", b'{"orderedItems": [', b"{},", 250 * MIB // 3, b"{}]}")


def write_mastodon_outbox_of_empties(path: Path) -> None:
    """An outbox.json of 60 MiB of `{},`: within the size limit, 21 million objects."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("actor.json", MASTODON_ACTOR)
        _write_zip_member(archive, "outbox.json", b'{"orderedItems": [', b"{},", 60 * MIB // 3, b"{}]}")


def _x_archive(path: Path, *parts: list[dict]) -> None:
    """An X archive of account 1 whose tweets are in these parts (data/tweets.js, data/tweets-part1.js…)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": {"accountId": "1", "username": "b"}}]')
        for number, tweets in enumerate(parts):
            archive.writestr(f"data/tweets{f'-part{number}' if number else ''}.js",
                             f"window.YTD.tweets.part{number} = " + json.dumps([{"tweet": t} for t in tweets]))


def _self_replies(texts: list[str], first: int = 0) -> list[dict]:
    """Tweets of account 1, each answering the one before."""
    tweets = [{"id_str": str(1000 + n), "full_text": text, "created_at": "Fri Nov 03 09:15:00 +0000 2023"}
              for n, text in enumerate(texts, first)]
    for tweet in tweets:
        if tweet["id_str"] != "1000":
            tweet.update(in_reply_to_status_id_str=str(int(tweet["id_str"]) - 1), in_reply_to_user_id_str="1")
    return tweets


LONG_WITH_EMOJI = "\U0001f642" + "word " * 199_999  # a million characters: 4 MB in memory, 1 MB in the file


def write_x_archive_in_two_parts(path: Path) -> None:
    """A first part whose tweets take 122 MiB, and a second that would take 314 MiB more to parse."""
    _x_archive(path, _self_replies([LONG_WITH_EMOJI] * 32), _self_replies([LONG_WITH_EMOJI] * 66, 32))


def write_outbox_of_values_and_emoji(path: Path) -> None:
    """An outbox.json within the counts whose parsed values and 50 long texts with an emoji take 620 MiB."""
    items = ['{"type":"x"}'] * 499_000 + ['"x"'] * 1_450_000 + [json.dumps(LONG_WITH_EMOJI)] * 50
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("actor.json", MASTODON_ACTOR)
        archive.writestr("outbox.json", '{"orderedItems": [' + ",".join(items) + "]}")


def write_x_archive_with_a_long_tweet(path: Path) -> None:
    """A tweet of 2 million characters: reading it took copies of it a dozen times over."""
    _x_archive(path, _self_replies(["word " * 400_000, "the end"]))


def write_x_archive_of_long_tweets_with_emoji(path: Path) -> None:
    """50 tweets of a million characters and an emoji: 50 MiB, 200 MiB in memory (4 bytes a character)."""
    _x_archive(path, _self_replies([LONG_WITH_EMOJI] * 50))


def write_x_archive_bomb(path: Path) -> None:
    """An X archive whose tweets.js unpacks to 500 MiB of `{},`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _write_zip_member(archive, "data/tweets.js", b"window.YTD.tweets.part0 = [", b"{},", 500 * MIB // 3,
                          b"{}]")


def write_x_archive_of_empties(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _write_zip_member(archive, "data/tweets.js", b"window.YTD.tweets.part0 = [", b"{},", 60 * MIB // 3,
                          b"{}]")


def write_zip_bomb(path: Path) -> None:
    """A ~5 MB zip that inflates to 2 GiB: a page header then zeros, and plain zeros."""
    zeros = bytes(MIB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, head in (("thread.txt", PAGE_HEAD), ("zeros.bin", b"")):
            with archive.open(name, "w") as member:
                member.write(head)
                for _ in range(1024):
                    member.write(zeros)


def write_zip_with_unsafe_paths(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for number, name in enumerate(("../escape.txt", "/absolute.txt", "a/../../up.txt", "..\\win.txt")):
            archive.writestr(name, thread_page("eve", number))


def write_zip_with_too_many_entries(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(100_001):
            archive.writestr(zipfile.ZipInfo(str(number)), b"")


def write_overlapping_zip(path: Path) -> None:
    """43 KB: 150 entries of the zip's list all point at one 4 MiB page (read 150 times: 1 GB, 20 s)."""
    page = thread_page("oli", 1).encode() + b"word " * (4 * MIB // 5)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("page.txt", page)
    data = packed.getvalue()
    end = data.rindex(b"PK\x05\x06")
    directory_size, directory_start = struct.unpack("<II", data[end + 12:end + 20])
    entry = data[directory_start:directory_start + directory_size]
    record = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 150, 150, len(entry) * 150, directory_start, 0)
    path.write_bytes(data[:directory_start] + entry * 150 + record)


def _text_pages_zip(path: Path, pages: int, body: Callable[[int], bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number in range(pages):
            archive.writestr(f"page{number}.txt", PAGE_HEAD + body(number) + "\n\n• • •\n".encode())


def write_zip_of_long_pages(path: Path) -> None:
    """40 pages of one 4 MiB post each: stored together, 160 MiB of text."""
    _text_pages_zip(path, 40, lambda n: f"page {n} ".encode() + b"word " * ((4 * MIB - 8192) // 5))


def write_zip_of_pages_of_tiny_posts(path: Path) -> None:
    """26 pages of 9,999 posts of two letters: stored together, 260,000 posts."""
    _text_pages_zip(path, 26, lambda n: f"page {n}\n".encode() + b"ab\n" * 9_998)


def write_zip_that_unpacks_past_the_read_limit(path: Path) -> None:
    """65 different Bluesky files of 16 MiB (each read whole before it fails): 1040 MiB to read."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number in range(65):
            head = BLUESKY_HEAD.replace(b"post/1", f"post/{number}".encode())
            _write_zip_member(archive, f"thread{number}.json", head, b"{},", (16 * MIB - 1024) // 3, b"{}]}}")


class _Zeros(io.RawIOBase):
    """`size` zero bytes, read as a file."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def write_tar_gz_bomb(path: Path) -> None:
    """A 100 KB .tar.gz of one file of 100 MiB of zeros: read as one stream, it stops at 64 MiB."""
    with tarfile.open(path, "w:gz", compresslevel=9) as archive:
        info = tarfile.TarInfo("zeros.txt")
        info.size = 100 * MIB
        archive.addfile(info, io.BufferedReader(_Zeros(info.size), MIB))


def write_broken_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("page.txt", thread_page("zed", 1) * 50)
    payload = bytearray(path.read_bytes())
    payload[60:90] = bytes(30)  # inside the compressed data
    path.write_bytes(bytes(payload))


NOT_KNOWN = ("not a format threads-tui knows (it reads: X/Twitter archive, Thread Reader HTML, Thread Reader text, "
             "Bluesky thread JSON, Mastodon archive, Mastodon API JSON)")
NOT_READ = "more than any saved thread or archive file holds, not read"
HELD = "take more than 128 MiB of memory (their text, and about 512 bytes each), more than threads-tui holds at once"
# Each file, and its one line: exactly, or up to a final `…`.
HOSTILE: dict[str, tuple[Callable[[Path], None], str]] = {
    "junk.bin": (write_binary_junk, "binary data, not a saved thread"),
    "empty.txt": (write_empty, "empty file"),
    "latin1.txt": (write_latin1_page, "not UTF-8 text (byte 0xe9 at offset 3)"),
    "utf16-no-bom-cut.txt": (write_utf16_without_bom_cut_short,
                             "not UTF-16-LE text without a byte-order mark (byte 0x0a at offset 472)"),
    "long-line.txt": (write_long_line, NOT_KNOWN),
    "long-line-page.txt": (write_long_line_after_a_page_header,
                           "too large for a Thread Reader text file (200 MiB, limit 4 MiB)"),
    "tiny-lines.txt": (write_tiny_lines, "more than 10000 tweets in one thread"),
    "too-many-tiny-lines.txt": (write_too_many_tiny_lines, "too large for a Thread Reader text file (32 MiB, limit 4 MiB)"),
    "deep.json": (write_deep_json, "JSON nested too deeply to read (over 1024 levels)"),
    "deep.html": (write_deep_html, "HTML nested too deeply to read (over 2000 levels)"),
    "deep-160k.html": (write_deep_html_within_the_tag_limit, "HTML nested too deeply to read (over 2000 levels)"),
    "many-tags.html": (write_many_tags, "HTML with more than 200,000 tags (1,843,229): more than any saved page, not read"),
    "too-many-tweets.html": (write_too_many_tweets, "more than 10000 tweets in one thread"),
    "too-large.html": (write_too_large_html, "too large for a Thread Reader HTML file (12 MiB, limit 8 MiB)"),
    "bluesky-empties.json": (write_bluesky_replies_of_empties,
                             f"more than 500,000 JSON objects and arrays (5,000,007): {NOT_READ}"),
    "context-lists.json": (write_mastodon_context_of_lists,
                           f"more than 500,000 JSON objects and arrays (5,000,004): {NOT_READ}"),
    "context-numbers.json": (write_mastodon_context_of_numbers, f"more than 2,000,000 JSON values (7,000,002): {NOT_READ}"),
    "outbox-bomb.zip": (write_mastodon_outbox_bomb, "outbox.json: too large: over 64 MiB"),
    "outbox-empties.zip": (write_mastodon_outbox_of_empties,
                           f"outbox.json: more than 500,000 JSON objects and arrays (20,971,523): {NOT_READ}"),
    "x-bomb.zip": (write_x_archive_bomb, "data/tweets.js: too large: over 64 MiB"),
    "x-empties.zip": (write_x_archive_of_empties,
                      f"data/tweets.js: more than 500,000 JSON objects and arrays (20,971,522): {NOT_READ}"),
    "long-tweet.zip": (write_x_archive_with_a_long_tweet, "data/tweets.js: tweet 1000: a post of 2,000,000 "
                       "characters, more than threads-tui reads (1,000,000)"),
    "long-emoji-tweets.zip": (write_x_archive_of_long_tweets_with_emoji, f"the posts of the archive {HELD}"),
    "two-parts.zip": (write_x_archive_in_two_parts, "data/tweets-part1.js: would take about 314 MiB of memory to read "
                      "(with the 122 MiB of the posts read before it), more than threads-tui allows (384 MiB)"),
    "values-and-emoji.zip": (write_outbox_of_values_and_emoji, "outbox.json: would take about 620 MiB of memory to "
                             "read, more than threads-tui allows (384 MiB)"),
    "bomb.zip": (write_zip_bomb, "no file in the zip holds a thread"),
    "unsafe-paths.zip": (write_zip_with_unsafe_paths, "no file in the zip holds a thread"),
    "many-entries.zip": (write_zip_with_too_many_entries, "zip lists 100001 files, more than threads-tui reads (100000)"),
    "broken-data.zip": (write_broken_zip, "no file in the zip holds a thread"),
    "overlapping.zip": (write_overlapping_zip,
                        "files in the zip overlap ('page.txt' and 'page.txt' share their data): a zip bomb? Not read"),
    "long-pages.zip": (write_zip_of_long_pages, f"the posts of the zip {HELD}: unpack it and import the folder"),
    "tiny-posts.zip": (write_zip_of_pages_of_tiny_posts, f"the posts of the zip {HELD}: unpack it and import the folder"),
    "unpacks-past-the-limit.zip": (write_zip_that_unpacks_past_the_read_limit, "the zip's files unpack to more "
                                   "than 1024 MiB, more than threads-tui reads from one zip: stopped there"),
    "bomb.tar.gz": (write_tar_gz_bomb, "the tar.gz unpacks to more than 64 MiB (50 times its size): "
                    "stopped there, a gzip bomb?"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_fails_in_one_line_and_leaves_the_library_alone(tmp_path, library, name):
    write, reason = HOSTILE[name]
    path = tmp_path / "in" / name
    path.parent.mkdir()
    write(path)
    before = library_files(library)
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    measured, seconds = import_measured(library, path, cwd=cwd)

    assert measured.code == 1 and seconds < SECONDS_LIMIT
    failed, = measured.failed_lines()
    assert failed == f"failed: {path}: {reason}" or (
        reason.endswith("…") and failed.startswith(f"failed: {path}: {reason[:-1]}")), failed
    assert library_files(library) == before
    assert list(cwd.iterdir()) == [] and not list(tmp_path.rglob("escape.txt"))


def test_zip_members_with_unsafe_paths_are_skipped_with_a_line_each(tmp_path, library):
    path = tmp_path / "unsafe.zip"
    write_zip_with_unsafe_paths(path)
    measured, _ = import_measured(library, path)
    warnings = [line for line in measured.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 4
    assert all("unsafe path in the zip" in line and "nothing unpacked" in line for line in warnings)
    assert f"warning: {path}:../escape.txt: " in measured.err


def test_one_page_saved_many_times_in_a_zip_is_read_once(tmp_path, library):
    path = tmp_path / "copies.zip"
    page = thread_page("cy", 1).replace("post 1:", "post 1:" + " word" * (3 * MIB // 5)).encode()  # 3 MiB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(150):
            archive.writestr(f"copy{number}.txt", page)
    before = library_files(library)
    measured, seconds = import_measured(library, path)
    assert (measured.code, measured.err) == (0, "") and "1 added" in measured.out
    assert seconds < 10 and library_files(library) != before


def test_a_zip_of_junk_and_one_page_tells_ten_files_and_counts_the_rest(tmp_path, library):
    path = tmp_path / "junk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(99_999):
            archive.writestr(f"junk{number}.txt", b"junk")
        archive.writestr("page.txt", thread_page("jo", 1))
    measured, seconds = import_measured(library, path)
    assert measured.code == 0 and "1 added" in measured.out and seconds < SECONDS_LIMIT
    assert measured.err.splitlines() == [f"warning: {path}:junk{number}.txt: {NOT_KNOWN}" for number in range(10)] + [
        f"warning: {path}: … and 99989 more files in the archive that hold no thread"]


def test_a_zip_of_mastodon_api_files_and_junk_imports_the_thread(tmp_path, library):
    """The statuses of a zip are pooled, and become a thread once the run ends: the zip did not fail."""
    path = tmp_path / "saved.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(SAMPLES / "mastodon" / "status.json", "status.json")
        archive.write(SAMPLES / "mastodon" / "context.json", "context.json")
        archive.writestr("junk.bin", b"\x00\x01junk")
    fresh = tmp_path / "fresh" / "library.json"
    measured, _ = import_measured(fresh, path)
    assert (measured.code, measured.err) == (0, f"warning: {path}:junk.bin: binary data, not a saved thread")
    assert "1 added" in measured.out


def test_utf16_and_utf32_with_a_bom_import(tmp_path, library):
    for number, encoding in enumerate(("utf-16", "utf-32", "utf-8-sig")):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(thread_page("uma", number).encode(encoding))
        measured, _ = import_measured(library, path)
        assert measured.code == 0 and "1 added" in measured.out


def test_utf16_without_a_bom_imports(tmp_path, library):
    for number, encoding in enumerate(("utf-16-le", "utf-16-be")):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(thread_page("kim", number).encode(encoding))
        measured, _ = import_measured(library, path)
        assert (measured.code, measured.err) == (0, "") and "1 added" in measured.out
    path = tmp_path / "thread.json"
    path.write_bytes((SAMPLES / "bluesky" / "nadia-canal-paths.json").read_text().encode("utf-16-le"))
    measured, _ = import_measured(tmp_path / "fresh" / "library.json", path)
    assert (measured.code, measured.err) == (0, "") and "1 added" in measured.out


def test_symlink_loops_are_walked_once(tmp_path, library):
    folder = tmp_path / "loops"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "page.txt").write_text(thread_page("lou", 1))
    (folder / "a" / "b" / "up").symlink_to("../..")
    (folder / "a" / "here").symlink_to(".")
    (folder / "self").symlink_to("self")
    (folder / "ping").symlink_to("pong")
    (folder / "pong").symlink_to("ping")

    measured, _ = import_measured(library, folder)

    assert "1 added" in measured.out
    assert sorted(line.split(": ", 2)[1] for line in measured.failed_lines()) == [
        str(folder / "ping"), str(folder / "pong"), str(folder / "self")]
    assert all("too many levels of symbolic links" in line for line in measured.failed_lines())


def test_fifo_and_special_files_are_refused_without_blocking(tmp_path, library):
    folder = tmp_path / "special"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "null.txt").symlink_to("/dev/zero")
    (folder / "page.txt").write_text(thread_page("fay", 1))
    measured, _ = import_measured(library, folder)
    assert "1 added" in measured.out
    assert sorted(measured.failed_lines()) == [f"failed: {folder / 'null.txt'}: not a regular file",
                                               f"failed: {folder / 'pipe.txt'}: not a regular file"]


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _drop_root_file_access() -> None:
    """In the child, before exec: root loses its power to read any file."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)


def test_unreadable_files_and_folders_fail_one_line_each(tmp_path, library):
    folder = tmp_path / "locked"
    (folder / "closed").mkdir(parents=True)
    (folder / "closed" / "inside.txt").write_text(thread_page("ola", 2))
    (folder / "secret.txt").write_text(thread_page("ola", 1))
    (folder / "open.txt").write_text(thread_page("ola", 3))
    (folder / "secret.txt").chmod(0)
    (folder / "closed").chmod(0)
    drop = _drop_root_file_access if os.geteuid() == 0 else None
    probe = subprocess.run([sys.executable, "-c", f"open({str(folder / 'secret.txt')!r}).read()"],
                           capture_output=True, preexec_fn=drop)
    try:
        if probe.returncode == 0:
            pytest.skip("running as root and unable to drop the power to read any file (no CAP_SETPCAP)")
        measured, _ = import_measured(library, folder, preexec_fn=drop)
    finally:
        (folder / "closed").chmod(0o755)
    assert measured.code == 1 and "1 added" in measured.out
    assert sorted(measured.failed_lines()) == [
        f"failed: {folder / 'closed'}: cannot list folder: permission denied",
        f"failed: {folder / 'secret.txt'}: cannot read: permission denied",
    ]


def test_control_sequences_in_file_names_never_reach_the_terminal(tmp_path, library):
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / "evil\x1b]0;owned\x07\x1b[2J\x9b31m.txt").write_bytes(b"\x00junk")
    (folder / "bell\x07\nnewline.txt").write_text("nothing to see")
    Path(os.fsdecode(os.fsencode(folder) + b"/not-utf8-\xff.txt")).write_text(thread_page("nat", 1))
    text = run_cli(library, "import", folder)
    as_json = run_cli(library, "import", "--json", folder)
    for output in (text.stdout, text.stderr, as_json.stdout, as_json.stderr):
        assert not any(ch in output for ch in "\x1b\x07\x9b"), repr(output)
        assert "Traceback" not in output
    assert len(text.stderr.splitlines()) == 2 and "1 added" in text.stdout
    assert len(json.loads(as_json.stdout)["failed"]) == 2
    sources = {t["source"] for t in json.loads(run_cli(library, "list", "--json").stdout)}
    assert str(folder / "not-utf8-\ufffd.txt") in sources


def test_escapes_and_markup_in_imported_text_are_shown_as_typed(tmp_path, library):
    page = tmp_path / "evil.txt"
    page.write_text(
        "Mal \x1b[2JOry\x9b2J Profile picture\n3 Mar\n1 tweets, 1 min read\n"
        "[bold red]not markup[/] \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b[31mred\x7f\x9d0;t\x9c\n\n• • •\n"
    )
    assert run_cli(library, "import", page).returncode == 0
    thread_id = next(t["id"] for t in json.loads(run_cli(library, "list", "--json").stdout)
                     if t["author_name"] == "Mal Ory")
    outputs = [run_cli(library, *args).stdout for args in (
        ("list",), ("list", "--json"), ("show", thread_id), ("show", thread_id, "--json"), ("search", "markup"))]
    for output in outputs:
        assert not any(ch in output for ch in "\x1b\x07\x7f\x9b\x9c\x9d"), repr(output)
    assert "[bold red]not markup[/] link red" in outputs[2]


def test_largest_files_that_import_stay_within_memory(tmp_path, db_path):
    """Many ordinary files at once, and the worst page under the size limit: one post of 1M lines."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(2000):
        (folder / f"{number}.txt").write_text(thread_page(f"user{number % 50}", number, posts=8))
    paragraphs = tmp_path / "paragraphs.txt"
    paragraphs.write_bytes(PAGE_HEAD + b"ab\n\n" * (MIB - 1024) + "\n• • •\n".encode())
    for path, added in ((folder, "2000 added"), (paragraphs, "1 added")):
        measured, _ = import_measured(db_path, path)
        assert measured.code == 0 and added in measured.out


def test_bom_alone_and_truncated_utf16_fail_clearly(tmp_path, library):
    for name, payload in (("bom.txt", codecs.BOM_UTF16_LE), ("odd.txt", thread_page("ivy", 1).encode("utf-16")[:-1])):
        path = tmp_path / name
        path.write_bytes(payload)
        measured, _ = import_measured(library, path)
        failed, = measured.failed_lines()
        assert measured.code == 1 and failed.startswith(f"failed: {path}: ")


def test_utf16_text_without_a_bom_in_no_known_format_says_what_it_is(tmp_path, library):
    path = tmp_path / "notes.txt"
    path.write_bytes("Just some notes, not a saved thread.\n".encode("utf-16-le"))
    measured, _ = import_measured(library, path)
    assert measured.code == 1
    [failed] = measured.failed_lines()
    assert failed.startswith(f"failed: {path}: UTF-16 text without a byte-order mark, not a format threads-tui knows")
