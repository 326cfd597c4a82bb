"""Rows that cannot be computed keep their place in the results, with status `error` and a reason
that names the input line; the command still writes the results and exits 0."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.sla.engine_inputs import OFFICE_HOURS, events_file, results_rows, run_cli, tickets_file

GOOD = ["OK", "2", "2026-01-05T09:00", "2026-01-05T09:30", "2026-01-05T11:00"]


def compute_files(
    tmp_path: Path, tickets: list[list[str]], events: list[list[str]] | None = None
) -> tuple[list[dict[str, str]], str]:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(OFFICE_HOURS))
    (tmp_path / "tickets.csv").write_bytes(tickets_file(tickets))
    argv = [
        "compute",
        "--policy",
        tmp_path / "policy.yaml",
        "--tickets",
        tmp_path / "tickets.csv",
        "--as-of",
        "2026-01-31T00:00",
        "--out",
        tmp_path / "results.csv",
    ]
    if events is not None:
        (tmp_path / "events.csv").write_bytes(events_file(events))
        argv += ["--events", tmp_path / "events.csv"]
    code, _, stderr = run_cli(*argv)
    assert code == 0, stderr
    return results_rows((tmp_path / "results.csv").read_text()), stderr


def error_of(tmp_path: Path, ticket: list[str]) -> str:
    """The error of `ticket`, written on line 3 between two good tickets (whose results must be intact)."""
    rows, _ = compute_files(tmp_path, [GOOD, ticket, [f"{GOOD[0]}2", *GOOD[1:]]])
    assert len(rows) == 3
    for good in (rows[0], rows[2]):
        assert (good["resolution_elapsed_s"], good["error"]) == ("7200", "")
    bad = rows[1]
    assert (bad["id"], bad["response_status"], bad["resolution_status"]) == (ticket[0], "error", "error")
    assert bad["response_elapsed_s"] == bad["resolution_elapsed_s"] == bad["paused_s"] == ""
    assert bad["response_due"] == bad["resolution_due"] == ""
    return bad["error"]


def test_an_error_row_keeps_its_id_and_priority_and_leaves_the_figures_empty(tmp_path):
    rows, stderr = compute_files(tmp_path, [GOOD, ["BAD", "9", "2026-01-05T09:00", "", ""]])
    assert rows[1] == {
        "id": "BAD",
        "priority": "9",
        "response_elapsed_s": "",
        "resolution_elapsed_s": "",
        "paused_s": "",
        "response_due": "",
        "resolution_due": "",
        "response_status": "error",
        "resolution_status": "error",
        "error": "line 3: unknown priority '9' (the policy defines 1, 2)",
    }
    assert "wrote 2 rows (1 with errors)" in stderr


def test_an_unknown_priority_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["P9", "P2", "2026-01-05T09:00", "", ""]) == (
        "line 3: unknown priority 'P2' (the policy defines 1, 2)"
    )


def test_a_missing_priority_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["NP", "", "2026-01-05T09:00", "", ""]) == "line 3: missing priority"


def test_an_unparseable_time_is_an_error_row_quoting_the_cell(tmp_path):
    assert error_of(tmp_path, ["Y", "2", "yesterday", "", ""]) == (
        "line 3: opened_at 'yesterday' is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])"
    )
    assert error_of(tmp_path, ["N", "2", "2026-01-05T09:00", "", "2026-01-05 noon"]).startswith(
        "line 3: resolved_at '2026-01-05 noon' is not an ISO 8601 date and time"
    )


def test_an_impossible_date_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["F", "2", "2026-02-30T09:00", "", ""]) == (
        "line 3: opened_at '2026-02-30T09:00' is not a real date, time of day or UTC offset"
    )


def test_a_naive_time_the_clocks_skipped_in_spring_is_an_error_row(tmp_path):
    error = error_of(tmp_path, ["G", "2", "2026-03-08T02:30", "", ""])
    assert error.startswith("line 3: opened_at '2026-03-08T02:30' does not exist in America/Chicago")


def test_a_missing_opening_time_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["M", "2", "", "", "2026-01-05T11:00"]) == "line 3: missing opened_at"


def test_a_resolution_before_the_opening_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["R", "2", "2026-01-05T09:00", "", "2026-01-05T08:59"]) == (
        "line 3: resolved_at 2026-01-05T08:59:00-06:00 is before opened_at 2026-01-05T09:00:00-06:00"
    )


def test_a_first_response_before_the_opening_is_an_error_row(tmp_path):
    # 07:30 in Denver is 08:30 in Chicago, half an hour before the opening.
    assert error_of(tmp_path, ["E", "2", "2026-01-05T09:00", "2026-01-05T07:30:00-07:00", ""]) == (
        "line 3: first_response_at 2026-01-05T08:30:00-06:00 is before opened_at 2026-01-05T09:00:00-06:00"
    )


def test_a_ticket_opened_after_the_as_of_instant_is_an_error_row(tmp_path):
    assert error_of(tmp_path, ["L", "2", "2026-02-02T09:00", "", ""]) == (
        "line 3: opened_at 2026-02-02T09:00:00-06:00 is after the as-of instant 2026-01-31T00:00:00-06:00"
    )


def test_a_repeated_ticket_id_is_an_error_row_naming_the_first_line(tmp_path):
    assert error_of(tmp_path, ["OK", "2", "2026-01-05T09:00", "", ""]) == (
        "line 3: duplicate id 'OK' (first on line 2)"
    )


def test_every_problem_of_a_row_is_named(tmp_path):
    assert error_of(tmp_path, ["X", "7", "2026-01-05T09:00", "", "2026-01-04T09:00"]) == (
        "line 3: unknown priority '7' (the policy defines 1, 2); "
        "resolved_at 2026-01-04T09:00:00-06:00 is before opened_at 2026-01-05T09:00:00-06:00"
    )


def test_an_unreadable_event_makes_its_ticket_an_error_row_naming_the_event_line(tmp_path):
    rows, _ = compute_files(
        tmp_path,
        [GOOD, ["EV", "2", "2026-01-05T09:00", "", ""]],
        [
            ["EV", "2026-01-05T10:00", "Awaiting Vendor"],
            ["EV", "soon", "Active"],
        ],
    )
    assert rows[0]["error"] == ""
    assert rows[1]["resolution_status"] == "error"
    assert rows[1]["error"] == (
        "line 3: events line 3: at 'soon' is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])"
    )
