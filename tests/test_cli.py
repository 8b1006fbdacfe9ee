"""The headless CLI through its entry point: import, list, show, search, export."""

import json
import re
import os
import zipfile

import pytest

from .conftest import FIXTURES, SAMPLES
from .summary_files import summaries_path

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"


def ids_by_title(cli) -> dict[str, str]:
    return {t["title"]: t["id"] for t in json.loads(cli("list", "--json").out)}


def test_import_samples_then_list_json_contract(cli):
    result = cli("import", SAMPLES)
    assert result.code == 0, result.err
    assert "0 files failed" in result.out
    listed = json.loads(cli("list", "--json").out)
    assert len(listed) == 16  # 6 main threads and 6 previews of Thread Reader pages, 4 more formats' threads
    for item in listed:
        assert set(item) == {"id", "author_name", "author_handle", "date", "title", "post_count",
                             "declared_count", "complete", "source", "url", "tags"}
    mira = next(t for t in listed if t["author_handle"] == "mira_bakes" and t["complete"])
    assert mira["date"] == "2021-10-15" and mira["post_count"] == 7 and mira["declared_count"] == 7


def test_list_is_newest_first(cli):
    cli("import", NOTE_EXAMPLE, SAMPLES / "threadreader" / "mira-sourdough.txt")
    dates = [t["date"] for t in json.loads(cli("list", "--json").out)]
    assert dates == ["2021-10-15", "2021-09-02", "--03-03", "--02-28", "--02-20"]


def test_show_text_has_author_date_and_numbering(cli):
    cli("import", NOTE_EXAMPLE)
    thread_id = ids_by_title(cli)["I kept a paper notebook next to my keyboard for a year while debugging."]
    out = cli("show", thread_id).out
    lines = out.splitlines()
    assert lines[0] == "Dana Example (@dana_example) · 3 Mar · 5 tweets · 2 min read"
    assert [line for line in lines if line.endswith("/5") and line[0].isdigit()] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert "[image]" in out


def test_show_json_contract_and_id_prefix(cli):
    cli("import", NOTE_EXAMPLE)
    thread_id = ids_by_title(cli)["Most flaky tests I have fixed were not flaky. They were order-dependent."]
    data = json.loads(cli("show", thread_id[:8], "--json").out)
    assert data["id"] == thread_id and data["complete"] is False and data["declared_count"] == 9
    assert [p["n"] for p in data["posts"]] == [1, 2]
    assert set(data["posts"][0]) >= {"n", "text", "media", "links", "quoted"}
    assert data["posts"][0]["quoted"] is None


def test_show_unknown_id_fails_with_one_line(cli):
    cli("import", NOTE_EXAMPLE)
    result = cli("show", "nope-not-an-id")
    assert result.code == 1
    assert "no thread with id 'nope-not-an-id'" in result.err
    assert "Traceback" not in result.err


def test_search_json_hits(cli):
    cli("import", SAMPLES)
    hits = json.loads(cli("search", "grep", "--json").out)
    assert hits and all(set(h) == {"thread_id", "n", "snippet", "text", "title", "author_name", "author_handle",
                                   "date", "post_count", "declared_count", "complete", "url", "read", "bookmarked",
                                   "tags"}
                        for h in hits)
    assert any("grep is the best search engine" in h["snippet"] for h in hits)
    assert json.loads(cli("search", "zzzunfindable", "--json").out) == []


def test_search_matches_author_and_handle_case_insensitively(cli):
    cli("import", SAMPLES)
    by_handle = json.loads(cli("search", "@THEO_TYPES", "--json").out)
    by_name = json.loads(cli("search", "theo", "park", "--json").out)
    assert by_handle and {h["thread_id"] for h in by_handle} == {h["thread_id"] for h in by_name}


def test_export_writes_markdown_per_thread(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    out = tmp_path / "md"
    result = cli("export", "--out", out)
    assert result.code == 0
    files = sorted(out.glob("*.md"))
    assert len(files) == 3
    main = next(f for f in files if "paper-notebook" in f.name).read_text()
    assert "**Dana Example (@dana\\_example)** · 3 Mar · 5 tweets" in main
    assert "## 1/5" in main and "## 5/5" in main
    preview = next(f for f in files if "flaky" in f.name).read_text()
    assert "Preview: 2 of 9 tweets" in preview


def test_export_selected_ids_only(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    thread_id = ids_by_title(cli)["Unpopular opinion: a README is a product, not a chore."]
    cli("export", thread_id, "--out", tmp_path / "one")
    assert len(list((tmp_path / "one").glob("*.md"))) == 1


def test_reimport_changes_nothing(cli, db_path):
    cli("import", SAMPLES)
    before = json.loads(cli("list", "--json").out)
    result = cli("import", SAMPLES)
    assert " 0 added, 0 updated," in result.out
    assert json.loads(cli("list", "--json").out) == before


def test_full_thread_replaces_its_preview(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    full = tmp_path / "flaky.txt"
    full.write_text(
        "Dana Example Profile picture\n28 Feb\n3 tweets, 1 min read\n"
        "Most flaky tests I have fixed were not flaky. They were order-dependent.\n\n"
        "A thread on how to find them in an afternoon: ↓\nStep two.\nStep three.\n\n• • •\n\n"
        "More from @dana_example\n\nDid Thread Reader help you today?\n"
    )
    result = cli("import", full)
    assert "0 added, 1 updated" in result.out
    listed = json.loads(cli("list", "--json").out)
    assert len(listed) == 3
    flaky = next(t for t in listed if t["title"].startswith("Most flaky"))
    assert flaky["complete"] is True and flaky["post_count"] == 3
    # Importing the page with the preview again keeps the full copy.
    cli("import", NOTE_EXAMPLE)
    again = next(t for t in json.loads(cli("list", "--json").out) if t["title"].startswith("Most flaky"))
    assert again["post_count"] == 3


def test_bad_files_fail_one_line_each_and_the_rest_imports(cli, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "junk.bin").write_bytes(bytes(range(256)) * 40)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "notes.txt").write_text("Shopping list\n- milk\n- eggs\n")
    (bad / "latin1.txt").write_bytes("Dana Example Profile picture\n3 Mar\n1 tweets, 1 min read\ncaf\xe9\n".encode("latin-1"))
    (bad / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 30)
    (bad / "good.txt").write_bytes(NOTE_EXAMPLE.read_bytes())
    result = cli("import", bad)
    assert result.code == 1
    failed = [line for line in result.err.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 5, result.err
    reasons = "\n".join(failed)
    assert "junk.bin: binary data" in reasons
    assert "empty.txt: empty file" in reasons
    assert "notes.txt: not a format threads-tui knows" in reasons
    assert "latin1.txt: not UTF-8 text (byte 0xe9" in reasons
    assert "broken.zip: a broken or truncated zip archive" in reasons
    assert "3 added" in result.out and "5 files failed" in result.out
    assert "Traceback" not in result.err


def test_missing_path_is_a_failure_not_a_traceback(cli):
    result = cli("import", "/definitely/not/here.txt")
    assert result.code == 1
    assert "failed: /definitely/not/here.txt: no such file or folder" in result.err


def test_utf16_with_bom_imports(cli, tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes(NOTE_EXAMPLE.read_text().encode("utf-16"))
    assert cli("import", path).code == 0
    assert len(json.loads(cli("list", "--json").out)) == 3


def test_zip_of_pages_is_read_in_place(cli, tmp_path):
    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(NOTE_EXAMPLE, "saved/dana.txt")
        zf.writestr("saved/readme.md", "not a thread")
    result = cli("import", archive)
    assert result.code == 0
    assert "3 added" in result.out
    assert "readme.md: not a format" in result.err


def test_broken_library_is_never_overwritten(cli, db_path):
    db_path.parent.mkdir(parents=True)
    broken = b'{"threads": {"1": {"id": "x"'  # truncated JSON
    db_path.write_bytes(broken)
    for args in (("import", NOTE_EXAMPLE), ("list",), ("search", "x")):
        result = cli(*args)
        assert result.code == 1
        assert f"cannot read library {db_path}" in result.err
        assert "--db" in result.err and "Traceback" not in result.err
        assert db_path.read_bytes() == broken


def test_library_from_a_newer_version_is_refused(cli, db_path):
    db_path.parent.mkdir(parents=True)
    newer = json.dumps({"meta": {"1": {"schema": 99, "generation": 1, "shards": {}}}}).encode()
    db_path.write_bytes(newer)
    result = cli("import", NOTE_EXAMPLE)
    assert result.code == 1 and "schema version 99 is newer" in result.err
    assert db_path.read_bytes() == newer


def test_markup_and_escapes_in_text_are_data(cli, tmp_path):
    page = tmp_path / "evil.txt"
    page.write_text(
        "Mal \x1b[2JOry Profile picture\n3 Mar\n1 tweets, 1 min read\n"
        "[bold red]not markup[/] \x1b]0;owned\x07title \x1b[31mred\x9b1m\n\n• • •\n"
    )
    assert cli("import", page).code == 0
    shown = cli("show", json.loads(cli("list", "--json").out)[0]["id"])
    assert "\x1b" not in shown.out and "\x9b" not in shown.out and "\x07" not in shown.out
    assert "[bold red]not markup[/] title red" in shown.out
    assert shown.out.startswith("Mal Ory · 3 Mar")


def test_usage_errors_exit_2(cli):
    assert cli("show").code == 2
    assert cli("import").code == 2
    assert cli("list", "--bogus").code == 2


def test_db_option_and_env_var_choose_the_library(cli, tmp_path, db_path):
    other = tmp_path / "other.json"
    cli("--db", other, "import", NOTE_EXAMPLE)
    assert other.exists() and not db_path.exists()
    assert len(json.loads(cli("list", "--db", other, "--json").out)) == 3
    assert json.loads(cli("list", "--json").out) == []


def test_help_on_every_command(cli):
    for command in ("import", "list", "show", "search", "export"):
        result = cli(command, "--help")
        assert result.code == 0 and "usage: threads-tui " + command in result.out


def test_installed_entry_point_runs_as_a_process(cli_process):
    result = cli_process("import", NOTE_EXAMPLE)
    assert result.code == 0, result.err
    assert "3 added" in result.out
    listed = cli_process("list", "--json")
    assert len(json.loads(listed.out)) == 3
    assert cli_process("show", "does-not-exist").code == 1


def test_ambiguous_id_prefix_says_so(cli):
    cli("import", SAMPLES / "mastodon")
    result = cli("show", "https")
    assert result.code == 1 and "'https' is the start of 3 thread ids" in result.err


def test_bluesky_and_mastodon_threads_count_posts_not_tweets(cli):
    cli("import", SAMPLES / "bluesky", SAMPLES / "mastodon")
    listed = json.loads(cli("list", "--json").out)
    assert {t["id"].split(":", 1)[0] for t in listed} == {"at", "https"}
    for thread in listed:
        header = cli("show", thread["id"]).out.splitlines()[0]
        assert f" · {thread['post_count']} posts · " in header and "tweets" not in header


def test_reader_with_a_missing_path_or_no_terminal_fails_clearly(cli, tmp_path):
    result = cli("bogus-command")
    assert result.code == 2 and "no such file or folder: bogus-command" in result.err
    result = cli(tmp_path)  # in tests stdout is not a terminal
    assert result.code == 2 and "the reader needs a terminal" in result.err


def test_reader_on_a_damaged_library_says_which_file_in_one_line(cli, db_path):
    cli("import", NOTE_EXAMPLE)
    path = summaries_path(db_path)
    damaged = re.sub(rb'"date":"[^"]*"', b'"date":"yesterday"', path.read_bytes(), count=1)
    path.write_bytes(damaged)
    result = cli()
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.count("\n") == 1 and f"cannot read library {path}: the library is damaged" in result.err
    assert "its summaries file: it fails its checksum" in result.err
    assert path.read_bytes() == damaged


def test_a_library_file_holding_json_null_is_refused_and_kept(cli, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"null")
    for args in (("list",), ("import", NOTE_EXAMPLE)):
        result = cli(*args)
        assert result.code == 1 and f"cannot read library {db_path}" in result.err
        assert "not a threads-tui library" in result.err
    assert db_path.read_bytes() == b"null"


def test_export_to_a_folder_that_cannot_be_made_fails_in_one_line(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "below"):
        result = cli("export", "--out", out)
        assert result.code == 1 and "Traceback" not in result.err
        assert result.err.startswith(f"threads-tui: cannot write to {out}: ")
    assert blocker.read_text() == "not a folder"


def test_search_limit_must_be_positive(cli):
    cli("import", SAMPLES)
    assert len(json.loads(cli("search", "the", "--limit", "2", "--json").out)) == 2
    total = len(json.loads(cli("search", "the", "--json").out))
    assert total > 2
    limited = cli("search", "the", "--limit", "2")
    headings = [line for line in limited.out.splitlines() if not line.startswith("    ")]
    assert len(headings) == 2 and len(limited.out.splitlines()) == 4  # each hit: where it is, then its snippet
    assert limited.err.strip() == f"2 of {total} hits for 'the'"
    for bad in ("0", "-1", "two"):
        result = cli("search", "the", "--limit", bad)
        assert result.code == 2 and "--limit" in result.err


def test_empty_search_is_a_usage_error(cli):
    assert cli("search", " ").code == 2


def test_absurd_counts_fail_that_page_alone(cli, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-absurd-count.txt").write_text(
        "Ann Example Profile picture\n3 Mar\n99999999999999999999999 tweets, 2 min read\nOne.\nTwo.\n\n• • •\n")
    (folder / "b-absurd-minutes.txt").write_text(
        "Ann Example Profile picture\n4 Mar\n2 tweets, 99999999999999999999999 min read\nThree.\nFour.\n\n• • •\n")
    (folder / "c-good.txt").write_bytes(NOTE_EXAMPLE.read_bytes())
    result = cli("import", folder)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.strip().splitlines() == [
        f"failed: {folder / 'a-absurd-count.txt'}: the page says the thread has 99999999999999999999999 posts: "
        "not a real thread"]
    assert "4 added" in result.out
    minutes = next(t for t in json.loads(cli("list", "--json").out) if t["title"] == "Three.")
    assert "1 min read" in cli("show", minutes["id"]).out.splitlines()[0]


def test_list_lines_up_its_columns_whatever_the_ids(cli):
    assert cli("import", SAMPLES).code == 0
    lines = cli("list").out.splitlines()
    ids = [row["id"] for row in json.loads(cli("list", "--json").out)]
    assert len({len(i) for i in ids}) > 1  # ids of several lengths: X, Bluesky, Mastodon, hashes
    width = max(map(len, ids))
    assert len(lines) == len(ids)
    for line, row_id in zip(lines, ids):
        assert line[:width].rstrip() == row_id and line[width:width + 2] == "  "  # the date column starts alike


def test_help_names_the_user_library_as_the_fallback_when_the_variable_is_set(cli, db_path):
    from tui.library import user_db_path

    assert os.environ["THREADS_TUI_DB"] == str(db_path)
    result = cli("--help")
    assert result.code == 0
    flat = " ".join(result.out.split())
    assert f"(default: $THREADS_TUI_DB, else {user_db_path()})" in flat


def test_json_in_no_known_format_says_whether_it_is_broken_and_where(cli, tmp_path):
    (tmp_path / "cut.json").write_text('{"thread": {"post":')
    (tmp_path / "other.json").write_text('{"weather": "rain", "days": [1, 2]}')
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    result = cli("import", tmp_path)
    assert result.code == 1
    reasons = {line.split(": ", 2)[1].rsplit("/", 1)[-1]: line.split(": ", 2)[2] for line in result.err.splitlines()
               if line.startswith("failed: ")}
    assert reasons["cut.json"] == "broken JSON (unexpected end of data: line 1 column 20 (char 19))"
    assert reasons["other.json"].startswith("JSON, but not in a format threads-tui knows (it reads: X/Twitter archive")
    assert reasons["deep.json"] == "JSON nested too deeply to read (over 1024 levels)"
    assert cli("list", "--json").out.strip() == "[]"


def test_search_shows_where_each_hit_is_and_its_snippet(cli):
    cli("import", SAMPLES)
    result = cli("search", '"short thread"')
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 4 and result.err.strip() == "2 hits for '\"short thread\"'"
    heading, snippet = lines[0], lines[1]
    assert heading.startswith("https://fedi.example/users/wren/statuses/2201  ")
    assert " · ".join(["@wren@fedi.example", "9 Mar 2024", "post 1/3", "How I fixed the squeaky stairs"]) in heading
    assert snippet.startswith("    ") and "short thread" in snippet


def test_search_json_carries_read_and_bookmark_state_and_tags(cli):
    cli("import", SAMPLES)
    [wren] = json.loads(cli("search", "from:wren", "--json").out)
    assert (wren["n"], wren["read"], wren["bookmarked"], wren["tags"]) == (1, False, False, [])
    assert cli("tag", wren["thread_id"], "stairs").code == 0
    [tagged] = json.loads(cli("search", "tag:stairs", "--json").out)
    assert tagged["thread_id"] == wren["thread_id"] and tagged["tags"] == ["stairs"]
    assert tagged["author_handle"] == "wren@fedi.example" and tagged["date"] == "2024-03-09"


@pytest.mark.parametrize(("query", "message"), [
    ("frm:ivy", "unknown field 'frm:' at column 1; fields: from, since, until, has, is, tag"),
    ('"part 5', "unclosed quote at column 1"),
    ("since:2021-13", "since:2021-13 is not a date (write 2021, 2021-10 or 2021-10-01) at column 1"),
    ("a OR", "OR with nothing after it at column 3"),
])
def test_a_malformed_query_is_one_line_and_exit_2(cli, query, message):
    cli("import", SAMPLES)
    for command in (("search", query), ("list", "--query", query)):
        result = cli(*command)
        assert result.code == 2, command
        assert result.out == "" and len(result.err.strip().splitlines()) == 1
        assert result.err.strip() == f"threads-tui: query {query!r}: {message}"


def test_search_json_gives_the_posts_text_and_the_counts_as_list_does(cli):
    cli("import", SAMPLES)
    listed = {t["id"]: t for t in json.loads(cli("list", "--json").out)}
    preview = next(t for t in listed.values() if not t["complete"] and t["declared_count"])
    for query in (f"from:{preview['author_handle']}", preview["title"].split()[0]):
        hits = json.loads(cli("search", query, "--json").out)
        hit = next(h for h in hits if h["thread_id"] == preview["id"])
        post = json.loads(cli("show", preview["id"], "--json").out)["posts"][hit["n"] - 1]
        assert hit["text"] == post["text"], query  # the post as written, not the title standing for it
        assert (hit["post_count"], hit["declared_count"]) == (preview["post_count"], preview["declared_count"])


def test_saved_searches_are_listed_and_a_replaced_one_is_named(cli):
    cli("import", SAMPLES)
    assert cli("search", "--saved").err.startswith("No saved search yet")
    cli("search", "--save", "media", "has:video")
    replaced = cli("search", "--save", "media", "has:image")
    assert "Saved the search 'media': has:image (it replaces 'has:video')" in replaced.err
    cli("search", "--save", "alts", "has:alt")
    listed = cli("search", "--saved")
    assert listed.code == 0 and listed.out.splitlines() == ["alts: has:alt", "media: has:image"]


def test_saved_searches_run_again_by_name(cli):
    cli("import", SAMPLES)
    saved = cli("search", "--save", "media", "has:video")
    assert saved.code == 0 and "Saved the search 'media': has:video" in saved.err
    assert cli("search", "--saved", "media").out == cli("search", "has:video").out != ""
    unknown = cli("search", "--saved", "nope")
    assert unknown.code == 2 and "no saved search 'nope'; saved: media" in unknown.err
    assert cli("search", "--saved", "media", "extra").code == 2
    assert cli("search", "--save", "bad", "frm:x").code == 2
    assert "bad" not in cli("search", "--saved", "nope").err  # a malformed query is never kept


def test_list_query_filters_threads_whole(cli):
    cli("import", SAMPLES)
    everything = json.loads(cli("list", "--json").out)
    previews = json.loads(cli("list", "--json", "--query", "is:preview").out)
    assert previews and [t["id"] for t in previews] == [t["id"] for t in everything if not t["complete"]]
    text = cli("list", "--query", "from:jonas_fixes -wheel")
    assert text.code == 0
    assert [line.split()[0] for line in text.out.splitlines()] == ["1746608665785270272"]
    assert cli("list", "--query", "zzzunfindable").out.strip() == "No thread matches 'zzzunfindable'."


def test_a_query_may_start_with_a_minus(cli):
    cli("import", SAMPLES)
    loaf = json.loads(cli("search", "loaf", "--json").out)
    without_week = json.loads(cli("search", "loaf", "-week", "--json").out)
    assert without_week and len(without_week) < len(loaf)
    assert json.loads(cli("search", "-week", "loaf", "--json").out) == without_week
    assert json.loads(cli("search", "--json", "--", "loaf", "-week").out) == without_week
    limited = cli("search", "-loaf", "--limit", "1")
    assert limited.code == 0 and limited.err.startswith("1 of ") and "for '-loaf'" in limited.err
    assert cli("list", "--query=-loaf").code == 0
