"""Issue 16's tidying in the reader and the CLI: delete and undo, the unread flow, sorting."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tui.library import Library
from tui.model import Post, Thread
from tui.screens.confirm import ConfirmScreen
from tui.screens.sort_picker import SortScreen
from tui.finding import search_library
from tui.sorting import sort_summaries
from tui.user_data import UserData
from tui.widgets.author_list import AuthorList
from tui.widgets.reading_pane import ThreadView
from tui.widgets.thread_list import ThreadList

from .test_key_bursts import burst, settle as burst_settle
from .test_reader import WIDE, make_app, settle, sample_db  # noqa: F401  (sample_db: a fixture)
from .summary_files import read_summaries, write_summaries


def list_ids(app) -> list[str]:
    return [item["id"] for item in app.screen.query_one(ThreadList).items]


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]


# -- delete ---------------------------------------------------------------------


async def test_d_asks_naming_the_thread_then_deletes_it_everywhere(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        ids = list_ids(app)
        victim = app.screen.query_one(ThreadList).current
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert victim["title"][:30] in app.screen.question and "@" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert victim["id"] not in list_ids(app)
        assert list_ids(app) == [i for i in ids if i != victim["id"]]
        assert app.screen.thread is not None and app.screen.thread.id == ids[1]  # the next one opens
        assert any("Deleted" in text and "z to undo" in text for text in notifications(app))
        assert all(item["id"] != victim["id"] for item in app.screen.query_one(AuthorList).items)
    library = Library.open(sample_db)
    assert library.summary(victim["id"]) is None and library.thread(victim["id"]) is None
    assert all(hit.thread_id != victim["id"] for hit in search_library(library, victim["title"].split()[0]))


async def test_d_answered_no_keeps_the_thread(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        ids = list_ids(app)
        await pilot.press("d", "n")
        await settle(pilot)
        assert list_ids(app) == ids
    assert len(Library.open(sample_db)) == len(ids)


async def test_d_in_the_reading_pane_deletes_the_open_thread(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one(ThreadView)
        open_id = app.screen.thread.id
        await pilot.press("j", "j")  # read on: a position the thread is left at
        await settle(pilot)
        await pilot.press("d", "enter")
        await settle(pilot)
        assert open_id not in list_ids(app)
        assert app.session.state(open_id) == {}  # the thread opened next does not keep its position
    library = Library.open(sample_db)
    assert library.summary(open_id) is None
    assert open_id not in UserData(library).states()


async def test_z_undoes_the_delete_with_reading_state_and_user_data(sample_db: Path):
    library = Library.open(sample_db)
    victim = library.summaries()[0]["id"]
    UserData(library).tag(victim, ["keep"])
    UserData(library).set_state(victim, bookmarked=True, position=2)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.screen.query_one(ThreadList).focus()
        app.screen.thread_list.select(0)
        await settle(pilot)
        await pilot.press("d", "y")
        await settle(pilot)
        assert victim not in list_ids(app)
        assert UserData(Library.open(sample_db)).tags(victim) == []
        await pilot.press("z")
        await settle(pilot)
        assert victim in list_ids(app)
        assert app.screen.thread.id == victim
        assert app.focused is app.screen.query_one(ThreadList)  # z leaves focus where d was pressed
        assert app.screen.thread_list.current["id"] == victim
        assert app.session.states[victim]["bookmarked"] is True
        await pilot.press("z")
        await settle(pilot)
        assert any("Nothing to undo" in text for text in notifications(app))
    library = Library.open(sample_db)
    assert library.thread(victim) is not None
    assert UserData(library).state(victim)["bookmarked"] is True and UserData(library).state(victim)["position"] == 2
    assert UserData(library).tags(victim) == ["keep"]


def test_a_deleted_thread_stays_gone_after_reopening_and_another_writer(sample_db: Path):
    stale = Library.open(sample_db)  # opened before the delete, writes after it
    stale.summaries()
    deleter = Library.open(sample_db)
    victim, other = [doc["id"] for doc in deleter.summaries()[:2]]
    deleter.delete_threads([victim])
    UserData(stale).set_states({other: {"read": True}})
    stale.add_threads([Thread(posts=[Post("A thread imported by another process.")], author_handle="other")])
    reopened = Library.open(sample_db)
    assert reopened.summary(victim) is None and reopened.thread(victim) is None
    assert victim not in UserData(reopened).states()
    assert UserData(reopened).state(other)["read"] is True
    assert all(thread.id != victim for thread in reopened.iter_threads())
    assert len(reopened) == len(deleter.summaries()) + 1


def test_a_delete_that_cannot_be_written_leaves_the_library_and_user_data_as_they_were(sample_db: Path):
    """A full disk (a file size limit) during the delete's commit: one line, exit 1, nothing changed."""
    from .safety_helpers import library_files, run_cli, temp_files
    from .test_crash_safety import _limit_file_size

    library = Library.open(sample_db)
    victim = library.summaries()[0]["id"]
    UserData(library).tag(victim, ["keep"])
    before = library_files(sample_db)
    done = run_cli(sample_db, "delete", victim, preexec_fn=_limit_file_size(512))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"threads-tui: could not write library {sample_db}: File too large; "
                                        "it was left as it was"]
    assert library_files(sample_db) == before and temp_files(sample_db) == []
    assert Library.open(sample_db).thread(victim) is not None
    assert UserData(Library.open(sample_db)).tags(victim) == ["keep"]


def test_delete_an_unknown_id_removes_nothing(sample_db: Path):
    library = Library.open(sample_db)
    count = len(library)
    try:
        library.delete_threads([library.summaries()[0]["id"], "nope"])
    except Exception as error:  # noqa: BLE001
        assert "nope" in str(error)
    else:
        raise AssertionError("an unknown id must fail")
    assert len(Library.open(sample_db)) == count


def test_cli_delete_prints_what_it_deleted_and_export_leaves_it_out(sample_db: Path, cli, tmp_path: Path):
    library = Library.open(sample_db)
    victim = library.summaries()[0]
    word = "sourdough"
    assert victim["title"].startswith("I baked one sourdough")
    assert any(line.startswith(victim["id"]) for line in cli("search", word).out.splitlines())
    result = cli("delete", victim["id"][:12])
    assert result.code == 0, result.err
    assert f"Deleted {victim['id']}" in result.out and victim["title"][:20] in result.out
    listed = json.loads(cli("list", "--json").out)
    assert victim["id"] not in [doc["id"] for doc in listed]
    assert cli("show", victim["id"]).code == 1
    assert not any(line.startswith(victim["id"]) for line in cli("search", word).out.splitlines())
    out = tmp_path / "out"
    assert cli("export", "--out", out).code == 0
    assert not any(victim["title"][:15] in path.read_text() for path in out.iterdir())


def test_cli_delete_unknown_id_fails_and_deletes_nothing(sample_db: Path, cli):
    count = len(Library.open(sample_db))
    first = Library.open(sample_db).summaries()[0]["id"]
    result = cli("delete", first, "no-such-thread")
    assert result.code == 1
    assert "no thread with id 'no-such-thread'" in result.err
    assert len(Library.open(sample_db)) == count


# -- unread flow ------------------------------------------------------------------


async def test_u_toggles_read_on_the_selected_thread(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        selected = app.screen.query_one(ThreadList).current["id"]
        assert not app.session.states.get(selected, {}).get("read")
        await pilot.press("u")
        await settle(pilot)
        assert app.session.states[selected]["read"] is True
        await pilot.press("u")
        await settle(pilot)
        assert app.session.states[selected]["read"] is False
    assert UserData(Library.open(sample_db)).state(selected)["read"] is False


async def test_M_marks_every_shown_thread_read_after_asking_with_the_count(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        shown = list_ids(app)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"{len(shown)} unread threads" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert all(app.session.states[thread_id]["read"] for thread_id in shown)
        await pilot.press("M")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert [notice.message for notice in app._notifications][-1] == "Every thread shown is read already."
        await pilot.press("f", *"nosuchwordanywhere", "enter", "M")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert [notice.message for notice in app._notifications][-1] == "No threads shown: nothing to mark."
    library = Library.open(sample_db)
    assert all(UserData(library).state(thread_id).get("read") for thread_id in shown)


async def test_J_opens_the_next_unread_thread_wrapping(sample_db: Path):
    library = Library.open(sample_db)
    ids = [doc["id"] for doc in library.summaries()]
    UserData(library).set_states({ids[1]: {"read": True}, ids[2]: {"read": True}})
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert app.screen.thread.id == ids[3]
        assert app.focused is app.screen.query_one(ThreadView)
        assert app.session.states[ids[3]]["read"] is True
        for _ in range(len(ids)):
            await pilot.press("J")
            await settle(pilot)
        assert all(app.session.states.get(thread_id, {}).get("read") for thread_id in ids[1:])
        assert any("No other unread thread" in text for text in notifications(app))


async def test_U_shows_unread_threads_only_and_says_so(sample_db: Path):
    library = Library.open(sample_db)
    ids = [doc["id"] for doc in library.summaries()]
    UserData(library).set_states({ids[1]: {"read": True}})
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        assert ids[1] not in list_ids(app) and ids[2] in list_ids(app)
        assert str(app.screen.query_one("#list-pane").border_title).startswith("Unread (")
        await pilot.press("U")
        await settle(pilot)
        assert list_ids(app) == ids
        assert str(app.screen.query_one("#list-pane").border_title).startswith("Threads (")


async def test_U_lists_a_thread_read_until_the_cursor_leaves_it(sample_db: Path):
    library = Library.open(sample_db)
    ids = [doc["id"] for doc in library.summaries()]
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        title = str(app.screen.query_one("#list-pane").border_title)
        assert title.startswith(f"Unread ({len(ids)})"), title
        await pilot.press("enter")  # opens and reads the first
        await settle(pilot)
        assert app.session.states[ids[0]]["read"] is True and list_ids(app) == ids  # still listed: it is being read
        await pilot.press("h", "j")  # back to the list, and on to the next
        await settle(pilot)
        assert list_ids(app) == ids[1:] and app.screen.query_one(ThreadList).current["id"] == ids[1]
        assert str(app.screen.query_one("#list-pane").border_title).startswith(f"Unread ({len(ids) - 1} of {len(ids)})")


async def test_j_at_the_last_post_offers_then_opens_the_next_unread(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        first = app.screen.thread.id
        await pilot.press("enter", "G")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert app.screen.thread.id == first
        assert any("end of thread — j again opens the next unread" in text.lower() for text in notifications(app))
        await pilot.press("j")
        await settle(pilot)
        assert app.screen.thread.id != first
        assert app.screen.thread.id == list_ids(app)[1]


def footer_keys(app) -> list[str]:
    return [str(key.description) for key in app.screen.query("FooterKey")]


async def test_the_footer_says_j_j_opens_the_next_unread_at_the_last_post_only(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Next unread" not in footer_keys(app)
        await pilot.press("G")
        await settle(pilot)
        assert "Next unread" in footer_keys(app)
        await pilot.press("k")
        await settle(pilot)
        assert "Next unread" not in footer_keys(app)
        await pilot.resize_terminal(80, 24)
        await pilot.press("G")
        await settle(pilot)
        assert "Next unread" not in footer_keys(app)  # no room: Help and Quit stay
        assert {"Help", "Quit"} <= set(footer_keys(app))


# -- sort -----------------------------------------------------------------------------


async def test_S_sorts_by_the_order_picked_and_remembers_it(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        newest = list_ids(app)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, SortScreen)
        await pilot.press("j", "enter")  # oldest first
        await settle(pilot)
        assert app.session.sort_order == "oldest"
        assert "oldest first" in str(app.screen.query_one("#list-pane").border_title)
        oldest = [doc["id"] for doc in sort_summaries(app.library.summaries(), "oldest")]
        assert list_ids(app) == oldest != newest
    assert UserData(Library.open(sample_db)).setting("sort") == "oldest"
    again = make_app(sample_db)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert again.session.sort_order == "oldest"
        assert list_ids(again) == [doc["id"] for doc in sort_summaries(again.library.summaries(), "oldest")]


async def test_a_bookmark_shows_in_the_list_after_the_users_file_was_read_again(sample_db: Path):
    """Choosing an order writes the user's file, which the reader then reads again: the list's marks
    follow the reading state read then, not the one before."""
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        thread_list = app.screen.query_one(ThreadList)
        thread_list.focus()
        await pilot.press("S", "j", "enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.session.state(thread_list.current["id"]).get("bookmarked")
        row = thread_list.render_line(thread_list.cursor * 2 - int(thread_list.scroll_y)).text
        assert row.lstrip().startswith("★"), row


async def test_palette_sort_commands_sort_the_list(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Sort: newest first", "Sort: oldest first", "Sort: by author", "Sort: longest first",
                "Sort: recently added"} <= commands.keys()
        commands["Sort: longest first"].callback()
        await settle(pilot)
        counts = [item["post_count"] for item in app.screen.query_one(ThreadList).items]
        assert counts == sorted(counts, reverse=True)
        commands["Sort: by author"].callback()
        await settle(pilot)
        handles = [item.get("author_handle").casefold() for item in app.screen.query_one(ThreadList).items]
        assert handles == sorted(handles)


# -- list --sort and added_at ------------------------------------------------------------


def test_cli_list_sort_orders(cli):
    from .conftest import SAMPLES

    assert cli("import", SAMPLES / "threadreader").code == 0
    assert cli("import", SAMPLES / "bluesky").code == 0  # added later: first in `added`
    listed = {order: json.loads(cli("list", "--json", "--sort", order).out)
              for order in ("newest", "oldest", "author", "longest", "added")}
    assert listed["newest"] == json.loads(cli("list", "--json").out)
    dated = [doc["id"] for doc in listed["newest"] if doc["date"]]
    assert [doc["id"] for doc in listed["oldest"] if doc["date"]] == dated[::-1]
    handles = [doc["author_handle"].casefold() for doc in listed["author"]]
    assert handles == sorted(handles)
    counts = [doc["post_count"] for doc in listed["longest"]]
    assert counts == sorted(counts, reverse=True) and counts != [d["post_count"] for d in listed["newest"]]
    assert listed["added"][0]["author_handle"].startswith("nadia")
    text = cli("list", "--sort", "oldest").out.splitlines()
    assert text[0].startswith(listed["oldest"][0]["id"])
    bad = cli("list", "--sort", "sideways")
    assert bad.code == 2 and "invalid choice" in bad.err


def test_added_at_is_kept_at_import_and_old_libraries_sort_after(cli, db_path: Path):
    from .conftest import SAMPLES

    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    first = Library.open(db_path).summaries()[0]
    stamp = first["added_at"]
    assert isinstance(stamp, float)
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")  # again: its added time stays
    assert Library.open(db_path).summary(first["id"])["added_at"] == stamp
    cli("import", SAMPLES / "threadreader")
    # A library written before added_at was kept: take it out of two summaries.
    summaries = read_summaries(db_path)
    old = [doc for doc in summaries if doc["id"] != first["id"]][:2]
    for doc in old:
        del doc["added_at"]
    write_summaries(db_path, summaries)
    ordered = json.loads(cli("list", "--json", "--sort", "added").out)
    old_ids = {doc["id"] for doc in old}
    newest = [doc["id"] for doc in json.loads(cli("list", "--json").out)]
    assert [doc["id"] for doc in ordered][-2:] == [i for i in newest if i in old_ids]
    assert [doc["id"] for doc in ordered][-3] == first["id"]  # the earliest import of those dated


async def test_d_y_z_in_one_burst_undoes_the_delete(sample_db: Path, monkeypatch):
    delete = Library.delete_threads

    def slow_delete(self, thread_ids):
        time.sleep(0.3)  # a slow disk: z arrives while the delete is still being written
        return delete(self, thread_ids)

    monkeypatch.setattr(Library, "delete_threads", slow_delete)
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        ids = list_ids(app)
        burst(app, "d", "y", "z")
        await burst_settle(pilot)
        assert list_ids(app) == ids
        assert not any("Nothing to undo" in text for text in notifications(app))


async def test_search_hits_of_a_deleted_thread_are_dropped(sample_db: Path):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"the", "enter")
        await settle(pilot)
        threads_hit = {hit.thread_id for hit in app.session.hits}
        assert len(threads_hit) > 1
        victim = app.screen.thread.id
        app.screen.query_one(ThreadView).focus()
        await pilot.press("d", "y")
        await settle(pilot)
        assert victim not in {hit.thread_id for hit in app.session.hits}
        for _ in range(len(app.session.hits)):
            await pilot.press("n")
            await settle(pilot)
            assert app.screen.thread is not None and app.screen.thread.id != victim


async def test_a_hand_edited_position_that_is_no_post_number_opens_the_thread_at_its_top(sample_db: Path):
    library = Library.open(sample_db)
    first = [doc["id"] for doc in library.summaries()][0]
    UserData(library).set_states({first: {"position": "abc", "last_open": 1.0}})
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.screen.thread is not None and app.screen.thread.id == first
        assert app.screen.query_one(ThreadView).current == 0
        assert not [n for n in app._notifications if n.severity == "error"]
