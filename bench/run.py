"""threads-tui benchmark: each speed and memory goal as measured value, baseline, ratio and goal.

    python bench/run.py --threads 20000 --posts 10 [--json] [--keep DIR]

Builds a synthetic library through the real import path, then measures in
fresh processes (bench/probe.py): cold start, search, queries as a person
feels them (typed and enter pressed at once, to the first hit's thread
drawn), opening a 1,000-post thread, the slowest frame while paging, peak
memory (after one search, and after three typed key by key), the bytes one
read mark writes, and adding one page to the library against adding it to
an empty one. Each time is set against a baseline measured in the same run:
a bare Textual app's start, `grep -c -i` and ripgrep (`rg -i -c -F`) over
the library's files, Python reading and splitting the pages, the same work
on a small library; the import's cost per post is set against its cost at
20,000 pages (a second import of the first 20,000, where there are more).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import PHRASE, RARE_PLAIN_WORD, RARE_WORD, write_pages  # noqa: E402

from tui.importing import run_import  # noqa: E402
from tui.library import Library  # noqa: E402

PROBE = Path(__file__).resolve().parent / "probe.py"
LONG_THREAD_POSTS = 1000
# The library size the import's cost per post is compared with.
PER_POST_BASE_THREADS = 20_000
READ_MARK_BUDGET_KIB = 64.0
COLD_START_GOAL = 3.0  # a bare Textual app's start, at 20,000 threads and at 100,000 (issue 13)
# The search typed one letter alone: the largest hit list a reader can ask for.
ONE_LETTER = "e"


def probe(*args: str) -> dict:
    """Run one probe in a fresh process; its JSON answer."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env["BENCH_T0"] = repr(time.time())
    done = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True, env=env,
                          timeout=600, stdin=subprocess.DEVNULL)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"probe {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def best_of(runs: int, *args: str) -> dict:
    """The fastest of `runs` probes (the least disturbed by the rest of the machine)."""
    results = [probe(*args) for _ in range(runs)]
    key = "seconds" if "seconds" in results[0] else next(iter(results[0]))
    return min(results, key=lambda r: r[key])


def read_and_split(paths: list[Path]) -> float:
    """Baseline for import: Python reading each page and splitting it into lines."""
    began = time.perf_counter()
    for path in paths:
        path.read_text(encoding="utf-8").split("\n")
    return time.perf_counter() - began


def grep_seconds(files: list[Path], word: str) -> float:
    """Baseline for search: `grep -c -i WORD` over the library's files."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(["grep", "-c", "-i", word, *map(str, files)], capture_output=True)
        best = min(best, time.perf_counter() - began)
    return best


def ripgrep_seconds(files: list[Path], text: str) -> float:
    """Baseline for a query: `rg -i -c -F TEXT` over the library's files (ripgrep, on every core)."""
    if shutil.which("rg") is None:
        raise SystemExit("bench: ripgrep (rg) is the baseline of the query rows; install it (apt-get install ripgrep)")
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(["rg", "-i", "-c", "-F", text, *map(str, files)], capture_output=True)
        best = min(best, time.perf_counter() - began)
    return best


def long_thread_page(folder: Path) -> Path:
    lines = ["Long Example Profile picture", "Jan 1, 2026", f"{LONG_THREAD_POSTS} tweets, 200 min read"]
    lines += [f"Post {n} of a very long thread about keeping notes, with a link https://example.org/{n} "
              f"and @someone mentioned, long enough to wrap over a couple of lines." for n in range(LONG_THREAD_POSTS)]
    lines += ["", "• • •", "", "More from @long_example", ""]
    path = folder / "long-thread.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def row(name: str, value: float, baseline: float, goal: float, unit: str = "s", budget: bool = False) -> dict:
    """One goal: the value, what it is set against, and whether it is met.

    `budget`: the baseline is a fixed budget from the issue (200 MiB, one frame
    at 30 fps), not something measured in this run.
    """
    ratio = value / baseline if baseline else float("inf")
    return {"what": name, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal,
            "unit": unit, "ok": ratio <= goal, "baseline_kind": "budget" if budget else "measured"}


def searches_memory_budget(threads: int) -> float:
    """Issue 13's budget for peak memory after searches: 100 MiB at 20k threads, 150 MiB at 100k."""
    return 100.0 if threads <= 20_000 else 150.0


def import_seconds_of(pages: Path, db: Path) -> float:
    """Import every page under `pages` into a new library at `db`, timed."""
    began = time.perf_counter()
    report = run_import([pages], Library.open(db))
    seconds = time.perf_counter() - began
    if report.failures:
        raise RuntimeError(f"import failed: {report.failures[:3]}")
    return seconds


def adding_one(work: Path, db: Path, runs: int, posts: int) -> tuple[float, float]:
    """The fastest of `runs` imports of one new page into the library at `db`, and into an empty one."""
    extra = write_pages(work / "extra-pages", 2 * runs, posts, seed=99)
    into_library = min(probe("add", str(db), str(page))["seconds"] for page in extra[:runs])
    into_empty = []
    for n, page in enumerate(extra[runs:]):
        empty = work / f"empty-{n}"
        shutil.rmtree(empty, ignore_errors=True)
        empty.mkdir()
        into_empty.append(probe("add", str(empty / "library.json"), str(page))["seconds"])
    return into_library, min(into_empty)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="probes per measurement; the best counts")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, help="build the library here and keep it")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="threads-tui-bench-"))
    pages_dir = work / "pages"
    db = work / "library.json"
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    try:
        say(f"writing {args.threads} pages of {args.posts} posts into {pages_dir} …")
        shutil.rmtree(pages_dir, ignore_errors=True)
        paths = write_pages(pages_dir, args.threads, args.posts)
        # The pages just written would be flushed to disk during the import, and its fsyncs wait for
        # them: measured so, the import would pay for the bench's own set-up. Files to import exist.
        os.sync()
        for stale in work.glob("library.json*"):
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()

        split_seconds = min(read_and_split(paths) for _ in range(2))
        say("importing …")
        import_seconds = import_seconds_of(pages_dir, db)
        per_post = import_seconds / (len(paths) * args.posts)
        if len(paths) > PER_POST_BASE_THREADS:  # the same import of the first 20,000 pages, apart
            say(f"importing the first {PER_POST_BASE_THREADS} pages into a library of their own …")
            base_pages = work / "base-pages"
            shutil.rmtree(base_pages, ignore_errors=True)
            base_pages.mkdir()
            for path in paths[:PER_POST_BASE_THREADS]:
                os.link(path, base_pages / f"{path.parent.name}-{path.name}")
            base_db = work / "base-library" / "library.json"
            shutil.rmtree(base_db.parent, ignore_errors=True)
            base_db.parent.mkdir()
            base_per_post = import_seconds_of(base_pages, base_db) / (PER_POST_BASE_THREADS * args.posts)
            shutil.rmtree(base_db.parent, ignore_errors=True)
        else:
            base_per_post = per_post  # the same import: the row means something past 20,000 pages
        long_report = run_import([long_thread_page(work)], Library.open(db))
        long_id = (long_report.counts.added or long_report.counts.unchanged)[0]
        # The baseline greps the library as stored (summaries and posts), not the derived search files.
        posts_dir = Library(db).posts_dir
        library_files = [db, *sorted(posts_dir.glob("*.json")), *sorted(posts_dir.glob("*.summaries")),
                         *sorted(posts_dir.glob("*.journal"))]
        library_bytes = sum(f.stat().st_size for f in library_files)

        say("measuring …")
        bare = best_of(args.runs, "bare")["seconds"]
        start = best_of(args.runs, "start", str(db))
        search = best_of(args.runs, "search", str(db), RARE_WORD)
        plain_search = best_of(args.runs, "search", str(db), RARE_PLAIN_WORD)
        opened = best_of(args.runs, "open", str(db), long_id)
        scrolled = probe("scroll", str(db), long_id)
        grep = grep_seconds(library_files, RARE_WORD)
        plain_grep = grep_seconds(library_files, RARE_PLAIN_WORD)
        author = "author_7"
        queries = [(RARE_WORD, RARE_WORD), (f'"{PHRASE}"', PHRASE), (f"from:{author} since:2020", author)]
        query_rows = []
        for query, text in queries:
            measured = best_of(args.runs, "query", str(db), query)
            query_rows.append(row(f"query {query}, typed + enter to its thread drawn ({measured['hits']} hits)",
                                  measured["seconds"], ripgrep_seconds(library_files, text), 1.0))
        three = probe("searches", str(db), RARE_WORD, ONE_LETTER, RARE_PLAIN_WORD)
        marked = probe("mark", str(db), long_id)
        into_library, into_empty = adding_one(work, db, args.runs, args.posts)

        rows = [
            row(f"cold start to thread list ({start['rows']} threads)", start["seconds"], bare,
                COLD_START_GOAL),
            row(f"search {RARE_WORD!r}, keypress to {search['hits']} hits drawn", search["seconds"], grep, 1.0),
            row(f"search {RARE_PLAIN_WORD!r} (common letters), to {plain_search['hits']} hits",
                plain_search["seconds"], plain_grep, 1.0),
            row(f"open a {opened['posts']}-post thread, keypress to posts drawn", opened["seconds"], bare, 0.5),
            row(f"import {len(paths)} pages", import_seconds, split_seconds, 5.0),
            *query_rows,
            row("peak memory after a search", search["rss_mib"], 200.0, 1.0, unit="MiB", budget=True),
            row("slowest page-down frame, thread list", scrolled["list_seconds"], 1 / 30, 1.0, budget=True),
            row("slowest page-down frame, long thread", scrolled["thread_seconds"], 1 / 30, 1.0, budget=True),
            row(f"peak memory after 3 searches typed ({ONE_LETTER!r} alone)", three["rss_mib"],
                searches_memory_budget(args.threads), 1.0, unit="MiB", budget=True),
            row("read mark: bytes one save writes", marked["bytes"] / 1024, READ_MARK_BUDGET_KIB, 1.0, unit="KiB",
                budget=True),
            row(f"add one page to {len(paths)} threads, vs to none", into_library, into_empty, 2.0),
            row(f"per-post import cost at {len(paths)}, vs at {min(len(paths), PER_POST_BASE_THREADS)} pages",
                per_post * 1e6, base_per_post * 1e6, 1.25, unit="µs"),
        ]
        result = {
            "threads": args.threads, "posts_per_thread": args.posts, "library_mib": library_bytes / 1048576,
            "baselines": {"bare_textual_start_s": bare, "grep_c_i_s": grep, "grep_c_i_plain_word_s": plain_grep,
                          "read_and_split_s": split_seconds},
            "rows": rows,
        }
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"threads-tui bench: {args.threads} threads x {args.posts} posts "
                  f"(+1 of {LONG_THREAD_POSTS}), library {library_bytes / 1048576:.1f} MiB")
            print(f"{'what':<70} {'value':>10} {'baseline':>10} {'ratio':>7} {'goal':>6}  ok")
            for r in rows:
                unit = r["unit"]
                mark = "*" if r["baseline_kind"] == "budget" else " "
                print(f"{r['what']:<70} {r['value']:>8.3f}{unit:>2} {r['baseline']:>8.3f}{unit:>2}{mark}"
                      f"{r['ratio']:>6.2f}x {r['goal']:>5.2f}x  {'yes' if r['ok'] else 'NO'}")
            print("baselines measured in this run: a bare Textual app's start; grep -c -i (search rows) and "
                  "rg -i -c -F (query rows) over the library files; Python reading and splitting the pages; "
                  "adding a page to an empty library; the import per post at 20,000 pages. * a fixed budget: "
                  "200 MiB, 100 MiB at 20,000 threads and 150 MiB past that after three searches; one frame at "
                  "30 fps; 64 KiB for a read mark")
        return 0 if all(r["ok"] for r in rows) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
