"""Recurring windows: an RFC 5545 RRULE read in the window's own zone, expanded around a change's window when
scheduling (at the same local time across daylight-saving changes), shown per occurrence on the calendar,
carried as an RRULE in the iCalendar feed, and refused with a clear message when it is not a usable rule."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accord.change_control import queries, windows
from accord.change_control.choices import ChangeState, WindowKind
from accord.change_control.models import ChangeWindow
from accord.change_control.services import changes, feeds
from accord.core.services import create_record
from tests.change_control.factories import bring_to, cab_for, draft_change, service_in

pytestmark = pytest.mark.django_db

LONDON = "Europe/London"
CHICAGO = "America/Chicago"


def at(zone: str, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def window(world: Any, **data: Any) -> ChangeWindow:
    values = {
        "program": world.program,
        "name": "Sunday maintenance freeze",
        "kind": WindowKind.BLACKOUT,
        "time_zone": LONDON,
        "starts_at": at(LONDON, "2026-03-01 02:00"),
        "ends_at": at(LONDON, "2026-03-01 06:00"),
        "recurrence": "FREQ=WEEKLY;BYDAY=SU",
        **data,
    }
    return create_record(model=ChangeWindow, actor=world.program_manager, data=values)


def test_a_weekly_window_keeps_its_local_time_across_the_clocks_going_forward() -> None:
    first = at(LONDON, "2026-03-22 02:00")
    found = windows.occurrences(
        first,
        at(LONDON, "2026-03-22 06:00"),
        LONDON,
        "FREQ=WEEKLY;BYDAY=SU",
        utc("2026-03-21 00:00"),
        utc("2026-04-06 00:00"),
    )
    # GMT (UTC+0) on 22 March, BST (UTC+1) from 29 March: 02:00 local each Sunday.
    assert found == [
        (utc("2026-03-22 02:00"), utc("2026-03-22 06:00")),
        (utc("2026-03-29 01:00"), utc("2026-03-29 05:00")),
        (utc("2026-04-05 01:00"), utc("2026-04-05 05:00")),
    ]


def test_the_last_days_of_every_month_recur_in_the_window_zone_across_dst() -> None:
    # Month-end billing close: the last three days of every month, midnight to midnight in Chicago.
    found = windows.occurrences(
        at(CHICAGO, "2026-01-29 00:00"),
        at(CHICAGO, "2026-02-01 00:00"),
        CHICAGO,
        "FREQ=MONTHLY;BYMONTHDAY=-3",
        utc("2026-02-15 00:00"),
        utc("2026-04-15 00:00"),
    )
    # February ends in CST (UTC-6); from 8 March Chicago is on CDT (UTC-5).
    assert found == [
        (utc("2026-02-26 06:00"), utc("2026-03-01 06:00")),
        (utc("2026-03-29 05:00"), utc("2026-04-01 05:00")),
    ]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "FREQ=HOURLY is not allowed"),
        ("BYDAY=SU", "needs FREQ"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000", "UNTIL must be a UTC time ending in Z"),
        ("FREQ=WEEKLY;COUNT=0", "never produces an occurrence"),
        ("FREQ=WEEKLY\nDTSTART:20260101T000000Z", "one RRULE only"),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message_and_nothing_is_saved(
    world: Any, rule: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        window(world, recurrence=rule)
    assert message in caught.value.message_dict["recurrence"][0]
    assert not ChangeWindow.objects.exists()


def test_a_rule_is_stored_without_its_prefix_in_capitals(world: Any) -> None:
    assert window(world, recurrence="RRULE:freq=weekly;byday=su").recurrence == "FREQ=WEEKLY;BYDAY=SU"


@pytest.fixture
def approved(world: Any) -> Any:
    cab_for(world.program, members=[world.board_member, world.stakeholder_lead])

    def make(start: dt.datetime, hours: int = 1) -> Any:
        change = draft_change(
            world.program,
            world.vendor,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=hours),
            services=[service_in(world.program)],
        )
        return bring_to(
            change,
            ChangeState.APPROVED,
            requester=world.vendor,
            manager=world.program_manager,
            voters=[world.board_member, world.stakeholder_lead],
        )

    return make


def test_scheduling_into_a_later_occurrence_is_refused_and_names_that_occurrence(
    world: Any, approved: Any
) -> None:
    window(world)
    # Sunday 5 April 2026, 03:00 BST: inside the sixth occurrence (01:00-05:00 UTC), not the first.
    change = approved(at(LONDON, "2026-04-05 03:00"))
    with pytest.raises(ValidationError) as caught:
        changes.transition_change(
            change=change, to=ChangeState.SCHEDULED, actor=world.vendor, now=change.decided_at
        )
    assert "2026-04-05 01:00 to 2026-04-05 05:00 UTC" in caught.value.message_dict["planned_start"][0]


def test_a_change_between_occurrences_is_scheduled(world: Any, approved: Any) -> None:
    window(world)
    # 06:30 BST on that Sunday: after the occurrence, which ends at 06:00 local time, not 06:00 UTC.
    change = approved(at(LONDON, "2026-04-05 06:30"))
    changes.transition_change(
        change=change, to=ChangeState.SCHEDULED, actor=world.vendor, now=change.decided_at
    )
    change.refresh_from_db()
    assert change.state == ChangeState.SCHEDULED and not change.in_freeze


def test_a_maintenance_window_blocks_no_change(world: Any, approved: Any) -> None:
    window(world, kind=WindowKind.MAINTENANCE, name="Weekly maintenance")
    change = approved(at(LONDON, "2026-04-05 03:00"))
    changes.transition_change(
        change=change, to=ChangeState.SCHEDULED, actor=world.vendor, now=change.decided_at
    )
    change.refresh_from_db()
    assert change.state == ChangeState.SCHEDULED


def test_the_calendar_shows_every_occurrence_in_the_month(world: Any, client_for: Any) -> None:
    window(world)
    entries = queries.calendar(
        user=world.vendor, program=world.program, start=utc("2026-04-01 00:00"), end=utc("2026-05-01 00:00")
    )
    assert [e.start for e in entries] == [utc(f"2026-04-{day:02d} 01:00") for day in (5, 12, 19, 26)]
    assert entries[0].flags == ["repeats FREQ=WEEKLY;BYDAY=SU"]
    page = client_for("vendor").get(
        f"/programs/{world.program.pk}/changes/calendar/", {"month": "2026-04", "tz": LONDON}
    )
    body = page.content.decode()
    assert body.count("Blackout: Sunday maintenance freeze") == 4
    # Shown in the zone the reader chose, not the server's.
    assert "<td>Sun 05 Apr 02:00</td><td>Sun 05 Apr 06:00</td>" in body
    assert "repeats FREQ=WEEKLY;BYDAY=SU" in body


def test_the_feed_carries_the_rule_once_in_the_window_zone(world: Any) -> None:
    now = timezone.now()
    local = now.astimezone(ZoneInfo(LONDON)).replace(hour=2, minute=0, second=0, microsecond=0)
    window(world, starts_at=local, ends_at=local + dt.timedelta(hours=4))
    token = feeds.issue_feed_token(program=world.program, actor=world.vendor, now=now)
    response = Client().get("/api/change-calendar.ics", {"token": token})
    assert response.status_code == 200
    feed = Calendar.from_ical(response.content)
    events = [e for e in feed.walk("VEVENT") if "Sunday maintenance freeze" in str(e["summary"])]
    assert len(events) == 1
    event = events[0]
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=SU"
    assert event["dtstart"].params["TZID"] == LONDON
    assert event.decoded("dtstart") == local
    assert [str(z["tzid"]) for z in feed.walk("VTIMEZONE")] == [LONDON]


def test_windows_still_to_come_include_a_recurring_window_that_began_in_the_past(
    world: Any, api_for: Any
) -> None:
    endless = window(world, name="Weekly freeze")
    counted = window(world, name="Four Sundays", recurrence="FREQ=WEEKLY;BYDAY=SU;COUNT=4")
    window(world, name="Once, in March", recurrence="")
    # The fourth Sunday from 1 March 2026 is 22 March; clocks went forward on the 29th, not before.
    assert counted.recurs_until == at(LONDON, "2026-03-22 06:00")
    assert endless.recurs_until is None

    def names(ends_after: str) -> set[str]:
        response = api_for("program_manager").get(
            "/api/change-windows/", {"program": world.program.pk, "ends_after": ends_after}
        )
        assert response.status_code == 200
        return {row["name"] for row in response.json()["results"]}

    assert names("2026-03-10T00:00:00Z") == {"Weekly freeze", "Four Sundays"}
    assert names("2026-03-22T05:59:00Z") == {"Weekly freeze", "Four Sundays"}
    assert names("2026-03-22T06:01:00Z") == {"Weekly freeze"}
    assert names("2026-02-01T00:00:00Z") == {"Weekly freeze", "Four Sundays", "Once, in March"}
