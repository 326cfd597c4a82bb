"""Small inputs for the SLA engine's rule tests: CSV fixtures, a policy, and the results as read back.

Tests go through the engine's public readers and `compute`, and read the results table the CLI
writes (`SlaResults.frame()`), so each assertion is about a cell a user would see in RESULTS.csv.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from accord.sla import cli
from accord.sla.engine import compute, load_policy, parse_instant, read_events, read_generic_tickets

RESULT_HEADER = [
    "id",
    "priority",
    "response_elapsed_s",
    "resolution_elapsed_s",
    "paused_s",
    "response_due",
    "resolution_due",
    "response_status",
    "resolution_status",
    "error",
]

# Chicago office hours, Monday to Friday, with a lunch break on Tuesdays; no holidays.
OFFICE_HOURS: dict[str, Any] = {
    "timezone": "America/Chicago",
    "working_hours": {
        "mon": ["08:00-17:00"],
        "tue": ["08:00-12:00", "13:00-17:00"],
        "wed": ["08:00-17:00"],
        "thu": ["08:00-17:00"],
        "fri": ["08:00-17:00"],
    },
    "pause_states": ["Awaiting User Info", "Awaiting Vendor"],
    "targets": {
        "1": {"response": "15m", "resolution": "4h", "calendar": "24x7"},
        "2": {"response": "1h", "resolution": "8h"},
    },
}


def policy_with(**changes: Any) -> dict[str, Any]:
    """OFFICE_HOURS with some top-level keys replaced."""
    return {**OFFICE_HOURS, **changes}


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def tickets_file(rows: Iterable[Sequence[str]]) -> bytes:
    return csv_bytes(("id", "priority", "opened_at", "first_response_at", "resolved_at"), rows)


def events_file(rows: Iterable[Sequence[str]]) -> bytes:
    return csv_bytes(("id", "at", "state"), rows)


def results_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == RESULT_HEADER
    return list(reader)


def compute_rows(
    policy: Mapping[str, Any] | str,
    tickets: Iterable[Sequence[str]],
    events: Iterable[Sequence[str]] | None = None,
    *,
    as_of: str,
) -> list[dict[str, str]]:
    """The results rows (all cells as text, '' when empty) for tickets and events given as CSV rows."""
    spec = load_policy(policy)
    ticket_arrays = read_generic_tickets(tickets_file(tickets), timezone=spec.timezone)
    event_arrays = read_events(events_file(events), timezone=spec.timezone) if events is not None else None
    results = compute(spec, ticket_arrays, event_arrays, as_of=parse_instant(as_of, spec.timezone))
    return results_rows(results.frame().write_csv())


def compute_one(
    policy: Mapping[str, Any] | str,
    ticket: Sequence[str],
    events: Iterable[Sequence[str]] | None = None,
    *,
    as_of: str,
) -> dict[str, str]:
    (row,) = compute_rows(policy, [ticket], events, as_of=as_of)
    return row


def run_cli(*argv: str | Path) -> tuple[int, str, str]:
    """`accord sla …` in-process: (exit code, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
