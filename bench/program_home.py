"""Benchmark of the program home (the dashboard) with 100,000 KPI measurements and 1,000,000 SLA tickets.

For SQLite (a fresh ACCORD_VAR_DIR) and PostgreSQL (a throwaway cluster, when `pg_ctl` is on PATH) it
migrates and seeds the demo (its Northbridge IT transition gives realistic counts of red flags, risks,
commitments, stakeholder groups, services and changes), then adds to that program, with bulk SQL (building
the data is not what is measured): KPIs with 100,000 measurements in all, a million tickets on its service
desk contract with one effective result each (5% of the clocks breached), and the monthly reports of the
last two years issued through the service that closes a period with its figures. It then requests the
program home through Django's test client, signed in as the program manager, in a fresh interpreter: a few
warm-up requests, then N timed ones (p50, p95, max) and the queries of one request. The board pack of
the same program is timed the same way when the meetings app serves one.

    .venv/bin/python bench/program_home.py                   # full size, updates bench/README.md
    .venv/bin/python bench/program_home.py --tickets 20000 --measurements 5000   # quick, README untouched
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

from _readme import fresh_databases, machine, write_section  # noqa: E402  (bench/ is the script's own folder)

FULL_TICKETS = 1_000_000
FULL_MEASUREMENTS = 100_000
KPIS = 200
ACCORD = [sys.executable, "-m", "accord.cli"]

# KPIs and their measurements, the tickets and their results, with bulk SQL; then the periods issued.
FILL = """
import datetime as dt, json, sys, time, django
django.setup()
import numpy as np, polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from accord.accounts.models import User
from accord.benefits.models import Benefit, Kpi, Measurement
from accord.programs.models import Program
from accord.sla import periods
from accord.sla.models import Contract, SlaPolicyVersion, SlaResult, Ticket
tickets, measurements, kpi_count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
manager = User.objects.get(email=sys.argv[4])
program = Program.objects.get(name=sys.argv[5])
contract = Contract.objects.filter(program=program).order_by("pk").first()
version = SlaPolicyVersion.objects.filter(policy__contract=contract).order_by("-number").first()
postgres = connection.vendor == "postgresql"
from bench._fill import store
rng = np.random.default_rng(20261203)
today = timezone.localdate()
now = timezone.now()
began = time.perf_counter()
q = connection.ops.quote_name

stamp = now.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if postgres else "")
with transaction.atomic():
    benefit = Benefit.objects.create(program=program, title="Bench: service desk outcomes", category="savings",
                                     window_start=today - dt.timedelta(days=730), window_end=today + dt.timedelta(days=365),
                                     visibility="shared")
    kpis = Kpi.objects.bulk_create([
        Kpi(program=program, benefit=benefit, name=f"Bench KPI {i:03d}", unit="%", direction="increase",
            baseline_value=20.0, baseline_date=today - dt.timedelta(days=730), target_value=80.0,
            target_date=today + dt.timedelta(days=180), amber_tolerance=5.0, red_tolerance=10.0, frequency="weekly")
        for i in range(kpi_count)
    ])
    per_kpi = measurements // kpi_count
    days = pl.Series([(today - dt.timedelta(days=d)).isoformat() for d in range(per_kpi)])
    store(Measurement, pl.DataFrame({
        "program_id": program.pk,
        "created_at": stamp, "updated_at": stamp,
        "kpi_id": np.repeat(np.array([k.pk for k in kpis]), per_kpi),
        "measured_on": pl.concat([days] * kpi_count),
        "value": rng.uniform(10, 90, per_kpi * kpi_count).round(1),
        "source": "bench", "note": "",
    }))
    first_pk = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    start = int((now - dt.timedelta(days=730)).timestamp())
    opened = np.sort(start + rng.integers(0, 730 * 86400 - 3 * 86400, tickets))
    fmt = "%Y-%m-%d %H:%M:%S" + ("+00" if postgres else "")
    def instants(values):
        return pl.from_epoch(pl.Series(values), time_unit="s").dt.strftime(fmt)
    priority = rng.choice(np.array(["P1", "P2", "P3", "P4"]), tickets, p=[0.03, 0.17, 0.5, 0.3])
    responded = opened + rng.exponential(3600, tickets).astype(np.int64) + 1
    resolved = responded + rng.exponential(20 * 3600, tickets).astype(np.int64) + 60
    pks = np.arange(first_pk, first_pk + tickets)
    store(Ticket, pl.DataFrame({
        "id": pks, "program_id": program.pk, "created_at": stamp, "updated_at": stamp,
        "contract_id": contract.pk, "external_id": [f"BENCH{i:08d}" for i in range(tickets)],
        "priority": priority, "opened_at": instants(opened), "first_response_at": instants(responded),
        "resolved_at": instants(resolved), "source_format": "generic",
        "vendor_response_claim": "", "vendor_resolution_claim": "", "vendor_overall_claim": "",
    }))
    month_start = pl.from_epoch(pl.Series(opened), time_unit="s").dt.truncate("1mo").dt.strftime("%Y-%m-%d")
    breached = rng.random((2, tickets)) < 0.05
    store(SlaResult, pl.DataFrame({
        "program_id": program.pk, "created_at": stamp, "updated_at": stamp,
        "contract_id": contract.pk, "ticket_id": pks, "version_id": version.pk, "effective": True,
        "as_of": stamp, "priority": priority, "period_start": month_start,
        "response_elapsed_s": responded - opened, "resolution_elapsed_s": resolved - opened, "paused_s": 0,
        "response_status": np.where(breached[0], "breached", "met"),
        "resolution_status": np.where(breached[1], "breached", "met"),
        "paused_hospital_s": 0, "paused_vendor_s": 0, "paused_third_party_s": 0, "paused_unattributed_s": 0,
        "error": "",
    }))
if postgres:
    with connection.cursor() as cursor:
        for model in (Measurement, Ticket, SlaResult):
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM " + q(model._meta.db_table) + "))", [model._meta.db_table])
        cursor.execute("ANALYZE")
filled = time.perf_counter() - began
issued = 0
month = (today.replace(day=1) - dt.timedelta(days=730)).replace(day=1)
while month < today.replace(day=1):
    try:
        periods.issue_period_report(contract=contract, start=month, actor=manager, now=now, check=False)
        issued += 1
    except ValidationError:
        pass  # nothing measured that month, or already issued
    month = (month + dt.timedelta(days=32)).replace(day=1)
print(json.dumps({"fill": filled, "issue": time.perf_counter() - began - filled, "issued": issued,
                  "tickets": Ticket.objects.filter(contract=contract).count(),
                  "results": SlaResult.objects.filter(contract=contract).count(),
                  "measurements": Measurement.objects.filter(program=program).count()}))
"""

# The home page (and the board pack, when there is one) through the test client, as the program manager.
TIME = """
import json, statistics, sys, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from accord.accounts.models import User
from accord.programs.models import Program
requests, warmup = int(sys.argv[1]), int(sys.argv[2])
program = Program.objects.get(name=sys.argv[4])
client = Client()
client.force_login(User.objects.get(email=sys.argv[3]))
pages = {"program home": f"/programs/{program.pk}/"}
try:
    pages["board pack"] = reverse("meetings:board_pack", kwargs={"program_id": program.pk})
except NoReverseMatch:
    pass
figures = {}
for name, url in pages.items():
    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    times, cpu = [], []
    for _ in range(requests):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    cpu.sort()
    figures[name] = {"p50": statistics.median(times), "p95": times[max(0, round(0.95 * len(times)) - 1)],
                     "cpu_p50": statistics.median(cpu), "cpu_p95": cpu[max(0, round(0.95 * len(cpu)) - 1)],
                     "max": times[-1], "queries": len(queries.captured_queries), "requests": requests,
                     "load": os.getloadavg()[0] if (os := __import__("os")) else 0}
print(json.dumps(figures))
"""


def run(command: list[str], env: dict[str, str], log: Path, *, parse: bool = True) -> Any:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    if not parse:
        return None
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "null"
    return json.loads(last)


def demo_names(env: dict[str, str], log: Path) -> tuple[str, str]:
    """The demo transition program's name and its program manager's e-mail, as the demo defines them."""
    code = (
        "import json, django; django.setup()\n"
        "from accord.programs import demo\n"
        "pm = next(p for p in demo.PEOPLE if p[0] == 'transition_pm')\n"
        "print(json.dumps([demo.OUTSOURCING_NAME, pm[1]]))"
    )
    name, email = run([sys.executable, "-c", code], env, log)
    return name, email


def bench_database(
    name: str, url: str, var_dir: Path, tickets: int, measurements: int, requests: int
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
    run([*ACCORD, "migrate", "--no-input", "-v0"], env, log, parse=False)
    run([*ACCORD, "demo"], env, log, parse=False)
    # Pages are rendered as in production, whose static storage reads the collected manifest.
    run([*ACCORD, "collectstatic", "--no-input", "-v0"], env, log, parse=False)
    program, manager = demo_names(env, log)
    filled = run(
        [sys.executable, "-c", FILL, str(tickets), str(measurements), str(KPIS), manager, program], env, log
    )
    print(
        f"[{name}] demo + {filled['measurements']:,} measurements, {filled['tickets']:,} tickets, "
        f"{filled['results']:,} results stored in {filled['fill']:.0f} s; {filled['issued']} periods issued "
        f"in {filled['issue']:.0f} s",
        flush=True,
    )
    figures = run([sys.executable, "-c", TIME, str(requests), "5", manager, program], env, log)
    for page, f in figures.items():
        print(
            f"[{name}] {page}: p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, max {f['max']:.0f} ms, "
            f"client CPU p50 {f['cpu_p50']:.0f} ms p95 {f['cpu_p95']:.0f} ms, "
            f"{f['queries']} queries ({f['requests']} requests, load {f['load']:.1f})",
            flush=True,
        )
    return {"database": name, "filled": filled, "pages": figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=FULL_TICKETS)
    parser.add_argument("--measurements", type=int, default=FULL_MEASUREMENTS)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page, after 5 warm-up")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated (default: both)")
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the figures to bench/README.md (default: only for a full-size run)",
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-home-bench-") as tmp:
        for name, url, var_dir in fresh_databases(args.databases, Path(tmp)):
            results.append(bench_database(name, url, var_dir, args.tickets, args.measurements, args.requests))
    full = args.tickets == FULL_TICKETS and args.measurements == FULL_MEASUREMENTS
    if (args.readme if args.readme is not None else full) and results:
        rows = "".join(
            f"| {r['database']} | {page} | {f['p50']:.0f} ms | {f['p95']:.0f} ms | {f['max']:.0f} ms | "
            f"{f['cpu_p50']:.0f} ms | {f['cpu_p95']:.0f} ms | {f['queries']} | {f['load']:.1f} |\n"
            for r in results
            for page, f in r["pages"].items()
        )
        write_section(
            "Program home (dashboard)",
            "## Program home (dashboard)\n\n"
            "`.venv/bin/python bench/program_home.py` seeds the demo on a fresh SQLite database and a "
            "throwaway PostgreSQL cluster (fsync off), then adds to its Northbridge IT transition program, "
            f"with bulk SQL, {KPIS} KPIs with {args.measurements:,} measurements in all and "
            f"{args.tickets:,} service-desk tickets with one effective SLA result each, and issues the "
            "monthly reports of the last two years (`accord.sla.periods.issue_period_report`). It then "
            f"requests each page {args.requests} times through Django's test client as the program "
            "manager, after 5 warm-up requests, in a fresh interpreter (times include rendering, "
            "sessions and middleware, not a network). Goal: p95 under 300 ms on each database.\n\n"
            "| database | page | p50 | p95 | max | CPU p50 | CPU p95 | queries | load (1 min) |\n"
            "|---|---|---|---|---|---|---|---|---|\n"
            f"{rows}\n"
            f"Machine: {machine()}. CPU is the requesting process's (on SQLite it includes the database's "
            "work; on PostgreSQL the server's CPU is not in it); on a shared, loaded machine wall time "
            "stretches with the load while CPU does not. The panels read what is stored or indexed: a KPI's reading is its "
            "latest measurement on or before the day (one index look-up per KPI through "
            "(kpi, -measured_on)), the SLA panel the figures stored on the issued periods, never the "
            "results; no panel's query count grows with the data.\n\n",
        )
        print("wrote bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
