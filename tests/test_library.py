"""The library on disk: layout, atomic commits, state, and the headless core's hygiene."""

import json
import re
import subprocess
import sys

import orjson
import pytest

from tui.finding import search_library
from tui.library import MAX_SHARD_FILES, Library, LibraryError, shard_files, shard_files_of, shard_for
from tui.search import search_layout
from tui.shard_offsets import ShardOffsets, scan_offsets, shard_file
from tui.user_data import UserData
from tui.model import Post, Thread
from .summary_files import read_summaries, summaries_path


def make_thread(text: str, author: str = "dana", posts: int = 2, complete: bool = True) -> Thread:
    return Thread(posts=[Post(f"{text} {i}") for i in range(posts)], author_handle=author,
                  complete=complete, declared_count=None if complete else posts + 3)


def test_new_library_is_created_only_on_first_write(db_path):
    library = Library.open(db_path)
    assert len(library) == 0 and not db_path.exists()
    library.add_threads([make_thread("hello")])
    assert db_path.exists()
    data = json.loads(db_path.read_text())
    assert data["meta"]["1"]["schema"] == 6


def test_commit_leaves_no_temporary_files_and_removes_superseded_shards(db_path):
    library = Library.open(db_path)
    for round_ in range(3):
        library.add_threads([make_thread(f"thread {n} v{round_}") for n in range(20)])
    leftovers = [p.name for p in db_path.parent.rglob("*.tmp")]
    assert leftovers == []
    shards = list(library.posts_dir.iterdir())
    assert {p.name for p in shards} == library.live_post_files()
    assert {p.suffix for p in shards} == {".json", ".offsets", ".search", ".summaries"}


def test_second_process_sees_and_keeps_changes_of_the_first(db_path):
    first = Library.open(db_path)
    second = Library.open(db_path)
    first.add_threads([make_thread("from first")])
    second.add_threads([make_thread("from second")])  # re-reads under the lock
    reopened = Library.open(db_path)
    assert len(reopened) == 2
    assert first.reload_if_changed() and len(first) == 2


def test_state_is_kept_per_thread(db_path):
    library = Library.open(db_path)
    thread = make_thread("stateful")
    library.add_threads([thread])
    UserData(library).set_state(thread.id, bookmarked=True, position=3)
    UserData(library).set_state(thread.id, read=True)
    assert UserData(Library.open(db_path)).state(thread.id) == {"id": thread.id, "bookmarked": True, "position": 3, "read": True}


def test_failed_write_keeps_old_library_and_memory_matches_disk(db_path, monkeypatch):
    library = Library.open(db_path)
    library.add_threads([make_thread("kept")])
    before = db_path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tui.storage.os.fsync", disk_full)
    with pytest.raises(LibraryError, match="No space left on device"):
        library.add_threads([make_thread("lost")])
    monkeypatch.undo()
    assert db_path.read_bytes() == before
    assert len(library) == 1
    assert [p.name for p in db_path.parent.rglob("*.tmp")] == []


def test_folder_given_as_library_is_an_error(tmp_path):
    with pytest.raises(LibraryError, match="is a folder"):
        Library.open(tmp_path)


def test_headless_core_never_imports_textual():
    code = (
        "import sys, tui.cli, tui.model, tui.library, tui.storage, tui.importing, tui.import_pool, tui.importers, "
        "tui.search, tui.export, tui.formatting, tui.text, tui.clipboard, tui.fetching.links, tui.user_data, "
        "tui.quoting, tui.export_html, tui.query, tui.weblinks, tui.browser, tui.sorting, tui.finding; "
        "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules), 'textual imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_library_with_a_damaged_summary_is_never_rewritten(db_path):
    Library.open(db_path).add_threads([make_thread("kept")])
    kept_id = read_summaries(db_path)[0]["id"]
    path = summaries_path(db_path)
    damaged = re.sub(rb'"post_count":\d+', b'"post_count":"seven"', path.read_bytes())
    assert damaged != path.read_bytes()
    path.write_bytes(damaged)
    before = db_path.read_bytes()
    for write in (lambda lib: lib.add_threads([make_thread("new")]), lambda lib: lib.delete_threads([kept_id])):
        with pytest.raises(LibraryError, match=f"cannot read library {path}: the library is damaged"):
            write(Library(db_path))
    assert db_path.read_bytes() == before and path.read_bytes() == damaged


def test_a_damaged_thread_in_a_shard_fails_the_write_in_one_line_and_leaves_no_files(db_path):
    # Removing a thread rewrites the shard file that held it, with the threads beside it: one is damaged.
    library = Library.open(db_path)
    damaged = make_thread("stored")
    neighbour = next(make_thread(f"same shard {n}") for n in range(500)
                     if shard_for(make_thread(f"same shard {n}").id) == shard_for(damaged.id))
    library.add_threads([damaged, neighbour])
    [shard] = library.posts_dir.glob("*.json")
    data = json.loads(shard.read_text())
    for doc in data["posts"].values():
        if doc["id"] == damaged.id:
            doc["posts"] = "garbage"
    shard.write_text(json.dumps(data))
    before = sorted(p.name for p in library.posts_dir.iterdir())
    with pytest.raises(LibraryError, match=rf"cannot read library {shard}: a stored thread is damaged"):
        Library.open(db_path).delete_threads([neighbour.id])
    assert sorted(p.name for p in library.posts_dir.iterdir()) == before


def test_a_thread_added_beside_a_damaged_one_goes_into_a_file_of_its_own(db_path):
    library = Library.open(db_path)
    damaged = make_thread("stored")
    library.add_threads([damaged])
    [shard] = library.posts_dir.glob("*.json")
    data = json.loads(shard.read_text())
    for doc in data["posts"].values():
        doc["posts"] = "garbage"
    shard.write_text(json.dumps(data))
    neighbour = next(make_thread(f"same shard {n}") for n in range(500)
                     if shard_for(make_thread(f"same shard {n}").id) == shard_for(damaged.id))
    reader = Library.open(db_path)
    reader.add_threads([neighbour])
    assert shard.read_text() == json.dumps(data)  # never rewritten: the damage is not carried on
    assert reader.thread(neighbour.id) == neighbour
    with pytest.raises(LibraryError, match=rf"cannot read library {shard}: thread {damaged.id} is damaged"):
        reader.thread(damaged.id)


def test_rewrites_keep_the_files_permissions(db_path):
    library = Library.open(db_path)
    library.add_threads([make_thread("first")])
    db_path.chmod(0o640)
    library.add_threads([make_thread("second")])
    assert db_path.stat().st_mode & 0o777 == 0o640


def test_a_first_write_that_fails_leaves_nothing_behind(tmp_path, monkeypatch):
    db_path = tmp_path / "new" / "library.json"
    import tui.storage

    def full_disk(paths):
        raise tui.storage.StorageWriteError(paths[0], "No space left on device")

    monkeypatch.setattr(tui.storage, "sync_files", full_disk)
    with pytest.raises(LibraryError, match="No space left on device"):
        Library.open(db_path).add_threads([make_thread("lost")])
    assert not Library(db_path).posts_dir.exists() and not db_path.exists()


def test_new_shard_files_are_as_private_as_the_library(db_path):
    library = Library.open(db_path)
    library.add_threads([make_thread("first")])
    for path in [db_path, *library.posts_dir.iterdir()]:
        path.chmod(0o600)
    library.add_threads([make_thread(f"more {n}") for n in range(30)])
    assert {path.stat().st_mode & 0o777 for path in [db_path, *library.posts_dir.iterdir()]} == {0o600}


def test_a_read_mark_writes_the_users_file_and_leaves_the_library_as_it_was(db_path):
    library = Library.open(db_path)
    library.add_threads([Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(3)])
    ordered, index = library.summaries(), library.order_index()
    before = {path: path.read_bytes() for path in [db_path, *library.posts_dir.iterdir()]}
    UserData(library).set_state(ordered[1]["id"], read=True, position=0)
    assert {path: path.read_bytes() for path in [db_path, *library.posts_dir.iterdir()]} == before
    assert not library.changed_on_disk()  # a reader of the library has nothing to read again
    assert library.summaries() is ordered and library.order_index() is index
    assert UserData(Library.open(db_path)).state(ordered[1]["id"]) == {"id": ordered[1]["id"], "read": True,
                                                                       "position": 0}
    assert "state" not in json.loads(db_path.read_bytes())


def test_reading_states_of_many_threads_are_one_write_and_merge_with_what_is_there(db_path):
    library = Library.open(db_path)
    user_data = UserData(library)
    user_data.set_states({f"t{n}": {"read": True} for n in range(500)})
    user_data.set_states({"t3": {"position": 4}, "t600": {"bookmarked": True}})
    states = UserData(Library.open(db_path)).states()
    assert len(states) == 501
    assert states["t3"] == {"id": "t3", "read": True, "position": 4}
    assert states["t600"] == {"id": "t600", "bookmarked": True}


def _offsets_files(library: Library) -> list:
    return sorted(library.posts_dir.glob("*.offsets"))


def test_one_thread_is_read_alone_by_its_shards_offsets_and_is_the_thread_stored(db_path):
    threads = [make_thread(f"thread {n} with \"quotes\" and ünïcode ✓", posts=n % 4 + 1) for n in range(200)]
    Library.open(db_path).add_threads(threads)
    library = Library.open(db_path)
    assert len(_offsets_files(library)) == len(shard_files(library._meta()))
    for thread in threads[::17]:
        read = library.thread(thread.id)
        assert read is not None and read.to_dict() == thread.to_dict()
    assert library._shard_cache == {}  # no shard was read whole
    assert library.thread("h0000000000000000dead") is None


@pytest.mark.parametrize("damage", ["missing", "garbage", "another thread's place", "truncated"])
def test_a_missing_or_damaged_offsets_file_only_means_the_shard_is_read_whole(db_path, damage):
    threads = [make_thread(f"thread {n}") for n in range(300)]
    Library.open(db_path).add_threads(threads)
    library = Library.open(db_path)
    wanted = threads[5]
    offsets = library.posts_dir / (shard_files_of(library._meta(), shard_for(wanted.id))[-1].removesuffix(".json") + ".offsets")
    data = offsets.read_bytes()
    if damage == "missing":
        offsets.unlink()
    elif damage == "garbage":
        offsets.write_bytes(b"\x00" * 40)
    elif damage == "truncated":
        offsets.write_bytes(data[:-5])
    else:  # every start moved to the first document's: the bytes read are some other thread
        count = (len(data) - data.index(b"\n") - 9) // 24
        head = len(data) - 24 * count
        starts = data[head + 8 * count:head + 16 * count]
        offsets.write_bytes(data[:head + 8 * count] + starts[:8] * count + data[head + 16 * count:])
    reader = Library.open(db_path)
    read = reader.thread(wanted.id)
    assert read is not None and read.to_dict() == wanted.to_dict()
    if damage != "another thread's place":  # found again in the shard's bytes, and kept
        assert offsets.read_bytes() == data and reader._shard_cache == {}


def test_offsets_found_in_a_shard_written_without_them_are_those_written_with_it():
    tricky = 'post, "quoted" ,"7":{"id": \\ ✓'  # what the start of a thread looks like, inside a text
    docs = {str(10 ** 17 + n): {"id": f"t{n}", "posts": [{"text": f"{n} {tricky}"}]} for n in range(50)}
    pieces, offsets = shard_file({key: orjson.dumps(doc) for key, doc in docs.items()})
    assert b"".join(pieces) == orjson.dumps({"posts": docs})  # the shard is the JSON it always was
    assert scan_offsets(orjson.dumps({"posts": docs})) == offsets
    found = ShardOffsets.parse(offsets)
    start, length = found.locate(10 ** 17 + 7)
    assert orjson.loads(b"".join(pieces)[start:start + length]) == docs[str(10 ** 17 + 7)]
    assert found.locate(5) is None


def _each_shard_as_made_anew(library: Library) -> None:
    """Each shard's search and offsets files are those its documents alone would make."""
    from tui.library import _shard_search_text

    reader = Library.open(library.path)
    for name in shard_files(reader._meta()):
        shard = (reader.posts_dir / name).read_bytes()
        stem = name.removesuffix(".json")
        assert (reader.posts_dir / f"{stem}.search").read_bytes() == _shard_search_text(reader._shard_db_named(name))
        assert (reader.posts_dir / f"{stem}.offsets").read_bytes() == scan_offsets(shard)


def test_a_commit_carries_the_threads_it_keeps_over_without_making_them_again(db_path, monkeypatch):
    import tui.library as library_module

    texts = ["plain words", "Straße and ΣΑΣ fold", "tabs\tand  spaces", "emoji ✓ ünïcode", 'say "hi" \\ {"id": 1}']
    threads = [make_thread(f"{texts[n % len(texts)]} {n}", posts=n % 3 + 1) for n in range(300)]
    Library.open(db_path).add_threads(threads)
    made = []
    through = library_module.search_lines
    monkeypatch.setattr(library_module, "search_lines", lambda doc: made.append(doc["id"]) or through(doc))
    library = Library.open(db_path)
    incoming = [make_thread(f"new {n} Straße") for n in range(4)]
    library.add_threads(incoming)
    assert made == []  # the kept 300 were copied from the shards' files, not made again (nor the new: made as parsed)
    fuller = make_thread(f"{texts[1]} 1", posts=5)  # thread 1's id, a fuller copy
    assert fuller.id == threads[1].id
    library.add_threads([fuller])
    library.delete_threads([threads[2].id, incoming[0].id])
    _each_shard_as_made_anew(library)
    reader = Library.open(db_path)
    for thread in [*threads[3:], *incoming[1:]]:
        assert reader.thread(thread.id).to_dict() == thread.to_dict()
    assert reader.thread(fuller.id).post_count == 5 and reader.thread(threads[2].id) is None
    from tui.finding import search_library
    assert {h.thread_id for h in search_library(reader, "strasse")} == (
        {t.id for t in threads[1::5]} | {t.id for t in incoming[1:]})


def _damage_offsets(path, damage: str) -> None:
    """Damage an offsets file: each thread placed at the first one's bytes, or one length a byte
    short (its thread cut before its last brace) or longer by the next thread's head and body."""
    data = path.read_bytes()
    count = (len(data) - data.index(b"\n") - 9) // 24
    head = len(data) - 24 * count
    numbers = [int.from_bytes(data[head + 8 * i:head + 8 * i + 8], sys.byteorder) for i in range(3 * count)]
    ids, starts, lengths = numbers[:count], numbers[count:2 * count], numbers[2 * count:]
    if damage == "offsets":
        starts = [starts[0]] * count
    elif count > 1:
        first = min(range(count), key=starts.__getitem__)
        following = min((i for i in range(count) if i != first), key=starts.__getitem__)
        lengths[first] += -1 if damage == "a length short" else starts[following] - starts[first] + lengths[following] - lengths[first]
    path.write_bytes(data[:head] + b"".join(n.to_bytes(8, sys.byteorder) for n in [*ids, *starts, *lengths]))


@pytest.mark.parametrize("damage", ["offsets", "a length short", "a length over the next", "search file",
                                    "a line index inside", "both"])
def test_a_commit_over_damaged_derived_files_makes_them_from_the_documents(db_path, damage):
    threads = [make_thread(f"thread {n} ünï", posts=n % 3 + 1) for n in range(200)]
    Library.open(db_path).add_threads(threads)
    library = Library.open(db_path)
    for name in shard_files(library._meta()):
        stem = name.removesuffix(".json")
        offsets, search = library.posts_dir / f"{stem}.offsets", library.posts_dir / f"{stem}.search"
        if damage in ("offsets", "a length short", "a length over the next", "both"):
            _damage_offsets(offsets, "offsets" if damage == "both" else damage)
        if damage in ("search file", "both"):
            search.write_bytes(b"threads-tui search 0\n")
        if damage == "a line index inside":  # the second post's start moved a byte: the file's ends still check out
            data = bytearray(search.read_bytes())
            layout = search_layout(bytes(data))
            if layout is not None and len(layout.lowered_starts) > 2:
                at = layout.lowered_end + 8
                layout.release()
                data[at:at + 8] = (int.from_bytes(data[at:at + 8], sys.byteorder) + 1).to_bytes(8, sys.byteorder)
                search.write_bytes(bytes(data))
    # A thread cut short or run over could be any: some of them go, and one at least from every shard,
    # whose file is then written again with the threads it keeps.
    first_of_each = {shard_for(t.id): t for t in reversed(threads)}.values()
    gone = list({t.id: t for t in [*threads[:40], *first_of_each]}.values())
    library.delete_threads([t.id for t in gone])
    library.add_threads([make_thread(f"new {n}") for n in range(600)])  # into files of their own
    _each_shard_as_made_anew(library)
    reader = Library.open(db_path)
    assert all(reader.thread(t.id).to_dict() == t.to_dict() for t in threads if t not in gone)
    assert all(reader.thread(t.id) is None for t in gone)
    for name in shard_files(reader._meta()):  # each shard: JSON, and the deleted threads not in it
        assert not {t.id for t in gone} & {doc["id"] for doc in orjson.loads((reader.posts_dir / name).read_bytes())["posts"].values()}


def test_two_ids_alike_but_for_a_newline_keep_their_own_search_lines(db_path):
    from tui.finding import search_library

    pair = [Thread(id=thread_id, posts=[Post(word)], author_handle="dana") for thread_id, word in
            next(([(f"x{n} y", "apple"), (f"x{n}\ny", "banana")] for n in range(10_000)
                  if shard_for(f"x{n} y") == shard_for(f"x{n}\ny")))]
    library = Library.open(db_path)
    library.add_threads(pair)
    neighbour = next(make_thread(f"same shard {n}") for n in range(5_000)
                     if shard_for(make_thread(f"same shard {n}").id) == shard_for(pair[0].id))
    library.add_threads([neighbour])  # the pair is carried over
    _each_shard_as_made_anew(library)
    reader = Library.open(db_path)
    # Each word found once, in its own thread's post (a search file keeps an id on one line: both read "x… y").
    assert [(h.thread_id, h.text) for h in search_library(reader, "apple")] == [(pair[0].id, "apple")]
    assert [h.text for h in search_library(reader, "banana")] == ["banana"]


def test_a_thread_read_lately_is_at_hand_until_a_commit_rewrites_its_shard(db_path):
    first = make_thread("first")
    Library.open(db_path).add_threads([first])
    library = Library.open(db_path)
    assert library.cached_thread(first.id) is None  # nothing read yet
    library.thread(first.id)
    cached = library.cached_thread(first.id)
    assert cached is not None and cached.to_dict() == first.to_dict()
    library.add_threads([make_thread("first", posts=3)])  # same id, a fuller copy: the shard is rewritten
    assert library.cached_thread(first.id) is None
    assert len(library.thread(first.id).posts) == 3


def _same_shard(shard: str, count: int, text: str) -> list[Thread]:
    """`count` new threads whose shard is `shard`."""
    found = (make_thread(f"{text} {n}") for n in range(100_000))
    return [t for t, _ in zip((t for t in found if shard_for(t.id) == shard), range(count))]


def test_a_commit_writes_what_it_brings_and_leaves_the_shards_files_as_they_are(db_path):
    library = Library.open(db_path)
    library.add_threads([make_thread(f"early {n}", posts=3) for n in range(300)])
    before = {p.name: p.read_bytes() for p in library.posts_dir.glob("*.json")}
    shard = shard_for(make_thread("early 0", posts=3).id)
    [newcomer] = _same_shard(shard, 1, "newcomer")

    library.add_threads([newcomer])

    after = {p.name: p.read_bytes() for p in library.posts_dir.glob("*.json")}
    assert {name: after[name] for name in before} == before  # every file kept, byte for byte
    [new_file] = after.keys() - before.keys()
    assert [doc["id"] for doc in orjson.loads(after[new_file])["posts"].values()] == [newcomer.id]
    assert shard_files_of(library._meta(), shard)[-1] == new_file
    assert Library.open(db_path).thread(newcomer.id) == newcomer


def test_a_shard_of_many_commits_keeps_few_files_and_each_thread_once(db_path):
    library = Library.open(db_path)
    shard = "2a"
    batches = [_same_shard(shard, 1 + n % 3, f"batch {n}") for n in range(30)]
    counts = []
    for batch in batches:
        library.add_threads(batch)
        counts.append(len(shard_files_of(library._meta(), shard)))
    assert max(counts) == MAX_SHARD_FILES and counts[-1] <= MAX_SHARD_FILES  # merged now and then
    fuller = Thread(posts=[*batches[3][0].posts, Post("a third post, later")], author_handle="dana")
    assert library.add_threads([fuller]).updated == [fuller.id]  # the stored copy's file merged, without it

    reader = Library.open(db_path)
    held = [doc["id"] for name in shard_files_of(reader._meta(), shard)
            for doc in orjson.loads((reader.posts_dir / name).read_bytes())["posts"].values()]
    everyone = [t.id for batch in batches for t in batch]
    assert sorted(held) == sorted(everyone)  # each thread in one file only
    assert reader.thread(fuller.id) == fuller
    assert [reader.thread(t.id) for t in batches[-1]] == batches[-1]
    assert [(h.thread_id, h.n) for h in search_library(reader, "later")] == [(fuller.id, 3)]


def test_a_library_put_back_from_a_copy_reuses_file_names_without_old_reads_misleading_it(db_path, tmp_path):
    import shutil

    a, b, c = _same_shard("2a", 3, "put back")
    library = Library.open(db_path)
    library.add_threads([a])
    copy = tmp_path / "copy"
    shutil.copytree(db_path.parent, copy)
    library.add_threads([b])
    assert library.thread(b.id) == b  # what was read of its file is kept
    shutil.rmtree(db_path.parent)
    shutil.copytree(copy, db_path.parent)  # the copy put back: the name of b's file is free again
    assert library.reload_if_changed()

    library.add_threads([c])  # under the name b's file had
    fuller = Thread(posts=[*c.posts, Post("and one more")], author_handle="dana")
    assert library.add_threads([fuller]).updated == [c.id]
    library.delete_threads([c.id])

    reader = Library.open(db_path)
    assert [t.id for t in reader.iter_threads()] == [s["id"] for s in reader.summaries()] == [a.id]
