"""Business time: working hours, multi-interval days, nights and weekends, daylight saving, holidays.

Dates are in 2026: Monday 5 January is a plain working week; Chicago's clocks go forward on Sunday
8 March (02:00 CST -> 03:00 CDT, at 08:00Z) and back on Sunday 1 November (02:00 CDT -> 01:00 CST,
at 07:00Z).
"""

from __future__ import annotations

from tests.sla.engine_inputs import OFFICE_HOURS, compute_one, compute_rows, policy_with

# Only Sunday 01:00-04:00 is open: the wall-clock hours that daylight saving shortens or repeats.
DST_NIGHT = policy_with(
    working_hours={"sun": ["01:00-04:00"]},
    targets={
        "1": {"response": "1h", "resolution": "24h", "calendar": "24x7"},
        "2": {"response": "1h", "resolution": "2h"},
    },
)
ALL_DAY_SUNDAY = policy_with(
    working_hours={"sun": ["00:00-24:00"]}, targets={"2": {"response": "1h", "resolution": "30h"}}
)


def test_only_seconds_inside_working_hours_count():
    row = compute_one(
        OFFICE_HOURS,
        ["T", "2", "2026-01-05T10:00", "2026-01-05T10:45", "2026-01-05T15:30"],
        as_of="2026-01-31T00:00",
    )
    assert row["response_elapsed_s"] == "2700"
    assert row["resolution_elapsed_s"] == "19800"  # 10:00-15:30 = 5.5 h
    assert (row["response_status"], row["resolution_status"]) == ("met", "met")
    assert row["response_due"] == "2026-01-05T11:00:00-06:00"
    # 8 h from Monday 10:00: 7 h on Monday (to 17:00), then Tuesday 08:00-09:00.
    assert row["resolution_due"] == "2026-01-06T09:00:00-06:00"


def test_the_night_between_two_working_days_does_not_count():
    row = compute_one(
        OFFICE_HOURS, ["T", "2", "2026-01-05T16:00", "", "2026-01-06T09:30"], as_of="2026-01-31T00:00"
    )
    assert row["resolution_elapsed_s"] == "9000"  # Monday 16:00-17:00 + Tuesday 08:00-09:30


def test_a_lunch_break_between_two_intervals_does_not_count():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["across", "2", "2026-01-06T11:00", "", "2026-01-06T14:00"],
            ["within", "2", "2026-01-06T12:15", "", "2026-01-06T12:45"],
            ["into", "2", "2026-01-06T12:30", "", "2026-01-06T13:30"],
        ],
        as_of="2026-01-31T00:00",
    )
    assert [r["resolution_elapsed_s"] for r in rows] == ["7200", "0", "1800"]


def test_a_due_instant_at_the_end_of_an_interval_is_that_end_not_the_next_start():
    # Tuesday 11:00 + 1 h: the target is reached at 12:00, when the lunch break begins.
    row = compute_one(OFFICE_HOURS, ["T", "2", "2026-01-06T11:00", "", ""], as_of="2026-01-06T11:30")
    assert row["response_due"] == "2026-01-06T12:00:00-06:00"
    # 8 h: 11:00-12:00, 13:00-17:00, then Wednesday 08:00-11:00.
    assert row["resolution_due"] == "2026-01-07T11:00:00-06:00"


def test_a_ticket_opened_before_working_hours_starts_counting_at_opening_time():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["early", "2", "2026-01-05T06:00", "2026-01-05T08:20", "2026-01-05T09:00"],
            ["evening", "2", "2026-01-05T18:00", "", "2026-01-06T08:30"],
        ],
        as_of="2026-01-31T00:00",
    )
    assert [r["response_elapsed_s"] for r in rows] == ["1200", "1800"]
    assert [r["resolution_elapsed_s"] for r in rows] == ["3600", "1800"]
    assert [r["response_due"] for r in rows] == ["2026-01-05T09:00:00-06:00", "2026-01-06T09:00:00-06:00"]


def test_a_ticket_opened_on_a_saturday_waits_for_monday_morning():
    row = compute_one(
        OFFICE_HOURS, ["T", "2", "2026-01-10T10:00", "2026-01-12T09:15", ""], as_of="2026-01-12T10:00"
    )
    assert row["response_elapsed_s"] == "4500"  # Monday 08:00-09:15
    assert row["response_status"] == "breached"
    assert row["response_due"] == "2026-01-12T09:00:00-06:00"
    assert row["resolution_elapsed_s"] == "7200"  # open, measured to Monday 10:00
    assert row["resolution_due"] == "2026-01-12T16:00:00-06:00"


def test_friday_afternoon_targets_fall_due_on_monday():
    row = compute_one(OFFICE_HOURS, ["T", "2", "2026-01-09T16:00", "", ""], as_of="2026-01-10T12:00")
    # 1 h on Friday (16:00-17:00), then 7 h from Monday 08:00.
    assert row["resolution_due"] == "2026-01-12T15:00:00-06:00"
    assert row["response_due"] == "2026-01-09T17:00:00-06:00"
    assert row["resolution_elapsed_s"] == "3600"  # as of Saturday noon, only Friday's hour


def test_a_24x7_target_counts_weekend_seconds_that_a_business_target_does_not():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["round-the-clock", "1", "2026-01-10T10:00", "2026-01-10T10:10", "2026-01-10T13:00"],
            ["business", "2", "2026-01-10T10:00", "2026-01-10T10:10", "2026-01-10T13:00"],
        ],
        as_of="2026-01-31T00:00",
    )
    assert [(r["response_elapsed_s"], r["resolution_elapsed_s"]) for r in rows] == [
        ("600", "10800"),
        ("0", "0"),
    ]
    assert rows[0]["resolution_due"] == "2026-01-10T14:00:00-06:00"
    assert rows[1]["resolution_due"] == "2026-01-12T16:00:00-06:00"


def test_the_hour_skipped_in_spring_is_not_business_time():
    # 01:00 CST (07:00Z) to 04:00 CDT (09:00Z): three hours on the wall, two in reality.
    row = compute_one(
        DST_NIGHT, ["T", "2", "2026-03-08T00:00", "", "2026-03-08T05:00"], as_of="2026-03-09T00:00"
    )
    assert row["resolution_elapsed_s"] == "7200"
    assert row["resolution_status"] == "met"  # exactly the 2 h target
    assert row["resolution_due"] == "2026-03-08T04:00:00-05:00"
    # 1 h of business time from 01:00 CST ends at 02:00 CST, which the wall clock shows as 03:00 CDT.
    assert row["response_due"] == "2026-03-08T03:00:00-05:00"


def test_a_response_due_straddling_the_spring_gap_jumps_the_missing_hour():
    row = compute_one(
        DST_NIGHT, ["T", "2", "2026-03-08T01:30", "2026-03-08T03:10", ""], as_of="2026-03-08T06:00"
    )
    # 01:30 CST -> 03:10 CDT is 40 real minutes.
    assert row["response_elapsed_s"] == "2400"
    assert row["response_due"] == "2026-03-08T03:30:00-05:00"
    assert row["resolution_elapsed_s"] == "5400"  # 01:30 CST to 04:00 CDT
    assert row["resolution_status"] == "running"  # open, 1.5 h of 2 h, and no warn_at


def test_the_hour_repeated_in_autumn_is_business_time_twice():
    # 01:00 CDT (06:00Z) to 04:00 CST (10:00Z): three hours on the wall, four in reality.
    row = compute_one(
        DST_NIGHT, ["T", "2", "2026-11-01T00:00", "", "2026-11-01T05:00"], as_of="2026-11-02T00:00"
    )
    assert row["resolution_elapsed_s"] == "14400"
    assert row["resolution_status"] == "breached"
    # 06:00Z + 1 h = 07:00Z, the second time the wall clock shows 01:00; + 2 h = 08:00Z = 02:00 CST.
    assert row["response_due"] == "2026-11-01T01:00:00-06:00"
    assert row["resolution_due"] == "2026-11-01T02:00:00-06:00"


def test_instants_inside_the_repeated_hour_are_told_apart_by_their_offset():
    # Opened at the first 01:30 (CDT), answered at the second 01:20 (CST): 50 minutes later.
    row = compute_one(
        DST_NIGHT,
        ["T", "2", "2026-11-01T01:30:00-05:00", "2026-11-01T01:20:00-06:00", ""],
        as_of="2026-11-01T12:00",
    )
    assert row["response_elapsed_s"] == "3000"
    assert row["response_status"] == "met"
    assert row["response_due"] == "2026-11-01T01:30:00-06:00"


def test_an_interval_partly_inside_the_changed_hour_counts_the_real_seconds_on_the_wall_inside_it():
    policy = policy_with(working_hours={"sun": ["01:30-02:30"]})
    rows = compute_rows(
        policy,
        [
            # Spring: 01:30-02:00 CST happens, 02:00-02:30 never does.
            ["spring", "2", "2026-03-08T00:00", "", "2026-03-08T06:00"],
            # Autumn: 01:30-02:00 happens in CDT and again in CST, then 02:00-02:30 CST.
            ["autumn", "2", "2026-11-01T00:00", "", "2026-11-01T06:00"],
        ],
        as_of="2026-12-01T00:00",
    )
    assert [r["resolution_elapsed_s"] for r in rows] == ["1800", "5400"]


def test_a_24x7_target_counts_23_hours_on_the_spring_day_and_25_on_the_autumn_day():
    rows = compute_rows(
        DST_NIGHT,
        [
            ["spring", "1", "2026-03-08T00:00", "", "2026-03-09T00:00"],
            ["autumn", "1", "2026-11-01T00:00", "", "2026-11-02T00:00"],
        ],
        as_of="2026-12-01T00:00",
    )
    assert [r["resolution_elapsed_s"] for r in rows] == ["82800", "90000"]
    assert [r["resolution_status"] for r in rows] == ["met", "breached"]
    # 24 real hours, not "same time tomorrow": the spring day is an hour short, the autumn day long.
    assert [r["resolution_due"] for r in rows] == ["2026-03-09T01:00:00-05:00", "2026-11-01T23:00:00-06:00"]


def test_a_working_day_of_00_00_to_24_00_is_23_or_25_hours_long_on_the_change_days():
    rows = compute_rows(
        ALL_DAY_SUNDAY,
        [
            ["spring", "2", "2026-03-07T12:00", "", "2026-03-09T12:00"],
            ["autumn", "2", "2026-10-31T12:00", "", "2026-11-02T12:00"],
        ],
        as_of="2026-12-01T00:00",
    )
    assert [r["resolution_elapsed_s"] for r in rows] == ["82800", "90000"]
    # 30 h from Saturday: all of the 23 h Sunday, then 7 h of the next Sunday (15 March).
    assert rows[0]["resolution_due"] == "2026-03-15T07:00:00-05:00"
    # 25 h on 1 November, then 5 h of Sunday 8 November.
    assert rows[1]["resolution_due"] == "2026-11-08T05:00:00-06:00"


def test_a_public_holiday_from_the_holidays_library_is_closed():
    policy = policy_with(holidays={"country": "US"})
    # Friday 16 January 16:00 -> Tuesday 20 January 09:00; Monday 19 January is Martin Luther King Jr. Day.
    row = compute_one(
        policy, ["T", "2", "2026-01-16T16:00", "", "2026-01-20T09:00"], as_of="2026-01-31T00:00"
    )
    assert row["resolution_elapsed_s"] == "7200"
    without_holidays = compute_one(
        OFFICE_HOURS, ["T", "2", "2026-01-16T16:00", "", "2026-01-20T09:00"], as_of="2026-01-31T00:00"
    )
    assert without_holidays["resolution_elapsed_s"] == "39600"  # 1 h + 9 h + 1 h


def test_a_subdivision_adds_its_own_holidays_to_the_country_s():
    # Monday 2 March 2026 is Casimir Pulaski Day in Illinois only.
    ticket = ["T", "2", "2026-02-27T16:00", "", "2026-03-03T09:00"]
    illinois = compute_one(
        policy_with(holidays={"country": "US", "subdivision": "IL"}), ticket, as_of="2026-03-31T00:00"
    )
    federal = compute_one(policy_with(holidays={"country": "US"}), ticket, as_of="2026-03-31T00:00")
    assert illinois["resolution_elapsed_s"] == "7200"  # Friday 16:00-17:00 + Tuesday 08:00-09:00
    assert federal["resolution_elapsed_s"] == "39600"  # and Monday's 9 h
    # 8 h: 1 h on Friday, then Tuesday 08:00-12:00 and 13:00-16:00 (Monday closed, lunch excluded).
    assert illinois["resolution_due"] == "2026-03-03T16:00:00-06:00"


def test_explicit_holiday_dates_close_those_days_alongside_the_library_s():
    policy = policy_with(holidays={"country": "US", "dates": ["2026-12-24"]})
    # Wednesday 23 December 16:00 -> Monday 28 December 09:00: Thursday 24 is closed by the policy,
    # Friday 25 is Christmas Day, then the weekend.
    row = compute_one(
        policy, ["T", "2", "2026-12-23T16:00", "", "2026-12-28T09:00"], as_of="2026-12-31T00:00"
    )
    assert row["resolution_elapsed_s"] == "7200"
    only_dates = compute_one(
        policy_with(holidays={"dates": ["2026-12-24"]}),
        ["T", "2", "2026-12-23T16:00", "", "2026-12-28T09:00"],
        as_of="2026-12-31T00:00",
    )
    assert only_dates["resolution_elapsed_s"] == "39600"  # Christmas Day counts without the country


def test_a_holiday_is_a_local_date_of_the_policy_s_zone():
    policy = policy_with(holidays={"dates": ["2026-01-06"]})
    # 2026-01-06T02:00Z is still Monday 5 January 20:00 in Chicago; 2026-01-07T15:00Z is Wednesday 09:00.
    row = compute_one(
        policy, ["T", "2", "2026-01-06T02:00:00Z", "", "2026-01-07T15:00:00Z"], as_of="2026-01-31T00:00"
    )
    assert row["resolution_elapsed_s"] == "3600"  # only Wednesday 08:00-09:00


def test_naive_times_are_in_the_policy_zone_and_offsets_are_honoured():
    rows = compute_rows(
        OFFICE_HOURS,
        [
            ["naive", "2", "2026-01-05T09:00", "", "2026-01-05T10:00"],
            ["utc", "2", "2026-01-05T09:00:00Z", "", "2026-01-05T10:00:00Z"],  # 03:00-04:00 in Chicago
            ["mixed", "2", "2026-01-05T15:00:00+00:00", "", "2026-01-05 11:00:00-0500"],  # 09:00-10:00 CST
        ],
        as_of="2026-01-31T00:00",
    )
    assert [r["resolution_elapsed_s"] for r in rows] == ["3600", "0", "3600"]
    # Due instants are written in the policy's zone with its offset, whatever the input's offset.
    assert [r["response_due"] for r in rows] == [
        "2026-01-05T10:00:00-06:00",
        "2026-01-05T09:00:00-06:00",
        "2026-01-05T10:00:00-06:00",
    ]


def test_a_24x7_target_counts_holidays_too():
    policy = policy_with(holidays={"country": "US", "dates": ["2026-12-24"]})
    row = compute_one(
        policy,
        ["T", "1", "2026-12-24T10:00", "2026-12-24T10:10", "2026-12-25T10:00"],
        as_of="2026-12-31T00:00",
    )
    assert (row["response_elapsed_s"], row["resolution_elapsed_s"]) == ("600", "86400")


def test_a_due_instant_in_the_next_year_skips_that_year_s_holidays():
    policy = policy_with(holidays={"country": "US"})
    # Thursday 31 December 16:00: 1 h that day; Friday 1 January 2027 is New Year's Day, then the
    # weekend; the other 7 h run Monday 4 January 08:00-15:00.
    row = compute_one(policy, ["T", "2", "2026-12-31T16:00", "", ""], as_of="2026-12-31T17:00")
    assert row["resolution_due"] == "2027-01-04T15:00:00-06:00"
    assert row["response_due"] == "2026-12-31T17:00:00-06:00"


def test_positions_agree_with_a_binary_search_at_every_boundary_and_beyond_the_span():
    # The calendar finds each instant's interval from day-long buckets plus a few steps, not by
    # binary search; both must agree everywhere, including on DST days and outside the span.
    import numpy as np

    from accord.sla.engine import MISSING, build_calendar, load_policy

    for policy in (OFFICE_HOURS, DST_NIGHT, ALL_DAY_SUNDAY, policy_with(holidays={"country": "US"})):
        calendar = build_calendar(load_policy(policy), 20450, 20820)  # December 2025 - December 2026
        edges = np.concatenate([calendar.starts, calendar.ends])
        instants = np.concatenate(
            [
                edges - 1,
                edges,
                edges + 1,
                np.arange(calendar.starts[0] - 3 * 86400, calendar.ends[-1] + 3 * 86400, 997),
                [MISSING],
            ]
        )
        binary = np.searchsorted(calendar.starts, instants, side="right")
        assert (calendar._search_starts(instants) == binary).all()
        positions = np.arange(-5, calendar.total + 3 * 3600, 599)
        positions = np.concatenate([positions, calendar.cum_end - 1, calendar.cum_end, calendar.cum_end + 1])
        binary = np.searchsorted(calendar.cum_end, positions, side="left")
        assert (calendar._search_cum_end(positions) == binary).all()
        inside = instants[(instants >= calendar.starts[0]) & (instants <= calendar.ends[-1])]
        index = np.searchsorted(calendar.starts, inside, side="right") - 1
        before = calendar.cum_end[index] - (calendar.ends[index] - calendar.starts[index])
        expected = before + np.minimum(
            inside - calendar.starts[index], calendar.ends[index] - calendar.starts[index]
        )
        assert (calendar.position(inside) == expected).all()
