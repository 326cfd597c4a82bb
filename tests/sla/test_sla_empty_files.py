"""Header-only tickets and events files are valid: a week without pauses, or without tickets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from accord.sla.engine import (
    compute,
    load_policy,
    parse_instant,
    read_events,
    read_generic_tickets,
    read_servicenow,
)
from accord.sla.engine_bridge import read_export
from tests.sla.engine_inputs import (
    OFFICE_HOURS,
    RESULT_HEADER,
    csv_bytes,
    events_file,
    results_rows,
    run_cli,
    tickets_file,
)

SERVICENOW_HEADER = ("number", "priority", "opened_at", "resolved_at", "incident_state", "sys_updated_at")
TICKET = ["T-1", "2", "2026-01-05T09:00", "2026-01-05T09:30", "2026-01-05T11:00"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(OFFICE_HOURS))
    return tmp_path


def compute_files(folder: Path, tickets: bytes, events: bytes | None, *extra: str) -> tuple[int, str, str]:
    (folder / "tickets.csv").write_bytes(tickets)
    args: list[str | Path] = [
        "compute",
        "--policy",
        folder / "policy.yaml",
        "--tickets",
        folder / "tickets.csv",
        "--as-of",
        "2026-01-05T12:00",
        "--out",
        "-",
        *extra,
    ]
    if events is not None:
        (folder / "events.csv").write_bytes(events)
        args += ["--events", folder / "events.csv"]
    return run_cli(*args)


def test_a_header_only_events_file_means_no_pauses(folder):
    code, stdout, stderr = compute_files(folder, tickets_file([TICKET]), events_file([]))
    assert code == 0, stderr
    (row,) = results_rows(stdout)
    assert (row["id"], row["response_elapsed_s"], row["resolution_elapsed_s"], row["paused_s"]) == (
        "T-1",
        "1800",
        "7200",
        "0",
    )
    assert (row["response_status"], row["resolution_status"], row["error"]) == ("met", "met", "")
    assert "wrote 1 rows (0 with errors)" in stderr


def test_a_header_only_tickets_file_gives_an_empty_results_file_and_says_0_tickets(folder):
    code, stdout, stderr = compute_files(folder, tickets_file([]), events_file([]))
    assert code == 0, stderr
    assert stdout.splitlines() == [",".join(RESULT_HEADER)]
    assert "0 tickets" in stderr
    assert "error" not in stderr


def test_a_header_only_tickets_file_without_events_or_final_newline_is_empty_too(folder):
    header = b"id,priority,opened_at,first_response_at,resolved_at"
    code, stdout, stderr = compute_files(folder, header, None)
    assert code == 0, stderr
    assert results_rows(stdout) == []
    assert "0 tickets" in stderr


def test_a_header_only_servicenow_export_gives_no_incidents(folder):
    code, stdout, stderr = compute_files(
        folder, csv_bytes(SERVICENOW_HEADER, []), events_file([]), "--format", "servicenow"
    )
    assert code == 0, stderr
    assert results_rows(stdout) == []
    assert "0 tickets" in stderr


def test_a_header_only_file_with_a_date_format_is_empty_too(folder):
    code, stdout, stderr = compute_files(
        folder, tickets_file([]), events_file([]), "--date-format", "%d/%m/%Y %H:%M"
    )
    assert code == 0, stderr
    assert results_rows(stdout) == []


def test_events_for_tickets_of_an_empty_tickets_file_are_reported_as_unknown(folder):
    code, stdout, stderr = compute_files(
        folder, tickets_file([]), events_file([["T-9", "2026-01-05T09:00", "Awaiting Vendor"]])
    )
    assert code == 0, stderr
    assert results_rows(stdout) == []
    assert "events line 2: unknown ticket id 'T-9'" in stderr


# The engine functions the ticket import calls (accord.sla.engine_bridge.read_export and compute).


def test_the_readers_return_empty_arrays_for_header_only_files():
    tickets = read_generic_tickets(tickets_file([]), timezone="America/Chicago")
    events = read_events(events_file([]), timezone="America/Chicago")
    incidents, derived = read_servicenow(csv_bytes(SERVICENOW_HEADER, []), timezone="UTC")
    assert (len(tickets), len(events), len(incidents), len(derived)) == (0, 0, 0, 0)
    assert tickets.opened_at.dtype == np.int64 and events.at.dtype == np.int64


def test_compute_over_no_tickets_gives_no_results():
    policy = load_policy(OFFICE_HOURS)
    tickets = read_generic_tickets(tickets_file([]), timezone=policy.timezone)
    events = read_events(events_file([]), timezone=policy.timezone)
    results = compute(policy, tickets, events, as_of=parse_instant("2026-01-05T12:00", policy.timezone))
    assert len(results) == 0
    assert results.frame().columns == RESULT_HEADER
    assert results.unknown_events.height == 0


@pytest.mark.parametrize("file_format", ["generic", "servicenow", "jira"])
def test_the_import_reads_a_header_only_export_as_no_tickets(file_format):
    headers = {
        "generic": ("id", "priority", "opened_at", "first_response_at", "resolved_at"),
        "servicenow": SERVICENOW_HEADER,
        "jira": ("Issue key", "Issue id", "Priority", "Created", "Resolved", "Status"),
    }
    parsed = read_export(
        csv_bytes(headers[file_format], []),
        file_format=file_format,
        timezone="UTC",
        events_source=events_file([]),
    )
    assert len(parsed.tickets) == 0 and len(parsed.events) == 0
    assert parsed.row_errors() == []
    assert parsed.valid.shape == (0,)


def test_the_import_reads_tickets_with_a_header_only_events_file():
    parsed = read_export(
        tickets_file([TICKET]),
        file_format="generic",
        timezone="America/Chicago",
        events_source=events_file([]),
    )
    assert len(parsed.tickets) == 1 and len(parsed.events) == 0
    assert parsed.valid.tolist() == [True]


# Large files are read in place (mapped) rather than copied; the rows and line numbers are the same.


@pytest.mark.parametrize("final_newline", [True, False])
def test_a_file_read_in_place_gives_the_same_rows_and_lines_as_one_read_into_memory(
    tmp_path, monkeypatch, final_newline
):
    from accord.sla.engine import readers

    text = (
        b"id,priority,opened_at,first_response_at,resolved_at\n"
        b'T-1,2,2026-01-05T09:00,,\n"T-2\nsecond line",2,2026-01-05T09:00,,\n\nT-3,9,2026-01-05T10:00,,'
    ) + (b"\n" if final_newline else b"")
    path = tmp_path / "tickets.csv"
    path.write_bytes(text)
    in_memory = read_generic_tickets(text, timezone="UTC")
    monkeypatch.setattr(readers, "_MAPPED_FROM", 0)
    in_place = read_generic_tickets(path, timezone="UTC")
    assert in_place.ids.to_list() == in_memory.ids.to_list() == ["T-1", "T-2\nsecond line", "T-3"]
    assert in_place.line.tolist() == in_memory.line.tolist()
    assert in_place.opened_at.tolist() == in_memory.opened_at.tolist()


@pytest.mark.parametrize("final_newline", [True, False])
def test_a_file_without_quotes_numbers_its_rows_by_line_both_ways(tmp_path, monkeypatch, final_newline):
    # Without a quote character no cell can hold a line break, so the readers skip counting them.
    from accord.sla.engine import readers

    text = (
        b"id,priority,opened_at,first_response_at,resolved_at\n"
        b"T-1,2,2026-01-05T09:00,,\n\nT-2,2,2026-01-05T09:00,,\r\nT-3,9,2026-01-05T10:00,,"
    ) + (b"\n" if final_newline else b"")
    path = tmp_path / "tickets.csv"
    path.write_bytes(text)
    in_memory = read_generic_tickets(text, timezone="UTC")
    monkeypatch.setattr(readers, "_MAPPED_FROM", 0)
    in_place = read_generic_tickets(path, timezone="UTC")
    assert in_place.ids.to_list() == in_memory.ids.to_list() == ["T-1", "T-2", "T-3"]
    assert in_place.line.tolist() == in_memory.line.tolist() == [2, 4, 5]


def test_a_missing_file_read_in_place_is_an_input_error(tmp_path):
    from accord.sla.engine import InputError

    with pytest.raises(InputError, match="No such file"):
        read_generic_tickets(tmp_path / "absent.csv", timezone="UTC")
