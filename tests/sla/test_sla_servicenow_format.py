"""`accord sla compute --format servicenow`: incident exports, one row or many per incident."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.sla.engine_inputs import csv_bytes, results_rows, run_cli

POLICY = {
    "timezone": "UTC",
    "pause_states": ["Awaiting User Info"],
    "targets": {
        "1": {"response": "15m", "resolution": "4h", "calendar": "24x7"},
        "2": {"response": "30m", "resolution": "6h", "calendar": "24x7"},
        "3": {"response": "1h", "resolution": "8h", "calendar": "24x7"},
    },
}
HEADER = ("number", "priority", "opened_at", "resolved_at", "incident_state", "sys_updated_at")


def compute_export(
    tmp_path: Path, rows: list[list[str]], *options: str, header: tuple[str, ...] = HEADER
) -> tuple[int, list[dict[str, str]], str]:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(POLICY))
    (tmp_path / "incidents.csv").write_bytes(csv_bytes(header, rows))
    code, stdout, stderr = run_cli(
        "compute",
        "--format",
        "servicenow",
        "--policy",
        tmp_path / "policy.yaml",
        "--tickets",
        tmp_path / "incidents.csv",
        "--as-of",
        "2026-01-31T00:00:00Z",
        "--out",
        "-",
        *options,
    )
    return code, (results_rows(stdout) if code == 0 else []), stderr


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in rows}


def test_one_row_per_incident_maps_the_priority_to_its_leading_digit(tmp_path):
    code, rows, stderr = compute_export(
        tmp_path,
        [
            [
                "INC001",
                "3 - Moderate",
                "2026-01-05 09:00:00",
                "2026-01-05 13:00:00",
                "Resolved",
                "2026-01-05 13:00:00",
            ],
            ["INC002", "1 - Critical", "2026-01-05 09:00:00", "", "In Progress", "2026-01-05 09:10:00"],
        ],
    )
    assert code == 0, stderr
    incidents = by_id(rows)
    assert [r["priority"] for r in rows] == ["3", "1"]
    # INC001's only row is already Resolved: it was first no longer New at 13:00.
    assert (incidents["INC001"]["response_elapsed_s"], incidents["INC001"]["response_status"]) == (
        "14400",
        "breached",
    )
    assert (incidents["INC001"]["resolution_elapsed_s"], incidents["INC001"]["resolution_status"]) == (
        "14400",
        "met",
    )
    assert (incidents["INC002"]["response_elapsed_s"], incidents["INC002"]["response_status"]) == (
        "600",
        "met",
    )
    assert incidents["INC002"]["resolution_status"] == "breached"  # still open on 31 January
    assert incidents["INC002"]["resolution_due"] == "2026-01-05T13:00:00+00:00"


def test_an_audit_style_export_becomes_one_incident_with_its_state_changes(tmp_path):
    opened = "2026-01-05 09:00:00"
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC100", "3 - Moderate", opened, "?", "New", "2026-01-05 09:00:00"],
            ["INC100", "3 - Moderate", opened, "?", "New", "2026-01-05 09:05:00"],
            ["INC100", "3 - Moderate", opened, "?", "Awaiting User Info", "2026-01-05 09:20:00"],
            ["INC100", "3 - Moderate", opened, "?", "In Progress", "2026-01-05 10:20:00"],
            ["INC100", "3 - Moderate", opened, "?", "Resolved", "2026-01-05 12:00:00"],
            ["INC100", "3 - Moderate", opened, "?", "Closed", "2026-01-08 12:00:00"],
        ],
    )
    assert code == 0, stderr
    (row,) = rows
    assert (row["id"], row["priority"]) == ("INC100", "3")
    # Response: the first row no longer New (09:20, even though that state pauses the resolution).
    assert (row["response_elapsed_s"], row["response_status"]) == ("1200", "met")
    # Resolution: no resolved_at, so the first Resolved state (12:00): 3 h minus the hour Awaiting User Info.
    assert (row["resolution_elapsed_s"], row["paused_s"], row["resolution_status"]) == ("7200", "3600", "met")
    assert row["resolution_due"] == "2026-01-05T18:00:00+00:00"  # 8 h + the 1 h pause


def test_the_resolved_at_column_wins_over_the_resolved_state(tmp_path):
    opened = "2026-01-05 09:00:00"
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC200", "2 - High", opened, "", "Active", "2026-01-05 09:10:00"],
            ["INC200", "2 - High", opened, "2026-01-05 12:30:00", "Resolved", "2026-01-05 12:00:00"],
        ],
    )
    assert code == 0, stderr
    assert rows[0]["resolution_elapsed_s"] == "12600"  # 09:00-12:30


def test_without_resolved_at_or_a_resolved_state_the_first_closed_state_resolves(tmp_path):
    opened = "2026-01-05 09:00:00"
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC300", "2 - High", opened, "", "Active", "2026-01-05 09:10:00"],
            ["INC300", "2 - High", opened, "", "Closed", "2026-01-05 11:00:00"],
            ["INC300", "2 - High", opened, "", "Closed", "2026-01-05 14:00:00"],
        ],
    )
    assert code == 0, stderr
    assert (rows[0]["resolution_elapsed_s"], rows[0]["resolution_status"]) == ("7200", "met")


def test_question_marks_and_empty_cells_are_missing_values(tmp_path):
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC400", "3 - Moderate", "2026-01-05 09:00:00", "?", "?", "2026-01-05 09:00:00"],
            ["INC400", "3 - Moderate", "2026-01-05 09:00:00", "?", "Active", "2026-01-05 09:30:00"],
            ["INC401", "?", "2026-01-05 09:00:00", "", "Active", "2026-01-05 09:30:00"],
            ["INC402", "3 - Moderate", "?", "", "Active", "2026-01-05 09:30:00"],
        ],
    )
    assert code == 0, stderr
    incidents = by_id(rows)
    # A `?` resolved_at is no resolution (the clock runs to --as-of), and a `?` state is no response.
    assert incidents["INC400"]["response_elapsed_s"] == "1800"
    assert incidents["INC400"]["resolution_status"] == "breached"
    assert incidents["INC400"]["error"] == ""
    assert incidents["INC401"]["error"] == "line 4: missing priority"
    assert incidents["INC402"]["error"] == "line 5: missing opened_at"


def test_an_unknown_priority_in_an_export_is_an_error_row_naming_the_incident_s_first_line(tmp_path):
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC500", "3 - Moderate", "2026-01-05 09:00:00", "", "Active", "2026-01-05 09:30:00"],
            ["INC501", "5 - Planning", "2026-01-05 09:00:00", "", "New", "2026-01-05 09:00:00"],
            ["INC501", "5 - Planning", "2026-01-05 09:00:00", "", "Active", "2026-01-05 09:30:00"],
        ],
    )
    assert code == 0, stderr
    assert [r["id"] for r in rows] == ["INC500", "INC501"]
    assert rows[1]["resolution_status"] == "error"
    assert rows[1]["error"] == "line 3: unknown priority '5' (the policy defines 1, 2, 3)"


def test_day_first_dates_are_read_with_the_date_format_option(tmp_path):
    rows_in = [
        ["INC0000045", "3 - Moderate", "29-02-2016 01:16", "?", "New", "29-02-2016 01:16"],
        ["INC0000045", "3 - Moderate", "29-02-2016 01:16", "?", "Active", "29-02-2016 01:40"],
        [
            "INC0000045",
            "3 - Moderate",
            "29-02-2016 01:16",
            "01-03-2016 09:52",
            "Resolved",
            "01-03-2016 09:52",
        ],
    ]
    code, rows, stderr = compute_export(tmp_path, rows_in, "--date-format", "%d-%m-%Y %H:%M")
    assert code == 0, stderr
    (row,) = rows
    assert (row["response_elapsed_s"], row["response_status"]) == ("1440", "met")  # 01:16 -> 01:40
    # 29 February 01:16 -> 1 March 09:52 (not 3 January) = 24 h + 8 h 36 min.
    assert (row["resolution_elapsed_s"], row["resolution_status"]) == ("117360", "breached")
    assert row["resolution_due"] == "2016-02-29T09:16:00+00:00"


def test_day_first_dates_without_the_date_format_option_are_error_rows(tmp_path):
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC0000045", "3 - Moderate", "29-02-2016 01:16", "", "Active", "29-02-2016 01:40"],
        ],
    )
    assert code == 0, stderr
    assert rows[0]["resolution_status"] == "error"
    assert rows[0]["error"].startswith(
        "line 2: opened_at '29-02-2016 01:16' is not an ISO 8601 date and time"
    )


def test_extra_columns_and_the_sys_updated_on_spelling_are_accepted(tmp_path):
    header = (
        "number",
        "incident_state",
        "active",
        "caller_id",
        "sys_updated_on",
        "opened_at",
        "priority",
        "resolved_at",
    )
    code, rows, stderr = compute_export(
        tmp_path,
        [
            [
                "INC600",
                "New",
                "true",
                "Caller 2403",
                "2026-01-05 09:00:00",
                "2026-01-05 09:00:00",
                "1 - Critical",
                "",
            ],
            [
                "INC600",
                "Active",
                "true",
                "Caller 2403",
                "2026-01-05 09:12:00",
                "2026-01-05 09:00:00",
                "1 - Critical",
                "",
            ],
            [
                "INC600",
                "Resolved",
                "false",
                "Caller 2403",
                "2026-01-05 10:00:00",
                "2026-01-05 09:00:00",
                "1 - Critical",
                "2026-01-05 10:00:00",
            ],
        ],
        header=header,
    )
    assert code == 0, stderr
    assert [(r["id"], r["priority"], r["response_elapsed_s"], r["resolution_elapsed_s"]) for r in rows] == [
        ("INC600", "1", "720", "3600")
    ]


def test_an_export_without_the_servicenow_columns_is_refused(tmp_path):
    code, _, stderr = compute_export(
        tmp_path,
        [["A", "2", "2026-01-05T09:00", "", ""]],
        header=("id", "priority", "opened_at", "first_response_at", "resolved_at"),
    )
    assert code == 1
    assert "lacks column(s) number, incident_state, sys_updated_at" in stderr


def test_error_lines_count_the_line_breaks_inside_quoted_cells(tmp_path):
    header = (*HEADER, "short_description")
    code, rows, stderr = compute_export(
        tmp_path,
        [
            [
                "INC700",
                "3 - Moderate",
                "2026-01-05 09:00:00",
                "",
                "Active",
                "2026-01-05 09:30:00",
                "Printer on ward 4\nout of toner\nagain",
            ],
            [
                "INC701",
                "9 - Unknown",
                "2026-01-05 09:00:00",
                "",
                "Active",
                "2026-01-05 09:30:00",
                "PACS slow",
            ],
        ],
        header=header,
    )
    assert code == 0, stderr
    # INC700 takes lines 2-4 of the file, so INC701 is on line 5.
    assert rows[1]["error"].startswith("line 5: unknown priority '9'")


def test_audit_rows_are_taken_in_time_order_whatever_their_order_in_the_file(tmp_path):
    opened = "2026-01-05 09:00:00"
    code, rows, stderr = compute_export(
        tmp_path,
        [
            ["INC802", "3 - Moderate", opened, "", "Active", "2026-01-05 09:40:00"],
            ["INC801", "3 - Moderate", opened, "", "Resolved", "2026-01-05 12:00:00"],
            ["INC802", "3 - Moderate", opened, "", "New", "2026-01-05 09:00:00"],
            ["INC801", "3 - Moderate", opened, "", "New", "2026-01-05 09:00:00"],
            ["INC801", "3 - Moderate", opened, "", "Awaiting User Info", "2026-01-05 09:30:00"],
            ["INC801", "3 - Moderate", opened, "", "Active", "2026-01-05 10:30:00"],
        ],
    )
    assert code == 0, stderr
    # One row per incident, in the order each first appears in the file.
    assert [r["id"] for r in rows] == ["INC802", "INC801"]
    assert rows[0]["response_elapsed_s"] == "2400"
    # INC801: answered at 09:30; resolved at 12:00 after 3 h, 1 h of them Awaiting User Info.
    assert (rows[1]["response_elapsed_s"], rows[1]["resolution_elapsed_s"], rows[1]["paused_s"]) == (
        "1800",
        "7200",
        "3600",
    )
