"""Issue 15, item 11: one thread from many captures, through the real import and the CLI. A thread
saved three times (a Thread Reader text preview of posts 1-2, a saved page of 1-12 lacking 8, a
saved page of 5-14) is one thread of every post, in order, each post with the captures it was found in."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tui.importing
from tui.importing import run_import
from tui.library import Library
from tui.model import Post, Thread

from .conftest import FIXTURES
from .test_crash_safety import COMMIT_KILL_POINTS

NOTE_EXAMPLE = FIXTURES / "threadreader" / "note-example.txt"  # holds a preview of posts 1-2 (no ids)
FLAKY_FIRST = "Most flaky tests I have fixed were not flaky. They were order-dependent."
FLAKY_ID = 1630538302878646272
TEXTS = [f"{FLAKY_FIRST}<br><br>A thread on how to find them in an afternoon: ↓",
         "Step one: run the suite in a random order, three times, and keep the seeds."]
TEXTS += [f"Step {n}: something careful about test order, part {n}." for n in range(3, 15)]


def post_id(number: int) -> str:
    return str(FLAKY_ID + (number - 1) * 4194304)


def saved_page(path: Path, numbers: list[int]) -> Path:
    """A Thread Reader page saved as HTML holding these posts (1-based) of the 14-post thread."""
    first = ' id="tweet_1"'
    body = "\n".join(
        f'<div class="content-tweet"{first if i == 0 else ""} data-tweet="{post_id(n)}" '
        f'data-screenname="dana_example">{TEXTS[n - 1]}</div>' for i, n in enumerate(numbers))
    path.write_text(
        "<!DOCTYPE html><html><head><title>Thread by @dana_example on Thread Reader App</title></head><body>"
        '<div><img alt="Dana Example Profile picture"><div>28 Feb, 14 tweets, 3 min read</div></div>'
        f'<div class="t-main">{body}</div><div>• • •</div></body></html>')
    return path


def captures(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [NOTE_EXAMPLE,
            saved_page(folder / "page.html", [n for n in range(1, 13) if n != 8]),
            saved_page(folder / "later.html", list(range(5, 15)))]


def flaky(library: Library) -> list[dict]:
    return [s for s in library.summaries() if s["title"] == FLAKY_FIRST]


def the_thread(library: Library) -> tuple[dict, list[dict]]:
    [summary] = flaky(library)
    thread = library.thread(summary["id"])
    assert thread is not None
    return summary, thread.to_dict()["posts"]


def test_three_captures_in_one_import_are_one_thread_with_every_post(cli, tmp_path):
    preview, page, later = captures(tmp_path / "saved")
    result = cli("import", preview, page, later)
    assert result.code == 0, result.err
    threads = [t for t in json.loads(cli("list", "--json").out) if t["title"] == FLAKY_FIRST]
    assert len(threads) == 1 and threads[0]["id"] == post_id(1) and threads[0]["post_count"] == 14
    assert threads[0]["complete"]
    shown = json.loads(cli("show", post_id(1), "--json").out)
    assert [p["id"] for p in shown["posts"]] == [post_id(n) for n in range(1, 15)]
    sources = {p["n"]: p["sources"] for p in shown["posts"]}
    assert sources[8] == sources[13] == sources[14] == [str(later)]
    assert sources[3] == sources[4] == [str(page)]
    assert sources[6] == sorted([str(page), str(later)])
    assert str(page) in sources[1] and str(page) in sources[2]


def test_a_capture_lacking_posts_at_both_ends_joins_the_thread_stored_before_it(cli, tmp_path):
    preview, page, later = captures(tmp_path / "saved")
    assert cli("import", page).code == 0
    result = cli("import", later)  # posts 5-14: neither its first post nor its second is the stored thread's
    assert result.code == 0 and "0 added, 1 updated, 0 unchanged" in result.out, result.out
    threads = [t for t in json.loads(cli("list", "--json").out) if t["title"] == FLAKY_FIRST]
    assert [(t["id"], t["post_count"]) for t in threads] == [(post_id(1), 14)]
    assert "0 added, 0 updated, 1 unchanged" in cli("import", later).out  # nothing new the second time
    hits = json.loads(cli("search", "part 13", "--json").out)
    assert [(h["thread_id"], h["n"]) for h in hits] == [(post_id(1), 13)]


def test_every_import_order_gives_the_same_thread(tmp_path):
    results = []
    for n, order in enumerate(itertools.permutations(captures(tmp_path / "saved"))):
        library = Library.open(tmp_path / f"lib{n}" / "library.json")
        for path in order:
            run_import([path], library)
        summary, posts = the_thread(library)
        assert len(flaky(library)) == 1
        assert isinstance(summary["added_at"], float)  # when the first of its captures came in: each run's own
        results.append(({k: v for k, v in summary.items() if k != "added_at"},
                        [{k: v for k, v in p.items() if k != "sources"} for p in posts]))
        assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 15)]
    assert all(result == results[0] for result in results[1:])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations([0, 1, 2]), cuts=st.sets(st.integers(1, 2)),
       commit_every=st.sampled_from([1, 20_000]))
def test_any_order_and_batching_of_imports_gives_the_same_thread(tmp_path, monkeypatch, order, cuts, commit_every):
    monkeypatch.setattr(tui.importing, "COMMIT_EVERY_THREADS", commit_every)
    files = captures(tmp_path / "saved")
    with tempfile.TemporaryDirectory() as folder:
        library = Library.open(Path(folder) / "library.json")
        bounds = [0, *sorted(cuts), 3]
        for start, end in zip(bounds, bounds[1:]):
            run_import([files[i] for i in order[start:end]], library)
        reopened = Library.open(Path(folder) / "library.json")
        summary, posts = the_thread(reopened)
        assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 15)]
        assert [p["text"].replace("\n\n", "<br><br>") for p in posts] == TEXTS
        for n, post in enumerate(posts, 1):
            holding = {str(files[1])} if n in range(1, 13) and n != 8 else set()
            holding |= {str(files[2])} if n >= 5 else set()
            assert set(post["sources"]) - {str(NOTE_EXAMPLE)} == holding
        assert summary["post_count"] == 14 and summary["id"] == post_id(1)
        assert {p.name for p in reopened.posts_dir.iterdir()} == reopened.live_post_files()


def thread_reader_text(path: Path, numbers: list[int]) -> Path:
    """The thread saved as Thread Reader text (no post ids), holding these posts."""
    texts = [TEXTS[n - 1].replace("<br><br>", "\n\n") for n in numbers]
    path.write_text("Dana Example Profile picture\n28 Feb, 14 tweets, 3 min read\n" + "\n".join(texts)
                    + "\n\n• • •\n\nMore from @dana_example\n\n"
                    + "20 Feb\nUnpopular opinion: a README is a product, not a chore.\nRead 4 tweets\n")
    return path


def test_a_whole_text_copy_without_ids_and_a_page_lacking_a_post_are_one_thread(cli_process, tmp_path):
    page = saved_page(tmp_path / "page.html", [n for n in range(1, 13) if n != 8])
    text = thread_reader_text(tmp_path / "thread.txt", list(range(1, 15)))
    assert cli_process("import", page).code == 0
    result = cli_process("import", text)
    assert result.code == 0 and "1 added, 1 updated, 0 unchanged" in result.out, (result.out, result.err)
    threads = [t for t in json.loads(cli_process("list", "--json").out) if t["title"] == FLAKY_FIRST]
    assert [(t["id"], t["post_count"]) for t in threads] == [(post_id(1), 14)]
    shown = json.loads(cli_process("show", post_id(1), "--json").out)
    # Posts the page had keep their ids; 8, 13 and 14 come from the text, without.
    assert [p["id"] for p in shown["posts"]] == [post_id(n) if n <= 12 and n != 8 else None for n in range(1, 15)]
    assert shown["posts"][7]["sources"] == [str(text)]
    assert str(page) in shown["posts"][0]["sources"]


def test_an_import_writes_index_files_only_for_the_shards_its_post_ids_name(cli, tmp_path, db_path):
    from tui.library import partial_keys, shard_for

    for n in range(12):  # a library of other threads first
        other = tmp_path / f"other{n}.html"
        other.write_text(saved_page(other, [1]).read_text().replace(post_id(1), str(9_000_000 + n))
                         .replace(FLAKY_FIRST, f"Another thread, number {n}."))
        cli("import", other)
    before = set(Library.open(db_path).live_post_files())
    others = set(Library.open(db_path).summaries().ids)
    later = saved_page(tmp_path / "later.html", list(range(5, 15)))
    assert cli("import", later).code == 0
    library = Library.open(db_path)
    after = set(library.live_post_files())
    new_index = {name[1:3] for name in after - before if name.endswith(".keys")}
    # ...and the ids a partial copy of it may have (its text key, its second post's id).
    keys = {key for summary in library.summaries() if summary["id"] not in others for key in partial_keys(summary)}
    assert new_index and new_index <= {shard_for(post_id(n)) for n in range(5, 15)} | {shard_for(key) for key in keys}
    # The other index files stay as they were: a file goes only where its shard's newer files were merged.
    assert {name[1:3] for name in before - after if name.endswith(".keys")} <= new_index


def test_captures_imported_by_three_processes_at_once_are_one_thread(tmp_path, db_path):
    import subprocess

    from .conftest import threads_tui_command
    from .safety_helpers import cli_env

    children = [subprocess.Popen([*threads_tui_command(), "import", str(path)], env=cli_env(db_path),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for path in captures(tmp_path / "saved")]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    library = Library.open(db_path)
    _, posts = the_thread(library)
    assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 15)]
    assert {p.name for p in library.posts_dir.iterdir()} == library.live_post_files()


@pytest.mark.parametrize("module, name, nth, when, expected", COMMIT_KILL_POINTS,
                         ids=[f"{m}.{n}#{k}-{w}" for m, n, k, w, _ in COMMIT_KILL_POINTS])
def test_a_merge_killed_at_each_step_of_its_commit_leaves_the_old_or_the_merged_thread(
        tmp_path, db_path, module, name, nth, when, expected):
    import signal
    import subprocess
    import sys

    from .safety_helpers import cli_env, run_cli, temp_files
    from .test_crash_safety import _KILL_AT, _debris

    preview, page, later = captures(tmp_path / "saved")
    assert run_cli(db_path, "import", page).returncode == 0
    child = subprocess.run([sys.executable, "-c", _KILL_AT, module, name, str(nth), when, str(later)],
                           env=cli_env(db_path), capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    library = Library.open(db_path)
    _, posts = the_thread(library)
    if expected == "old":
        assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 13) if n != 8]
    else:
        assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 15)]
    # The next write clears what the killed writer left, and the index still finds the thread.
    assert run_cli(db_path, "import", later).returncode == 0
    library = Library.open(db_path)
    assert len(flaky(library)) == 1
    _, posts = the_thread(library)
    assert [p["id"] for p in posts] == [post_id(n) for n in range(1, 15)]
    assert temp_files(db_path) == [] and not _debris(db_path)


def test_the_post_index_stays_a_few_files_a_shard_and_finds_the_threads_of_every_commit(db_path, monkeypatch):
    import tui.library

    monkeypatch.setattr(tui.library, "MAX_SHARD_FILES", 3)
    library = Library.open(db_path)

    def posts(n: int, numbers: range) -> list[Post]:
        return [Post(f"thread {n}, post {i}", id=str(1_000_000 + 100 * n + i)) for i in numbers]

    for n in range(30):  # a commit each
        library.add_threads([Thread(posts=posts(n, range(1, 5)), author_handle="ada")])

    files = json.loads(db_path.read_text())["meta"]["1"]["keys"]
    assert max(len(names) for names in files.values()) == 3  # merged past 3, not grown to 30
    for n in (0, 14, 29):  # a later copy holding some of its posts and one more joins it
        counts = library.add_threads([Thread(posts=posts(n, range(3, 6)), author_handle="ada")])
        assert not counts.added and len(library) == 30, counts
        assert [post.text for post in library.thread(str(1_000_000 + 100 * n + 1)).posts][-1] == f"thread {n}, post 5"
