"""Running an import in a child process on the test database, and killing it with SIGKILL mid-write.

The child gets the test database through DATABASE_URL: on SQLite a file copy of the in-memory test
database (the child's writes then land in the copy), on PostgreSQL the test database itself. A child
signals that it has started writing by creating a marker file, then sleeps until it is killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def child_database_url(tmp_path: Path) -> str:
    """A DATABASE_URL on which a child process sees what the test has committed so far."""
    if connection.vendor == "sqlite":
        path = tmp_path / "accord.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{connection.settings_dict['NAME']}"


def child_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ACCORD_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "ACCORD_TESTING": "",
    }


def run_child(script: str, env: dict[str, str], *args: str, timeout: float = 300) -> Any:
    """Run `script` to completion; return the JSON its last line of output prints, if it prints JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return json.loads(last) if last.startswith(("{", "[")) else last


def kill_once_writing(
    script: str, env: dict[str, str], marker: Path, *args: str, timeout: float = 300
) -> None:
    """Start `script`, wait for it to create `marker` (it is writing), then SIGKILL it and reap it."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while not marker.exists():
            if child.poll() is not None:
                raise AssertionError(f"the import ended before writing: {child.stderr.read()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("the import never started writing")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


# Pauses the first import-tickets of the process after its second batch of tickets has been written.
PAUSED_TICKET_IMPORT = """
import sys, time, django
django.setup()
from django.core.management import call_command
from accord.sla import bulk
marker, contract, tickets, events = sys.argv[1:5]
original, batches = bulk.upsert, []
def upsert(model, *args, **kwargs):
    original(model, *args, **kwargs)
    if model.__name__ == "Ticket":
        batches.append(1)
        if len(batches) == 2:
            open(marker, "w").write("writing")
            time.sleep(600)
bulk.upsert = upsert
call_command("import_tickets", tickets, "--contract", contract, "--events", events)
"""

TICKET_IMPORT = """
import sys, django
django.setup()
from django.core.management import call_command
contract, tickets, events = sys.argv[1:4]
call_command("import_tickets", tickets, "--contract", contract, "--events", events)
"""

COUNT_TICKETS = """
import json, sys, django
django.setup()
from accord.sla.models import Ticket, TicketChange, TicketEvent, TicketImport
contract = int(sys.argv[1])
print(json.dumps({
    "tickets": Ticket.objects.filter(contract_id=contract).count(),
    "events": TicketEvent.objects.filter(ticket__contract_id=contract).count(),
    "changes": TicketChange.objects.filter(ticket__contract_id=contract).count(),
    "imports": [[s, m] for s, m in TicketImport.objects.filter(contract_id=contract).order_by("pk")
                .values_list("status", "message")],
}))
"""
