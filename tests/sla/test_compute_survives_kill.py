"""A recompute whose task worker is killed with SIGKILL mid-write leaves the previous results whole, and
the recovery on the worker's next start runs it again to the end, without duplicating a row.

The worker is the real `db_worker` (django-tasks' database backend) in a child process, on whichever
database the suite runs on (SQLite, or PostgreSQL under tests.postgres_cluster).
"""

from __future__ import annotations

import datetime as dt

import pytest

from accord.sla import services
from accord.sla.models import Ticket, TicketEvent
from tests.sla.factories import ContractFactory, policy_for
from tests.sla.killing import child_database_url, child_env, kill_once_writing, run_child

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = 3000
BEFORE = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
AFTER = "2024-03-01T00:00:00+00:00"

# Queues a recompute as "Compute now" does, then works the queue like `accord db_worker`; the results
# write is held open (after its rows went in, before the commit) until the process is killed.
PAUSED_WORKER = """
import datetime as dt, sys, time, django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from accord.sla import recompute, services
from accord.sla.models import Contract
marker, contract, actor, as_of = sys.argv[1:5]
original = recompute.write_results
def write_results(*args, **kwargs):
    original(*args, **kwargs)
    open(marker, "w").write("writing")
    time.sleep(600)
recompute.write_results = write_results
services.request_compute(
    contract=Contract.objects.get(pk=contract),
    as_of=dt.datetime.fromisoformat(as_of),
    actor=get_user_model().objects.get(pk=actor),
)
call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
"""

# What `make run` does when it starts the worker again: recover, then work the queue.
RESTARTED_WORKER = """
import django
django.setup()
from django.core.management import call_command
call_command("recover_sla_jobs")
call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
"""

COUNT_RESULTS = """
import json, sys, django
django.setup()
from accord.core.models import AuditEntry
from accord.sla.models import ComputeJob, SlaResult
contract = int(sys.argv[1])
results = SlaResult.objects.filter(contract_id=contract)
print(json.dumps({
    "results": results.count(),
    "as_of": sorted({r.isoformat() for r in results.values_list("as_of", flat=True)}),
    "effective": results.filter(effective=True).count(),
    "jobs": [[s, a, m] for s, a, m in ComputeJob.objects.filter(contract_id=contract).order_by("pk")
             .values_list("status", "attempts", "message")],
    "computations": sorted(
        e.changes["sla_results"]["as_of"] for e in AuditEntry.objects.filter(
            object_type="sla.contract", object_id=str(contract), changes__has_key="sla_results")
    ),
}))
"""


def test_a_recompute_killed_mid_write_keeps_the_old_results_and_the_restarted_worker_finishes_it(
    world, tmp_path
):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    opened = dt.datetime(2024, 1, 2, 10, tzinfo=dt.UTC)
    Ticket.objects.bulk_create(
        Ticket(
            program=contract.program,
            contract=contract,
            external_id=f"INC{i:05d}",
            priority="P2",
            opened_at=opened + dt.timedelta(minutes=i),
        )
        for i in range(TICKETS)
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, seq=0, at=opened + dt.timedelta(hours=2), state="Awaiting customer")
        for ticket in Ticket.objects.filter(contract=contract)
    )
    services.compute_results(contract=contract, as_of=BEFORE, actor=world.program_manager)
    env = child_env(child_database_url(tmp_path), tmp_path)
    marker = tmp_path / "writing"

    kill_once_writing(
        PAUSED_WORKER, env, marker, str(marker), str(contract.pk), str(world.program_manager.pk), AFTER
    )

    after_kill = run_child(COUNT_RESULTS, env, str(contract.pk))
    # The killed attempt's rows were never committed: the earlier results are all there, as they were.
    assert after_kill["results"] == after_kill["effective"] == TICKETS
    assert after_kill["as_of"] == [BEFORE.isoformat()]
    assert after_kill["computations"] == [BEFORE.isoformat()]
    [(status, attempts, message)] = after_kill["jobs"]
    assert (status, attempts) == ("running", 1) and message.startswith(f"Writing {TICKETS} result(s)")

    run_child(RESTARTED_WORKER, env)

    after_restart = run_child(COUNT_RESULTS, env, str(contract.pk))
    assert after_restart["results"] == after_restart["effective"] == TICKETS  # updated, none added
    assert after_restart["as_of"] == [AFTER]
    assert after_restart["computations"] == [BEFORE.isoformat(), AFTER]  # one audit row per stored result set
    [(status, attempts, message)] = after_restart["jobs"]
    assert (status, attempts, message) == ("done", 2, f"Computed {TICKETS} result(s).")
