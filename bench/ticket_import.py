"""Benchmark of `accord import-tickets`: a million-ticket export into a contract, then an overlapping re-import.

Generates a generic-format export (tickets plus ~3 state events each) in a temporary directory and, for
SQLite in a fresh ACCORD_VAR_DIR and for PostgreSQL in a throwaway cluster (when `pg_ctl` is on PATH),
migrates, creates a program, vendor and contract through the services, then times the command in a
fresh interpreter: a first import of every row, and a re-import of the last half plus 10 % new tickets
(some of them resolved since). The row counts are checked afterwards; a wrong count exits non-zero.
For a full-size run the figures go to the "Ticket import" section of bench/README.md.

    .venv/bin/python bench/ticket_import.py                  # 1,000,000 tickets, updates bench/README.md
    .venv/bin/python bench/ticket_import.py --tickets 20000  # quick run, README untouched
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _readme import README, fresh_databases, machine, write_section  # noqa: E402  (bench/ is the script's own folder)

FULL_SIZE = 1_000_000
SPAN_START = 1_735_689_600  # 2025-01-01T00:00:00Z
SPAN_DAYS = 730
PAUSE_STATES = ("Awaiting User Info", "Awaiting Vendor", "Awaiting Change")
ACCORD = [sys.executable, "-m", "accord.cli"]
SETUP = """
import datetime as dt, json, django
django.setup()
from accord.accounts.models import Organisation
from accord.accounts.services import create_person
from accord.core.services import create_record
from accord.programs.models import ProgramKind
from accord.programs.services import create_program
from accord.sla.models import Contract
actor = create_person(actor="bench", email="manager@example.org", full_name="Bench Manager", check=False)
program = create_program(actor=actor, check=False, name="Bench", kind=ProgramKind.OUTSOURCING_TRANSITION)
vendor = create_record(model=Organisation, actor=actor, check=False, data={"name": "Vendor", "kind": "vendor"})
contract = create_record(model=Contract, actor=actor, check=False, data={
    "program": program, "vendor": vendor, "name": "Service desk", "start_date": dt.date(2025, 1, 1)})
print(json.dumps(contract.pk))
"""
COUNT = """
import json, sys, django
django.setup()
from accord.sla.models import Ticket, TicketEvent, TicketImport
contract = int(sys.argv[1])
tickets = Ticket.objects.filter(contract_id=contract)
imports = TicketImport.objects.filter(contract_id=contract).order_by("pk")
print(json.dumps({"tickets": tickets.count(), "ids": tickets.values("external_id").distinct().count(),
                  "open": tickets.filter(resolved_at__isnull=True).count(),
                  "events": TicketEvent.objects.filter(ticket__contract_id=contract).count(),
                  "imports": [list(r) for r in imports.values_list("status", "created_count", "updated_count")]}))
"""


def iso(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    text = np.char.add(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "Z")
    return text if present is None else np.where(present, text, "")


def generate(directory: Path, tickets: int, events: bool, seed: int = 20260309) -> dict[str, Any]:
    """Two exports: rows [0, N) and rows [N/2, N + N/10); tickets open in the first are resolved in the second."""
    extra, overlap = tickets // 10, tickets // 2
    total = tickets + extra
    rng = np.random.default_rng(seed)
    opened = SPAN_START + rng.integers(0, SPAN_DAYS * 86400, total)
    priority = rng.choice(np.array(["1", "2", "3", "4"]), total, p=[0.05, 0.15, 0.5, 0.3])
    responded = opened + rng.exponential(3600, total).astype(np.int64) + 1
    resolved = responded + rng.exponential(20 * 3600, total).astype(np.int64) + 60
    open_at_first = rng.random(total) < 0.05
    pause_start = responded + (rng.random(total) * (resolved - responded)).astype(np.int64)
    pause_end = pause_start + rng.exponential(6 * 3600, total).astype(np.int64) + 1
    pause_state = rng.choice(np.array(PAUSE_STATES), total)
    ids = np.char.add("INC", np.char.zfill(np.arange(total).astype(str), 8))

    def write(name: str, rows: slice, show_resolved: np.ndarray) -> tuple[Path, Path | None]:
        path = directory / f"{name}-tickets.csv"
        pl.DataFrame(
            {
                "id": ids[rows],
                "priority": priority[rows],
                "opened_at": iso(opened[rows]),
                "first_response_at": iso(responded[rows]),
                "resolved_at": iso(resolved[rows], show_resolved[rows]),
            }
        ).write_csv(path)
        if not events:
            return path, None
        event_at = np.concatenate([responded[rows], pause_start[rows], pause_end[rows]])
        order = np.argsort(event_at, kind="stable")  # exports list changes in time order
        count = rows.stop - rows.start
        event_path = directory / f"{name}-events.csv"
        states = np.concatenate(
            [np.full(count, "In Progress"), pause_state[rows], np.full(count, "In Progress")]
        )
        pl.DataFrame(
            {"id": np.concatenate([ids[rows]] * 3)[order], "at": iso(event_at[order]), "state": states[order]}
        ).write_csv(event_path)
        return path, event_path

    first = write("first", slice(0, tickets), ~open_at_first)
    second = write("second", slice(overlap, total), np.ones(total, dtype=bool))
    return {
        "first": first,
        "second": second,
        "first_rows": tickets,
        "second_rows": total - overlap,
        "new": extra,
        "updated": tickets - overlap,
        "open_after_first": int(open_at_first[:tickets].sum()),
        "open_after_second": int(open_at_first[:overlap].sum()),
    }


# The child's own peak RSS (VmHWM, KiB), written to stderr as it exits. Not wait4's ru_maxrss: Linux
# carries that across exec, so a child forked from this process (large after generating the exports)
# would report this process's size instead of its own.
PEAK_MARK = "peak-rss-kib:"
WITH_PEAK = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('" + PEAK_MARK + "', next(int(line.split()[1]) for line in "
    "open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr))\n"
    "sys.argv = ['accord', *sys.argv[1:]]\n"
    "runpy.run_module('accord.cli', run_name='__main__')\n"
)


def run(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MiB, the child's own VmHWM when it reports it), stdout and CPU seconds
    (user + system, the child's own: on PostgreSQL the server's work is not in it) of one child."""
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = err_path.read_text()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed ({process.returncode}):\n{errors}")
    peaks = [int(line.split()[1]) for line in errors.splitlines() if line.startswith(PEAK_MARK)]
    cpu = usage.ru_utime + usage.ru_stime
    return wall, (peaks[-1] / 1024 if peaks else float("nan")), out_path.read_text(), cpu


def _cpu_of(pid: int, *, children: bool) -> float:
    """User + system CPU seconds of a process (and of its reaped children when `children`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu(url: str | None) -> float | None:
    """The PostgreSQL server's CPU so far (None on SQLite, where the database works inside the importing
    process): the postmaster's own and that of its exited children (backends, autovacuum workers), which it
    has reaped, plus its live children's. Read from /proc, so only for a local cluster."""
    if url is None:
        return None
    import psycopg

    with psycopg.connect(url) as connection:
        (backend,) = connection.execute("SELECT pg_backend_pid()").fetchone()
    postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    total = _cpu_of(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                total += _cpu_of(int(entry.name), children=False)
        except (OSError, ValueError):
            continue  # the process ended while it was read
    return total


def bench_database(name: str, url: str, var_dir: Path, export: dict[str, Any]) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ACCORD_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    log = var_dir / "log"
    migrate_s, _, _, _ = run([*ACCORD, "migrate", "--no-input", "-v0"], env, log)
    _, _, out, _ = run([sys.executable, "-c", SETUP], env, log)
    contract = json.loads(out.strip().splitlines()[-1])
    print(f"[{name}] migrated in {migrate_s:.1f} s; contract {contract}", flush=True)
    figures: dict[str, Any] = {"database": name}
    for step in ("first", "second"):
        tickets, events = export[step]
        command = [
            sys.executable,
            "-c",
            WITH_PEAK,
            "import-tickets",
            str(tickets),
            "--contract",
            str(contract),
        ]
        load = os.getloadavg()[0]
        server_before = server_cpu(url if name == "postgresql" else None)
        wall, peak, out, cpu = run([*command, "--events", str(events)] if events else command, env, log)
        server_after = server_cpu(url if name == "postgresql" else None)
        server = None if server_before is None or server_after is None else server_after - server_before
        figures.setdefault("load", []).append(load)
        _, _, counted, _ = run([sys.executable, "-c", COUNT, str(contract)], env, log)
        figures[step] = {
            "seconds": wall,
            "cpu": cpu,
            "server_cpu": server,
            "mib": peak,
            "rows": export[f"{step}_rows"],
            **json.loads(counted),
        }
        print(
            f"[{name}] {step} import of {export[f'{step}_rows']:,} rows at load {load:.1f}: {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU{'' if server is None else f' + {server:.1f} s server CPU'}, {peak:,.0f} MiB peak RSS;"
            f" {out.strip()}",
            flush=True,
        )
        print(f"[{name}]   in the database: {counted.strip()}", flush=True)
    figures["problems"] = check(figures, export)
    return figures


def cpu_cell(run: dict[str, Any]) -> str:
    server = run.get("server_cpu")
    return f"{run['cpu']:,.1f} s" + ("" if server is None else f" + {server:,.1f} s server")


def check(figures: dict[str, Any], export: dict[str, Any]) -> list[str]:
    """What differs from the expected counts: nothing added twice, updates applied, events replaced."""
    per_ticket = 3 if export["first"][1] else 0
    rows = export["first_rows"]
    expected = {
        "first": {
            "tickets": rows,
            "ids": rows,
            "open": export["open_after_first"],
            "events": per_ticket * rows,
            "imports": [["done", rows, 0]],
        },
        "second": {
            "tickets": rows + export["new"],
            "ids": rows + export["new"],
            "open": export["open_after_second"],
            "events": per_ticket * (rows + export["new"]),
            "imports": [["done", rows, 0], ["done", export["new"], export["updated"]]],
        },
    }
    return [
        f"{figures['database']} after the {step} import: {key} = {figures[step][key]}, expected {value}"
        for step, wanted in expected.items()
        for key, value in wanted.items()
        if figures[step][key] != value
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=FULL_SIZE, help="rows of the first export")
    parser.add_argument("--no-events", dest="events", action="store_false", help="import tickets only")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated (default: both)")
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the figures to bench/README.md (default: only for a full-size run)",
    )
    parser.add_argument(
        "--note", default="", help="a paragraph for the README section, e.g. why not full size"
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-import-bench-") as tmp:
        directory = Path(tmp)
        began = time.perf_counter()
        export = generate(directory, args.tickets, args.events)
        print(
            f"generated {export['first_rows']:,} + {export['second_rows']:,} tickets"
            f"{' with 3 events each' if args.events else ''} in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        for name, url, var_dir in fresh_databases(args.databases, directory):
            figures = bench_database(name, url, var_dir, export)
            command = f"{Path(sys.executable).relative_to(ROOT) if Path(sys.executable).is_relative_to(ROOT) else 'python'} bench/ticket_import.py"
            figures["command"] = " ".join([command, *(argv if argv is not None else sys.argv[1:])])
            results.append(figures)
    problems = [p for r in results for p in r["problems"]]
    print(
        "\n".join(f"WRONG: {p}" for p in problems)
        or "row counts verified: nothing added twice, updates applied"
    )
    write = args.readme if args.readme is not None else args.tickets == FULL_SIZE
    if write and results:
        # Rows of databases not run this time stay as they were.
        ran = {r["database"] for r in results}
        kept = [
            line + "\n"
            for line in README.read_text().split("## Ticket import", 1)[-1].split("\n## ", 1)[0].splitlines()
            if line.startswith("| ") and line.split("|")[1].strip() in {"sqlite", "postgresql"} - ran
        ]
        rows = "".join(kept) + "".join(
            f"| {r['database']} | {r['first']['rows']:,} | {r['first']['seconds']:,.1f} s "
            f"({r['first']['rows'] / r['first']['seconds']:,.0f} rows/s) | {cpu_cell(r['first'])} | "
            f"{r['first']['mib']:,.0f} MiB | "
            f"{r['second']['rows']:,} | {r['second']['seconds']:,.1f} s | {cpu_cell(r['second'])} | "
            f"{r['second']['mib']:,.0f} MiB | "
            f"{r['second']['tickets']:,} tickets, {r['second']['events']:,} events: "
            f"{'as expected' if not r['problems'] else 'WRONG'} | "
            f"{', '.join(f'{load:.1f}' for load in r['load'])} | `{r['command']}` |\n"
            for r in results
        )
        events = f"{3 * args.tickets:,} state events (3 per ticket)" if args.events else "no events file"
        write_section(
            "Ticket import",
            "## Ticket import\n\n"
            "`.venv/bin/python bench/ticket_import.py` runs `accord import-tickets` (the service "
            "`accord.sla.services.import_tickets`, as the upload page does) in a fresh interpreter on a freshly "
            f"migrated database: a first import of {args.tickets:,} generic-format tickets with {events}, then a "
            f"re-import of an overlapping export (the last {export['updated']:,} tickets, some resolved since, plus "
            f"{export['new']:,} new ones). Afterwards the tickets, distinct ids, open tickets, events and import "
            "counts are checked against what the files hold. CPU is the import process's own (user + system; "
            "on SQLite the database works inside it) plus, on PostgreSQL, the server's (the postmaster's "
            "processes, read from /proc before and after). Peak RSS is the import process's own high-water "
            "mark (VmHWM; not the PostgreSQL server's); PostgreSQL is a throwaway local cluster with fsync off. "
            "The load column is the machine's 1-minute load average as each import started (2 cores shared "
            "with other work: wall times stretch with it).\n\n"
            "| database | first import: rows | time | CPU | peak RSS | re-import: rows | time | CPU | peak RSS | "
            "rows in the database | load | command |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            f"{rows}\n{args.note + chr(10) * 2 if args.note else ''}Machine: {machine()}.\n",
        )
        print(f"wrote {README.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
