"""Issue 15, item 5: threads whose date has no year (`21 Dec`, Thread Reader text) are placed by
the day they were imported (`$THREADS_TUI_TODAY` pins it), never shown with an invented year."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"  # 3 Mar, 28 Feb, 20 Feb, no year
MIRA = SAMPLES / "threadreader" / "mira-sourdough.txt"  # 15 Oct 2021, 2 Sep 2021
THEO = SAMPLES / "threadreader" / "theo-terminal.txt"  # 12 Jan, 4 Jan, 21 Dec, 2 Dec, no year


@pytest.mark.parametrize(("month", "day", "today", "placed"), [
    (12, 21, date(2026, 3, 1), PartialDate(2025, 12, 21)),
    (2, 28, date(2026, 3, 1), PartialDate(2026, 2, 28)),
    (3, 1, date(2026, 3, 1), PartialDate(2026, 3, 1)),  # the day itself is on or before it
    (3, 2, date(2026, 3, 1), PartialDate(2025, 3, 2)),
    (2, 29, date(2026, 3, 1), PartialDate(2024, 2, 29)),  # the latest year that has the day
])
def test_a_date_without_a_year_is_placed_in_the_latest_year_not_after_the_day(month, day, today, placed):
    assert PartialDate(None, month, day).placed_by(today) == placed
    assert PartialDate(2019, month, day).placed_by(today) == PartialDate(2019, month, day)


def test_undated_threads_sort_by_the_day_they_were_imported(cli, monkeypatch):
    monkeypatch.setenv("THREADS_TUI_TODAY", "2026-03-01")
    assert cli("import", NOTE_EXAMPLE, MIRA).code == 0
    listed = json.loads(cli("list", "--json").out)
    # 28 Feb and 20 Feb of 2026, 3 Mar of 2025 (3 Mar 2026 is after the import), then 2021.
    assert [t["date"] for t in listed] == ["--02-28", "--02-20", "--03-03", "2021-10-15", "2021-09-02"]


def test_the_same_files_give_the_same_order_whatever_day_the_clock_is_pinned_to(cli, monkeypatch):
    monkeypatch.setenv("THREADS_TUI_TODAY", "2020-12-31")
    cli("import", NOTE_EXAMPLE, MIRA, THEO)
    listed = [t["date"] for t in json.loads(cli("list", "--json").out)]
    # All the undated ones fall in 2020, below 2021; 21 Dec and 2 Dec of 2020 above March 2020.
    assert listed == ["2021-10-15", "2021-09-02", "--12-21", "--12-02", "--03-03", "--02-28", "--02-20",
                      "--01-12", "--01-04"]


def test_no_invented_year_is_shown_in_list_show_or_export(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("THREADS_TUI_TODAY", "2026-03-01")
    cli("import", THEO)
    listed = json.loads(cli("list", "--json").out)
    assert [t["date"] for t in listed] == ["--01-12", "--01-04", "--12-21", "--12-02"]
    plain = cli("list").out
    assert "21 Dec" in plain and "2025" not in plain and "2026" not in plain
    december = next(t["id"] for t in listed if t["date"] == "--12-21")
    shown = cli("show", december).out
    assert "21 Dec" in shown and "2025" not in shown
    detail = json.loads(cli("show", december, "--json").out)
    assert detail["date"] == "--12-21"
    assert detail["placed_at"] == "2025-12-21"  # the sort key, apart from the date

    out = tmp_path / "md"
    assert cli("export", "--out", out).code == 0
    names = sorted(path.name for path in out.iterdir())
    assert [name[:11] for name in names] == ["2025-12-02-", "2025-12-21-", "2026-01-04-", "2026-01-12-"]
    for path in out.iterdir():
        text = path.read_text()
        assert "2025" not in text and "2026" not in text
        assert 'date: "--' in text  # front matter keeps the date as the page gave it

    html = tmp_path / "html"
    assert cli("export", "--format", "html", "--out", html).code == 0
    pages = sorted(path.name for path in html.iterdir() if path.name != "index.html")
    assert [name[:11] for name in pages] == ["2025-12-02-", "2025-12-21-", "2026-01-04-", "2026-01-12-"]
    index = (html / "index.html").read_text()
    order = [index.find(name) for name in reversed(pages)]
    assert order == sorted(order) and -1 not in order  # newest first by where they were placed
    assert "21 Dec" in index and "2025 " not in index.replace("2025-12", "")


def test_importing_again_later_keeps_the_first_import_day(cli, monkeypatch):
    monkeypatch.setenv("THREADS_TUI_TODAY", "2026-03-01")
    cli("import", NOTE_EXAMPLE)
    first = json.loads(cli("list", "--json").out)
    monkeypatch.setenv("THREADS_TUI_TODAY", "2027-06-01")
    result = cli("import", NOTE_EXAMPLE)
    assert "0 added, 0 updated, 3 unchanged" in result.out
    assert json.loads(cli("list", "--json").out) == first
    march = next(t["id"] for t in first if t["date"] == "--03-03")
    assert json.loads(cli("show", march, "--json").out)["placed_at"] == "2025-03-03"


def test_a_separate_process_reads_the_pinned_day(cli_process, monkeypatch):
    monkeypatch.setenv("THREADS_TUI_TODAY", "2026-03-01")
    assert cli_process("import", NOTE_EXAMPLE, MIRA).code == 0
    listed = json.loads(cli_process("list", "--json").out)
    assert [t["date"] for t in listed] == ["--02-28", "--02-20", "--03-03", "2021-10-15", "2021-09-02"]
