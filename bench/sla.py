"""Benchmark of `accord sla compute`: a million tickets and three million events, end to end.

Generates tickets and state events on a realistic hospital-outsourcing policy into a temporary
directory, runs the command in a subprocess (wall time and peak RSS), then does the same
computation the obvious way, ticket by ticket with the `businesstimedelta` library, on a sample,
and scales that to the full count. Prints the figures and, for a full-size run, writes them to the
"SLA engine" section of bench/README.md.

    .venv/bin/python bench/sla.py                 # 1,000,000 tickets, updates bench/README.md
    .venv/bin/python bench/sla.py --tickets 20000 # quick run, README untouched
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from _readme import README, machine, write_section  # noqa: E402  (bench/ is the script's own folder)

from accord.sla.engine import MISSING, load_policy  # noqa: E402
from accord.sla.engine.zones import zone_table  # noqa: E402

POLICY = """\
timezone: America/Chicago
working_hours:
  mon: ["07:00-12:00", "13:00-19:00"]
  tue: ["07:00-12:00", "13:00-19:00"]
  wed: ["07:00-12:00", "13:00-19:00"]
  thu: ["07:00-12:00", "13:00-19:00"]
  fri: ["07:00-12:00", "13:00-19:00"]
  sat: ["09:00-13:00"]
holidays:
  country: US
  subdivision: IL
  dates: ["2025-12-24", "2025-12-31", "2026-12-24", "2026-12-31"]
pause_states: ["Awaiting User Info", "Awaiting Vendor", "Awaiting Change"]
pause_applies_to: [resolution]
pause_parties: {"Awaiting User Info": hospital, "Awaiting Vendor": third_party, "Awaiting Change": vendor}
targets:
  "1": {response: "15m", resolution: "4h", calendar: "24x7"}
  "2": {response: "30m", resolution: "8h"}
  "3": {response: "2h", resolution: "24h"}
  "4": {response: "8h", resolution: "72h"}
warn_at: [0.5, 0.75, 0.9]
"""
AS_OF = "2027-01-15T12:00:00"
SPAN_START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 730
PAUSE_STATES = ("Awaiting User Info", "Awaiting Vendor", "Awaiting Change")
FULL_SIZE = 1_000_000


def generate(directory: Path, tickets: int, seed: int = 20260309) -> tuple[Path, Path]:
    """Tickets CSV (ISO with offsets) and events CSV (naive local ISO, as many exports write)."""
    rng = np.random.default_rng(seed)
    zone = zone_table("America/Chicago", np.array([0, 2**31], dtype=np.int64))
    start = int(SPAN_START.timestamp())
    opened = start + rng.integers(0, SPAN_DAYS * 86400, tickets)
    priority = rng.choice(np.array(["1", "2", "3", "4"]), tickets, p=[0.05, 0.15, 0.5, 0.3])
    mean_response = np.select(
        [priority == "1", priority == "2", priority == "3"], [600, 3600, 4 * 3600], 12 * 3600
    )
    responded = opened + rng.exponential(mean_response).astype(np.int64) + 1
    resolved = responded + rng.exponential(mean_response * 20).astype(np.int64) + 60
    no_response = rng.random(tickets) < 0.08
    # Open tickets are mostly recent ones; a few old ones were forgotten.
    recent = opened > start + (SPAN_DAYS - 30) * 86400
    still_open = rng.random(tickets) < np.where(recent, 0.3, 0.001)
    # Events: work starts at the response, a pause begins part-way and ends later (3 per ticket).
    pause_start = responded + (rng.random(tickets) * (resolved - responded)).astype(np.int64)
    pause_end = pause_start + rng.exponential(6 * 3600, tickets).astype(np.int64) + 1
    pause_state = rng.choice(np.array(PAUSE_STATES), tickets)

    def iso_with_offset(values: np.ndarray) -> pl.Series:
        return zone.format_iso(values).cast(pl.String)

    def naive_local(values: np.ndarray) -> np.ndarray:
        return np.datetime_as_string(zone.to_wall(values).astype("datetime64[s]"), unit="s")

    ids = pl.Series([f"INC{i:07d}" for i in range(tickets)])
    bad = rng.random(tickets) < 0.001  # a few unusable rows, as real exports have
    priority = np.where(bad & (rng.random(tickets) < 0.5), "9", priority)
    opened_text = iso_with_offset(opened)
    opened_text = pl.Series(np.where(bad & (priority != "9"), "31/02/2026 25:00", opened_text.to_numpy()))
    missing = np.full(tickets, MISSING, dtype=np.int64)
    ticket_frame = pl.DataFrame(
        {
            "id": ids,
            "priority": priority,
            "opened_at": opened_text,
            "first_response_at": iso_with_offset(np.where(no_response | still_open, missing, responded)),
            "resolved_at": iso_with_offset(np.where(still_open, missing, resolved)),
        }
    )
    tickets_path = directory / "tickets.csv"
    ticket_frame.write_csv(tickets_path)

    event_ids = pl.concat([ids, ids, ids])
    event_at = np.concatenate([responded, pause_start, pause_end])
    event_state = np.concatenate(
        [np.full(tickets, "In Progress"), pause_state, np.full(tickets, "In Progress")]
    )
    order = np.argsort(event_at, kind="stable")  # exports list changes in time order
    events_path = directory / "events.csv"
    pl.DataFrame(
        {"id": event_ids.gather(order), "at": naive_local(event_at[order]), "state": event_state[order]}
    ).write_csv(events_path)
    return tickets_path, events_path


# The process's own peak RSS in KiB (VmHWM). Not getrusage's ru_maxrss: Linux carries that across
# exec, so a child forked from this (large, after generating the inputs) process would report ours.
PEAK = "next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(policy: Path, tickets: Path, events: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (MiB) of the whole
    command in a fresh interpreter."""
    command = [
        sys.executable,
        "-c",
        f"import sys; from accord.sla.cli import main; code = main(sys.argv[1:]); print({PEAK}, file=sys.stderr); "
        "sys.exit(code)",
        "compute",
        "--policy",
        str(policy),
        "--tickets",
        str(tickets),
        "--events",
        str(events),
        "--as-of",
        AS_OF,
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    began, cpu = time.perf_counter(), children_cpu()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    if completed.returncode != 0:
        raise SystemExit(f"accord sla compute failed ({completed.returncode}):\n{completed.stderr}")
    return wall, cpu, int(completed.stderr.split()[-1]) / 1024


def per_ticket_baseline(
    tickets_path: Path, events_path: Path, sample: int, budget_s: float
) -> tuple[float, dict[str, dict]]:
    """The obvious way: read rows, then for each ticket call businesstimedelta for every interval.

    Returns (seconds spent, results by ticket id) for the first `sample` usable tickets, or for as
    many as were done within `budget_s` seconds (the library takes milliseconds per business day).
    """
    import businesstimedelta as btd
    import holidays
    import pytz

    policy = load_policy(POLICY)
    tz = pytz.timezone("America/Chicago")
    closed = holidays.country_holidays("US", subdiv="IL", years=range(2024, 2029))
    for extra in policy.holidays.dates:
        closed[extra] = "policy date"
    weekdays = [0, 1, 2, 3, 4]
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=dt.time(7), end_time=dt.time(19), working_days=weekdays, tz=tz),
            btd.LunchTimeRule(start_time=dt.time(12), end_time=dt.time(13), working_days=weekdays, tz=tz),
            btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(13), working_days=[5], tz=tz),
            btd.HolidayRule(closed, tz=tz),
        ]
    )
    targets = {t.priority: t for t in policy.targets}
    pause_states = set(policy.pause_states)
    as_of = tz.localize(dt.datetime.fromisoformat(AS_OF))

    with tickets_path.open(newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            if row["priority"] in targets and row["opened_at"].startswith("20"):
                rows.append(row)
            if len(rows) == sample:
                break
    wanted = {row["id"] for row in rows}
    began = time.perf_counter()
    events: dict[str, list[tuple[dt.datetime, str]]] = {}
    with events_path.open(newline="") as handle:
        for event in csv.DictReader(handle):
            if event["id"] in wanted:
                at = tz.localize(dt.datetime.fromisoformat(event["at"]))
                events.setdefault(event["id"], []).append((at, event["state"]))

    def business(a: dt.datetime, b: dt.datetime, clock_24x7: bool) -> int:
        if clock_24x7:
            return int((b - a).total_seconds())
        return int(rules.difference(a, b).timedelta.total_seconds())

    def add(a: dt.datetime, seconds: int, clock_24x7: bool) -> dt.datetime:
        if clock_24x7:
            return a + dt.timedelta(seconds=seconds)
        return a + btd.BusinessTimeDelta(rules, seconds=seconds)

    results: dict[str, dict] = {}
    for row in rows:
        if time.perf_counter() - began > budget_s:
            break
        target = targets[row["priority"]]
        is_24x7 = target.calendar == "24x7"
        opened = dt.datetime.fromisoformat(row["opened_at"])
        responded = dt.datetime.fromisoformat(row["first_response_at"]) if row["first_response_at"] else None
        resolved = dt.datetime.fromisoformat(row["resolved_at"]) if row["resolved_at"] else None
        response_stop = min(t for t in (responded, resolved, as_of) if t is not None)
        resolution_stop = resolved or as_of
        history = sorted(events.get(row["id"], []), key=lambda e: e[0])
        paused = 0
        pauses: list[tuple[dt.datetime, dt.datetime]] = []
        for (at, state), following in zip(history, [*history[1:], (None, None)], strict=True):
            end = following[0] or resolution_stop
            start, end = max(at, opened), min(end, resolution_stop)
            if state in pause_states and end > start:
                pauses.append((start, end))
                paused += business(start, end, is_24x7)
        response_elapsed = business(opened, response_stop, is_24x7)
        resolution_elapsed = business(opened, resolution_stop, is_24x7) - paused
        # Due: add the target, then push it out by every pause that began before it.
        due = add(opened, target.resolution_s, is_24x7)
        for start, end in pauses:
            if start < due:
                due = add(due, business(start, end, is_24x7), is_24x7)
        results[row["id"]] = {
            "response_elapsed_s": response_elapsed,
            "resolution_elapsed_s": resolution_elapsed,
            "paused_s": paused,
            "response_due": add(opened, target.response_s, is_24x7),
            "resolution_due": due,
        }
    return time.perf_counter() - began, results


def agreement(out: Path, baseline: dict[str, dict]) -> tuple[int, int]:
    """How many sample tickets get the same elapsed, paused and due figures from both ways."""
    frame = pl.read_csv(out, infer_schema=False).filter(pl.col("id").is_in(list(baseline)))
    same = 0
    for row in frame.iter_rows(named=True):
        expected = baseline[row["id"]]
        if (
            int(row["response_elapsed_s"]) == expected["response_elapsed_s"]
            and int(row["resolution_elapsed_s"]) == expected["resolution_elapsed_s"]
            and int(row["paused_s"]) == expected["paused_s"]
            and dt.datetime.fromisoformat(row["response_due"]) == expected["response_due"]
            and dt.datetime.fromisoformat(row["resolution_due"]) == expected["resolution_due"]
        ):
            same += 1
    return same, frame.height


BARE_READ = (
    "import sys, polars as pl; "
    "frames = [pl.read_csv(path, infer_schema=False) for path in sys.argv[1:]]; "
    f"print({PEAK})"
)


def run_bare_read(tickets: Path, events: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of a fresh interpreter that only reads both
    CSVs with polars: the floor any command reading these files pays."""
    began, cpu = time.perf_counter(), children_cpu()
    completed = subprocess.run(
        [sys.executable, "-c", BARE_READ, str(tickets), str(events)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    return wall, cpu, int(completed.stdout.split()[-1]) / 1024


# Reads both files as the bare read does, then writes a results file of the command's shape and
# size (same columns, one row per ticket, instants formatted like due instants, realistic numbers)
# made from what it read without computing anything: what any command that reads these files and
# writes its results pays before its own work.
READ_AND_WRITE = (
    "import sys, numpy as np, polars as pl; "
    "tickets, events = (pl.read_csv(path, infer_schema=False) for path in sys.argv[1:3]); "
    "n = tickets.height; seconds = np.arange(n, dtype=np.int64) * 7919 % 900000; "
    "status = pl.repeat('met', n, eager=True); "
    "pl.DataFrame({'id': tickets['id'], 'priority': tickets['priority'], "
    "'response_elapsed_s': seconds // 40, 'resolution_elapsed_s': seconds, 'paused_s': seconds // 9, "
    "'response_due': tickets['first_response_at'], 'resolution_due': tickets['resolved_at'], "
    "'response_status': status, 'resolution_status': status, "
    "'error': pl.repeat(None, n, dtype=pl.String, eager=True)}).write_csv(sys.argv[3]); "
    f"print({PEAK})"
)


def run_read_and_write(tickets: Path, events: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of a fresh interpreter that reads both CSVs and
    writes a results-shaped CSV without computing (READ_AND_WRITE)."""
    began, cpu = time.perf_counter(), children_cpu()
    completed = subprocess.run(
        [sys.executable, "-c", READ_AND_WRITE, str(tickets), str(events), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    return wall, cpu, int(completed.stdout.split()[-1]) / 1024


PHASES = (
    ("accord.sla.engine.readers", "_read_csv", "CSV read (polars, line numbers)"),
    ("accord.sla.engine.readers", "parse_instant_column", "timestamp parsing"),
    ("accord.sla.engine.compute", "_attach_events", "events join (events to tickets)"),
    ("accord.sla.engine.compute", "_ticket_errors", "row checks"),
    ("accord.sla.engine.compute", "calendar_for_instants", "calendar build"),
    ("accord.sla.engine.compute", "_pause_intervals", "pause intervals (events sorted per ticket)"),
    ("accord.sla.engine.compute", "_run_clock", "calendar arithmetic (both clocks)"),
    ("accord.sla.engine.compute", "SlaResults.frame", "results table (due instants formatted)"),
    ("polars", "DataFrame.write_csv", "CSV write"),
)


def phase_times(
    policy: Path, tickets: Path, events: Path, out: Path
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """(phase -> (wall s, CPU s), total wall s, total CPU s) of one in-process run of the command,
    each phase timed around the engine function that does it. CPU time counts every thread."""
    import functools
    import importlib

    from accord.sla import cli

    spent: dict[str, list[float]] = {label: [0.0, 0.0] for _, _, label in PHASES}
    originals = []
    for module_name, attribute, label in PHASES:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        function = getattr(owner, name)
        originals.append((owner, name, function))

        def timed(*args, _function=function, _label=label, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label][0] += time.perf_counter() - wall
                spent[_label][1] += time.process_time() - cpu

        setattr(owner, name, functools.wraps(function)(timed))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        cli.main(
            [
                "compute",
                "--policy",
                str(policy),
                "--tickets",
                str(tickets),
                "--events",
                str(events),
                "--as-of",
                AS_OF,
                "--out",
                str(out),
            ],
            stderr=open(os.devnull, "w"),  # noqa: SIM115
        )
        total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)
    return {label: (w, c) for label, (w, c) in spent.items()}, total_wall, total_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets", type=int, default=FULL_SIZE, help="tickets to generate (events: 3 per ticket)"
    )
    parser.add_argument("--sample", type=int, default=2000, help="tickets computed the per-ticket way")
    parser.add_argument(
        "--sample-seconds", type=float, default=180.0, help="time budget of the per-ticket way (default 180)"
    )
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the figures to bench/README.md (default: only for a full-size run)",
    )
    parser.add_argument(
        "--inputs",
        type=Path,
        help="keep the generated tickets.csv/events.csv in this folder and reuse them when present",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="accord-sla-bench-") as tmp:
        directory = args.inputs or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        tickets_path, events_path = directory / "tickets.csv", directory / "events.csv"
        marker = directory / "tickets.count"
        if not (args.inputs and marker.exists() and marker.read_text().strip() == str(args.tickets)):
            tickets_path, events_path = generate(directory, args.tickets)
            marker.write_text(str(args.tickets))
            print(
                f"generated {args.tickets:,} tickets and {3 * args.tickets:,} events in "
                f"{time.perf_counter() - began:.1f} s"
            )
        policy_path = directory / "policy.yaml"
        policy_path.write_text(POLICY)
        out = directory / "results.csv"
        wall, cpu, peak = run_command(policy_path, tickets_path, events_path, out)
        bare_wall, bare_cpu, bare_peak = run_bare_read(tickets_path, events_path)
        floor_wall, floor_cpu, floor_peak = run_read_and_write(
            tickets_path, events_path, directory / "read_and_write.csv"
        )
        print(f"accord sla compute: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MiB peak RSS")
        print(
            f"bare polars read of both files: {bare_wall:.2f} s wall, {bare_cpu:.2f} s CPU, {bare_peak:.0f} MiB; "
            f"ratio {wall / bare_wall:.2f}x wall, {cpu / bare_cpu:.2f}x CPU"
        )
        print(
            f"read both files and write the results' shape, no computation: {floor_wall:.2f} s wall, "
            f"{floor_cpu:.2f} s CPU, {floor_peak:.0f} MiB; {floor_wall / bare_wall:.2f}x wall, "
            f"{floor_cpu / bare_cpu:.2f}x CPU of the bare read"
        )
        phases, phase_wall, phase_cpu = phase_times(
            policy_path, tickets_path, events_path, directory / "phases.csv"
        )
        for label, (phase_w, phase_c) in phases.items():
            print(f"  {label:45s} {phase_w:6.2f} s wall {phase_c:6.2f} s CPU")
        print(f"  {'whole command, in process':45s} {phase_wall:6.2f} s wall {phase_cpu:6.2f} s CPU")
        load = os.getloadavg()[0]
        sample = min(args.sample, args.tickets)
        spent, baseline = per_ticket_baseline(tickets_path, events_path, sample, args.sample_seconds)
        if not baseline:  # a loaded machine can spend the whole budget before the first ticket
            raise SystemExit(
                f"the per-ticket way finished no ticket in {args.sample_seconds:.0f} s; "
                "give it more time with --sample-seconds"
            )
        rate = len(baseline) / spent
        scaled = args.tickets / rate
        same, compared = agreement(out, baseline)
        print(
            f"per-ticket businesstimedelta: {len(baseline):,} tickets in {spent:.1f} s = {rate:,.0f} tickets/s, "
            f"{scaled:,.0f} s scaled to {args.tickets:,}; ratio {scaled / wall:,.0f}x"
        )
        print(f"same elapsed, paused and due figures on {same} of {compared} sample tickets")
    write = args.readme if args.readme is not None else args.tickets == FULL_SIZE
    if write:
        write_section(
            "SLA engine",
            "## SLA engine\n\n"
            "`make bench` (`.venv/bin/python bench/sla.py`; add `--inputs DIR` to keep the generated "
            "files and reuse them on the next run) generates tickets on a realistic policy "
            "(America/Chicago, split weekday hours plus Saturday morning, US-IL holidays plus explicit "
            "dates, three pause states, a 24x7 priority 1), runs `accord sla compute` end to end in a "
            "fresh interpreter (reading both CSVs, computing, writing the results CSV), then a fresh "
            "interpreter that only reads the same two files with `polars.read_csv` (the floor), then "
            "the command once more in process with each phase timed, then computes the same figures "
            "ticket by ticket with `businesstimedelta` on a sample. Peak RSS is each process's own "
            "high-water mark (VmHWM). `accord sla …` starts without Django (the engine needs no "
            "database), so the command's figures are the engine's plus Python's and polars' start-up, "
            "as the bare read's are.\n\n"
            "| figure | value |\n|---|---|\n"
            f"| tickets / events | {args.tickets:,} / {3 * args.tickets:,} |\n"
            f"| `accord sla compute` wall time | {wall:.2f} s (target < 10 s) |\n"
            f"| `accord sla compute` CPU time (user + system, all threads) | {cpu:.2f} s |\n"
            f"| peak RSS of the command | {peak:,.0f} MiB (target < 1.5 GiB) |\n"
            f"| bare polars read of the same two files, fresh interpreter | {bare_wall:.2f} s wall, "
            f"{bare_cpu:.2f} s CPU, {bare_peak:,.0f} MiB |\n"
            f"| command / bare read | {wall / bare_wall:.2f}x wall, {cpu / bare_cpu:.2f}x CPU (target <= 2x) |\n"
            "| read both files and write a results file of the same shape and size, no computation, "
            f"fresh interpreter | {floor_wall:.2f} s wall, {floor_cpu:.2f} s CPU, {floor_peak:,.0f} MiB: "
            f"{floor_wall / bare_wall:.2f}x wall, {floor_cpu / bare_cpu:.2f}x CPU of the bare read |\n"
            f"| per-ticket way (businesstimedelta), sample | {len(baseline):,} tickets in {spent:.1f} s "
            f"({rate:,.0f} tickets/s) |\n"
            f"| per-ticket way scaled to {args.tickets:,} | {scaled:,.0f} s |\n"
            f"| ratio | {scaled / wall:,.0f}x (target >= 100x) |\n"
            f"| sample tickets with identical figures both ways | {same} of {compared} |\n\n"
            "Where the command's time goes (one in-process run, each phase timed around the engine "
            "function doing it; CPU counts every thread):\n\n"
            "| phase | wall s | CPU s |\n|---|---|---|\n"
            + "".join(f"| {label} | {w:.2f} | {c:.2f} |\n" for label, (w, c) in phases.items())
            + f"| whole command | {phase_wall:.2f} | {phase_cpu:.2f} |\n\n"
            f"Machine: {machine()}, numpy {np.__version__}, polars {pl.__version__}; "
            f"1-minute load average {load:.1f} when the figures were taken (shared machine: wall times "
            "stretch with the load, CPU times much less).\n\n",
        )
        print(f"wrote {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
