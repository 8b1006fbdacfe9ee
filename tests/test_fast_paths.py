"""The import's fast paths give exactly what the plain ones give.

A large import takes shortcuts: a Thread Reader body split on its text whole,
a thread's stored forms made without its dicts, a post's search lines made
from one string, worker outcomes sent as plain values, files synced in a
thread of their own, ids and places hashed with fewer steps, a page's counts
looked for by their last words. Each is checked here against the plain way.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from array import array
import threading
from pathlib import Path

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui import storage
from tui.importing import ImportRun, Unit, _outcomes_from_worker, _parse_unit, parse_files_in_worker
from tui.importers.base import ImportFailure, PlainResult
from tui.importers.threadreader_text import (_COUNTS_ANYWHERE, _has_counts, _plain_split, parse_page, plain_page,
                                             split_tweets)
from tui.library import SHARD_COUNT, Library, StoredThread, _search_name, _shard_search_text, place_of
from tui.model import Media, PartialDate, PlainThread, Post, Thread, make_thread_id
from tui.search import search_lines
from tui.storage import BackgroundSync, StorageWriteError
from tui.thread_copies import aliases_of, text_key

from .conftest import FIXTURES, SAMPLES

# Pieces of body lines: list marks, image marks, links, odd whitespace, a final sigma, a NUL.
LINE_PIECES = ["word", "Two words", "1.", "1)", "12", "3/", "-", "•", "*", "–", "Image", "ImageImage",
               "http://ex.am/ple", "www.site.org", "(see https://a.b/c)", " ", "  ", "\u00a0", "\u3000",
               "ΟΔΟΣ", "\0", "…", "x", "\t", "\r", "\x0c", "\x1f", "\x85"]
lines_strategy = st.lists(st.lists(st.sampled_from(LINE_PIECES), max_size=4).map("".join), max_size=14)


def _posts(posts: list[Post]) -> list[tuple[str, list[str], list[str]]]:
    return [(post.text, post.links, [media.kind for media in post.media]) for post in posts]


@settings(max_examples=400, deadline=None)
@given(lines=lines_strategy)
def test_splitting_the_body_whole_gives_the_line_by_line_split(lines):
    fast = _plain_split(lines)
    if fast is not None:
        assert _posts(fast) == _posts(split_tweets(lines))


def test_the_usual_body_takes_the_fast_path_and_others_the_plain_one():
    usual = ["First tweet, see https://ex.am/ple.", "Second tweet", "", "its second paragraph", "1/ third", ""]
    assert _posts(_plain_split(usual)) == [
        ("First tweet, see https://ex.am/ple.", ["https://ex.am/ple"], []),
        ("Second tweet\n\nits second paragraph", [], []),
        ("1/ third", [], []),
    ]
    for unusual in (["A tweet ", "next"], ["A list:", "• one"], ["A picture Image"], ["  "]):
        assert _plain_split(unusual) is None, unusual


texts = st.text(max_size=40)
optional_texts = st.none() | st.text(min_size=1, max_size=12)
posts_strategy = st.builds(
    Post, text=texts, id=optional_texts, time=optional_texts,
    media=st.lists(st.builds(Media, kind=st.sampled_from(["image", "video", "link"]), url=optional_texts,
                             alt=optional_texts), max_size=2),
    links=st.lists(st.text(min_size=1, max_size=10), max_size=2),
    quoted=st.none() | st.builds(Post, text=texts))
threads_strategy = st.builds(
    Thread, posts=st.lists(posts_strategy, max_size=4), author_name=optional_texts, author_handle=optional_texts,
    date=st.none() | st.builds(PartialDate, st.none() | st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28)),
    declared_count=st.none() | st.integers(0, 100), complete=st.booleans(), source=st.text(max_size=10),
    read_minutes=st.none() | st.integers(0, 100))


@settings(max_examples=300, deadline=None)
@given(thread=threads_strategy, new_first_text=st.none() | texts, new_handle=st.none() | optional_texts)
def test_a_threads_stored_forms_are_those_of_its_document(thread, new_first_text, new_handle):
    # An importer may change a thread after making it: the text key must follow.
    if new_first_text is not None and thread.posts:
        thread.posts[0].text = new_first_text
    if new_handle is not None:
        thread.author_handle = new_handle
    doc = thread.to_dict()
    stored = StoredThread.of(thread)
    assert orjson.loads(stored.json) == doc == stored.doc
    assert stored.id == doc["id"]
    assert stored.text_key == text_key(doc)
    assert stored.aliases == aliases_of(doc)
    assert stored.search == search_lines(doc)


def _search_lines_post_by_post(doc: dict) -> tuple[str, bytes, bytes, int, bytes | None]:
    """The search lines of a document, made one post at a time: what the file format says."""
    def one_line(text: str) -> str:
        return text.replace("\n", " ").replace("\t", " ")

    def words_one_apart(text: str) -> str:  # what the query language takes for words
        return " ".join(text.split())
    author = words_one_apart(f"{doc.get('author_name') or ''} @{doc.get('author_handle') or ''}")
    posts = [words_one_apart(post.get("text") or "") for post in doc["posts"]]
    lowered = "".join(f"{author.casefold()}\0{text.casefold()}\n" for text in posts)
    written = "".join(f"{author}\t{text}\n" for text in posts)
    lengths = array("Q", [len(line) + 1 for line in written.split("\n")[:-1]]).tobytes() if written.isascii() else None
    return one_line(doc["id"]), lowered.encode(), written.encode(), len(posts), lengths


@pytest.mark.parametrize("posts", [
    ["ΟΔΟΣ", "Σ and ΣΑΣ", "end ΟΔΟΣ."],           # final sigmas at the ends of posts
    ["a\0b", "c"],                                # a NUL of a post's own: made post by post
    ["line\nbreak\tand tab", ""],
    [],
])
def test_search_lines_made_from_one_string_are_those_made_post_by_post(posts):
    doc = Thread(posts=[Post(text) for text in posts], author_name="Zoë Σ", author_handle="zoe").to_dict()
    assert search_lines(doc) == _search_lines_post_by_post(doc)


@settings(max_examples=200, deadline=None)
@given(posts=st.lists(st.text(max_size=30), max_size=5))
def test_search_lines_of_any_text_are_those_made_post_by_post(posts):
    doc = Thread(posts=[Post(text) for text in posts], author_handle="h").to_dict()
    assert search_lines(doc) == _search_lines_post_by_post(doc)


def _comparable(outcome) -> object:
    if isinstance(outcome, str):
        return outcome
    return ([(t.summary, t.aliases, t.search, t.doc, t.place) for t in outcome.threads], outcome.warnings,
            outcome.text_chars)


def test_a_workers_outcomes_are_those_of_the_main_process():
    files = sorted(p for root in (SAMPLES, FIXTURES) for p in root.rglob("*") if p.is_file())
    assert len(files) > 10
    # Through pickle, as the pool sends them.
    sent = _outcomes_from_worker(pickle.loads(pickle.dumps(parse_files_in_worker([str(p) for p in files]))))
    here = ImportRun()
    threads = 0
    for path, outcome in zip(files, sent, strict=True):
        if outcome is None:  # an archive or a pooled format: the main process parses it
            continue
        expected = _parse_unit(Unit(str(path), lambda file=path: here._parse_file(file)))
        assert _comparable(outcome) == _comparable(expected), path
        threads += 0 if isinstance(outcome, str) else len(outcome.threads)
    assert threads >= 5


def test_background_sync_writes_and_syncs_every_file_given_in_order(tmp_path, monkeypatch):
    synced: list[tuple[Path, bytes]] = []
    monkeypatch.setattr(storage, "sync_files",
                        lambda paths: synced.extend((path, path.read_bytes()) for path in paths))
    paths = [tmp_path / f"f{n}" for n in range(50)]
    with BackgroundSync() as syncing:
        for n, path in enumerate(paths):
            syncing.write(path, b"x" * n, 0o600)
        syncing.wait()
    assert synced == [(path, b"x" * n) for n, path in enumerate(paths)]
    assert {path.stat().st_mode & 0o777 for path in paths} == {0o600}


def test_files_are_made_durable_by_an_fsync_each(tmp_path, monkeypatch):
    paths = [tmp_path / f"f{n}" for n in range(3)]
    for path in paths:
        path.write_bytes(b"x")
    storage.sync_files(paths)  # succeeds on a real folder
    with pytest.raises(StorageWriteError):
        storage.sync_files([tmp_path / "gone"])
    each: list[Path] = []
    monkeypatch.setattr(storage, "_sync_file", each.append)
    storage.sync_files(paths)
    assert each == paths


def test_background_sync_tells_the_first_file_that_failed_and_always_stops(tmp_path, monkeypatch):
    def sync(paths: list[Path]) -> None:
        for path in paths:
            if path.name == "bad":
                raise StorageWriteError(path, "input/output error")
    monkeypatch.setattr(storage, "sync_files", sync)
    with pytest.raises(StorageWriteError) as failure:
        with BackgroundSync() as syncing:
            for name in ("good", "bad", "after"):
                syncing.write(tmp_path / name, b"x")
            syncing.wait()
    assert failure.value.path == tmp_path / "bad"
    with pytest.raises(StorageWriteError):  # a write that fails is the caller's to tell at once
        with BackgroundSync() as syncing:
            syncing.write(tmp_path / "no-such-folder" / "gone", b"x")
    before = threading.active_count()
    with pytest.raises(RuntimeError):
        with BackgroundSync() as syncing:
            assert threading.active_count() == before + 1
            raise RuntimeError("the commit failed")
    assert threading.active_count() == before


def test_any_failure_of_the_sync_thread_fails_the_wait(tmp_path, monkeypatch):
    def broken(paths: list[Path]) -> None:
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(storage, "sync_files", broken)
    with pytest.raises(StorageWriteError, match="Input/output error"):
        with BackgroundSync() as syncing:
            syncing.write(tmp_path / "a", b"x")
            syncing.wait()


plain_threads = st.builds(
    PlainThread, texts=st.lists(texts, max_size=4), links=st.just([]), author_name=optional_texts,
    author_handle=optional_texts,
    date=st.none() | st.builds(PartialDate, st.none() | st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28)),
    declared_count=st.none() | st.integers(0, 100), complete=st.booleans(), source=st.text(max_size=10),
    read_minutes=st.none() | st.integers(0, 100)).flatmap(
    lambda thread: st.lists(st.lists(st.text(min_size=1, max_size=10), max_size=2), min_size=len(thread.texts),
                            max_size=len(thread.texts)).map(lambda links: thread._replace(links=links)))


@settings(max_examples=300, deadline=None)
@given(thread=plain_threads)
def test_a_plain_thread_is_stored_as_the_thread_it_stands_for(thread):
    fast, plain = StoredThread.of_plain(thread), StoredThread.of(thread.to_thread())
    assert (fast.summary, fast.aliases, fast.search, fast.json, fast.place) == (
        plain.summary, plain.aliases, plain.search, plain.json, plain.place)


SYNTHETIC_PAGE = ["Ada Example Profile picture", "Jun 6, 2020", "2 tweets, 1 min read", "0-0 One tweet, see www.ex.am",
                  "0-1 and another", "", "• • •", "", "More from @ada", "", "Did Thread Reader help you today?", ""]


page_lines = st.lists(st.sampled_from(LINE_PIECES + ["", "", "• • •", "More from @dana", "Read 4 tweets", "3 Mar",
                                                     "Did Thread Reader help you today?", "Jun 6, 2020"]), max_size=12)


previews = st.lists(st.tuples(st.sampled_from(["3 Mar", "Feb 30", "Jun 6, 2020", "x"]), lines_strategy,
                               st.sampled_from(["Read 4 tweets", "Read 1 tweet", "Read 2 tweets", ""])), max_size=3)


@settings(max_examples=500, deadline=None)
@given(body=lines_strategy, rest=page_lines, declared=st.none() | st.integers(0, 6), more=previews)
def test_a_page_read_for_storage_gives_the_threads_parse_page_gives(body, rest, declared, more):
    counts = f"{declared} tweets, 1 min read" if declared is not None else ""
    preview_lines = [line for date, lines, read in more for line in (date, *lines, read)]
    lines = ["Dana Example Profile picture", "3 Mar", counts, *body, "• • •", "", "More from @dana", "",
             *preview_lines, *rest]
    try:
        full = parse_page(lines, "page.txt")
    except ImportFailure as failure:
        with pytest.raises(ImportFailure, match=re.escape(str(failure))):
            plain_page(lines, "page.txt")
        return
    read = plain_page(lines, "page.txt")
    if isinstance(read, PlainResult):
        assert [thread.to_thread() for thread in read.threads] == full.threads
        assert read.warnings == full.warnings
    else:
        assert read == full


def test_a_usual_page_is_read_as_plain_threads_and_others_the_full_way():
    with_preview = [*SYNTHETIC_PAGE[:9], "", "Feb 30", "A preview tweet", "its second tweet", "Read 5 tweets",
                    "2 Mar", "Another preview", "Read 1 tweet", "", "Did Thread Reader help you today?"]
    for page in (SYNTHETIC_PAGE, with_preview):
        read = plain_page(page, "x.txt")
        assert isinstance(read, PlainResult)
        full = parse_page(page, "x.txt")
        assert [thread.to_thread() for thread in read.threads] == full.threads and read.warnings == full.warnings
    assert len(full.threads) == 3 and full.warnings  # the previews, and the day February lacks
    note = (FIXTURES / "threadreader" / "note-example.txt").read_text().split("\n")
    assert not isinstance(plain_page(note, "note.txt"), PlainResult)  # its lists and image marks: the full way


# Words, spaces, and every other kind of whitespace `str.split` knows (none of them printable).
spaced_texts = st.lists(st.sampled_from(["a", "Bc", "ΣΑΣ", ".", " ", " ", "  ", "\t", "\n", "\x0b", "\x0c", "\r",
                                         "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u200b"]), max_size=8).map("".join)


@settings(max_examples=500, deadline=None)
@given(author=st.none() | spaced_texts, text=spaced_texts)
@example(author=None, text=" a").via("a space first")
@example(author=None, text="a ").via("a space last")
@example(author="Bc", text="a  Bc").via("two spaces")
@example(author="Bc", text="a\u3000Bc").via("another space")
def test_a_thread_id_is_the_hash_of_its_author_and_its_words_one_space_apart(author, text):
    words = " ".join(text.split()).casefold()
    digest = hashlib.sha256(f"{(author or '').casefold()}\n{words}".encode()).hexdigest()
    assert make_thread_id(None, author, text) == f"h{digest[:20]}"


@settings(max_examples=300, deadline=None)
@given(thread_id=st.text(max_size=30).filter(lambda text: not any(0xD800 <= ord(c) <= 0xDFFF for c in text)))
def test_a_threads_place_is_the_one_its_hash_has_always_given(thread_id):
    # Libraries on disk hold documents under these ids and in these shards: they may never move.
    digest = hashlib.sha1(thread_id.encode()).hexdigest()
    assert place_of.__wrapped__(thread_id) == (int(digest[:15], 16), f"{int(digest[:8], 16) % SHARD_COUNT:02x}")


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(["1", "12", ",", " tweets, ", " tweet, ", " min read", "\n", "x", " ",
                                      "3 min read", "tweets", "1,2"]), max_size=10).map("".join))
def test_counts_are_found_by_their_last_words_where_the_regex_finds_them(text):
    assert _has_counts(text) == (_COUNTS_ANYWHERE.search(text) is not None)


def test_the_search_file_a_commit_writes_is_the_one_its_shard_rebuilds_into(db_path):
    # Shards made new, then added to, then with previews replaced by their full threads, then with
    # threads removed for fuller copies under other ids.
    def thread(n, texts, complete=True, handle=None):
        return Thread(posts=[Post(text) for text in texts], author_name=f"Author {n}",
                      author_handle=handle or f"author_{n}", complete=complete, declared_count=len(texts) + 1)

    library = Library.open(db_path)
    library.add_threads([thread(n, [f"post {n} one", "ΣΟΦΙΑ two"]) for n in range(40)])
    library.add_threads([thread(n, [f"post {n} one"], complete=False) for n in range(40, 60)])
    library.add_threads([thread(n, [f"post {n} one", f"post {n} two", "more"]) for n in range(30, 50)]
                        + [thread(n, [f"other {n}"]) for n in range(60, 80)])
    # Copies with their posts' ids, fuller than those stored without: stored under new ids, the old removed.
    library.add_threads([Thread(posts=[Post(f"post {n} one", id=f"{n}1"), Post("ΣΟΦΙΑ two", id=f"{n}2"),
                                       Post("three", id=f"{n}3")], author_name=f"Author {n}",
                                author_handle=f"author_{n}") for n in range(10)])
    reopened = Library.open(db_path)
    assert len(reopened.summaries()) == 80
    assert {s["id"] for s in reopened.summaries()} >= {f"{n}1" for n in range(10)}
    for file_name in reopened.live_post_files():
        if file_name.endswith(".json"):
            written = (reopened.posts_dir / _search_name(file_name)).read_bytes()
            assert written == _shard_search_text(reopened._shard_db_named(file_name)), file_name


def test_pieces_are_written_whole(tmp_path):
    pieces = [bytes([65 + n % 26]) * (n % 7 + 1) for n in range(25)]
    storage.write_new_file(tmp_path / "pieces", pieces)
    assert (tmp_path / "pieces").read_bytes() == b"".join(pieces)


def test_a_library_is_parsed_and_sorted_with_no_collection_pass(tmp_path: Path):
    """Parsing a large library builds hundreds of thousands of objects with no cycles: no garbage
    collection pass runs meanwhile (each would look through all of them), but the one young pass the
    allocations are owed at the end; collection is on after."""
    import gc

    from tui.library import Library

    db = tmp_path / "library.json"
    Library.open(db).add_threads([Thread(posts=[Post(f"post {n}")], author_handle=f"a{n % 7}") for n in range(3_000)])
    passes: list[int] = []  # the generation of each pass

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    payload = db.read_bytes()
    library = Library.open(db)
    gc.collect()  # nothing pending: a pass now would be one the parse or the sort started
    gc.callbacks.append(count)
    try:
        storage.parse_json(db, payload)
        in_parse = len(passes)
        gc.collect()
        passes.clear()
        library.summaries()
        in_sort = len(passes)
        assert set(passes) <= {0}  # no pass through the older objects
        [[n] for n in range(10_000)]  # after: allocations start passes again
    finally:
        gc.callbacks.remove(count)
    assert in_parse <= 1 and in_sort <= 1 and passes and gc.isenabled()  # without the pause: 8 passes each
    with pytest.raises(ValueError), storage.no_cycle_collection():
        raise ValueError("a parse that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with storage.no_cycle_collection():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
