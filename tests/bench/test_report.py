"""bench/report.py: reading the benchmarks' output and writing docs/benchmarks.md, from canned
output (no benchmark runs here)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


report = _load()

FORUMS = """\
INFO  [alembic.runtime.migration] Running upgrade 1 -> 2, moderation: hidden posts,
flags and the moderation log
seeded 1000 topics and 50000 posts in 9.1s (/tmp/forum-bench-abc)
app (gunicorn -w 2 --threads 8 --worker-connections 8 -k gthread --log-level warning):
  topic page, 25 posts: 301 requests/s (runs: 290, 301, 288), p99 80.2 ms
  topic list: 420 requests/s (runs: 400, 420, 410), p99 60.1 ms
  signed-in static page: 600 requests/s (runs: 590, 600, 580), p99 40.0 ms
floor (bare Flask, same gunicorn settings):
  hello world: 3000 requests/s (runs: 2900, 3000, 2950), p99 9.0 ms
scale: app_hello_rps=1600 app_hello_ratio=0.53 user_only_rps=840 user_only_ratio=0.28 \
layout_rps=600 layout_ratio=0.20
forums: topic_rps=301 topic_p99_ms=80 list_rps=420 layout_rps=600 floor_rps=3000 \
topic_ratio=0.10 app_hello_ratio=0.53 layout_ratio=0.20 topic_to_layout=0.50 \
queries_per_topic_page=9
""".splitlines()

LIVE = """\
seeded 500 members and 4 live sessions in 3.0s (/tmp/live-bench-x)
200 messages at 20/s to every client in one room (latency: emitted by the speaker to arrived):
  floor  workers=1 clients=100  p50_ms=5 p99_ms=20 max_ms=30 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=40 (idle 60 MiB) \
joined_in=4.0s
  floor  workers=1 clients=500  p50_ms=30 p99_ms=90 max_ms=120 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=45 (idle 60 MiB) \
joined_in=20.0s
  app    workers=1 clients=100  p50_ms=8 p99_ms=40 max_ms=50 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=90 (idle 120 MiB) \
joined_in=5.0s
  app    workers=2 clients=100  p50_ms=9 p99_ms=45 max_ms=55 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=95 (idle 240 MiB) \
joined_in=5.0s
  app    workers=1 clients=500  p50_ms=60 p99_ms=300 max_ms=400 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=100 (idle 120 MiB) \
joined_in=30.0s
  app    workers=2 clients=500  p50_ms=50 p99_ms=200 max_ms=260 lost=0 duplicates=0 \
out_of_order=0 refused_sends=0 dropped_before_talking=0 rss_kb_per_client=110 (idle 240 MiB) \
joined_in=31.0s
took 280s
live: clients=500 p50_ms=50 p99_ms=200 lost=0 duplicates=0 out_of_order=0 \
rss_kb_per_client=110 workers=2 floor_p99_ms=90
""".splitlines()

LIBRARY = """\
200 MB through the app under gevent on 127.0.0.1 (/tmp/library-bench-y):
  upload: 200 MB in 1.00s (200 MB/s, to the stored file's token)
  download through the app: 380, 400, 390 MB/s
  the same file from the static route (floor): 700, 800, 750 MB/s
  server memory: 110 MB after the warm-up, peak 115 MB
INFO  [workspace.access] GET /communities/bench-library/library 200 151.9 ms
2026-11-30 02:12:11,268 INFO workspace.access [6a19]: GET /communities/bench-library/library 200
packet queue is empty, aborting
ERROR [engineio.client] packet queue is empty, aborting
  library page: 14 SQL statements with 10 resources, 14 with 200 (two versions each)
took 9s
goals: all met
library: upload_mb_s=200 download_mb_s=400 download_ratio=0.50 peak_rss_growth_mb=4.5 \
list_queries=14
""".splitlines()

DIGEST = """\
Seeding 10000 people in 50 communities (sqlite)...
  seeded in 40s
  batch_size=500: batches=20 queries=400 digests=9000 seconds=60.0 peak_rss_mb=150 \
(resident before the run: 100, after the first batch: 140, after the last: 141)
  batch_size=1000: batches=10 queries=220 digests=9000 seconds=58.0 peak_rss_mb=180 \
(resident before the run: 100, after the first batch: 170, after the last: 171)
queries grow with batches, not people: 18 per batch of people, 40 for the run \
(10000 people either way)
digest: people=10000 seconds=60.0 queries=400 peak_rss_mb=150
""".splitlines()


def _join_continued(lines: list[str]) -> list[str]:
    """The canned outputs above wrap long lines with a backslash; the benchmarks don't."""
    return "\n".join(lines).replace("\\\n", "").splitlines()


def _run(name: str, output: list[str], returncode: int = 0) -> object:
    return report.Run(name, returncode, 100.0, _join_continued(output), 0.5, 0.7, 10.0)


def _machine() -> object:
    return report.Machine(cpu_model="AMD EPYC", cpus=2, cpus_usable=2,
                          memory_total_kb=8 * 1024 * 1024, memory_available_kb=4 * 1024 * 1024,
                          os="Debian GNU/Linux 12 (bookworm)", kernel="6.1.0", python="3.11.2",
                          sqlite="3.40.1", software={"gunicorn": "23.0.0", "redis-server": "7.0"})


def _render(runs: dict[str, object]) -> str:
    return report.render(report.Report(
        started=datetime(2026, 11, 30, 3, 0, tzinfo=UTC), commit="abc1234",
        machine=_machine(), runs=runs, selected=list(runs),
        load_before=(0.5, 0.4, 0.3), load_after=(1.5, 1.2, 0.9)))


def test_pairs_and_final_line() -> None:
    run = _run("forums", FORUMS)
    assert run.final == {"topic_rps": "301", "topic_p99_ms": "80", "list_rps": "420",
                         "layout_rps": "600", "floor_rps": "3000", "topic_ratio": "0.10",
                         "app_hello_ratio": "0.53", "layout_ratio": "0.20",
                         "topic_to_layout": "0.50", "queries_per_topic_page": "9"}
    assert not run.failed
    assert report.pairs("x=1, y=2.5 (z=abc)") == {"x": "1", "y": "2.5", "z": "abc"}


def test_forums_rows_set_each_figure_beside_the_floor() -> None:
    rows = {row.figure: row for row in report.rows_for(_run("forums", FORUMS))}
    # The printed ratio stands for topic_rps (computed from unrounded figures); the scale
    # line's figures join the table, each against the same floor.
    assert "topic_ratio" not in rows and "layout_ratio" not in rows
    assert (rows["topic_rps"].floor, rows["topic_rps"].ratio) == ("3000", 0.10)
    assert rows["topic_rps"].verdict == "—"
    # Issue #18's goals: the layout page's share of the floor, the topic page's share of the
    # layout page, the topic page's statements.
    assert rows["layout_rps"].verdict == "ratio ≥ 0.35: **not met**"
    assert rows["topic_to_layout"].verdict == "≥ 0.5: met"
    assert rows["queries_per_topic_page"].verdict == "≤ 6: **not met**"
    assert rows["list_rps"].ratio == pytest.approx(0.14)
    assert (rows["layout_rps"].floor, rows["layout_rps"].ratio) == ("3000", 0.20)
    assert rows["queries_per_topic_page"].floor == "—"


def test_a_key_a_benchmark_adds_later_appears_by_itself() -> None:
    output = [*FORUMS[:-2], "forums: topic_rps=301 floor_rps=3000 topic_ratio=0.10 "
              "topic_to_layout=0.50 new_figure=7"]
    rows = {row.figure: row for row in report.rows_for(_run("forums", output))}
    assert rows["topic_to_layout"].value == "0.50"
    assert rows["new_figure"].value == "7"


def test_live_rows_and_runs() -> None:
    run = _run("live", LIVE)
    rows = {row.figure: row for row in report.rows_for(run)}
    assert "floor_p99_ms" not in rows
    assert (rows["p99_ms"].floor, rows["p99_ms"].ratio) == ("90", pytest.approx(200 / 90))
    assert (rows["p50_ms"].floor, rows["p50_ms"].ratio) == ("30", pytest.approx(50 / 30))
    assert rows["rss_kb_per_client"].floor == "45"
    assert rows["lost"].verdict == "0: met"
    assert len(report.live_runs(run.output)) == 6


def test_library_rows_take_the_floor_from_its_listed_runs() -> None:
    rows = {row.figure: row for row in report.rows_for(_run("library", LIBRARY))}
    assert (rows["download_mb_s"].floor, rows["download_mb_s"].ratio) == ("800", 0.50)
    assert rows["download_mb_s"].verdict == "ratio ≥ 0.5: met"
    assert rows["peak_rss_growth_mb"].verdict == "< 32: met"
    assert rows["list_queries"].floor == "14 (with 10 resources)"
    assert rows["list_queries"].verdict.endswith(": met")
    assert rows["upload_mb_s"].ratio is None


def test_the_document() -> None:
    text = _render({"forums": _run("forums", FORUMS), "live": _run("live", LIVE),
                    "library": _run("library", LIBRARY), "digest": _run("digest", DIGEST)})
    assert "- Commit: `abc1234`" in text
    assert "AMD EPYC, 2 logical CPUs" in text
    assert "SQLite 3.40.1" in text
    assert "before the run: 0.50, 0.40, 0.30; after: 1.50, 1.20, 0.90" in text
    assert "40 CPU-seconds in 400 s, 0.10 CPUs on average" in text
    assert "| `layout_rps` | 600 | 3000 | 0.20 | ratio ≥ 0.35: **not met** (issue #18) |" in text
    assert "| `download_mb_s` | 400 | 800 | 0.50 | ratio ≥ 0.5: met (issue #15) |" in text
    assert "| `people` | 10000 | — | — | — |" in text
    # Kept lines: the figures beside their floors, the final line, no temp paths or set-up.
    assert "  hello world: 3000 requests/s" in text
    assert "/tmp/" not in text and "seeded" not in text
    assert "took 280s" not in text
    assert "workspace.access" not in text and "packet queue" not in text
    assert "(3 log records left out)" in text
    assert "moderation" not in text


def test_what_it_means_for_a_network_is_computed_from_the_run() -> None:
    text = _render({"forums": _run("forums", FORUMS), "live": _run("live", LIVE),
                    "library": _run("library", LIBRARY), "digest": _run("digest", DIGEST)})
    network = text.split("## What this means for a network", 1)[1]
    # 301 pages/s × 60 ÷ 2 pages a minute; ÷ 5 % active at the peak (two significant figures).
    assert "= 9,030 people active at once; ÷ 5% = **180,000 members**" in network
    # The largest run under 250 ms with nothing lost: 500 clients, two workers; ÷ 30 a
    # session, 480 people in sessions ÷ 5 % of the members.
    assert "500 clients in one room on 2 worker(s) had p99 200 ms" in network
    assert "at least 16 sessions at once" in network
    assert "480 people ÷ 5% = **9,600 members**" in network
    assert "4.0 GB available at the start would hold 38,130 clients (not the limit)" in network
    # 60 s for 10,000 people: 6 ms a person; an hour holds 600,000.
    assert "6.0 ms a person" in network and "100,000 people 10 min" in network
    assert "**600,000 members**" in network
    # 400 MB/s ÷ (50 Mbit/s = 6.25 MB/s) = 64 at once, ÷ 0.2 % of the members.
    assert "= 64 recordings downloading at once at full speed; ÷ 0.2% = **32,000 members**" \
        in network
    # The smallest figure is the network one machine serves.
    # The smallest figure is the network one machine serves; live's is only a floor (the run
    # stopped at 500 clients), so the smallest figure measured to its limit is named too.
    assert ("**One such machine serves a network of at least 9,600 members**, the smallest of "
            "the figures above (live sessions); that figure is a floor, as the run stopped at "
            "500 clients, within the target, and the smallest measured to its limit is 32,000 "
            "(library downloads).") in network
    without_live = _render({"forums": _run("forums", FORUMS), "digest": _run("digest", DIGEST)})
    assert ("**One such machine serves a network of about 180,000 members**, the smallest of "
            "the figures above (forums).") in without_live


def test_live_between_two_counts_measured() -> None:
    slower = [line.replace("p99_ms=200", "p99_ms=400") for line in LIVE]
    text = _render({"live": _run("live", slower)})
    assert "100 clients in one room on 1 worker(s) had p99 40 ms" in text
    assert ("At 500 clients the best p99 was 300 ms, the bare floor's 90 ms: the benchmark's "
            "clients, one Python process on the same machine, are much of that.") in text
    assert ("**One such machine serves a network of at least 1,800 members**, the smallest of "
            "the figures above (live sessions); that figure is a floor, as the limit lies "
            "between the 100 and 500 clients measured.") in text


def test_no_run_under_the_live_target_gives_no_sessions() -> None:
    slow = [line.replace("p99_ms=", "p99_ms=9") for line in LIVE]
    text = _render({"live": _run("live", slow)})
    assert "No run kept p99 under 250 ms with nothing lost" in text
    assert "No network size can be read from this run." in text


def test_a_failed_benchmark_is_reported_and_the_rest_still_written() -> None:
    failed = _run("live", [*LIVE[:3], *["ERROR [engineio.client] packet queue is empty"] * 300,
                           "Traceback (most recent call last):", "RuntimeError: x"],
                  returncode=1)
    text = _render({"forums": _run("forums", FORUMS), "live": failed})
    assert failed.failed
    assert "**Failed**: `bench/live.py` exited with status 1" in text
    assert "RuntimeError: x" in text
    assert "ERROR [engineio.client] packet queue is empty  (×198)" in text  # of the last 200
    assert "- **Live sessions.** Not measured in this run." in text
    assert "= 9,030 people active at once" in text
    assert "## Daily digests (`make bench-digest`)\n\nNot run this time." in text
    assert "(not run: library, digest)" in text
    no_line = _run("digest", DIGEST[:-1])
    assert no_line.failed
    assert "printed no `digest:` line" in _render({"digest": no_line})


def test_selection() -> None:
    assert report.parse_selection(None) == ["forums", "live", "library", "digest"]
    assert report.parse_selection("library, forums") == ["forums", "library"]
    with pytest.raises(SystemExit):
        report.parse_selection("forums,nope")
