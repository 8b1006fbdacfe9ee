"""Quote, keep and share in the reader: select posts, copy them as a cited quote, keep a highlight with
a note, tag a thread (and show one tag's threads), and open a highlight from the highlights view."""

from __future__ import annotations

import json

from tui.library import Library
from tui.screens.keep import HighlightsScreen, NoteScreen, TagsScreen
from tui.user_data import UserData
from tui.widgets.reading_pane import ThreadView

from .test_reader import WIDE, make_app, sample_db, settle  # noqa: F401 (sample_db is a fixture)


def marks(app) -> list[str]:
    """The post number lines of the reading pane, with what follows them."""
    view = app.screen.query_one(ThreadView)
    return [view._lines[start][0].plain + view._marks(index) for index, start in enumerate(view._post_starts)]


async def test_v_and_j_select_posts_and_y_copies_them_as_a_cited_quote(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "v", "j", "y")
        await settle(pilot)
        lines = app.clipboard.splitlines()
        assert lines[0].startswith("> The starter matters less than you think.")
        assert ">" in lines and lines[-1] == "— Mira Holt (@mira_bakes), 15 Oct 2021, posts 2–3 of 7"
        assert any("Copied posts 2–3 as a quote" in n.message for n in app._notifications)
        assert app.screen.query_one(ThreadView).selection_start is None  # the selection is done with
        await pilot.press("y")  # no selection: the current post
        await settle(pilot)
        assert app.clipboard.splitlines()[-1] == "— Mira Holt (@mira_bakes), 15 Oct 2021, post 3 of 7"


async def test_a_selection_is_marked_and_v_drops_it(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "v", "j", "j")
        await settle(pilot)
        assert [line.endswith("◆ selected") for line in marks(app)] == [True, True, True, False, False, False, False]
        await pilot.press("v")
        assert not any("selected" in line for line in marks(app))


async def test_H_keeps_a_highlight_with_a_note_marked_and_kept_after_a_restart(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "v", "j", "H")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"my kit", "enter")
        await settle(pilot)
        assert any("Kept posts 2–3 as a highlight with a note." in n.message for n in app._notifications)
        assert [line.endswith("✎ highlighted") for line in marks(app)][:4] == [False, True, True, False]
    (kept,) = UserData(Library.open(sample_db)).highlights()
    assert kept.note == "my kit" and len(kept.posts) == 2
    async with make_app(sample_db).run_test(size=WIDE) as pilot:  # a restart
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert [line.endswith("✎ highlighted") for line in marks(pilot.app)][:4] == [False, True, True, False]


async def test_esc_in_the_note_keeps_no_highlight(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "H", *"never mind", "escape")
        await settle(pilot)
        assert UserData(Library.open(sample_db)).highlights() == []
        assert not any("highlighted" in line for line in marks(app))


async def test_t_adds_and_removes_tags_with_completion_and_the_header_and_filter_show_them(sample_db):
    library = Library.open(sample_db)
    other = next(s["id"] for s in library.summaries() if s["author_handle"] == "theo_types")
    UserData(library).tag(other, ["terminal"])
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "t")
        await settle(pilot)
        assert isinstance(app.screen, TagsScreen)
        await pilot.press(*"baking ter")
        await pilot.pause()
        await pilot.press("tab")  # takes the suggestion from the tags in use, for the word being typed
        await pilot.press("enter")
        await settle(pilot)
        mira = app.screen.thread.id
        assert app.session.tags[mira] == ["baking", "terminal"]
        assert "#baking #terminal" in str(app.screen.query_one("#thread-header").render())
        list_row = app.screen.query_one("#thread-list").format_item(
            next(s for s in app.library.summaries() if s["id"] == mira), 60)[1].plain
        assert list_row.rstrip() == "   @mira_bakes · 15 Oct 2021  #baking #terminal"
        await pilot.press("t", *"-terminal", "enter")
        await settle(pilot)
        assert app.session.tags[mira] == ["baking"]
        await pilot.press("shift+tab", "f", *"#baking", "enter")
        await settle(pilot)
        title = app.screen.query_one("#list-pane").border_title
        assert title.startswith("1 of ") and title.endswith(": #baking")
        assert UserData(Library.open(sample_db)).tags(mira) == ["baking"]


async def test_K_lists_highlights_and_enter_opens_one_at_its_place(sample_db):
    library = Library.open(sample_db)
    theo = library.thread(next(s["id"] for s in library.summaries() if s["author_handle"] == "theo_types"
                               and s["complete"]))
    UserData(library).add_highlight(theo, [3, 4], "grep tricks")
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, HighlightsScreen)
        option = app.screen.query_one("#highlights-list").get_option_at_index(0)
        assert str(option.prompt).endswith("· posts 4–5\n  grep tricks")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.thread.id == theo.id
        assert app.screen.query_one(ThreadView).current == 3


async def test_a_tag_added_by_another_process_shows_without_a_restart(sample_db, cli):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        mira = app.screen.thread.id
        assert cli("tag", mira, "fromcli").code == 0
        app.check_library()
        await settle(pilot)
        assert app.session.tags.get(mira) == ["fromcli"]
        assert "#fromcli" in str(app.screen.query_one("#thread-header").render())
    listed = json.loads(cli("list", "--json", "--tag", "fromcli").out)  # (the reader held stdout till now)
    assert [t["id"] for t in listed] == [mira]


async def test_d_in_the_highlights_view_removes_one(sample_db):
    library = Library.open(sample_db)
    theo = library.thread(next(s["id"] for s in library.summaries() if s["author_handle"] == "theo_types"
                               and s["complete"]))
    UserData(library).add_highlight(theo, [0], "first")
    UserData(library).add_highlight(theo, [2], "third")
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        assert any(n.message == "Highlight removed." for n in app._notifications)
        assert [h.note for h in app.session.highlights] == ["first"]
    assert [h.note for h in UserData(Library.open(sample_db)).highlights()] == ["first"]


async def test_the_reading_panes_footer_shows_the_keep_keys_where_it_has_room(sample_db):
    from .test_reader import footer_keys

    for size, shown in (((120, 40), True), ((80, 24), False)):
        app = make_app(sample_db)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            keys = footer_keys(app)
            assert ("v Select" in keys and "H Highlight" in keys and "t Tags" in keys) is shown, keys
            assert {"c", "C", "y", "Copy"} <= set(keys)
            await pilot.press("v", "j", "y")  # the keys act at every width
            await settle(pilot)
            assert app.clipboard.splitlines()[-1].endswith("posts 1–2 of 7")


async def test_the_theme_chosen_is_remembered_at_the_next_start(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.theme != "solarized-light"
        app.theme = "solarized-light"  # as the palette's theme picker sets it
        await settle(pilot)
    assert UserData(Library.open(sample_db)).setting("theme") == "solarized-light"
    again = make_app(sample_db)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert again.theme == "solarized-light"


async def test_O_tells_where_the_current_post_came_from(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "j", "O")
        await settle(pilot)
        (told,) = [n.message for n in app._notifications if n.message.startswith("Post ")]
        lines = told.splitlines()
        assert lines[0] == "Post 2/7"
        assert lines[1].startswith("captured in: ") and lines[1].endswith("samples/threadreader/mira-sourdough.txt")


async def test_search_hits_number_a_previews_posts_against_the_whole_thread(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"pentosans")  # in the Rye preview: 2 of its 6 tweets
        await settle(pilot)
        hits = app.screen.query_one("HitList")
        assert hits.format_item(hits.items[0], 80)[0].plain.startswith("2/6 · @mira_bakes · Rye is not wheat")


async def test_keys_typed_after_K_land_in_the_highlights_view(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("K", "C")  # one burst: C is no key of the view, so nothing is copied
        await settle(pilot)
        assert isinstance(app.screen, HighlightsScreen)
        assert app.clipboard == ""
