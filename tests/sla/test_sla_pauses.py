"""Pauses: state events, their order, pauses over nights and holidays, which clocks they stop, due instants.

The policy is OFFICE_HOURS (Chicago, Monday-Friday 08:00-17:00, Tuesday with a 12:00-13:00 lunch
break), pausing in "Awaiting User Info" and "Awaiting Vendor". Monday 5 January 2026 is a working day.
"""

from __future__ import annotations

from tests.sla.engine_inputs import OFFICE_HOURS, compute_one, compute_rows, policy_with

AS_OF = "2026-01-31T00:00"


def test_a_pause_over_the_night_counts_only_its_business_seconds():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "2026-01-05T09:30", "2026-01-06T11:00"],
        [
            ["T", "2026-01-05T16:00", "Awaiting User Info"],
            ["T", "2026-01-06T10:00", "In Progress"],
        ],
        as_of=AS_OF,
    )
    # Open for 11 business hours (Monday 09:00-17:00, Tuesday 08:00-11:00), paused for 3 of them
    # (Monday 16:00-17:00, Tuesday 08:00-10:00): 8 h elapsed, exactly the target.
    assert row["paused_s"] == "10800"
    assert row["resolution_elapsed_s"] == "28800"
    assert row["resolution_status"] == "met"
    assert row["resolution_due"] == "2026-01-06T11:00:00-06:00"
    assert row["response_elapsed_s"] == "1800"  # by default pauses stop the resolution clock only


def test_a_pause_over_a_holiday_weekend_counts_neither_the_weekend_nor_the_holiday():
    policy = policy_with(holidays={"country": "US"})
    # Friday 16 January to Tuesday 20 January; Monday 19 is Martin Luther King Jr. Day.
    row = compute_one(
        policy,
        ["T", "2", "2026-01-16T15:00", "", "2026-01-20T11:00"],
        [
            ["T", "2026-01-16T16:00", "Awaiting Vendor"],
            ["T", "2026-01-20T09:00", "In Progress"],
        ],
        as_of=AS_OF,
    )
    assert row["paused_s"] == "7200"  # Friday 16:00-17:00 + Tuesday 08:00-09:00
    assert row["resolution_elapsed_s"] == "10800"  # 5 business hours open, 2 of them paused


def test_an_event_before_opening_sets_the_state_at_opening():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", "2026-01-05T13:00"],
        [
            ["T", "2026-01-05T07:00", "Awaiting Vendor"],
            ["T", "2026-01-05T11:00", "Work in Progress"],
        ],
        as_of=AS_OF,
    )
    # Paused from opening (09:00), not from the event (07:00) nor from 08:00, until 11:00.
    assert row["paused_s"] == "7200"
    assert row["resolution_elapsed_s"] == "7200"


def test_only_the_latest_event_before_opening_sets_the_state_at_opening():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", "2026-01-05T13:00"],
        [
            ["T", "2026-01-05T06:00", "Awaiting Vendor"],
            ["T", "2026-01-05T07:00", "Active"],
        ],
        as_of=AS_OF,
    )
    assert (row["paused_s"], row["resolution_elapsed_s"]) == ("0", "14400")


def test_a_ticket_paused_since_before_opening_has_no_elapsed_resolution_time():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", ""],
        [
            ["T", "2026-01-05T08:00", "Awaiting User Info"],
        ],
        as_of="2026-01-05T15:00",
    )
    assert (row["paused_s"], row["resolution_elapsed_s"]) == ("21600", "0")
    assert row["resolution_status"] == "running"


def test_events_are_taken_in_time_order_not_file_order():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", "2026-01-05T12:00"],
        [
            ["T", "2026-01-05T11:00", "Active"],
            ["T", "2026-01-05T10:00", "Awaiting User Info"],
        ],
        as_of=AS_OF,
    )
    assert (row["paused_s"], row["resolution_elapsed_s"]) == ("3600", "7200")


def test_events_at_the_same_instant_take_effect_in_file_order():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["last-pauses", "2", "2026-01-05T09:00", "", "2026-01-05T13:00"],
            ["last-resumes", "2", "2026-01-05T09:00", "", "2026-01-05T13:00"],
        ],
        [
            ["last-pauses", "2026-01-05T10:00", "Active"],
            ["last-resumes", "2026-01-05T10:00", "Awaiting User Info"],
            ["last-pauses", "2026-01-05T10:00", "Awaiting User Info"],
            ["last-resumes", "2026-01-05T10:00", "Active"],
            ["last-pauses", "2026-01-05T12:00", "Active"],
        ],
        as_of=AS_OF,
    )
    assert [r["paused_s"] for r in rows] == ["7200", "0"]
    assert [r["resolution_elapsed_s"] for r in rows] == ["7200", "14400"]


def test_pauses_stop_the_response_clock_when_the_policy_says_so():
    ticket = ["T", "2", "2026-01-05T09:00", "2026-01-05T10:40", "2026-01-05T12:00"]
    events = [["T", "2026-01-05T09:10", "Awaiting User Info"], ["T", "2026-01-05T10:10", "Active"]]
    both = compute_one(policy_with(pause_applies_to=["response", "resolution"]), ticket, events, as_of=AS_OF)
    # 100 minutes to the response, 60 of them paused; the 1 h target moves from 10:00 to 11:00.
    assert (both["response_elapsed_s"], both["response_status"]) == ("2400", "met")
    assert both["response_due"] == "2026-01-05T11:00:00-06:00"
    assert (both["resolution_elapsed_s"], both["paused_s"]) == ("7200", "3600")

    default = compute_one(OFFICE_HOURS, ticket, events, as_of=AS_OF)
    assert (default["response_elapsed_s"], default["response_status"]) == ("6000", "breached")
    assert default["response_due"] == "2026-01-05T10:00:00-06:00"
    assert (default["resolution_elapsed_s"], default["paused_s"]) == ("7200", "3600")

    response_only = compute_one(policy_with(pause_applies_to=["response"]), ticket, events, as_of=AS_OF)
    assert response_only["response_elapsed_s"] == "2400"
    # paused_s is the resolution clock's paused time, and that clock is not paused here.
    assert (response_only["resolution_elapsed_s"], response_only["paused_s"]) == ("10800", "0")


def test_a_due_instant_counts_pauses_up_to_the_stop_and_none_after():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", "2026-01-05T12:00"],
        [
            ["T", "2026-01-05T10:00", "Awaiting Vendor"],
            ["T", "2026-01-05T11:00", "Active"],
            ["T", "2026-01-05T13:00", "Awaiting Vendor"],  # after the resolution: not part of this clock
            ["T", "2026-01-05T15:00", "Active"],
        ],
        as_of=AS_OF,
    )
    assert (row["resolution_elapsed_s"], row["paused_s"]) == ("7200", "3600")
    # 8 h target + the 1 h pause = 9 business hours from Monday 09:00: Monday to 17:00, Tuesday to 09:00.
    assert row["resolution_due"] == "2026-01-06T09:00:00-06:00"


def test_an_open_pause_counts_towards_the_due_instant_only_up_to_the_as_of_instant():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T09:00", "", ""],
        [
            ["T", "2026-01-05T11:30", "Awaiting User Info"],
        ],
        as_of="2026-01-05T12:00",
    )
    assert (row["resolution_elapsed_s"], row["paused_s"]) == ("9000", "1800")
    # 8 h + the 30 minutes paused so far: Monday 09:00-17:00 and Tuesday 08:00-08:30.
    assert row["resolution_due"] == "2026-01-06T08:30:00-06:00"
    assert row["resolution_status"] == "running"


def test_a_pause_that_begins_after_the_target_was_reached_does_not_move_the_due_instant():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["late-pause", "1", "2026-01-05T09:00", "2026-01-05T09:05", "2026-01-05T16:00"],
            ["early-pause", "1", "2026-01-05T09:00", "2026-01-05T09:05", "2026-01-05T16:00"],
        ],
        [
            ["late-pause", "2026-01-05T14:00", "Awaiting Vendor"],  # 5 h in: the 4 h target fell due at 13:00
            ["late-pause", "2026-01-05T15:00", "Active"],
            ["early-pause", "2026-01-05T12:30", "Awaiting Vendor"],  # 3.5 h in: delays the due by its hour
            ["early-pause", "2026-01-05T13:30", "Active"],
        ],
        as_of=AS_OF,
    )
    assert [r["resolution_due"] for r in rows] == ["2026-01-05T13:00:00-06:00", "2026-01-05T14:00:00-06:00"]
    assert [(r["resolution_elapsed_s"], r["paused_s"]) for r in rows] == [
        ("21600", "3600"),
        ("21600", "3600"),
    ]
    assert [r["resolution_status"] for r in rows] == ["breached", "breached"]


def test_a_pause_of_a_24x7_target_counts_every_second_including_the_weekend():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "1", "2026-01-10T10:00", "2026-01-10T10:05", "2026-01-11T10:00"],
        [
            ["T", "2026-01-10T12:00", "Awaiting User Info"],
            ["T", "2026-01-10T18:00", "Active"],
        ],
        as_of=AS_OF,
    )
    assert (row["resolution_elapsed_s"], row["paused_s"]) == ("64800", "21600")  # 24 h open, 6 h paused
    # 4 h target: 2 h before the pause, then 2 h more after 18:00.
    assert row["resolution_due"] == "2026-01-10T20:00:00-06:00"


def test_events_of_one_ticket_at_the_same_second_take_effect_in_file_order():
    # Ties are broken by file order, whatever the states (the engine sorts events by ticket and
    # time; a sort that ordered tied events by anything else would swap A's and B's pauses).
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["A", "2", "2026-01-05T09:00", "", "2026-01-05T15:00"],
            ["B", "2", "2026-01-05T09:00", "", "2026-01-05T15:00"],
            ["C", "2", "2026-01-05T09:00", "", "2026-01-05T15:00"],
        ],
        [
            ["B", "2026-01-05T10:00", "In Progress"],
            ["A", "2026-01-05T10:00", "Awaiting Vendor"],
            ["C", "2026-01-05T10:00", "Awaiting User Info"],
            ["A", "2026-01-05T10:00", "In Progress"],  # A: paused for no time at all
            ["B", "2026-01-05T10:00", "Awaiting Vendor"],  # B: paused from 10:00 ...
            ["C", "2026-01-05T10:00", "Awaiting Vendor"],  # C: still paused, now for the vendor
            ["B", "2026-01-05T12:00", "In Progress"],  # ... to 12:00
            ["A", "2026-01-05T12:00", "Awaiting User Info"],  # A: paused from 12:00 ...
            ["C", "2026-01-05T13:30", "In Progress"],
            ["A", "2026-01-05T12:00", "Awaiting Vendor"],
            ["A", "2026-01-05T12:00", "In Progress"],  # ... for no time again
        ],
        as_of=AS_OF,
    )
    paused = {row["id"]: int(row["paused_s"]) for row in rows}
    assert paused == {"A": 0, "B": 7200, "C": 12600}
