"""Search over the library's compact search files: what matches, in what order, kept in sync."""

import sys

import pytest

from tui import search
from tui.finding import search_library
from tui.library import Library, shard_files, shard_files_of, shard_for
from tui.model import PartialDate, Post, Thread
from tui.search import (
    SEARCH_FILE_MAGIC,
    find_posts,
    make_snippet,
    search_file,
    search_layout,
    search_lines,
)


def thread(texts, handle="ada", name="Ada Lovelace", complete=True, declared=None):
    return Thread(posts=[Post(t) for t in texts], author_handle=handle, author_name=name,
                  complete=complete, declared_count=declared)


def test_every_term_must_be_in_the_post_or_its_author():
    blob = search_file([search_lines(thread(["Tea and toast", "Coffee only"]).to_dict())])
    [tea] = find_posts([blob], ["tea", "toast"])
    assert (tea.thread_id, tea.n, tea.text) == (thread(["Tea and toast"]).id, 1, "Tea and toast")
    assert [found.n for found in find_posts([blob], ["ada", "coffee"])] == [2]
    assert [found.n for found in find_posts([blob], ["@ada"])] == [1, 2]
    assert find_posts([blob], ["tea", "coffee"]) == []


def test_ids_and_numbers_are_not_searched_as_text():
    blob = search_file([search_lines(Thread(posts=[Post("plain words", id="1720000000000000100")]).to_dict())])
    assert find_posts([blob], ["1720000000000000100"]) == []
    assert find_posts([blob], ["\t"]) == []
    assert find_posts([blob], ["plain"])[0].text == "plain words"


def test_only_the_lowercased_part_is_matched():
    blob = search_file([search_lines(thread(["MiXeD Case"]).to_dict())])
    assert [f.text for f in find_posts([blob], ["mixed"])] == ["MiXeD Case"]
    assert find_posts([blob], ["MiXeD"]) == []  # terms are casefolded by the query parser before this


def test_snippet_marks_every_occurrence():
    snippet, spans = make_snippet("A word, another WORD and words", ["word"])
    assert snippet == "A word, another WORD and words"
    assert [snippet[a:b] for a, b in spans] == ["word", "WORD", "word"]


def test_hits_are_newest_thread_first_then_post_order(db_path):
    library = Library.open(db_path)
    old = Thread(posts=[Post("kiwi one"), Post("kiwi two")], author_handle="a", date=None)
    new = Thread(posts=[Post("kiwi three")], author_handle="b", date=PartialDate(2024, 1, 1))
    library.add_threads([old, new])
    hits = search_library(Library.open(db_path), "KIWI")
    assert [(h.thread_id, h.n) for h in hits] == [(new.id, 1), (old.id, 1), (old.id, 2)]
    assert hits[0].snippet() == ("kiwi three", ((0, 4),))


def test_search_follows_updates_and_rebuilds_missing_search_files(db_path):
    library = Library.open(db_path)
    preview = thread(["Opening words here", "apricot"], complete=False, declared=3)
    library.add_threads([preview])
    full = thread(["Opening words here", "banana", "cherry"])
    assert full.id == preview.id
    library.add_threads([full])
    reopened = Library.open(db_path)
    assert search_library(reopened, "apricot") == []
    assert [h.n for h in search_library(reopened, "cherry")] == [3]
    for path in reopened.posts_dir.glob("*.search"):
        path.unlink()
    assert [h.n for h in search_library(Library.open(db_path), "banana")] == [2]


def test_search_sees_a_reader_libraries_own_commits(db_path):
    library = Library.open(db_path)
    assert search_library(library, "plum") == []
    library.add_threads([thread(["a plum tree"])])
    assert [h.n for h in search_library(library, "plum")] == [1]




def test_posts_are_found_by_line_whatever_lowercasing_does_to_lengths():
    # "İ" lowercases to two code points: the lowercased lines are longer than the text as written.
    first = thread(["İSTANBUL at night", "then a ferry"], handle="ada")
    second = thread(["A ferry again", "ÆØÅ and the ferry home"], handle="bo", name="Bo")
    blob = search_file([search_lines(first.to_dict()), search_lines(second.to_dict())])
    found = find_posts([blob], ["ferry"])
    assert [(f.thread_id, f.n, f.text) for f in found] == [
        (first.id, 2, "then a ferry"), (second.id, 1, "A ferry again"), (second.id, 2, "ÆØÅ and the ferry home")]
    assert [(f.thread_id, f.n) for f in find_posts([blob], ["istanbul"])] == []
    assert [(f.thread_id, f.n) for f in find_posts([blob], ["i̇stanbul"])] == [(first.id, 1)]
    assert [(f.thread_id, f.n) for f in find_posts([blob], ["æøå", "@bo"])] == [(second.id, 2)]


def test_a_file_that_is_not_a_current_search_file_is_not_read():
    blob = search_file([search_lines(thread(["pear"]).to_dict())])
    assert search_layout(blob) is not None
    assert search_layout(b"h0123\t1\tada @ada pear\tpear\n") is None  # the old one-section format
    assert search_layout(blob[: len(blob) // 2]) is None
    assert find_posts([blob[:30]], ["pear"]) == []


def test_old_or_damaged_search_files_are_rebuilt_from_the_shards(db_path):
    Library.open(db_path).add_threads([thread(["a quince tart", "and a fig"])])
    library = Library.open(db_path)
    [search_path] = library.posts_dir.glob("*.search")
    search_path.write_bytes(b"h0123\t1\tada @ada a quince tart\ta quince tart\n")
    assert [h.n for h in search_library(library, "fig")] == [2]
    search_path.write_bytes(search_path.read_bytes()[:10])
    assert [h.snippet()[0] for h in search_library(library, "quince")] == ["a quince tart"]


def test_a_search_file_damaged_inside_its_indexes_loses_hits_not_the_search(db_path):
    library = Library.open(db_path)
    library.add_threads([thread(["a quince tart", "and a fig"])])
    [search_path] = library.posts_dir.glob("*.search")
    whole = search_path.read_bytes()
    layout = search_layout(whole)
    written = layout.written_start
    layout.release()
    damaged = bytearray(whole)
    damaged[written:written + 2] = b"\xff\xfe"  # the thread id, not UTF-8 any more
    search_path.write_bytes(bytes(damaged))
    [hit] = search_library(Library.open(db_path), "fig")
    assert hit.n == 2 and hit.text == "and a fig"
    header_says_no_posts = whole[:len(SEARCH_FILE_MAGIC) + 8] + bytes(8) + whole[len(SEARCH_FILE_MAGIC) + 16:]
    assert search_layout(header_says_no_posts) is None
    search_path.write_bytes(header_says_no_posts)
    assert [h.n for h in search_library(Library.open(db_path), "quince")] == [1]  # rebuilt from the shard


def test_a_search_while_another_process_commits_reads_the_library_as_it_is_now(db_path):
    first = thread(["hello from the first"])
    beside, second = (next(t for t in (thread([f"{text}, number {n}"], handle="bo") for n in range(500))
                           if shard_for(t.id) == shard_for(first.id)) for text in ("goodbye", "hello again"))
    Library.open(db_path).add_threads([first, beside])
    reader = Library.open(db_path)
    writer = Library.open(db_path)
    writer.add_threads([second])
    writer.delete_threads([beside.id])  # the shard file the reader knew is merged into another, and removed
    assert not (reader.posts_dir / next(iter(shard_files(reader._meta())))).exists()
    assert sorted(h.text for h in search_library(reader, "hello")) == [second.posts[0].text, "hello from the first"]


@pytest.mark.parametrize("way", ["bytes", "memmem", "no memmem"])
def test_words_are_found_alike_by_their_rare_byte_or_not(way, monkeypatch):
    # bytes: read-only, so `bytes.find`; a bytearray (as a copy-on-write map is) lets libc's memmem point into it.
    if way == "no memmem":
        monkeypatch.setattr(search, "_libc", lambda: None)
    elif way == "memmem" and search._libc() is None:
        pytest.skip("no libc memmem here")
    kind = bytes if way == "bytes" else bytearray
    by_memmem = []
    through = search._Finder._by_memmem
    monkeypatch.setattr(search._Finder, "_by_memmem", lambda finder, start: by_memmem.append(start) or through(finder, start))
    texts = ["a quiz on zebras", "jazz and fizz", "no such word here", "zzz " * 50 + "pizza at last",
             "the end of the zebra", "an ostinato, then the ostinato again"]
    blob = kind(search_file([search_lines(thread(texts).to_dict())]))
    for word, posts in (("zebra", [1, 5]), ("pizza", [4]), ("fizz", [2]), ("zz", [2, 4]), ("walrus", []),
                        ("ostinato", [6]), ("the", [5, 6]), ("h", [3, 5, 6]), ("st", [4, 6])):
        assert [f.n for f in find_posts([blob], [word])] == posts, word
    many_z = kind(search_file([search_lines(thread(["z" * 30 + " " + "z" * 30 + f" jazz {n}" for n in range(400)]).to_dict())]))
    assert len(find_posts([many_z], ["jazz"])) == 400  # "z" is common here: the finder gives way, finds all
    # Hits close together: memmem gives way to bytes.find, and every one is still found, in order.
    dense = kind(search_file([search_lines(thread([f"tea {n}" for n in range(1000)]).to_dict())]))
    by_memmem.clear()
    assert [f.n for f in find_posts([dense], ["tea"])] == list(range(1, 1001))
    assert len(by_memmem) == (search._RARE_BYTE_CHECK_EVERY if way == "memmem" else 0)  # then bytes.find
    assert [f.n for f in find_posts([dense], ["tea", "99"])] == [n + 1 for n in range(1000) if "99" in str(n)]
    assert bool(by_memmem) == (way == "memmem")


def test_a_search_lets_go_of_each_mapped_file(db_path, monkeypatch):
    library = Library.open(db_path)
    library.add_threads([thread([f"ostinato {n}", "coda"], handle=f"p{n}") for n in range(50)])
    by_memmem = []
    through = search._Finder._by_memmem
    monkeypatch.setattr(search._Finder, "_by_memmem", lambda finder, start: by_memmem.append(start) or through(finder, start))
    for _ in range(3):  # a buffer left pointing into a map would make closing it fail
        assert len(search_library(library, "ostinato")) == 50
    assert search_library(library, "ostinato coda") == []
    assert [h.n for h in search_library(library, "coda")] == [2] * 50
    assert by_memmem or search._libc() is None  # the maps were searched through memmem

    # A search that fails half way still lets go of the map it was in, before the map closes.
    def failing(blob, layout, terms, others, next_at, kept):
        assert next_at.buffer is not None or search._libc() is None
        raise RuntimeError("half way")

    monkeypatch.setattr(search, "_hits", failing)
    blobs = library.search_blobs()
    try:
        find_posts(blobs, ["ostinato"])
    except RuntimeError as error:
        kept = error  # the exception, and its frames, stay alive
    blobs.close()  # closes the map: a buffer still pointing into it would raise BufferError here
    assert str(kept) == "half way"


def test_where_a_copy_on_write_map_is_refused_search_reads_the_files_mapped_read_only(db_path, monkeypatch):
    import mmap

    import tui.library

    library = Library.open(db_path)
    library.add_threads([thread([f"ostinato {n}"], handle=f"p{n}") for n in range(20)])
    real_mmap = mmap.mmap
    accesses = []

    def strict_overcommit(fileno, length, access):
        accesses.append(access)
        if access == mmap.ACCESS_COPY:
            raise OSError(12, "Cannot allocate memory")
        return real_mmap(fileno, length, access=access)

    monkeypatch.setattr(tui.library.mmap, "mmap", strict_overcommit)
    assert len(search_library(library, "ostinato")) == 20
    assert mmap.ACCESS_READ in accesses


def test_a_search_file_of_an_older_layout_is_rewritten_by_the_first_search(db_path):
    Library.open(db_path).add_threads([thread(["a medlar jelly", "and a sloe gin"])])
    library = Library.open(db_path)
    [search_path] = library.posts_dir.glob("*.search")
    search_path.write_bytes(b"threads-tui search 2 little\n" + bytes(40))
    assert [h.n for h in search_library(library, "sloe")] == [2]
    assert search_layout(search_path.read_bytes()) is not None  # kept for the next search
    assert [h.n for h in search_library(Library.open(db_path), "medlar")] == [1]


def test_a_search_file_whose_thread_index_is_damaged_is_not_read():
    blob = search_file([search_lines(thread([f"pear {n}", "plum"], handle=f"h{n}").to_dict()) for n in range(3)])
    layout = search_layout(blob)
    assert layout is not None
    firsts, ids_start, written_start = layout.ids_start - 3 * 8, layout.ids_start, layout.written_start
    layout.release()
    damaged = bytearray(blob)
    damaged[firsts + 8:firsts + 16] = (0).to_bytes(8, sys.byteorder)  # the second thread starts where the first does
    assert search_layout(bytes(damaged)) is None
    ids = blob[ids_start:written_start]
    merged = blob[:ids_start] + b"x" + ids.replace(b"\n", b"", 1) + blob[written_start:]  # two ids run together
    assert len(merged) == len(blob) and search_layout(merged) is None


def test_a_search_file_damaged_in_its_thread_index_is_found_by_the_library_and_rebuilt(db_path):
    """A search skips the checks that read every thread: the library made them on the file's first use."""
    Library.open(db_path).add_threads([thread([f"pear {n}", "plum"], handle=f"h{n}") for n in range(20)])
    library = Library.open(db_path)

    def threads_in(blob: bytes) -> int:
        layout = search_layout(blob)
        assert layout is not None
        count = len(layout.first_lines)
        layout.release()
        return count

    search_path = next(path for path in library.posts_dir.glob("*.search") if threads_in(path.read_bytes()) >= 2)
    blob = search_path.read_bytes()
    layout = search_layout(blob)
    firsts = layout.ids_start - len(layout.first_lines) * 8
    layout.release()
    damaged = bytearray(blob)
    damaged[firsts + 8:firsts + 16] = (0).to_bytes(8, sys.byteorder)  # the second thread starts where the first does
    search_path.write_bytes(bytes(damaged))
    hits = search_library(library, "plum")
    assert sorted(hit.thread_id for hit in hits) == sorted(s["id"] for s in library.summaries())
    assert all(hit.n == 2 for hit in hits)
    assert search_layout(search_path.read_bytes()) is not None  # made again from the shard


def test_a_rebuilt_search_file_is_as_private_as_the_library(db_path):
    Library.open(db_path).add_threads([thread(["a private damson"])])
    library = Library.open(db_path)
    for path in [db_path, *library.posts_dir.iterdir()]:
        path.chmod(0o600)
    [search_path] = library.posts_dir.glob("*.search")
    search_path.unlink()
    assert [h.n for h in search_library(library, "damson")] == [1]
    assert search_path.stat().st_mode & 0o777 == 0o600


def test_search_lines_put_words_one_space_apart_as_the_query_language_splits_them():
    for char in map(chr, range(sys.maxunicode + 1)):  # the quick check agrees with str.split, char by char
        assert search._uneven(f"a{char}b") == (char.isspace() and char != " "), hex(ord(char))
    doc = thread(["two  words\u00a0apart\nand\tmore", "plain words"]).to_dict()
    _, lowered, written, _, _ = search_lines(doc)
    assert lowered.decode().splitlines()[0].endswith("@ada\0two words apart and more")
    assert [hit.n for hit in find_posts([search_file([search_lines(doc)])], ["words apart and"])] == [1]
