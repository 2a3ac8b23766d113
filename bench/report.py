"""`make bench`: every benchmark, one after another, and docs/benchmarks.md from what they print.

Runs bench/forums.py, bench/live.py, bench/library.py and bench/digest.py as subprocesses in
that order, never two at once (`--only forums,library` for a subset), passing their output
through as it comes. Each prints a last line `<name>: key=value ...`; every key of it becomes a
row of that benchmark's table, so a key a benchmark adds later appears without a change here.
Beside each figure goes the floor the same run measured (bare Flask, a bare Flask-SocketIO
server, the static route), the ratio, and the issue's goal where there is one.

The document also describes the machine (CPU, memory, OS, Python, SQLite and the other servers'
versions), the load on it (load average, and the CPU time other processes used while the
benchmarks ran: the machine's busy time from /proc/stat less the benchmarks' own, their
children included), and what the figures mean for a network of a given size, from the
assumptions stated in ASSUMPTIONS below. A benchmark that fails is reported as failed in its
section; the rest is still written, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "benchmarks.md"
BENCHMARKS = ("forums", "live", "library", "digest")
LONGEST_RUN = 30 * 60  # seconds; the slowest (live) takes about five minutes
SERVER_PACKAGES = ("Flask", "Werkzeug", "SQLAlchemy", "gunicorn", "gevent", "Flask-SocketIO",
                   "python-socketio")


def log(message: str) -> None:
    print(message, flush=True)


# --- Running ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CpuTimes:
    """The machine's busy CPU seconds (all cores) and those of this process's waited-for
    children, at one moment."""

    machine_busy: float
    ours: float

    @classmethod
    def now(cls) -> CpuTimes:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0]
                  .split()[1:]]
        # user nice system idle iowait irq softirq steal (guest time is already in user)
        busy = sum(fields[:3]) + sum(fields[5:8])
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(busy / os.sysconf("SC_CLK_TCK"), children.ru_utime + children.ru_stime)


@dataclass
class Run:
    """One benchmark's run: its exit status, output and the machine around it."""

    name: str
    returncode: int
    seconds: float
    output: list[str]
    load_before: float = 0.0
    load_after: float = 0.0
    other_cpu_seconds: float = 0.0  # busy time on the machine that was not the benchmark's

    @property
    def final(self) -> dict[str, str] | None:
        return last_pairs(self.output, self.name)

    @property
    def failed(self) -> bool:
        return self.returncode != 0 or self.final is None


def run_benchmark(name: str) -> Run:
    """bench/<name>.py in a subprocess, its output passed through and kept."""
    log(f"\n== {name} (bench/{name}.py) ==")
    load_before = os.getloadavg()[0]
    cpu_before = CpuTimes.now()
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / f"{name}.py")], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               bufsize=1)
    output: list[str] = []
    assert process.stdout is not None
    timer = Timer(process, LONGEST_RUN)
    try:
        for line in process.stdout:
            line = line.rstrip("\n")
            print(line, flush=True)
            output.append(line)
        returncode = process.wait()
    finally:
        timer.cancel()
    if timer.fired:
        output.append(f"stopped after {LONGEST_RUN // 60} minutes")
    seconds = time.monotonic() - started
    cpu_after = CpuTimes.now()
    other = ((cpu_after.machine_busy - cpu_before.machine_busy)
             - (cpu_after.ours - cpu_before.ours))
    return Run(name, returncode, seconds, output, load_before, os.getloadavg()[0],
               max(0.0, other))


class Timer:
    """Interrupts a benchmark that overruns: SIGINT first, so its `finally` blocks stop the
    servers it started, then SIGKILL if it is still there."""

    def __init__(self, process: subprocess.Popen[str], seconds: float) -> None:
        self.fired = False
        self._process = process
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._wait, args=(seconds,), daemon=True)
        self._thread.start()

    def _wait(self, seconds: float) -> None:
        if self._cancelled.wait(seconds) or self._process.poll() is not None:
            return
        self.fired = True
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def cancel(self) -> None:
        self._cancelled.set()


# --- Parsing ---------------------------------------------------------------------------------

PAIR = re.compile(r"(\w+)=([^\s,;()]+)")


def pairs(text: str) -> dict[str, str]:
    """key=value pairs in a line, in order."""
    return dict(PAIR.findall(text))


def last_pairs(output: Sequence[str], label: str) -> dict[str, str] | None:
    """The pairs of the last `<label>: k=v ...` line, or None if there is none."""
    for line in reversed(output):
        if line.startswith(f"{label}: ") and "=" in line:
            return pairs(line[len(label) + 2:])
    return None


def number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def live_runs(output: Sequence[str]) -> list[dict[str, str]]:
    """bench/live.py's per-run lines (`  app    workers=1 clients=100  p50_ms=...`), each with
    its label as `label`."""
    runs = []
    for line in output:
        match = re.match(r"^\s+(app|floor)\s+(workers=.*)$", line)
        if match:
            runs.append({"label": match.group(1), **pairs(match.group(2))})
    return runs


def best_of_listed(output: Sequence[str], prefix: str) -> float | None:
    """The highest of the numbers a line like `  <prefix>: 812, 790, 835 MB/s` lists."""
    for line in output:
        if line.strip().startswith(prefix):
            numbers = re.findall(r"\d+(?:\.\d+)?", line.split(":", 1)[1])
            if numbers:
                return max(float(n) for n in numbers)
    return None


# A log record rather than a benchmark's own line: `INFO  [logger] message`, or with a time
# first and a request id after the logger (the app's access lines from in-process requests, the
# Socket.IO client's complaints as the bench's clients hang up).
LOG_RECORD = re.compile(r"^(?:\d{4}-\d\d-\d\d[ T][\d:,.]+\s+)?"
                        r"(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+\[?[\w.]+\]?"
                        r"(?:\s+\[[0-9a-f]+\])?:?\s+(.*)$")


def kept_lines(run: Run) -> list[str]:
    """The lines worth keeping in the document: the figures beside their floors and the final
    line. Set-up chatter, log records (and the bare copies of their messages that a second
    handler prints) and temp paths go, with a count of the records. A failed run keeps its
    last lines but for INFO and DEBUG records."""
    if run.failed:
        lines = [line for line in run.output
                 if not (match := LOG_RECORD.match(line)) or match.group(1) not in ("DEBUG",
                                                                                    "INFO")]
        return _counted([_without_paths(line) for line in lines[-200:]])[-40:]
    records = [match for line in run.output if (match := LOG_RECORD.match(line))]
    messages = {match.group(2).strip() for match in records}
    kept, in_record = [], False
    for line in run.output:
        # A record's message can go on over lines of its own; the benchmarks' own lines at the
        # margin all have a colon (`forums: ...`, `floor (...):`), and the rest are indented.
        continued = in_record and line[:1].strip() and ":" not in line
        in_record = bool(LOG_RECORD.match(line) or continued)
        if in_record or line.strip() in messages:
            continue
        if not re.match(r"^\s*(seeded|Seeding|took)\b", line):
            kept.append(_without_paths(line))
    if records:
        kept.append(f"({len(records)} log records left out)")
    return kept


def _counted(lines: list[str]) -> list[str]:
    """Each distinct line once, where it first came, with how often it came if more than once
    (a failing run can repeat one complaint hundreds of times)."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line if count == 1 else f"{line}  (×{count})" for line, count in counts.items()]


def _without_paths(line: str) -> str:
    return re.sub(r"\s*\((?:/tmp|/var)[^)]*\)", "", line)


# --- Figures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Goal:
    """A goal an issue set for a figure: on its ratio to the floor, or on the value itself."""

    text: str
    met: Callable[[float], bool]
    on_ratio: bool = False
    source: str = ""


GOALS: dict[tuple[str, str], Goal] = {
    # Issue #18 replaced #4's share of bare Flask for the topic page with these.
    ("forums", "layout_rps"): Goal("ratio ≥ 0.35", lambda r: r >= 0.35, on_ratio=True,
                                   source="issue #18"),
    ("forums", "topic_to_layout"): Goal("≥ 0.5", lambda v: v >= 0.5, source="issue #18"),
    ("forums", "queries_per_topic_page"): Goal("≤ 6", lambda v: v <= 6, source="issue #18"),
    # The live room promises every message once and in order (its line in the README).
    ("live", "lost"): Goal("0", lambda v: v == 0, source="README"),
    ("live", "duplicates"): Goal("0", lambda v: v == 0, source="README"),
    ("live", "out_of_order"): Goal("0", lambda v: v == 0, source="README"),
    ("library", "download_mb_s"): Goal("ratio ≥ 0.5", lambda r: r >= 0.5, on_ratio=True,
                                       source="issue #15"),
    ("library", "peak_rss_growth_mb"): Goal("< 32", lambda v: v < 32, source="issue #15"),
    ("library", "list_queries"): Goal("ratio = 1 (same with 10 and 200 resources)",
                                      lambda r: r == 1, on_ratio=True, source="issue #15"),
}


@dataclass
class Row:
    figure: str
    value: str
    floor: str = "—"
    ratio: float | None = None
    goal: Goal | None = None

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return "—"
        measured = self.ratio if self.goal.on_ratio else number(self.value)
        if measured is None:
            return f"{self.goal.text}: not measured"
        return f"{self.goal.text}: {'met' if self.goal.met(measured) else '**not met**'}"


def rows_for(run: Run) -> list[Row]:
    """Every key of the final line as a row, with its floor and ratio where the run measured
    one. A `<x>_ratio` key is shown as the ratio of its `<x>_rps` or `<x>_mb_s` row."""
    final = run.final or {}
    figures = dict(final)
    floors: dict[str, tuple[str, float | None]] = {}  # key -> (floor, ratio)
    if run.name == "forums":
        scale = last_pairs(run.output, "scale") or {}
        figures = {**final, **{k: v for k, v in scale.items() if k not in final}}
        floor = final.get("floor_rps")
        for key in figures:
            if key.endswith("_rps") and key != "floor_rps" and floor:
                base = key.removesuffix("_rps")
                floors[key] = (floor, _ratio(figures, f"{base}_ratio", figures[key], floor))
    elif run.name == "live":
        floor_run = next((r for r in live_runs(run.output)
                          if r["label"] == "floor" and r.get("clients") == final.get("clients")),
                         {})
        for key in ("p50_ms", "p99_ms", "rss_kb_per_client"):
            floor = final.get(f"floor_{key}") or floor_run.get(key)
            if key in figures and floor:
                floors[key] = (floor, _ratio({}, "", figures[key], floor))
    elif run.name == "library":
        floor_mb_s = best_of_listed(run.output, "the same file from the static route")
        if "download_mb_s" in figures and floor_mb_s is not None:
            floors["download_mb_s"] = (f"{floor_mb_s:.0f}", _ratio(
                figures, "download_ratio", figures["download_mb_s"], str(floor_mb_s)))
        few = re.search(r"library page: (\d+) SQL statements with (\d+) resources", "\n".join(
            run.output))
        if "list_queries" in figures and few:
            floors["list_queries"] = (f"{few.group(1)} (with {few.group(2)} resources)",
                                      _ratio({}, "", figures["list_queries"], few.group(1)))
    shown_as_ratio = {f"{key.removesuffix('_rps').removesuffix('_mb_s')}_ratio"
                      for key in floors}
    rows = []
    for key, value in figures.items():
        if key in shown_as_ratio or key.startswith("floor_") and run.name == "live":
            continue
        floor, ratio = floors.get(key, ("—", None))
        rows.append(Row(key, value, floor, ratio, GOALS.get((run.name, key))))
    return rows


def _ratio(figures: dict[str, str], ratio_key: str, value: str, floor: str) -> float | None:
    """The benchmark's own ratio when it printed one (from unrounded figures), else ours."""
    printed = number(figures.get(ratio_key))
    if printed is not None:
        return printed
    measured, base = number(value), number(floor)
    return measured / base if measured is not None and base else None


# --- What it means for a network ---------------------------------------------------------------

@dataclass(frozen=True)
class Assumptions:
    pages_per_minute: float = 2  # an active member at the peak: a forum page every 30 seconds
    active_at_peak: float = 0.05  # share of a network's members active in its busiest minute
    room_size: int = 30  # people in one live session
    live_p99_ms: float = 250  # chat that still feels immediate
    in_session_at_peak: float = 0.05  # share of the members in a live session at the busiest hour
    digest_window_minutes: float = 60  # the daily digests done within an hour of cron's start
    download_mbit_s: float = 50  # one person's connection, downloading a recording
    recording_mb: float = 200
    downloading_at_peak: float = 0.002  # members downloading a recording at the same moment
    network_sizes: tuple[int, ...] = (1_000, 10_000, 50_000, 100_000)


ASSUMPTIONS = Assumptions()


@dataclass
class Meaning:
    """One activity's reading of the run: its sentence, and the network it alone would allow."""

    text: str
    members: float | None = None
    at_least: str = ""  # why the figure is only a floor: the run did not find the limit


def network_section(runs: dict[str, Run], machine: Machine, a: Assumptions) -> list[str]:
    def measured(name: str) -> Run | None:
        run = runs.get(name)
        return None if run is None or run.failed else run

    meanings = {
        "Forums": _forums_meaning(measured("forums"), a),
        "Live sessions": _live_meaning(measured("live"), machine, a),
        "Daily digests": _digest_meaning(measured("digest"), a),
        "Library downloads": _library_meaning(measured("library"), a),
    }
    lines = ["## What this means for a network", "",
             "Computed from this run by these assumptions (the constants in "
             "`bench/report.py`'s `Assumptions`):", "",
             f"- an active member opens {a.pages_per_minute:g} forum pages a minute at the "
             "peak, each costing what a 25-post topic page costs, and "
             f"{_share(a.active_at_peak)} of a network's members are active in its busiest minute;",
             f"- a live session has {a.room_size} participants, its chat needs a p99 delivery "
             f"under {a.live_p99_ms:g} ms, and at the busiest hour {_share(a.in_session_at_peak)} "
             "of the members are in a session;",
             f"- the daily digests should be done within {a.digest_window_minutes:g} minutes "
             "of cron starting them, and their time grows in step with the people (the digest "
             "benchmark shows its SQL statements grow with batches, not people);",
             f"- a person downloads a {a.recording_mb:g} MB recording over a "
             f"{a.download_mbit_s:g} Mbit/s connection, and {_share(a.downloading_at_peak)} of the "
             "members download one at the same time at the peak.",
             "", "Each activity as if it had the machine to itself:", ""]
    lines += [f"- **{name}.** {meaning.text}" for name, meaning in meanings.items()]
    limits = {name: meaning for name, meaning in meanings.items()
              if meaning.members is not None}
    lines.append("")
    if not limits:
        return lines + ["No network size can be read from this run."]
    name = min(limits, key=lambda key: limits[key].members or 0)
    smallest = limits[name]
    how_many = "at least" if smallest.at_least else "about"
    headline = (f"**One such machine serves a network of {how_many} "
                f"{_people(smallest.members or 0)} members**, the smallest of the figures above "
                f"({name.lower()})")
    exact = {key: meaning for key, meaning in limits.items() if not meaning.at_least}
    if smallest.at_least:
        headline += f"; that figure is a floor, {smallest.at_least}"
        if exact:
            bound = min(exact, key=lambda key: exact[key].members or 0)
            headline += (f", and the smallest measured to its limit is "
                         f"{_people(exact[bound].members or 0)} ({bound.lower()})")
    lines.append(headline + ". The activities share the machine in practice, so at the same "
                 "peak it is fewer; and every client of these benchmarks ran on the machine it "
                 "measured.")
    return lines


def _forums_meaning(run: Run | None, a: Assumptions) -> Meaning:
    figures = run.final if run else None
    topic_rps = number(figures.get("topic_rps")) if figures else None
    if not figures or not topic_rps:
        return Meaning("Not measured in this run.")
    concurrent = topic_rps * 60 / a.pages_per_minute
    members = concurrent / a.active_at_peak
    p99 = figures.get("topic_p99_ms")
    return Meaning(
        f"{topic_rps:g} topic pages a second (p99 {p99} ms) × 60 ÷ {a.pages_per_minute:g} "
        f"pages a minute = {concurrent:,.0f} people active at once; ÷ {_share(a.active_at_peak)} "
        f"= **{_people(members)} members**.", members)


def _live_meaning(run: Run | None, machine: Machine, a: Assumptions) -> Meaning:
    if run is None:
        return Meaning("Not measured in this run.")
    runs = [r for r in live_runs(run.output) if r["label"] == "app"]
    within = [r for r in runs if (number(r.get("p99_ms")) or float("inf")) < a.live_p99_ms
              and number(r.get("lost")) == 0]
    if not runs:
        return Meaning("No per-run lines in the output.")
    if not within:
        smallest = min(runs, key=lambda r: number(r.get("clients")) or 0)
        return Meaning(f"No run kept p99 under {a.live_p99_ms:g} ms with nothing lost (the "
                       f"smallest, {smallest.get('clients')} clients, had p99 "
                       f"{smallest.get('p99_ms')} ms): sessions at once cannot be read from "
                       "this run.")
    best = max(within, key=lambda r: (number(r.get("clients")) or 0,
                                      -(number(r.get("p99_ms")) or 0)))
    clients = int(number(best["clients"]) or 0)
    rooms = clients // a.room_size
    members = rooms * a.room_size / a.in_session_at_peak
    text = (f"{clients} clients in one room on {best.get('workers')} worker(s) had p99 "
            f"{best.get('p99_ms')} ms with none lost (under {a.live_p99_ms:g} ms); ÷ "
            f"{a.room_size} a session = at least {rooms} sessions at once, since one room of "
            "all of them is the heavier case (each message goes to every client, and the "
            "speaker sends 20 a second, far more than a session's chat); "
            f"{rooms * a.room_size} people ÷ {_share(a.in_session_at_peak)} = "
            f"**{_people(members)} members**.")
    larger = [r for r in runs if (number(r.get("clients")) or 0) > clients]
    if larger:
        # The next count measured missed the target: the limit lies between the two.
        step = min(larger, key=lambda r: (number(r.get("clients")) or 0,
                                          number(r.get("p99_ms")) or 0))
        floor = next((r for r in live_runs(run.output) if r["label"] == "floor"
                      and r.get("clients") == step.get("clients")), {})
        text += (f" At {step.get('clients')} clients the best p99 was {step.get('p99_ms')} ms"
                 + (f", the bare floor's {floor['p99_ms']} ms: the benchmark's clients, one "
                    "Python process on the same machine, are much of that"
                    if floor.get("p99_ms") else "") + ".")
        why = (f"as the limit lies between the {clients} and {step.get('clients')} clients "
               "measured")
    else:
        why = f"as the run stopped at {clients} clients, within the target"
    per_client = number(best.get("rss_kb_per_client"))
    if per_client and per_client > 0 and machine.memory_available_kb:
        by_memory = machine.memory_available_kb / per_client
        text += (f" Memory: {per_client:g} KB a client, so the "
                 f"{machine.memory_available_kb / 1024 / 1024:.1f} GB available at the start "
                 f"would hold {by_memory:,.0f} clients"
                 + (" (not the limit)." if by_memory > clients else " (the limit)."))
    return Meaning(text, members, at_least=why)


def _digest_meaning(run: Run | None, a: Assumptions) -> Meaning:
    figures = run.final if run else None
    seconds, people = ((number(figures.get("seconds")), number(figures.get("people")))
                       if figures else (None, None))
    if not seconds or not people:
        return Meaning("Not measured in this run.")
    per_person = seconds / people
    members = a.digest_window_minutes * 60 / per_person
    sizes = ", ".join(f"{size:,} people {_duration(per_person * size)}"
                      for size in a.network_sizes)
    return Meaning(
        f"{seconds:g} s for {people:,.0f} people = {per_person * 1000:.1f} ms a person, so a "
        f"daily run takes: {sizes}. Within {a.digest_window_minutes:g} minutes: "
        f"**{_people(members)} members**.", members)


def _library_meaning(run: Run | None, a: Assumptions) -> Meaning:
    figures = run.final if run else None
    download = number(figures.get("download_mb_s")) if figures else None
    if not download:
        return Meaning("Not measured in this run.")
    per_person = a.download_mbit_s / 8
    at_once = download / per_person
    members = at_once / a.downloading_at_peak
    return Meaning(
        f"{download:g} MB/s through the app for one download (a {a.recording_mb:g} MB "
        f"recording in {a.recording_mb / download:.1f} s of server time) ÷ {per_person:g} "
        f"MB/s a person = {at_once:,.0f} recordings downloading at once at full speed; ÷ "
        f"{_share(a.downloading_at_peak)} = **{_people(members)} members**. One download over "
        "the loopback measures the server's own cost per byte, not many connections at once "
        "or a network card.", members)


def _share(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _people(count: float) -> str:
    """A computed count to two significant figures: the assumptions are not more exact."""
    if count < 100:
        return f"{count:,.0f}"
    digits = len(str(int(count))) - 2
    return f"{round(count, -digits):,.0f}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- The machine -----------------------------------------------------------------------------

@dataclass
class Machine:
    cpu_model: str = "unknown"
    cpus: int = 0
    cpus_usable: int = 0
    memory_total_kb: int = 0
    memory_available_kb: int = 0
    os: str = "unknown"
    kernel: str = ""
    python: str = ""
    sqlite: str = ""
    software: dict[str, str] = field(default_factory=dict)  # name -> version

    @classmethod
    def here(cls) -> Machine:
        cpuinfo = _read("/proc/cpuinfo")
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        if model is None:  # some architectures name the CPU only to lscpu
            model = re.search(r"^Model name:\s*(.+)$", _command(["lscpu"]), re.MULTILINE)
        meminfo = dict(re.findall(r"^(\w+):\s+(\d+) kB", _read("/proc/meminfo"), re.MULTILINE))
        os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', _read("/etc/os-release"),
                            re.MULTILINE)
        software = {name: _version(name) for name in SERVER_PACKAGES}
        software["redis-server"] = _first_match(_command(["redis-server", "--version"]),
                                                r"v=(\S+)")
        software["wrk"] = _first_match(_command(["wrk", "-v"]), r"wrk (\S+)")
        database = os.environ.get("BENCH_DATABASE_URL", "")
        if database.startswith("postgresql"):
            software["PostgreSQL (digest)"] = _postgresql_version(database)
        return cls(cpu_model=model.group(1).strip() if model else "unknown",
                   cpus=os.cpu_count() or 0, cpus_usable=len(os.sched_getaffinity(0)),
                   memory_total_kb=int(meminfo.get("MemTotal", 0)),
                   memory_available_kb=int(meminfo.get("MemAvailable", 0)),
                   os=os_name.group(1) if os_name else platform.system(),
                   kernel=platform.release(), python=platform.python_version(),
                   sqlite=sqlite3.sqlite_version, software=software)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _command(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def _first_match(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else "not installed"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _postgresql_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(text("SHOW server_version")))
    except Exception as exc:  # noqa: BLE001 - the report says so rather than stopping
        return f"unreachable ({type(exc).__name__})"
    finally:
        engine.dispose()


# --- The document ----------------------------------------------------------------------------

@dataclass
class Report:
    started: datetime
    commit: str
    machine: Machine
    runs: dict[str, Run]
    selected: Sequence[str]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    assumptions: Assumptions = ASSUMPTIONS


TITLES = {
    "forums": "Forums (`make bench-forums`)",
    "live": "Live room (`make bench-live`)",
    "library": "Library files (`make bench-library`)",
    "digest": "Daily digests (`make bench-digest`)",
}
FLOORS = {
    "forums": "a bare Flask hello world (`bench/hello.py`) under the same gunicorn settings; "
              "the ratio is the figure over that floor's requests a second",
    "live": "a bare Flask-SocketIO broadcast server (`bench/live_floor.py`) served and "
            "measured the same way, with the same number of clients; the ratio is the app's "
            "figure over the floor's, so for latency and memory above 1 means slower or bigger",
    "library": "the same file from the same server's static route; the ratio is the app's "
               "download speed over the floor's (for `list_queries`: the page's statements with "
               "200 resources over those with 10)",
    "digest": "none: nothing simpler does the same work; the run is compared with itself at "
              "another batch size (in the lines below the table)",
}


def render(report: Report) -> str:
    m = report.machine
    other = sum(run.other_cpu_seconds for run in report.runs.values())
    elapsed = sum(run.seconds for run in report.runs.values())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/report.py`) from one run; do not edit by hand. "
        "`make bench BENCH=forums,library` runs a subset.",
        "",
        f"- Date: {report.started:%Y-%m-%d %H:%M} UTC",
        f"- Commit: `{report.commit}`",
        f"- Ran: {', '.join(report.selected)}"
        + ("" if list(report.selected) == list(BENCHMARKS) else
           f" (not run: {', '.join(n for n in BENCHMARKS if n not in report.selected)})"),
        "",
        "## The machine",
        "",
        f"- CPU: {m.cpu_model}, {m.cpus} logical CPUs ({m.cpus_usable} usable by the run)",
        f"- Memory: {m.memory_total_kb / 1024 / 1024:.1f} GB, "
        f"{m.memory_available_kb / 1024 / 1024:.1f} GB available at the start",
        f"- OS: {m.os}, Linux {m.kernel}",
        f"- Python {m.python}; SQLite {m.sqlite} (every benchmark's database is a SQLite file "
        "in a temp folder"
        + (", except the digest's, which BENCH_DATABASE_URL names)"
           if any(k.startswith("PostgreSQL") for k in m.software) else ")"),
        "- " + "; ".join(f"{name} {version}" for name, version in m.software.items()),
        "- Everything on 127.0.0.1: clients and servers share the machine's CPUs.",
        "",
        "Other load on the machine:",
        "",
        f"- load average (1, 5, 15 min) before the run: {_loads(report.load_before)}; "
        f"after: {_loads(report.load_after)}",
        f"- CPU time other processes used while the benchmarks ran: {other:,.0f} CPU-seconds "
        f"in {elapsed:,.0f} s, {other / elapsed if elapsed else 0:.2f} CPUs on average of "
        f"{m.cpus} ({'quiet' if elapsed and other / elapsed < 0.1 else 'shared'})",
        "",
    ]
    for name in BENCHMARKS:
        lines += _section(name, report.runs.get(name))
    lines += network_section(report.runs, m, report.assumptions)
    return "\n".join(lines).rstrip() + "\n"


def _section(name: str, run: Run | None) -> list[str]:
    lines = [f"## {TITLES[name]}", ""]
    if run is None:
        return lines + ["Not run this time.", ""]
    lines.append(f"{run.seconds:.0f} s; load average {run.load_before:.2f} before, "
                 f"{run.load_after:.2f} after; other processes used "
                 f"{run.other_cpu_seconds / run.seconds if run.seconds else 0:.2f} CPUs on "
                 "average meanwhile.")
    lines.append("")
    if run.failed:
        reason = (f"exited with status {run.returncode}" if run.returncode
                  else f"printed no `{name}:` line")
        lines += [f"**Failed**: `bench/{name}.py` {reason}. Its last lines:", ""]
    else:
        lines += [f"Floor: {FLOORS[name]}.", "",
                  "| figure | value | floor (same run) | ratio | goal |",
                  "| --- | --- | --- | --- | --- |"]
        for row in rows_for(run):
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
            goal = row.verdict + (f" ({row.goal.source})" if row.goal and row.goal.source
                                  else "")
            lines.append(f"| `{row.figure}` | {row.value} | {row.floor} | {ratio} | {goal} |")
        lines += ["", "What it printed:", ""]
    lines += ["```", *kept_lines(run), "```", ""]
    return lines


def _loads(loads: Iterable[float]) -> str:
    return ", ".join(f"{load:.2f}" for load in loads)


# --- Main ------------------------------------------------------------------------------------

def git_commit() -> str:
    commit = _command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    dirty = _command(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    return f"{commit or 'unknown'}{' (with uncommitted changes)' if dirty.strip() else ''}"


def parse_selection(text: str | None) -> list[str]:
    if not text:
        return list(BENCHMARKS)
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; "
                         f"choose from {', '.join(BENCHMARKS)}")
    return [name for name in BENCHMARKS if name in chosen]  # always in the usual order


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(BENCHMARKS))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    selected = parse_selection(options.only)
    started = datetime.now(UTC)
    commit = git_commit()  # the code measured, before anything is written
    machine = Machine.here()
    load_before = os.getloadavg()
    runs = {name: run_benchmark(name) for name in selected}
    report = Report(started=started, commit=commit, machine=machine, runs=runs,
                    selected=selected, load_before=load_before, load_after=os.getloadavg())
    options.output.write_text(render(report))
    failed = [name for name, run in runs.items() if run.failed]
    log(f"\nwrote {options.output}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
