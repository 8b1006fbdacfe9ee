from tui.model import Media, PartialDate, Post, Thread, make_thread_id


def test_partial_date_iso_forms_round_trip():
    assert PartialDate(2021, 10, 15).iso() == "2021-10-15"
    assert PartialDate(None, 10, 15).iso() == "--10-15"
    for text in ("2021-10-15", "--10-15"):
        assert PartialDate.from_iso(text).iso() == text
    assert PartialDate.from_iso(None) is None


def test_dates_without_year_sort_after_dated_ones_newest_first():
    newest_first = sorted([PartialDate(None, 12, 1), PartialDate(2020, 1, 1)],
                          key=lambda d: d.sort_key(), reverse=True)
    assert newest_first[0].year == 2020


def test_thread_id_is_source_id_of_first_post_when_known():
    thread = Thread(posts=[Post("hello", id="1720000000000000100"), Post("two", id="1720000000000000200")])
    assert thread.id == "1720000000000000100"


def test_thread_id_hash_is_stable_and_ignores_whitespace_and_case():
    a = make_thread_id(None, "dana_example", "Hello  world\n")
    b = make_thread_id(None, "Dana_Example", "hello world")
    assert a == b and a.startswith("h")
    assert a != make_thread_id(None, "someone_else", "hello world")


def test_thread_round_trips_through_its_stored_form():
    thread = Thread(
        posts=[Post("one", media=[Media("image", "https://x/y.jpg", "a cat")], links=["https://e.org"],
                    quoted=Post("quoted text"))],
        author_name="Dana", author_handle="dana", date=PartialDate(None, 3, 3),
        declared_count=5, complete=False, source="file.txt",
    )
    again = Thread.from_dict(thread.to_dict())
    assert again.to_dict() == thread.to_dict()
    assert again == thread


def test_read_time_uses_source_minutes_else_word_count():
    words = " ".join(["word"] * 450)
    assert Thread(posts=[Post(words)]).minutes_to_read() == 3
    assert Thread(posts=[Post(words)], read_minutes=7).minutes_to_read() == 7


def test_what_no_date_is_reads_as_an_unknown_date_not_an_error():
    # A damaged library may hold anything in a date field: it is shown as unknown, never a traceback.
    for text in ("2024-22-11", "--13-01", "2024-02-40", "2024-00-10", "abc", "20x4-01-02", "--ab-cd", 2024):
        assert PartialDate.from_iso(text) is None, text
    assert PartialDate.from_iso("2024-02-11") == PartialDate(2024, 2, 11)
    assert PartialDate.from_iso("--12-31") == PartialDate(None, 12, 31)
