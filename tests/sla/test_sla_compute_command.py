"""`accord sla compute`: the results file, warnings on standard error, and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.sla.engine_inputs import (
    OFFICE_HOURS,
    RESULT_HEADER,
    events_file,
    policy_with,
    results_rows,
    run_cli,
    tickets_file,
)

TICKETS = [
    ["B-2", "2", "2026-01-05T09:00", "2026-01-05T09:30", "2026-01-05T11:00"],
    ["A-1", "1", "2026-01-05T09:00", "", ""],
]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(OFFICE_HOURS))
    (tmp_path / "tickets.csv").write_bytes(tickets_file(TICKETS))
    return tmp_path


def compute_args(folder: Path, *extra: str | Path, policy: str = "policy.yaml") -> list[str | Path]:
    return [
        "compute",
        "--policy",
        folder / policy,
        "--tickets",
        folder / "tickets.csv",
        "--as-of",
        "2026-01-05T12:00",
        "--out",
        folder / "results.csv",
        *extra,
    ]


def test_the_command_writes_one_row_per_ticket_in_input_order_and_exits_0(files):
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 0, stderr
    text = (files / "results.csv").read_text()
    assert text.splitlines()[0] == ",".join(RESULT_HEADER)
    rows = results_rows(text)
    assert [r["id"] for r in rows] == ["B-2", "A-1"]
    assert list(rows[0].values()) == [
        "B-2",
        "2",
        "1800",
        "7200",
        "0",
        "2026-01-05T10:00:00-06:00",
        "2026-01-05T17:00:00-06:00",
        "met",
        "met",
        "",
    ]
    # A-1 is a 24x7 priority-1 ticket, open for 3 h as of noon.
    assert list(rows[1].values()) == [
        "A-1",
        "1",
        "10800",
        "10800",
        "0",
        "2026-01-05T09:15:00-06:00",
        "2026-01-05T13:00:00-06:00",
        "breached",
        "running",
        "",
    ]
    assert f"wrote 2 rows (0 with errors) to {files / 'results.csv'}" in stderr


def test_the_results_can_go_to_standard_output(files):
    args = compute_args(files)
    args[-1] = "-"
    code, stdout, _ = run_cli(*args)
    assert code == 0
    assert [r["id"] for r in results_rows(stdout)] == ["B-2", "A-1"]


def test_a_json_policy_is_read_as_yaml(files):
    (files / "policy.json").write_text(json.dumps(OFFICE_HOURS))
    code, _, stderr = run_cli(*compute_args(files, policy="policy.json"))
    assert code == 0, stderr
    assert results_rows((files / "results.csv").read_text())[0]["resolution_elapsed_s"] == "7200"


def test_events_for_unknown_tickets_are_reported_on_standard_error(files):
    (files / "events.csv").write_bytes(
        events_file(
            [
                ["B-2", "2026-01-05T10:00", "Awaiting Vendor"],
                ["GHOST", "2026-01-05T10:00", "Awaiting Vendor"],
                ["B-2", "2026-01-05T10:30", "Active"],
            ]
        )
    )
    code, _, stderr = run_cli(*compute_args(files, "--events", files / "events.csv"))
    assert code == 0, stderr
    assert "accord sla: warning: events line 3: unknown ticket id 'GHOST'" in stderr
    assert "B-2" not in stderr
    rows = results_rows((files / "results.csv").read_text())
    assert (rows[0]["paused_s"], rows[0]["resolution_elapsed_s"]) == ("1800", "5400")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "America/Chicgo"}, "timezone: unknown time zone 'America/Chicgo'"),
        (
            {"targets": {"2": {"response": "90 minutes", "resolution": "8h"}}},
            "targets.2.response: '90 minutes' is not a duration",
        ),
        (
            {"targets": {"2": {"response": "0m", "resolution": "8h"}}},
            "targets.2.response: '0m': a target must be longer than zero",
        ),
        (
            {"working_hours": {"tue": ["17:00-08:00"]}},
            "working_hours.tue[0]: '17:00-08:00': the end must be after the start",
        ),
        (
            {"working_hours": {"mon": ["08:00-25:00"]}},
            "working_hours.mon[0]: '08:00-25:00': 25:00 is not a time",
        ),
        (
            {"working_hours": {"mon": ["08:00-12:00", "11:00-17:00"]}},
            "working_hours.mon: intervals 08:00-12:00 and 11:00-17:00 overlap",
        ),
        ({"working_hours": {"mon": ["8am-5pm"]}}, "working_hours.mon[0]: '8am-5pm' is not an interval"),
        ({"holidays": {"country": "XX"}}, "holidays.country: unknown holiday country 'XX'"),
        ({"warn_at": [1.5]}, "warn_at[0]: 1.5 is outside (0, 1]"),
    ],
)
def test_an_unusable_policy_exits_1_naming_the_field(files, change, message):
    (files / "policy.yaml").write_text(yaml.safe_dump(policy_with(**change)))
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert f"accord sla: error: policy '{files / 'policy.yaml'}': {message}" in stderr
    assert not (files / "results.csv").exists()


def test_a_policy_that_is_not_yaml_exits_1(files):
    (files / "policy.yaml").write_text("timezone: [UTC\n")
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert "not valid YAML" in stderr


@pytest.mark.parametrize("which", ["policy.yaml", "tickets.csv"])
def test_a_missing_file_exits_1_naming_it(files, which):
    (files / which).unlink()
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert str(files / which) in stderr and "No such file or directory" in stderr
    assert not (files / "results.csv").exists()


def test_a_missing_events_file_exits_1_naming_it(files):
    code, _, stderr = run_cli(*compute_args(files, "--events", files / "events.csv"))
    assert code == 1
    assert f"events file '{files / 'events.csv'}': No such file or directory" in stderr


def test_an_unreadable_tickets_file_exits_1(files):
    (files / "tickets.csv").unlink()
    (files / "tickets.csv").mkdir()
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert f"tickets file '{files / 'tickets.csv'}': Is a directory" in stderr


def test_an_empty_tickets_file_exits_1(files):
    (files / "tickets.csv").write_bytes(b"")
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert "the tickets file is empty" in stderr


def test_a_tickets_file_without_the_required_columns_exits_1(files):
    (files / "tickets.csv").write_bytes(b"id,priority,opened\nA,2,2026-01-05T09:00\n")
    code, _, stderr = run_cli(*compute_args(files))
    assert code == 1
    assert "lacks column(s) opened_at, first_response_at, resolved_at" in stderr


def test_an_unreadable_as_of_instant_is_a_usage_error(files):
    args = compute_args(files)
    args[args.index("--as-of") + 1] = "noon"
    code, _, stderr = run_cli(*args)
    assert code == 2
    assert "argument --as-of: 'noon' is not an ISO 8601 date and time" in stderr


def test_the_accord_command_line_runs_the_computation(files):
    command = [sys.executable, "-m", "accord.cli", "sla", *map(str, compute_args(files))]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in results_rows((files / "results.csv").read_text())] == ["B-2", "A-1"]

    (files / "policy.yaml").write_text(yaml.safe_dump(policy_with(timezone="Mars/Olympus_Mons")))
    failed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert failed.returncode == 1
    assert "unknown time zone 'Mars/Olympus_Mons'" in failed.stderr


@pytest.mark.parametrize("policy", ["policy.yaml", "absent.yaml"])
def test_the_command_leaves_numpys_huge_page_setting_as_it_found_it(files, policy, monkeypatch):
    # The command turns numpy's huge-page requests off while it runs (fresh 2 MiB pages cost more
    # to zero than its short-lived arrays gain); the process it runs in gets its setting back.
    import numpy as np

    from accord.sla import cli

    set_huge_pages = np._core.multiarray._set_madvise_hugepage
    during = []
    compute = cli._compute

    def spy(*args, **kwargs):
        during.append(set_huge_pages(False))  # reads the setting (and keeps it off)
        return compute(*args, **kwargs)

    monkeypatch.setattr(cli, "_compute", spy)
    original = set_huge_pages(True)
    try:
        code, _, _ = run_cli(*compute_args(files, policy=policy))
        assert code == (0 if policy == "policy.yaml" else 1)
        assert during == [False]
        assert set_huge_pages(True) is True
    finally:
        set_huge_pages(original)
