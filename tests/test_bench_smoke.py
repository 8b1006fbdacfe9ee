"""The benchmark runs end to end at a tiny size (no timing is asserted: timings live in bench/)."""

import json
import subprocess
import sys

from .conftest import ROOT


def test_bench_runs_every_row_at_a_small_size(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--threads", "40", "--posts", "3", "--runs", "1",
         "--json", "--keep", str(tmp_path / "bench")],
        capture_output=True, text=True, timeout=300,
    )
    result = json.loads(done.stdout)
    assert done.returncode == (0 if all(row["ok"] for row in result["rows"]) else 1), done.stderr
    assert result["threads"] == 40
    rows = {row["what"].split(" ")[0]: row for row in result["rows"]}
    assert set(rows) == {"cold", "search", "query", "open", "import", "peak", "slowest", "read", "add", "per-post"}
    assert len(result["rows"]) == 15
    for row in result["rows"]:
        assert row["value"] > 0 and row["baseline"] > 0 and row["ok"] == (row["ratio"] <= row["goal"])
    assert rows["open"]["what"].startswith("open a 1000-post thread")
    assert {row["what"].split(" ")[0] for row in result["rows"] if row["baseline_kind"] == "budget"} == {
        "peak", "slowest", "read"}
    assert rows["read"]["unit"] == "KiB" and rows["read"]["baseline"] == 64.0
    assert rows["add"]["what"] == "add one page to 40 threads, vs to none"
    # Below 20,000 pages the per-post cost is set against itself (the row means something at 100,000).
    assert rows["per-post"]["ratio"] == 1.0 and rows["per-post"]["goal"] == 1.25
    three = [row for row in result["rows"] if row["what"].startswith("peak memory after 3 searches")]
    assert len(three) == 1 and three[0]["baseline"] == 100.0
    searches = [row["what"] for row in result["rows"] if row["what"].startswith("search")]
    assert searches[0].startswith("search 'zebracorn'") and searches[1].startswith("search 'ostinato'")
    queries = [row["what"] for row in result["rows"] if row["what"].startswith("query")]
    assert [q.split(",")[0] for q in queries] == ["query zebracorn", 'query "river bridge"', "query from:author_7 since:2020"]
    assert all(" 0 hits" not in q for q in queries)  # each query finds something at any size
