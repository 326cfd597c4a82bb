"""Benchmark of the SLA recompute from the database: a million stored tickets and three million events.

For SQLite (a fresh ACCORD_VAR_DIR) and PostgreSQL (a throwaway cluster, when `pg_ctl` is on PATH) it
migrates, creates a contract with the realistic policy of bench/sla.py, stores the tickets and events
straight into their tables with bulk SQL (executemany on SQLite, COPY on PostgreSQL: building the data
is not what is measured), then times `accord.sla.services.compute_results` (what the task worker runs
for "Compute now") in a fresh interpreter: wall, CPU and peak RSS, and each phase as the job's
progress reports it. Results are counted afterwards (one per ticket, none twice). A second recompute
of the same data is timed too: it updates every row instead of inserting it.

    .venv/bin/python bench/recompute.py                  # 1,000,000 tickets, updates bench/README.md
    .venv/bin/python bench/recompute.py --tickets 20000  # quick run, README untouched
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _readme import README, fresh_databases, machine, write_section  # noqa: E402  (bench/ is the script's own folder)
from sla import POLICY  # noqa: E402  (the SLA engine benchmark's policy)

FULL_SIZE = 1_000_000
ACCORD = [sys.executable, "-m", "accord.cli"]

SETUP = """
import datetime as dt, json, sys, django
django.setup()
from accord.accounts.models import Organisation
from accord.accounts.services import create_person
from accord.core.services import create_record
from accord.programs.models import ProgramKind
from accord.programs.services import create_program
from accord.sla import services
from accord.sla.models import Contract
actor = create_person(actor="bench", email="manager@example.org", full_name="Bench Manager", check=False)
program = create_program(actor=actor, check=False, name="Bench", kind=ProgramKind.OUTSOURCING_TRANSITION)
vendor = create_record(model=Organisation, actor=actor, check=False, data={"name": "Vendor", "kind": "vendor"})
contract = create_record(model=Contract, actor=actor, check=False, data={
    "program": program, "vendor": vendor, "name": "Service desk", "start_date": dt.date(2025, 1, 1)})
services.create_policy(contract=contract, name="SLA", yaml_text=sys.argv[1], effective_from=dt.date(2025, 1, 1),
                       actor=actor, check=False)
print(json.dumps(contract.pk))
"""

# The schema straight from the models, as the test suite's --nomigrations does: for a database on which
# some committed migration cannot run (--schema-from-models). What is measured does not depend on it.
SCHEMA_FROM_MODELS = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
class NoMigrations(dict):
    def __contains__(self, item):
        return True
    def __getitem__(self, item):
        return None
settings.MIGRATION_MODULES = NoMigrations()
call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
print("null")
"""

# Stores N tickets (3 events each) for the contract with bulk SQL; every other column gets its default.
FILL = """
import io, json, sys, time, django
django.setup()
import numpy as np, polars as pl
from django.db import connection, transaction
from django.utils import timezone
from accord.sla.models import Contract, Ticket, TicketEvent
contract, size = Contract.objects.get(pk=int(sys.argv[1])), int(sys.argv[2])
rng = np.random.default_rng(20260309)
start = 1735689600  # 2025-01-01T00:00:00Z
opened = start + rng.integers(0, 730 * 86400, size)
priority = rng.choice(np.array(["1", "2", "3", "4"]), size, p=[0.05, 0.15, 0.5, 0.3])
responded = opened + rng.exponential(3600, size).astype(np.int64) + 1
resolved = responded + rng.exponential(20 * 3600, size).astype(np.int64) + 60
still_open = rng.random(size) < 0.02
pause_start = responded + (rng.random(size) * (resolved - responded)).astype(np.int64)
pause_end = pause_start + rng.exponential(6 * 3600, size).astype(np.int64) + 1
states = np.array(["Awaiting User Info", "Awaiting Vendor", "Awaiting Change"])
postgres = connection.vendor == "postgresql"
from bench._fill import store as store_frame
suffix = "+00" if postgres else ""
def instants(values, present=None):
    text = pl.from_epoch(pl.Series(values), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S" + suffix)
    return text if present is None else text.set(pl.Series(~present), None)
now = timezone.now()
def rest(model, given):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column not in given]
    values = {}
    for f in fields:
        value = f.get_default()
        if value is None and not f.null and f.get_internal_type() == "DateTimeField":
            value = now
        values[f.column] = connection.ops.adapt_datetimefield_value(value) if hasattr(value, "tzinfo") else value
    return values
def store(model, frame):
    store_frame(model, frame.with_columns(**{k: pl.lit(v) for k, v in rest(model, set(frame.columns)).items()}))
began = time.perf_counter()
if not postgres:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -524288")
with transaction.atomic():
    first_pk = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    store(Ticket, pl.DataFrame({
        "id": np.arange(first_pk, first_pk + size),
        "program_id": contract.program_id, "contract_id": contract.pk,
        "external_id": [f"INC{i:07d}" for i in range(size)],
        "priority": priority,
        "opened_at": instants(opened),
        "first_response_at": instants(responded, ~still_open),
        "resolved_at": instants(resolved, ~still_open),
    }))
    pks = np.arange(first_pk, first_pk + size)
    store(TicketEvent, pl.DataFrame({
        "ticket_id": np.concatenate([pks, pks, pks]),
        "seq": np.repeat(np.arange(3), size),
        "at": pl.concat([instants(responded), instants(pause_start), instants(pause_end)]),
        "state": np.concatenate([np.full(size, "In Progress"), rng.choice(states, size), np.full(size, "In Progress")]),
    }))
if postgres:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Ticket._meta.db_table, first_pk + size])
        cursor.execute("ANALYZE")
print(json.dumps(time.perf_counter() - began))
"""

# One recompute as the task worker runs it; phases are the spans between the job's progress reports.
RECOMPUTE = """
import datetime as dt, json, os, sys, time, django
django.setup()
from django.db import connection
from accord.sla import services
from accord.sla.models import Contract, SlaResult
contract = Contract.objects.get(pk=int(sys.argv[1]))
def server_cpu():
    # The PostgreSQL backend's own CPU (user + system), read from /proc when the server is local and
    # readable; on SQLite the database works inside this process, so its CPU is in process_time.
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
marks = []
def progress(percent, message):
    marks.append((percent, time.perf_counter(), time.process_time()))
server_began, load = server_cpu(), os.getloadavg()[0]
began, cpu = time.perf_counter(), time.process_time()
summary = services.compute_results(contract=contract, as_of=dt.datetime(2027, 1, 15, 18, tzinfo=dt.UTC),
                                   actor="bench", check=False, progress=progress)
marks.append((100, time.perf_counter(), time.process_time()))
server = server_cpu()
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
phases = [[a[0], b[1] - a[1], b[2] - a[2]] for a, b in zip(marks, marks[1:])]
print(json.dumps({"wall": time.perf_counter() - began, "cpu": time.process_time() - cpu, "mib": peak / 1024,
                  "server_cpu": None if server is None else server - server_began, "load": load,
                  "results": summary.results, "errors": summary.errors, "phases": phases,
                  "stored": SlaResult.objects.filter(contract=contract).count(),
                  "effective": SlaResult.objects.filter(contract=contract, effective=True).count()}))
"""

# The job's progress reports (percent) at the start of each phase, and what the phase does.
PHASE_NAMES = {
    5: "tickets read (one query)",
    20: "events read (one query), versions chosen",
    35: "engine compute, result columns",
    75: "results written (one transaction)",
}


def run(command: list[str], env: dict[str, str], log: Path) -> Any:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    log.write_text(done.stdout + done.stderr)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "null"
    return json.loads(last)


def bench_database(
    name: str, url: str, var_dir: Path, tickets: int, schema_from_models: bool = False
) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ACCORD_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    log = var_dir / "log"
    if schema_from_models:
        run([sys.executable, "-c", SCHEMA_FROM_MODELS], env, log)
    else:
        run([*ACCORD, "migrate", "--no-input", "-v0"], env, log)
    contract = run([sys.executable, "-c", SETUP, POLICY], env, log)
    fill_s = run([sys.executable, "-c", FILL, str(contract), str(tickets)], env, log)
    print(f"[{name}] stored {tickets:,} tickets and {3 * tickets:,} events in {fill_s:.1f} s", flush=True)
    runs = []
    for attempt in ("first", "again"):
        figures = run([sys.executable, "-c", RECOMPUTE, str(contract)], env, log)
        figures["phases"] = [[PHASE_NAMES[p], w, c] for p, w, c in figures["phases"]]
        runs.append(figures)
        server = "" if figures["server_cpu"] is None else f" (+ {figures['server_cpu']:.1f} s server CPU)"
        print(
            f"[{name}] {attempt} recompute at load {figures['load']:.1f}: {figures['wall']:.1f} s wall, "
            f"{figures['cpu']:.1f} s CPU{server}, "
            f"{figures['mib']:,.0f} MiB; {figures['results']:,} results ({figures['errors']} errors), "
            f"{figures['stored']:,} stored",
            flush=True,
        )
        for label, wall, cpu in figures["phases"]:
            print(f"    {label:40s} {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)
    problems = [
        f"{name}: {figures['stored']:,} results stored ({figures['effective']:,} effective) for {tickets:,} tickets"
        for figures in runs
        if figures["stored"] != tickets or figures["effective"] != tickets or figures["results"] != tickets
    ]
    return {"database": name, "runs": runs, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=FULL_SIZE, help="stored tickets (3 events each)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated (default: both)")
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the figures to bench/README.md (default: only for a full-size run)",
    )
    parser.add_argument(
        "--schema-from-models",
        default="",
        help="comma-separated databases whose schema is created from the models instead of migrated",
    )
    args = parser.parse_args(argv)
    from_models = set(filter(None, args.schema_from_models.split(",")))
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-recompute-bench-") as tmp:
        for name, url, var_dir in fresh_databases(args.databases, Path(tmp)):
            results.append(bench_database(name, url, var_dir, args.tickets, name in from_models))
    load = os.getloadavg()[0]
    problems = [p for r in results for p in r["problems"]]
    print("\n".join(f"WRONG: {p}" for p in problems) or "one result per ticket, none stored twice")
    write = args.readme if args.readme is not None else args.tickets == FULL_SIZE
    if write and results:
        rows = "".join(
            f"| {r['database']} | {attempt} | {f['load']:.1f} | {f['wall']:.1f} s | {f['cpu']:.1f} s | "
            f"{'in process' if f['server_cpu'] is None else format(f['server_cpu'], '.1f') + ' s'} | "
            f"{f['mib']:,.0f} MiB | "
            + " | ".join(f"{wall:.1f} s" for _, wall, _ in f["phases"])
            + f" | {f['stored']:,} {'(as expected)' if not r['problems'] else '(WRONG)'} |\n"
            for r in results
            for attempt, f in zip(("first", "again (updates)"), r["runs"], strict=True)
        )
        labels = " | ".join(label for label, _, _ in results[0]["runs"][0]["phases"])
        write_section(
            "SLA recompute from the database",
            "## SLA recompute from the database\n\n"
            "`.venv/bin/python bench/recompute.py` stores "
            f"{args.tickets:,} tickets and {3 * args.tickets:,} state events (3 per ticket) of one contract "
            "straight into the tables with bulk SQL, on a fresh SQLite database and a throwaway PostgreSQL "
            "cluster (fsync off), with the SLA engine benchmark's policy, then times "
            '`accord.sla.services.compute_results` (what the task worker runs for "Compute now") in a fresh '
            "interpreter, twice: the first run inserts every result, the second updates them. Tickets and "
            "events are read with one SQL query per table into polars (COPY on PostgreSQL), results written "
            "in one transaction (COPY into a staging table then one INSERT … ON CONFLICT on PostgreSQL, "
            "executemany on SQLite), then only the rows they supersede (a ticket's effective row under "
            "another version) are marked as comparisons. Goal: under 60 s on each database. CPU is the "
            "Python process's (all threads; on SQLite the database works inside it), server CPU the "
            "PostgreSQL backend's, read from /proc; load is the 1-minute load average as the run began. "
            "Phases are the spans between the job's progress reports (wall time).\n\n"
            f"| database | run | load | wall | CPU | server CPU | peak RSS | {labels} | results stored |\n"
            f"|{'---|' * (8 + len(results[0]['runs'][0]['phases']))}\n"
            f"{rows}\n"
            f"Machine: {machine()}; 1-minute load average {load:.1f} when the figures were taken (shared "
            "machine: wall times stretch with the load).\n\n",
        )
        print(f"wrote {README.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
