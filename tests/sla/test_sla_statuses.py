"""Clock statuses: met and breached at the target's edge, at_risk from the first warn_at fraction,
running clocks measured to --as-of, and the response clock stopped by a resolution."""

from __future__ import annotations

from tests.sla.engine_inputs import OFFICE_HOURS, compute_one, compute_rows, policy_with

ROUND_THE_CLOCK = {
    "timezone": "UTC",
    "targets": {"1": {"response": "15m", "resolution": "4h", "calendar": "24x7"}},
    "warn_at": [0.5, 0.75],
}
AS_OF = "2026-01-05T12:00:00Z"


def test_a_stop_exactly_on_target_is_met_and_one_second_more_is_breached():
    rows = compute_rows(
        ROUND_THE_CLOCK,
        [
            ["on-target", "1", "2026-01-05T09:00:00Z", "2026-01-05T09:15:00Z", "2026-01-05T13:00:00Z"],
            ["one-second-late", "1", "2026-01-05T09:00:00Z", "2026-01-05T09:15:01Z", "2026-01-05T13:00:01Z"],
        ],
        as_of="2026-01-06T00:00:00Z",
    )
    assert [(r["response_elapsed_s"], r["response_status"]) for r in rows] == [
        ("900", "met"),
        ("901", "breached"),
    ]
    assert [(r["resolution_elapsed_s"], r["resolution_status"]) for r in rows] == [
        ("14400", "met"),
        ("14401", "breached"),
    ]
    assert rows[0]["response_due"] == "2026-01-05T09:15:00+00:00"
    assert rows[0]["resolution_due"] == "2026-01-05T13:00:00+00:00"


def test_a_business_time_stop_exactly_on_target_is_met():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            # Friday 16:30 + 1 business hour = Monday 08:30 (Friday to 17:00, then Monday from 08:00).
            ["on-target", "2", "2026-01-09T16:30", "2026-01-12T08:30", ""],
            ["one-second-late", "2", "2026-01-09T16:30", "2026-01-12T08:30:01", ""],
        ],
        as_of="2026-01-12T09:00",
    )
    assert [(r["response_elapsed_s"], r["response_status"]) for r in rows] == [
        ("3600", "met"),
        ("3601", "breached"),
    ]


def test_an_open_clock_is_at_risk_from_the_first_warn_at_fraction_of_its_target():
    rows = compute_rows(
        ROUND_THE_CLOCK,
        [
            ["just-under-half", "1", "2026-01-05T10:00:01Z", "2026-01-05T10:05:00Z", ""],
            ["half", "1", "2026-01-05T10:00:00Z", "2026-01-05T10:05:00Z", ""],
            ["three-quarters", "1", "2026-01-05T09:00:00Z", "2026-01-05T09:05:00Z", ""],
            ["exactly-at-target", "1", "2026-01-05T08:00:00Z", "2026-01-05T08:05:00Z", ""],
            ["past-target", "1", "2026-01-05T07:59:59Z", "2026-01-05T08:05:00Z", ""],
        ],
        as_of=AS_OF,
    )
    # Resolution target 4 h = 14400 s; the first warn_at fraction, 0.5, is 7200 s.
    assert [r["resolution_elapsed_s"] for r in rows] == ["7199", "7200", "10800", "14400", "14401"]
    assert [r["resolution_status"] for r in rows] == ["running", "at_risk", "at_risk", "at_risk", "breached"]
    assert {r["response_status"] for r in rows} == {"met"}


def test_without_warn_at_an_open_clock_is_running_up_to_its_target():
    policy = {**ROUND_THE_CLOCK, "warn_at": []}
    rows = compute_rows(
        policy,
        [
            ["at-target", "1", "2026-01-05T08:00:00Z", "2026-01-05T08:05:00Z", ""],
            ["past-target", "1", "2026-01-05T07:59:59Z", "2026-01-05T08:05:00Z", ""],
        ],
        as_of=AS_OF,
    )
    assert [r["resolution_status"] for r in rows] == ["running", "breached"]


def test_an_unanswered_open_ticket_s_response_clock_runs_to_the_as_of_instant():
    rows = compute_rows(
        ROUND_THE_CLOCK,
        [
            ["five-minutes", "1", "2026-01-05T11:55:00Z", "", ""],
            ["half-the-target", "1", "2026-01-05T11:52:30Z", "", ""],  # 450 s of 900
            ["overdue", "1", "2026-01-05T11:40:00Z", "", ""],
        ],
        as_of=AS_OF,
    )
    assert [r["response_elapsed_s"] for r in rows] == ["300", "450", "1200"]
    assert [r["response_status"] for r in rows] == ["running", "at_risk", "breached"]
    assert rows[2]["response_due"] == "2026-01-05T11:55:00+00:00"


def test_without_a_response_the_response_clock_runs_to_the_resolution():
    rows = compute_rows(
        ROUND_THE_CLOCK,
        [
            ["quick-fix", "1", "2026-01-05T09:00:00Z", "", "2026-01-05T09:10:00Z"],
            ["slow-fix", "1", "2026-01-05T09:00:00Z", "", "2026-01-05T09:20:00Z"],
        ],
        as_of=AS_OF,
    )
    assert [(r["response_elapsed_s"], r["response_status"]) for r in rows] == [
        ("600", "met"),
        ("1200", "breached"),
    ]
    assert [(r["resolution_elapsed_s"], r["resolution_status"]) for r in rows] == [
        ("600", "met"),
        ("1200", "met"),
    ]


def test_a_resolution_after_the_as_of_instant_is_not_known_yet():
    row = compute_one(
        ROUND_THE_CLOCK,
        ["T", "1", "2026-01-05T09:00:00Z", "2026-01-05T09:10:00Z", "2026-01-06T09:00:00Z"],
        as_of=AS_OF,
    )
    assert (row["resolution_elapsed_s"], row["resolution_status"]) == ("10800", "at_risk")
    assert (row["response_elapsed_s"], row["response_status"]) == ("600", "met")


def test_an_open_business_clock_does_not_advance_over_the_weekend():
    policy = policy_with(warn_at=[0.5, 0.75])
    # Opened Friday 16:30, measured Monday 07:00: 30 business minutes of the 1 h response target.
    row = compute_one(policy, ["T", "2", "2026-01-09T16:30", "", ""], as_of="2026-01-12T07:00")
    assert (row["response_elapsed_s"], row["response_status"]) == ("1800", "at_risk")
    assert (row["resolution_elapsed_s"], row["resolution_status"]) == ("1800", "running")
    assert row["response_due"] == "2026-01-12T08:30:00-06:00"
    assert row["resolution_due"] == "2026-01-12T15:30:00-06:00"  # 7.5 h on Monday from 08:00
