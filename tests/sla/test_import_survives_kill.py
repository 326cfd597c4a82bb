"""An import killed with SIGKILL half-way leaves all of its rows or none, says so, and a re-run completes.

Runs on whichever database the suite runs on (SQLite, or PostgreSQL under tests.postgres_cluster).
"""

from __future__ import annotations

import pytest

from tests.sla.factories import ContractFactory, events_csv, tickets_csv
from tests.sla.killing import (
    COUNT_TICKETS,
    PAUSED_TICKET_IMPORT,
    TICKET_IMPORT,
    child_database_url,
    child_env,
    kill_once_writing,
    run_child,
)

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = 5000  # three batches of 2000: the child is killed after the second has been written
# The child writes in batches of 2000 (the import's own batches are larger), so the kill falls mid-file.
SMALL_BATCHES = "from accord.sla import imports\nimports.TICKET_BATCH = 2000\n"


def test_a_ticket_import_killed_mid_write_leaves_nothing_and_a_rerun_completes(world, tmp_path):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    ids = [f"INC{i:05d}" for i in range(TICKETS)]
    tickets = tmp_path / "tickets.csv"
    tickets.write_bytes(tickets_csv([(i, "P2", "2024-01-02T10:00Z", "2024-01-02T10:30Z", "") for i in ids]))
    events = tmp_path / "events.csv"
    events.write_bytes(events_csv([(i, "2024-01-02T11:00Z", "Awaiting customer") for i in ids]))
    env = child_env(child_database_url(tmp_path), tmp_path)
    marker = tmp_path / "writing"

    kill_once_writing(
        PAUSED_TICKET_IMPORT.replace("django.setup()\n", f"django.setup()\n{SMALL_BATCHES}"),
        env,
        marker,
        str(marker),
        str(contract.pk),
        str(tickets),
        str(events),
    )

    after_kill = run_child(COUNT_TICKETS, env, str(contract.pk))
    assert (after_kill["tickets"], after_kill["events"], after_kill["changes"]) == (0, 0, 0)
    [(status, message)] = after_kill["imports"]
    assert status == "running" and message.startswith("Writing 5000 ticket(s) in one transaction")

    run_child(TICKET_IMPORT, env, str(contract.pk), str(tickets), str(events))

    after_rerun = run_child(COUNT_TICKETS, env, str(contract.pk))
    assert (after_rerun["tickets"], after_rerun["events"], after_rerun["changes"]) == (
        TICKETS,
        TICKETS,
        TICKETS,
    )
    (killed_status, killed_message), (rerun_status, rerun_message) = after_rerun["imports"]
    assert killed_status == "failed" and "stopped before it finished" in killed_message
    assert "nothing of it was stored" in killed_message
    assert rerun_status == "done" and rerun_message == (
        f"{TICKETS} ticket(s) added, 0 updated; {TICKETS} event(s) added, 0 removed."
    )
