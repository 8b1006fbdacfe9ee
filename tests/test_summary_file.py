"""The summaries file: its layout read back, its order kept through updates, its damage refused."""

from __future__ import annotations

import json
import zlib

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.library import Library, LibraryError
from tui.model import Post, Thread
from tui.sorting import SORT_LABELS, sort_summaries
from tui.summary_file import (
    DAMAGED_TITLE, FORMAT, Summaries, ids_of, journal_record, position_of, sort_newest_first, with_journal,
)

from .summary_files import summaries_path

DATES = ["2021", "2021-10", "2021-10-01", "2021-10-01T09:00:00Z", "2021-10-01T10:00:00Z", "2020-02-29", None]


def summary(n: int, date: str | None, title: str, handle: str | None = "ada") -> dict:
    made = {"id": f"t{n}", "author_name": ["Ada", "bo", None][n % 3], "author_handle": handle,
            "date": None if date and "T" in date else date, "placed_at": date, "title": title,
            "post_count": n % 5 + 1, "has": []}
    if n % 4:
        made["added_at"] = 1_700_000_000 + (n * 7919) % 13  # ties too
    return made


def reference_order(summaries: list[dict], order: str) -> list[str]:
    """Each order of the thread list, worked out from the summaries themselves (as `sorting` once did)."""
    undated = [s for s in summaries if not (s.get("placed_at") or s.get("date"))]
    ordered = {
        "newest": summaries,
        "oldest": [s for s in reversed(summaries) if s not in undated] + undated,
        "author": sorted(summaries, key=lambda s: (s.get("author_handle") or s.get("author_name") or "\uffff").casefold()),
        "longest": sorted(summaries, key=lambda s: -s["post_count"]),
        "added": sorted([s for s in summaries if "added_at" in s], key=lambda s: -s["added_at"])
                 + [s for s in summaries if "added_at" not in s],
    }[order]
    return [s["id"] for s in ordered]


summaries_strategy = st.lists(
    st.builds(lambda date, title, handle: (date, title, handle), st.sampled_from(DATES),
              st.sampled_from(["", "a", "b", "B", "é ✓", 'say "hi"\nthen\\go']), st.sampled_from(["ada", "Bo", None])),
    max_size=40,
).map(lambda rows: [summary(n, *row) for n, row in enumerate(rows)])


@settings(max_examples=80, deadline=None)
@given(summaries_strategy, st.data())
def test_an_update_orders_the_summaries_as_sorting_them_all_would(summaries, data):
    kept = [s for s in summaries if data.draw(st.booleans())]
    removed = {s["id"] for s in kept if data.draw(st.booleans())}
    added = [s for s in summaries if s not in kept]
    replaced = [{**s, "title": "again"} for s in kept if data.draw(st.booleans())]
    file = Summaries.of(sort_newest_first(kept))
    updated = file.updated(removed, added + replaced)
    by_id = {s["id"]: s for s in kept if s["id"] not in removed} | {s["id"]: s for s in added + replaced}
    assert list(updated) == sort_newest_first(by_id.values())
    reread = Summaries.parse(b"".join(updated.file()))
    assert list(reread) == list(updated) and reread.ids == [s["id"] for s in updated]
    assert reread.handles == [(s["author_handle"] or "").casefold() for s in updated]


@settings(max_examples=60, deadline=None)
@given(summaries_strategy, st.sampled_from(sorted(SORT_LABELS)))
def test_each_order_of_the_list_comes_from_the_columns_as_from_the_summaries(summaries, order):
    ordered = sort_newest_first(summaries)
    file = Summaries.parse(b"".join(Summaries.of(ordered).file()))
    sorted_file = sort_summaries(file, order)
    assert sorted_file.ids == reference_order(ordered, order)
    assert list(sorted_file) == [file.get(thread_id) for thread_id in sorted_file.ids]
    assert all(position_of(sorted_file, thread_id) == n for n, thread_id in enumerate(sorted_file.ids))


def test_sorting_reads_no_summary(monkeypatch):
    file = Summaries.of(sort_newest_first(summary(n, DATES[n % 7], f"t{n % 3}", [None, "ada", "Bo"][n % 3])
                                          for n in range(30)))

    def no_reading(self, index):
        raise AssertionError("a summary was read to sort")

    monkeypatch.setattr(Summaries, "__getitem__", no_reading)
    for order in SORT_LABELS:
        assert len(sort_summaries(file, order)) == 30


def test_a_few_added_to_many_are_placed_by_halving_and_many_by_walking_the_same_way():
    many = sort_newest_first(summary(n, DATES[n % 6], f"title {n % 7}") for n in range(600))
    file = Summaries.of(many)
    for count in (3, 300):  # few: each placed by halving; many: the kept walked in order
        added = [summary(1000 + n, DATES[n % 6], f"title {n % 5}") for n in range(count)]
        assert list(file.updated({"t5"}, added)) == sort_newest_first([s for s in many if s["id"] != "t5"] + added)


def test_a_file_is_its_columns_then_a_line_a_summary_in_order():
    rows = sort_newest_first([summary(1, "2021", "one", "Ada"), summary(2, "2022", 'two "quoted"\nlines', None)])
    data = b"".join(Summaries.of(rows).file())
    head, *lines = data.split(b"\n")
    columns = json.loads(head)
    assert columns["format"] == FORMAT and columns["ids"] == ["t2", "t1"] and columns["handles"] == ["", "ada"]
    assert columns["lengths"] == [len(line) + 1 for line in lines[:-1]] and lines[-1] == b""
    assert columns["crc32"] == zlib.crc32(data[len(head) + 1:])
    assert [json.loads(line) for line in lines[:-1]] == rows


def test_summaries_are_found_by_id_and_by_handle_and_listed_by_position():
    file = Summaries.of(sort_newest_first([summary(n, DATES[n % 4], f"t{n}", ["Ada", "bo"][n % 2]) for n in range(9)]))
    assert file.get("t4") == summary(4, DATES[0], "t4", "Ada") and file.get("nope") is None
    assert [i for i, handle in zip(file.ids, file.handles) if handle == "ada"] == [i for i in file.ids
                                                                                   if int(i[1:]) % 2 == 0]
    assert position_of(file, file.ids[5]) == 5 and position_of(list(file), file.ids[5]) == 5
    assert ids_of(file) == ids_of(list(file)) == file.ids
    assert file[-1] == file[len(file) - 1] and file[2:4] == [file[2], file[3]]
    with pytest.raises(IndexError):
        file[len(file)]


def _file(rows: list[dict]) -> bytes:
    return b"".join(Summaries.of(rows).file())


def _with_columns(data: bytes, **changes: object) -> bytes:
    head, body = data.split(b"\n", 1)
    return orjson.dumps({**json.loads(head), **changes}) + b"\n" + body


GOOD = _file([summary(1, "2021", "one"), summary(2, "2020", "two")])
DAMAGED = {
    "empty columns line": b"\n" + GOOD.split(b"\n", 1)[1],
    "another format": _with_columns(GOOD, format="threads-tui summaries 2"),
    "a byte changed": GOOD.replace(b'"one"', b'"onf"'),
    "cut short": GOOD[:-5],
    "a line added": GOOD + b'{"id":"t3"}\n',
    "columns of other lengths": _with_columns(GOOD, ids=["t1"]),
    "lengths that do not add up": _with_columns(GOOD, lengths=[10, 20]),
    "lengths that cut a line": _with_columns(GOOD, lengths=[int(n) for n in (40, len(GOOD.split(b"\n", 1)[1]) - 40)]),
    "a length that is no number": _with_columns(GOOD, lengths=["x", 1]),
    "a line of no length": _with_columns(GOOD, lengths=[0, len(GOOD.split(b"\n", 1)[1])]),
    "a length below nothing": _with_columns(GOOD, lengths=[-1, len(GOOD.split(b"\n", 1)[1]) + 1]),
    "an id that is no text": _with_columns(GOOD, ids=[1, 2]),
    "a post count that is no number": _with_columns(GOOD, counts=[1, "2"]),
    "a date flag that is no flag": _with_columns(GOOD, dated=[True, 1]),
    "a column missing": _with_columns(GOOD, names=None),
    "no columns at all": b'{"id":"t1"}',
}


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_file_is_refused(kind, tmp_path):
    with pytest.raises(ValueError):
        Summaries.parse(DAMAGED[kind])
    (tmp_path / "s.1.summaries").write_bytes(DAMAGED[kind])
    with pytest.raises(ValueError):
        Summaries.read(tmp_path / "s.1.summaries")


def test_a_file_read_from_disk_is_checked_a_piece_at_a_time_and_gives_what_it_holds(tmp_path, monkeypatch):
    import tui.summary_file

    monkeypatch.setattr(tui.summary_file, "_PIECE", 7)  # lines end in every place a piece can cut them
    rows = sort_newest_first(summary(n, DATES[n % 6], f"title {n} ✓" * (n % 3)) for n in range(50))
    (tmp_path / "s.1.summaries").write_bytes(_file(rows))
    assert list(Summaries.read(tmp_path / "s.1.summaries")) == rows
    damaged = _with_columns(_file(rows), lengths=[len(Summaries.of(rows).line(n)) + (n == 20) - (n == 21)
                                                  for n in range(50)])
    (tmp_path / "s.1.summaries").write_bytes(damaged)
    with pytest.raises(ValueError, match="disagree"):
        Summaries.read(tmp_path / "s.1.summaries")


def test_summaries_read_before_a_commit_elsewhere_stay_readable_after_it_removed_their_file(db_path):
    Library.open(db_path).add_threads([Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(3)])
    reader, unread = Library.open(db_path), Library.open(db_path)
    reader.summaries()
    old_file = summaries_path(db_path)
    Library.open(db_path).add_threads([Thread(posts=[Post("one more")], author_handle="bo")])
    assert not old_file.exists()
    assert sorted(s["title"] for s in reader.summaries()) == ["thread 0", "thread 1", "thread 2"]
    assert reader.reload_if_changed() and len(reader.summaries()) == 4
    # A reader that had not read them yet reads the library as it is now, not the file it named.
    assert sorted(s["title"] for s in unread.summaries()) == ["one more", "thread 0", "thread 1", "thread 2"]


@pytest.mark.parametrize("kind", ["a byte changed", "cut short", "lengths that cut a line"])
def test_a_library_with_a_damaged_summaries_file_says_which_file_and_keeps_it(db_path, kind):
    Library.open(db_path).add_threads([Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(2)])
    path = summaries_path(db_path)
    damaged = Summaries.parse(path.read_bytes())  # made like the damage above, from this library's own file
    data = {"a byte changed": lambda d: d.replace(b'"thread 0"', b'"thread 9"'), "cut short": lambda d: d[:-5],
            "lengths that cut a line": lambda d: _with_columns(d, lengths=[40, len(d.split(b"\n", 1)[1]) - 40])}[kind](
        b"".join(damaged.file()))
    path.write_bytes(data)
    library = Library.open(db_path)  # the summaries are read when first asked for
    with pytest.raises(LibraryError, match=f"cannot read library {path}: the library is damaged"):
        library.summaries()
    assert path.read_bytes() == data


def test_a_missing_summaries_file_is_told(db_path):
    Library.open(db_path).add_threads([Thread(posts=[Post("one")], author_handle="ada")])
    summaries_path(db_path).unlink()
    with pytest.raises(LibraryError, match="its summaries file is missing"):
        len(Library.open(db_path))


def test_a_commit_copies_the_summaries_it_keeps_as_their_lines(db_path):
    library = Library.open(db_path)
    library.add_threads([Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(5)])
    before = Summaries.parse(summaries_path(db_path).read_bytes())
    lines = {thread_id: bytes(before.line(n)) for n, thread_id in enumerate(before.ids)}
    library.add_threads([Thread(posts=[Post("one more")], author_handle="bo")])
    after = Summaries.parse(summaries_path(db_path).read_bytes())
    assert len(after) == 6 and all(bytes(after.line(after.ids.index(i))) == line for i, line in lines.items())
    assert not (db_path.parent / "library.json.posts" / f"s.{1}.summaries").exists()  # the superseded file went


def test_a_line_that_is_not_the_summary_its_columns_name_is_listed_as_damaged_not_a_crash(db_path, cli):
    Library.open(db_path).add_threads([Thread(posts=[Post(f"thread {n}")], author_handle="ada") for n in range(3)])
    path = summaries_path(db_path)
    file = Summaries.parse(path.read_bytes())
    lines = [bytes(file.line(n)) for n in range(3)]
    lines[0], lines[1] = b"garbage\n", lines[2]  # not JSON; another thread's summary
    head = json.loads(path.read_bytes().split(b"\n", 1)[0])
    body = b"".join(lines)
    head |= {"crc32": zlib.crc32(body), "lengths": [len(line) for line in lines]}
    path.write_bytes(orjson.dumps(head) + b"\n" + body)  # rewritten by hand, its checksum made again
    library = Library.open(db_path)
    shown = list(library.summaries())
    assert [s["id"] for s in shown] == file.ids
    assert [s.get("damaged", False) for s in shown] == [True, True, False]
    assert shown[0]["title"] == DAMAGED_TITLE and shown[0]["author_handle"] == "ada"
    listed = cli("list")
    assert listed.code == 0 and listed.out.count("summary is damaged") == 2
    # Their posts are whole: importing them again mends their summaries.
    counts = library.add_threads([Thread(posts=library.thread(i).posts, author_handle="ada") for i in file.ids[:2]])
    assert counts.unchanged == file.ids[:2]
    def without_added(summaries):  # the time it was added went with the damage: it is the mending's now
        return [{key: value for key, value in s.items() if key != "added_at"} for s in summaries]

    assert without_added(Library.open(db_path).summaries()) == without_added(file)


def test_a_file_written_again_under_its_name_is_a_new_file_not_the_mapped_one_rewritten(tmp_path):
    from tui.storage import write_new_file

    path = tmp_path / "s.1.summaries"
    write_new_file(path, b"".join(Summaries.of([summary(1, "2021", "first")]).file()))
    mapped = Summaries.read(path)
    write_new_file(path, [b"something else entirely\n"])
    assert mapped[0]["title"] == "first"


def test_a_filter_of_a_librarys_summaries_gives_a_view_of_them_not_parsed_copies():
    from tui.finding import Marks, PostsFound, threads_matching
    from tui.query import parse

    file = Summaries.of(sort_newest_first(summary(n, DATES[n % 7], f"t{n}", ["ada", "bo"][n % 2]) for n in range(20)))
    marks = Marks(states={file.ids[3]: {"read": True}})
    unread = threads_matching(parse("is:unread from:bo"), file, marks, PostsFound({}, {}))
    assert isinstance(unread, Summaries)
    assert unread.ids == [i for n, i in enumerate(file.ids) if file.handles[n] == "bo" and n != 3]
    listed = threads_matching(parse("is:unread from:bo"), list(file), marks, PostsFound({}, {}))
    assert [s["id"] for s in listed] == unread.ids


def test_a_filter_of_fields_reads_no_summary_but_those_it_asks_more_of(monkeypatch):
    from tui.finding import Marks, PostsFound, threads_matching
    from tui.query import parse

    rows = sort_newest_first(summary(n, DATES[n % 7], f"t{n}", ["ada", "bo"][n % 2]) for n in range(40))
    file = Summaries.of(rows)
    marks = Marks(states={file.ids[3]: {"read": True}, file.ids[4]: {"bookmarked": True}})
    expected = {query: [s["id"] for s in threads_matching(parse(query), rows, marks, PostsFound())]
                for query in ("from:bo since:2021 is:unread", "until:2020-12 -is:bookmarked", "is:read OR from:ada")}
    read: list[int] = []
    parse_line = Summaries.__getitem__

    def reading(self, index):
        read.append(index)
        return parse_line(self, index)

    monkeypatch.setattr(Summaries, "__getitem__", reading)
    for query, ids in expected.items():
        assert threads_matching(parse(query), file, marks, PostsFound()).ids == ids
    assert read == []
    assert [s["id"] for s in threads_matching(parse("is:preview"), file, marks, PostsFound())] == []
    assert len(read) == len(file)  # whether it is complete is in its line: each read once


TITLE_PIECES = ["river", "Bridge", "RIVER-bridge", "é", "Straße", "a\nb", 'say "hi"', "back\\slash", "@ada", "#tag",
                "\x01x", "tab\there", "  ", "ｆｕｌｌ", "KELVIN \u212a", "…", "ﬁre", "ſtrong"]
QUERY_WORDS = ["river", "bridge", "b", "ada", "@ada", "#tag", "tag", "hi", '"a b"', "slash", "x", "k", "ss",
               "strasse", "tab", "full", "é", '"say hi"', "-river", "river OR hi", "from:ada river", "fire", "strong",
               "u0001", "n"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TITLE_PIECES), max_size=4).map(" ".join), min_size=1, max_size=12),
       st.sampled_from(QUERY_WORDS))
def test_a_filter_of_words_finds_in_a_librarys_summaries_what_it_finds_in_the_summaries_themselves(titles, query):
    from tui.finding import Marks, PostsFound, threads_matching
    from tui.query import parse

    rows = sort_newest_first({**summary(n, DATES[n % 7], title, [None, "ada", "Bo"][n % 3]),
                              "author_name": ["Ada Ríver", None, "bridge"][n % 3]} for n, title in enumerate(titles))
    node, marks = parse(query), Marks(tags={f"t{n}": ["tag"] for n in range(0, len(rows), 2)})
    found = PostsFound({"river": {"t1"}})  # the posts of one thread hold "river"
    expected = [s["id"] for s in threads_matching(node, rows, marks, found)]
    assert threads_matching(node, Summaries.of(rows), marks, found).ids == expected


def test_a_filter_of_one_word_reads_only_the_lines_that_hold_it(monkeypatch):
    from tui.finding import Marks, PostsFound, threads_matching
    from tui.query import parse

    file = Summaries.of(sort_newest_first(summary(n, DATES[n % 7], f"title {n}" + (" zebra" if n % 10 == 0 else ""))
                                          for n in range(50)))
    read: list[int] = []
    parse_line = Summaries.__getitem__
    monkeypatch.setattr(Summaries, "__getitem__", lambda self, index: read.append(index) or parse_line(self, index))
    assert len(threads_matching(parse("zebra"), file, Marks(), PostsFound())) == 5
    assert len(read) == 5


def test_the_characters_that_casefold_to_ascii_are_those_this_python_knows():
    from tui.summary_file import FOLDING_TO_ASCII

    known = "".join(c for c in map(chr, range(0x80, 0x110000)) if any(ord(x) < 128 for x in c.casefold()))
    assert FOLDING_TO_ASCII == known


def test_updated_summaries_are_those_a_whole_file_of_them_would_hold():
    made = [summary(n, DATES[n % len(DATES)], f"title {n}") for n in range(40)]
    ordered = sort_newest_first(made)
    summaries = Summaries.parse(b"".join(Summaries.of(ordered).file()))
    changed = {**made[7], "title": "title 7, again"}
    incoming = [summary(n, DATES[n % len(DATES)], f"title {n}") for n in range(40, 46)] + [changed]
    gone = {made[3]["id"], made[20]["id"], "not here"}

    updated = summaries.updated(gone, incoming)
    twice = updated.updated({incoming[0]["id"]}, [summary(50, DATES[0], "title 50")])

    expected = sort_newest_first([one for one in made if one["id"] not in gone | {changed["id"]}] + incoming)
    assert list(updated) == expected and updated.ids == [one["id"] for one in expected]
    assert list(Summaries.parse(b"".join(updated.file()))) == expected  # its lines written as the file holds them
    expected_twice = sort_newest_first([one for one in expected if one["id"] != incoming[0]["id"]]
                                       + [summary(50, DATES[0], "title 50")])
    assert list(twice) == expected_twice and list(Summaries.parse(b"".join(twice.file()))) == expected_twice


def test_a_journal_applied_to_its_file_gives_the_summaries_its_commits_left():
    made = [summary(n, DATES[n % len(DATES)], f"title {n}") for n in range(10)]
    base = Summaries.of(sort_newest_first(made))
    back = summary(11, DATES[1], "title 11")
    journal = (journal_record([], [summary(10, DATES[0], "title 10"), back])
               + journal_record({made[2]["id"], back["id"]}, [])
               + journal_record([], [{**made[4], "title": "title 4, again"}, back]))

    applied = with_journal(base, journal)

    assert list(applied) == sort_newest_first(
        [one for one in made if one["id"] not in {made[2]["id"], made[4]["id"]}]
        + [summary(10, DATES[0], "title 10"), {**made[4], "title": "title 4, again"}, back])
    assert with_journal(base, b"") is base
    for bad in (b'{"gone": "abc"}\n', b'{"gone": [1]}\n', b'{"title": "no id"}\n', b"not json\n"):
        with pytest.raises(ValueError):
            with_journal(base, bad)


@pytest.mark.parametrize("damage", [{"title": 5}, {"post_count": None}, {"date": "yesterday"}])
def test_summaries_are_placed_among_a_line_that_parses_but_is_damaged_as_among_its_stand_in(damage):
    made = [summary(n, DATES[n % len(DATES)], f"title {n}") for n in range(12)]
    ordered = sort_newest_first(made)
    lines = [orjson.dumps(one) + b"\n" for one in ordered]
    lines[4] = orjson.dumps({**ordered[4], **damage}) + b"\n"  # its id still right
    head = {"format": FORMAT, "crc32": zlib.crc32(b"".join(lines)), "lengths": list(map(len, lines)),
            **{name: getattr(Summaries.of(ordered), name) for name in
               ("ids", "handles", "names", "counts", "added", "dated", "dates")}}
    summaries = Summaries.parse(orjson.dumps(head) + b"\n" + b"".join(lines))
    assert summaries[4]["damaged"]
    incoming = [summary(100 + n, DATES[n % len(DATES)], f"new {n}") for n in range(5)]

    for added in (incoming[:1], incoming):  # by halving, and by walking
        result = summaries.updated(set(), added)

        # No crash: the stored keep their order, the new theirs, each placed among the stored.
        new_ids = {one["id"] for one in added}
        assert [i for i in ids_of(result) if i not in new_ids] == summaries.ids
        assert [i for i in ids_of(result) if i in new_ids] == [one["id"] for one in sort_newest_first(added)]
        assert result[ids_of(result).index(ordered[4]["id"])]["damaged"]
