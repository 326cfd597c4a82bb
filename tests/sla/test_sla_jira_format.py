"""`accord sla compute --format jira`: Jira Service Management issue exports and their status history.

The sample in docs/samples is a made-up week (Mon 30 Nov - Fri 4 Dec 2026) of a London service desk
working 09:00-17:00 on weekdays, "Waiting for customer" pausing the resolution clock. The figures
asserted below were worked out by hand from the sample (London is on UTC in December).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import yaml

from accord.sla.engine import read_jira, read_servicenow
from accord.sla.engine.readers import JIRA_DEFAULT_PRIORITIES
from accord.sla.engine_bridge import read_export
from tests.sla.engine_inputs import RESULT_HEADER, csv_bytes, results_rows, run_cli

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
ISSUES = SAMPLES / "jira-service-management.csv"
HISTORY = SAMPLES / "jira-service-management-history.csv"
POLICY = SAMPLES / "jira-policy.yaml"
AS_OF = "2026-12-04T18:00"
CLAIM_HEADER = ["vendor_response_claim", "vendor_resolution_claim", "vendor_overall_claim"]
HEADER = (
    "Issue key",
    "Issue id",
    "Priority",
    "Created",
    "Resolved",
    "Status",
    "Time to first response",
    "Time to resolution",
)
HISTORY_HEADER = ("Issue key", "From status", "To status", "Changed at")


def run_sample(
    *options: str | Path, tickets: Path = ISSUES, events: Path | None = HISTORY, policy: Path = POLICY
) -> tuple[int, str, str]:
    args: list[str | Path] = [
        "compute",
        "--format",
        "jira",
        "--policy",
        policy,
        "--tickets",
        tickets,
        "--as-of",
        AS_OF,
        "--out",
        "-",
        *options,
    ]
    if events is not None:
        args += ["--events", events]
    return run_cli(*args)


def rows_by_id(stdout: str) -> dict[str, dict[str, str]]:
    reader = csv.DictReader(io.StringIO(stdout))
    return {row["id"]: row for row in reader}


def compute_files(
    tmp_path: Path,
    issues: list[list[str]],
    history: list[list[str]] | None = None,
    *options: str,
    header: tuple[str, ...] = HEADER,
) -> tuple[int, dict[str, dict[str, str]], str]:
    (tmp_path / "issues.csv").write_bytes(csv_bytes(header, issues))
    events = None
    if history is not None:
        events = tmp_path / "history.csv"
        events.write_bytes(csv_bytes(HISTORY_HEADER, history))
    code, stdout, stderr = run_sample(*options, tickets=tmp_path / "issues.csv", events=events)
    return code, (rows_by_id(stdout) if code == 0 else {}), stderr


def issue(
    key: str,
    priority: str,
    created: str,
    resolved: str = "",
    status: str = "Open",
    first: str = "",
    resolution: str = "",
) -> list[str]:
    return [key, key.replace("SD-", "10"), priority, created, resolved, status, first, resolution]


# --- the sample --------------------------------------------------------------------------------


def test_the_sample_reads_as_20_issues_with_their_status_changes_as_events():
    policy = yaml.safe_load(POLICY.read_text())
    tickets, events = read_jira(ISSUES, timezone=policy["timezone"], history=HISTORY)
    assert len(tickets) == 20 and len(events) == 42
    assert tickets.ids.to_list()[:3] == ["SD-101", "SD-102", "SD-103"]
    # Jira's priority names go to the policy's 1-5 through the default mapping.
    assert tickets.priority.to_list()[:5] == ["2", "1", "3", "2", "4"]
    assert np.equal(tickets.error, None).all() and np.equal(events.error, None).all()
    assert tickets.line.tolist() == list(range(2, 22))


def test_the_sample_computes_without_errors_and_keeps_the_plain_results_header():
    code, stdout, stderr = run_sample()
    assert code == 0, stderr
    rows = results_rows(stdout)  # exactly the generic results columns unless --vendor-claims
    assert len(rows) == 20 and all(row["error"] == "" for row in rows)
    assert "wrote 20 rows (0 with errors)" in stderr


def test_hand_checked_issues_of_the_sample():
    code, stdout, stderr = run_sample("--vendor-claims")
    assert code == 0, stderr
    rows = rows_by_id(stdout)
    assert list(next(iter(rows.values()))) == RESULT_HEADER + CLAIM_HEADER

    def figures(key: str) -> tuple[str, ...]:
        row = rows[key]
        return (
            row["response_elapsed_s"],
            row["response_status"],
            row["resolution_elapsed_s"],
            row["paused_s"],
            row["resolution_status"],
            row["resolution_due"],
        )

    # SD-103 (Medium: 4 h / 16 h), opened Mon 16:30: response at Tue 09:45 = 30 min + 45 min; resolved
    # Wed 10:00 = 30 min + 8 h + 1 h, less 3 h Waiting for customer (Tue 11:00-14:00). Due: 16 h + the
    # 3 h pause of business time after Mon 16:30 is Thu 11:30.
    assert figures("SD-103") == ("4500", "met", "23400", "10800", "met", "2026-12-03T11:30:00+00:00")
    # SD-104 (High: 1 h / 8 h) opened Tue 08:30, before hours: the clocks start at 09:00.
    assert figures("SD-104") == ("5400", "breached", "25200", "0", "met", "2026-12-01T17:00:00+00:00")
    # SD-105 (Low: 8 h / 40 h) still Waiting for customer since Wed 10:00: 7 h counted, 23 h paused up to
    # the as-of instant; due when 63 h of business time have passed since Tue 11:00: Fri 11 Dec 10:00.
    assert figures("SD-105") == ("14400", "met", "25200", "82800", "running", "2026-12-11T10:00:00+00:00")
    # SD-107 (Highest: 30 min / 4 h, 24x7) opened Tue 23:47: response 00:40 (53 min), resolved 06:10.
    assert figures("SD-107") == ("3180", "breached", "22980", "0", "breached", "2026-12-02T03:47:00+00:00")
    # SD-108 (High): 9 h 55 min of business time, 7 h 30 min of it Waiting for customer.
    assert figures("SD-108") == ("900", "met", "8700", "27000", "met", "2026-12-03T16:35:00+00:00")
    # SD-109 (Lowest: 16 h / 80 h), no status change yet: 19 h without a response by Fri 18:00.
    assert figures("SD-109") == ("68400", "breached", "68400", "0", "running", "2026-12-16T14:00:00+00:00")
    # SD-112 has no Resolved date: its change to Done (Fri 15:00) resolves it: 6 h 50 min + 6 h.
    assert figures("SD-112")[2:5] == ("46200", "0", "met")
    # SD-115 (High) open since Fri 09:00: exactly its 8 h target at 17:00 is not a breach.
    assert figures("SD-115")[2:5] == ("28800", "0", "running")


def test_the_sla_fields_of_the_export_become_vendor_claims_beside_the_engine_figures():
    code, stdout, stderr = run_sample("--vendor-claims")
    assert code == 0, stderr
    rows = rows_by_id(stdout)

    def claims(key: str) -> tuple[str, str, str]:
        return tuple(rows[key][c] for c in CLAIM_HEADER)  # type: ignore[return-value]

    assert claims("SD-101") == ("met", "met", "met")  # 35m, 3h remaining
    assert claims("SD-104") == ("breached", "met", "breached")  # -30m, 1h
    assert claims("SD-107") == ("breached", "breached", "breached")  # -23m, -2h 23m
    # A dispute in the making: the vendor's tool says SD-109's response is within target.
    assert claims("SD-109") == ("met", "met", "met")
    assert rows["SD-109"]["response_status"] == "breached"


# --- shapes and options ------------------------------------------------------------------------


def test_iso_dates_as_jira_writes_them_and_the_default_export_shape_mix(tmp_path):
    code, rows, stderr = compute_files(
        tmp_path,
        [
            issue("SD-1", "High", "2026-12-03T09:15:00.000+0000", "2026-12-03T11:15:00.000+0000"),
            issue("SD-2", "High", "03/Dec/26 9:15 AM", "03/Dec/2026 12:15 PM"),
            issue("SD-3", "High", "2026-12-03 09:15", "03/Dec/26 01:15 pm"),
        ],
    )
    assert code == 0, stderr
    assert [rows[k]["resolution_elapsed_s"] for k in ("SD-1", "SD-2", "SD-3")] == ["7200", "10800", "14400"]
    # Without history the response clock runs to the resolution.
    assert rows["SD-1"]["response_elapsed_s"] == "7200"


def test_a_date_of_first_response_column_wins_over_the_status_history(tmp_path):
    header = (*HEADER, "Date of First Response")
    code, rows, stderr = compute_files(
        tmp_path,
        [
            [*issue("SD-1", "Medium", "03/Dec/26 9:00 AM"), "03/Dec/26 9:20 AM"],
            [*issue("SD-2", "Medium", "03/Dec/26 9:00 AM"), ""],
        ],
        [
            ["SD-1", "Open", "In Progress", "03/Dec/26 10:00 AM"],
            ["SD-2", "Open", "In Progress", "03/Dec/26 10:00 AM"],
        ],
        header=header,
    )
    assert code == 0, stderr
    assert (rows["SD-1"]["response_elapsed_s"], rows["SD-2"]["response_elapsed_s"]) == ("1200", "3600")


def test_history_before_the_issue_was_created_does_not_count_as_its_response(tmp_path):
    code, rows, stderr = compute_files(
        tmp_path,
        [issue("SD-1", "Medium", "03/Dec/26 9:00 AM")],
        [["SD-1", "", "Open", "03/Dec/26 8:00 AM"], ["SD-1", "Open", "In Progress", "03/Dec/26 9:30 AM"]],
    )
    assert code == 0, stderr
    assert rows["SD-1"]["response_elapsed_s"] == "1800"


def test_a_priority_map_sends_jira_names_to_the_policys_own_priorities(tmp_path):
    policy = yaml.safe_load(POLICY.read_text())
    policy["targets"] = {
        "P1": policy["targets"]["1"],
        "P2": policy["targets"]["2"],
        "Medium": policy["targets"]["3"],
    }
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy))
    (tmp_path / "issues.csv").write_bytes(
        csv_bytes(
            HEADER,
            [
                issue("SD-1", "Highest", "03/Dec/26 9:00 AM"),
                issue("SD-2", "high", "03/Dec/26 9:00 AM"),
                issue("SD-3", "Medium", "03/Dec/26 9:00 AM"),
                issue("SD-4", "Low", "03/Dec/26 9:00 AM"),
            ],
        )
    )
    code, stdout, stderr = run_sample(
        "--priority-map",
        "Highest=P1, High=P2",
        tickets=tmp_path / "issues.csv",
        events=None,
        policy=tmp_path / "policy.yaml",
    )
    assert code == 0, stderr
    rows = rows_by_id(stdout)
    # Mapped case-insensitively; "Medium" is a policy priority itself; "Low" is neither, so an error.
    assert [rows[k]["priority"] for k in ("SD-1", "SD-2", "SD-3", "SD-4")] == ["P1", "P2", "Medium", "Low"]
    assert rows["SD-4"]["error"].startswith("line 5: unknown priority 'Low'")


def test_a_malformed_priority_map_is_a_usage_error(capsys):
    code, _, _ = run_sample("--priority-map", "Highest")
    assert code == 2
    assert "'Highest' is not NAME=PRIORITY" in capsys.readouterr().err  # argparse writes to sys.stderr


def test_the_default_priority_mapping_is_jiras_five_names():
    assert JIRA_DEFAULT_PRIORITIES == {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


def test_a_date_format_reads_other_export_settings(tmp_path):
    code, rows, stderr = compute_files(
        tmp_path,
        [issue("SD-1", "High", "12/03/2026 09:15", "12/03/2026 10:15")],
        None,
        "--date-format",
        "%m/%d/%Y %H:%M",
    )
    assert code == 0, stderr
    assert rows["SD-1"]["resolution_elapsed_s"] == "3600"


# --- bad rows --------------------------------------------------------------------------------


def test_bad_rows_keep_their_issue_key_and_say_which_vendor_column_is_wrong(tmp_path):
    code, rows, stderr = compute_files(
        tmp_path,
        [
            issue("SD-1", "High", "31/Nov/26 9:00 AM"),
            issue("SD-2", "Urgent", "03/Dec/26 9:00 AM"),
            issue("SD-3", "High", "03/Dec/26 9:00 AM", "yesterday"),
            issue("SD-4", "High", "03/Dec/26 9:00 AM"),
            issue("SD-5", "High", "03/Dec/26 9:00 AM", "02/Dec/26 9:00 AM"),
            issue("SD-6", "High", "03/Dec/26 9:00 AM"),
        ],
        [
            ["SD-4", "Open", "In Progress", "03/Dec/26 25:00"],
            ["SD-99", "Open", "In Progress", "03/Dec/26 9:30 AM"],
        ],
    )
    assert code == 0, stderr
    assert (
        rows["SD-1"]["error"]
        == "line 2: Created '31/Nov/26 9:00 AM' is not a real date, time of day or UTC offset"
    )
    assert rows["SD-2"]["error"].startswith(
        "line 3: unknown priority 'Urgent' (the policy defines 1, 2, 3, 4, 5)"
    )
    assert rows["SD-3"]["error"].startswith("line 4: Resolved 'yesterday' is neither ISO 8601")
    assert rows["SD-4"]["error"] == (
        "line 5: events line 2: Changed at '03/Dec/26 25:00' is not a real date, time of day or UTC offset"
    )
    assert rows["SD-5"]["error"].startswith(
        "line 6: resolved_at 2026-12-02T09:00:00+00:00 is before opened_at"
    )
    assert rows["SD-6"]["error"] == "" and rows["SD-6"]["response_status"] == "breached"
    assert "events line 3: unknown ticket id 'SD-99'" in stderr
    assert "wrote 6 rows (5 with errors)" in stderr


def test_an_export_without_the_required_columns_is_refused(tmp_path):
    code, _, stderr = compute_files(tmp_path, [["SD-1", "High"]], header=("Issue key", "Priority"))
    assert code == 1
    assert "lacks column(s) created" in stderr and "Jira Service Management export" in stderr


def test_a_history_without_a_to_status_column_is_refused(tmp_path):
    (tmp_path / "history.csv").write_bytes(csv_bytes(("Issue key", "Changed at"), [["SD-101", "x"]]))
    code, _, stderr = run_sample(events=tmp_path / "history.csv")
    assert code == 1
    assert "lacks column(s) to" in stderr and "Jira status history" in stderr


# --- claims ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "claim"),
    [
        ("-2h 5m", "breached"),
        ("- 45m", "breached"),
        ("3h 20m", "met"),
        ("0m", "met"),
        ("1d 2h", "met"),
        ("Breached", "breached"),
        ("met", "met"),
        ("", None),
        ("n/a", None),
    ],
)
def test_sla_field_values_as_vendor_claims(cell, claim):
    tickets, _ = read_jira(
        csv_bytes(HEADER, [issue("SD-1", "High", "03/Dec/26 9:00 AM", resolution=cell)]), timezone="UTC"
    )
    assert tickets.vendor_claim["resolution"][0] == claim
    assert tickets.vendor_claim["response"][0] is None
    assert tickets.vendor_claim["overall"][0] == claim


def test_servicenow_made_sla_is_the_vendors_overall_claim():
    header = (
        "number",
        "priority",
        "opened_at",
        "resolved_at",
        "incident_state",
        "sys_updated_at",
        "made_sla",
    )
    tickets, _ = read_servicenow(
        csv_bytes(
            header,
            [
                ["INC1", "3 - Moderate", "2026-01-05 09:00:00", "", "New", "2026-01-05 09:00:00", "true"],
                [
                    "INC1",
                    "3 - Moderate",
                    "2026-01-05 09:00:00",
                    "",
                    "Resolved",
                    "2026-01-05 12:00:00",
                    "false",
                ],
                ["INC2", "3 - Moderate", "2026-01-05 09:00:00", "", "New", "2026-01-05 09:00:00", ""],
                ["INC3", "3 - Moderate", "2026-01-05 09:00:00", "", "New", "2026-01-05 09:00:00", "1"],
            ],
        ),
        timezone="UTC",
    )
    assert tickets.vendor_claim["overall"].tolist() == ["breached", None, "met"]
    assert tickets.vendor_claim["response"].tolist() == [None, None, None]


# --- the import path -------------------------------------------------------------------------


def test_the_import_reads_a_jira_export_with_its_history_as_events():
    parsed = read_export(
        ISSUES.read_bytes(), file_format="jira", timezone="Europe/London", events_source=HISTORY.read_bytes()
    )
    assert len(parsed.tickets) == 20 and len(parsed.events) == 42
    assert parsed.valid.all() and parsed.row_errors() == []
    assert (parsed.event_ticket >= 0).all()
