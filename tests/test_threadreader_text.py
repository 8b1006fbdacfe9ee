"""The Thread Reader text importer on real-shaped pages."""

from pathlib import Path

import pytest

from tui.importers.base import ImportFailure, Source
from tui.importers.threadreader_text import ThreadReaderTextImporter
from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"


def parse(path: Path):
    return ThreadReaderTextImporter().parse(Source(str(path), path=path))


def parse_text(tmp_path: Path, text: str, name: str = "page.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse(path)


def page(body: str, header: str = "3 Mar\n5 tweets, 2 min read", more: str = "") -> str:
    return (f"Dana Example Profile picture\n{header}\n{body}\n\n• • •\n\n"
            f"Read all threads\n\n{more}\nDid Thread Reader help you today?\n")


def test_note_example_gives_exactly_what_the_note_says():
    result = parse(NOTE_EXAMPLE)
    assert result.warnings == []
    main, first_preview, second_preview = result.threads
    assert (main.author_name, main.author_handle) == ("Dana Example", "dana_example")
    assert main.date == PartialDate(None, 3, 3)
    assert (main.post_count, main.declared_count, main.complete) == (5, 5, True)
    assert main.posts[2].text == (
        "Second, my bug reports got shorter:\n\n"
        "• what I expected\n• what happened\n• the smallest input that shows it"
    )
    assert [m.kind for m in main.posts[3].media] == ["image", "image"]
    assert main.posts[3].text.endswith("no single session showed me.")
    assert main.posts[0].text == (
        "I kept a paper notebook next to my keyboard for a year while debugging.\n\nHere is what changed. ↓"
    )
    assert all("Missing some Tweet" not in p.text and "Read all" not in p.text for p in main.posts)

    assert first_preview.date == PartialDate(None, 2, 28)
    assert (first_preview.post_count, first_preview.declared_count, first_preview.complete) == (2, 9, False)
    assert first_preview.author_handle == "dana_example"
    assert second_preview.date == PartialDate(None, 2, 20)
    assert (second_preview.post_count, second_preview.declared_count, second_preview.complete) == (1, 4, False)


def test_detection_is_by_content_not_name(tmp_path):
    renamed = tmp_path / "no-extension"
    renamed.write_bytes(NOTE_EXAMPLE.read_bytes())
    importer = ThreadReaderTextImporter()
    assert importer.detect(Source(str(renamed), path=renamed))
    other = tmp_path / "thread.txt"
    other.write_text("Just some notes\n5 apples, 2 pears\n")
    assert not importer.detect(Source(str(other), path=other))


@pytest.mark.parametrize("header,expected", [
    ("15 Oct, 23 tweets, 4 min read", (PartialDate(None, 10, 15), 23, 4)),
    ("Oct 15, 2021, 23 tweets, 4 min read", (PartialDate(2021, 10, 15), 23, 4)),
    ("Oct 15, 2021\n23 tweets, 4 min read", (PartialDate(2021, 10, 15), 23, 4)),
    ("15 Oct\n23 tweets, 4 min read", (PartialDate(None, 10, 15), 23, 4)),
])
def test_date_and_counts_in_every_shape(tmp_path, header, expected):
    thread = parse_text(tmp_path, page("One tweet.", header=header)).threads[0]
    assert (thread.date, thread.declared_count, thread.read_minutes) == expected


@pytest.mark.parametrize("header,date", [
    ("29 Feb\n1 tweets, 1 min read", PartialDate(None, 2, 29)),  # no year: it may be a leap year
    ("Feb 29, 2020, 1 tweets, 1 min read", PartialDate(2020, 2, 29)),
    ("31 Jan 2021\n1 tweets, 1 min read", PartialDate(2021, 1, 31)),
])
def test_real_dates_are_kept(tmp_path, header, date):
    result = parse_text(tmp_path, page("One tweet.", header=header))
    assert (result.threads[0].date, result.warnings) == (date, [])


@pytest.mark.parametrize("header,line", [
    ("Feb 30, 2021\n1 tweets, 1 min read", "Feb 30, 2021"),
    ("Feb 29, 2021, 1 tweets, 1 min read", "Feb 29, 2021, 1 tweets, 1 min read"),
    ("31 Apr\n1 tweets, 1 min read", "31 Apr"),
])
def test_a_day_the_month_lacks_leaves_the_date_unknown_and_says_so(tmp_path, header, line):
    result = parse_text(tmp_path, page("One tweet.", header=header))
    (thread,) = result.threads
    assert (thread.date, thread.declared_count, thread.read_minutes) == (None, 1, 1)
    assert [p.text for p in thread.posts] == ["One tweet."]
    assert result.warnings == [f"the date line {line!r} shows a day its month lacks: the date is left unknown"]


def test_a_preview_with_an_impossible_date_is_kept_undated(tmp_path):
    more = "More from @dana_example\n\n30 Feb\nA preview tweet.\nRead 3 tweets\n12 Feb\nAnother.\nRead 2 tweets\n"
    result = parse_text(tmp_path, page("One tweet.", header="3 Mar\n1 tweets, 1 min read", more=more))
    _, undated, dated = result.threads
    assert [(t.date, [p.text for p in t.posts], t.declared_count) for t in (undated, dated)] == [
        (None, ["A preview tweet."], 3), (PartialDate(None, 2, 12), ["Another."], 2)]
    assert result.warnings == ["the date line '30 Feb' shows a day its month lacks: the date is left unknown"]


def test_split_disagreeing_with_count_is_reported_not_hidden(tmp_path):
    result = parse_text(tmp_path, page("Only one tweet here.\nAnd a second."))
    assert result.threads[0].post_count == 2
    assert result.warnings == ["the page says 5 tweets but the text splits into 2"]


def test_numbered_threads_split_by_the_count_check():
    theo = parse(SAMPLES / "threadreader" / "theo-terminal.txt")
    assert theo.warnings == []
    main = theo.threads[0]
    assert main.post_count == main.declared_count == 6
    assert main.posts[1].text.startswith("1. tmux, always.")
    assert "Detach with prefix d" in main.posts[1].text


def test_trailing_spaces_and_lone_space_lines_are_ignored(tmp_path):
    body = "First tweet. \nSecond tweet.  \n \nstill second.\nThird. \n"
    thread = parse_text(tmp_path, page(body, header="3 Mar\n3 tweets, 1 min read")).threads[0]
    assert [p.text for p in thread.posts] == ["First tweet.", "Second tweet.\n\nstill second.", "Third."]


def test_a_line_of_only_a_space_between_tweets_is_no_break_when_the_count_says_so(tmp_path):
    body = "First tweet, followed by a lone space.\n \nSecond tweet.\nThird tweet.\n\nIts second paragraph."
    result = parse_text(tmp_path, page(body, header="3 Mar\n3 tweets, 1 min read"))
    assert result.warnings == []
    assert [p.text for p in result.threads[0].posts] == [
        "First tweet, followed by a lone space.", "Second tweet.", "Third tweet.\n\nIts second paragraph."]
    # With nothing to check against, the note's rule stands: the space line is a paragraph break.
    unchecked = parse_text(tmp_path, page(body, header="3 Mar"))
    assert [p.text for p in unchecked.threads[0].posts] == [
        "First tweet, followed by a lone space.\n\nSecond tweet.", "Third tweet.\n\nIts second paragraph."]


def test_a_space_line_after_the_last_preview_tweet_before_read_n_tweets(tmp_path):
    more = ("More from @dana_example\n\n28 Feb\nMost flaky tests were not flaky.\n\nA thread: ↓\n"
            "Step one: run the suite in a random order.\n \nRead 9 tweets\n20 Feb\n"
            "Unpopular opinion: a README is a product.\n \nRead 4 tweets\n")
    result = parse_text(tmp_path, page("One tweet.", header="3 Mar\n1 tweets, 1 min read", more=more))
    _, first, second = result.threads
    assert [(t.date, [p.text for p in t.posts], t.declared_count, t.complete) for t in (first, second)] == [
        (PartialDate(None, 2, 28), ["Most flaky tests were not flaky.\n\nA thread: ↓",
                                    "Step one: run the suite in a random order."], 9, False),
        (PartialDate(None, 2, 20), ["Unpopular opinion: a README is a product."], 4, False),
    ]
    assert result.warnings == []


def test_curly_quotes_ellipses_and_emoji_come_through_as_they_are(tmp_path):
    body = "It’s not “flaky”… it’s order-dependent 🧪🔀\nNext… 👇🏽"
    thread = parse_text(tmp_path, page(body, header="3 Mar\n2 tweets, 1 min read")).threads[0]
    assert [p.text for p in thread.posts] == ["It’s not “flaky”… it’s order-dependent 🧪🔀", "Next… 👇🏽"]


def test_links_stay_plain_text_and_are_listed_in_order_once(tmp_path):
    body = ("Notes: https://example.org/notebook-method, and (see www.example.com/b). Again: "
            "https://example.org/notebook-method\nWiki: https://en.example.org/wiki/Notebook_(paper)!\n"
            "Shortened, so not an address: https://example.net/long-pa… or example.net/other\nNo links here.")
    posts = parse_text(tmp_path, page(body, header="3 Mar\n4 tweets, 1 min read")).threads[0].posts
    assert [(p.text, p.links) for p in posts] == [
        ("Notes: https://example.org/notebook-method, and (see www.example.com/b). Again: "
         "https://example.org/notebook-method", ["https://example.org/notebook-method", "www.example.com/b"]),
        ("Wiki: https://en.example.org/wiki/Notebook_(paper)!", ["https://en.example.org/wiki/Notebook_(paper)"]),
        ("Shortened, so not an address: https://example.net/long-pa… or example.net/other", []),
        ("No links here.", []),
    ]


def test_links_in_previews_too(tmp_path):
    more = "More from @dana_example\n\n28 Feb\nMy notes: https://example.org/flaky\nRead 9 tweets\n"
    preview = parse_text(tmp_path, page("One.", header="3 Mar\n1 tweets, 1 min read", more=more)).threads[1]
    assert [(p.text, p.links) for p in preview.posts] == [("My notes: https://example.org/flaky",
                                                          ["https://example.org/flaky"])]


def test_image_marks_glued_or_spaced_become_media(tmp_path):
    body = "Look at the right?ImageImage\nHear why. Image"
    thread = parse_text(tmp_path, page(body, header="3 Mar\n2 tweets, 1 min read")).threads[0]
    assert [p.text for p in thread.posts] == ["Look at the right?", "Hear why."]
    assert [len(p.media) for p in thread.posts] == [2, 1]
    assert thread.posts[0].media[0].to_dict() == {"kind": "image", "url": None, "alt": None}


def test_control_characters_are_stripped_and_markup_kept(tmp_path):
    body = "Red \x1b[31malert\x1b[0m and [bold]not bold[/bold]\x07 \x1b]52;c;ZXZpbA==\x07done"
    thread = parse_text(tmp_path, page(body, header="3 Mar\n1 tweets, 1 min read")).threads[0]
    assert thread.posts[0].text == "Red alert and [bold]not bold[/bold] done"
    assert thread.author_name == "Dana Example"


def test_samples_import_with_previews_lists_and_images():
    mira = parse(SAMPLES / "threadreader" / "mira-sourdough.txt")
    main, preview = mira.threads
    assert main.date == PartialDate(2021, 10, 15)
    assert main.post_count == 7 and mira.warnings == []
    assert "- a Dutch oven" in main.posts[2].text
    assert [len(p.media) for p in main.posts] == [0, 0, 0, 2, 0, 1, 0]
    assert (preview.date, preview.post_count, preview.declared_count, preview.complete) == (
        PartialDate(2021, 9, 2), 2, 6, False)
    theo = parse(SAMPLES / "threadreader" / "theo-terminal.txt")
    assert [t.declared_count for t in theo.threads[1:]] == [8, 3, 11]
    assert theo.threads[1].posts[0].text.endswith("\n\nMost of what I had, I copied once and never read again.")


def test_page_cut_before_the_end_mark_fails_clearly(tmp_path):
    text = NOTE_EXAMPLE.read_text().split("• • •")[0]
    with pytest.raises(ImportFailure, match="end mark"):
        parse_text(tmp_path, text)


def test_thread_ids_are_stable_across_imports_and_previews_match_full_threads(tmp_path):
    first = parse(NOTE_EXAMPLE).threads
    again = parse(NOTE_EXAMPLE).threads
    assert [t.id for t in first] == [t.id for t in again]
    # The full copy of the 28 Feb thread, saved from its own page, has the preview's id.
    full_page = page(
        "Most flaky tests I have fixed were not flaky. They were order-dependent.\n\n"
        "A thread on how to find them in an afternoon: ↓\nStep two.\nStep three.",
        header="28 Feb\n3 tweets, 1 min read",
        more="More from @dana_example\n",
    )
    full = parse_text(tmp_path, full_page).threads[0]
    assert full.id == first[1].id
