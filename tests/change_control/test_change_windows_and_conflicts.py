"""Freeze and blackout windows and conflicts between changes, across time zones and daylight-saving shifts.

Dates are chosen around the 2026 shifts: the US moves its clocks on 8 March and 1 November, the UK on
29 March and 25 October, so for three weeks in March Chicago is 5 hours behind London instead of 6.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accord.change_control.choices import ChangeState, ChangeType, WindowKind
from accord.change_control.models import ChangeRequest, ChangeWindow
from accord.change_control.queries import conflicts_by_change, conflicts_for
from accord.change_control.services import changes
from accord.change_control.windows import WallTimeError, localise, overlaps
from tests.change_control.factories import T0, bring_to, cab_for, draft_change, service_in

pytestmark = pytest.mark.django_db

CHICAGO = "America/Chicago"
LONDON = "Europe/London"


def wall(text: str, zone: str) -> dt.datetime:
    return localise(dt.datetime.fromisoformat(text), zone)


def test_a_wall_time_skipped_by_the_spring_shift_is_refused() -> None:
    with pytest.raises(WallTimeError, match="does not exist in America/Chicago"):
        wall("2026-03-08 02:30", CHICAGO)


def test_a_wall_time_repeated_by_the_autumn_shift_means_its_first_occurrence() -> None:
    # 01:30 happens twice in Chicago on 1 November 2026: first in CDT (UTC-5), then in CST (UTC-6).
    assert wall("2026-11-01 01:30", CHICAGO).astimezone(dt.UTC) == dt.datetime(
        2026, 11, 1, 6, 30, tzinfo=dt.UTC
    )


def test_a_window_over_the_spring_shift_lasts_one_hour_less_on_the_wall() -> None:
    start, end = wall("2026-03-07 18:00", CHICAGO), wall("2026-03-09 06:00", CHICAGO)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=35)


def test_intervals_are_half_open_so_back_to_back_windows_do_not_collide() -> None:
    a = dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC)
    b = a + dt.timedelta(hours=1)
    assert not overlaps(a, b, b, b + dt.timedelta(hours=1))
    assert overlaps(a, b, b - dt.timedelta(seconds=1), b + dt.timedelta(hours=1))


@pytest.fixture
def approved_setup(world: Any) -> dict[str, Any]:
    cab_for(
        world.program,
        members=[world.board_member, world.stakeholder_lead],
        emergency_members=[world.board_member],
        quorum=2,
    )
    return {
        "requester": world.vendor,
        "manager": world.program_manager,
        "voters": [world.board_member, world.stakeholder_lead],
    }


def go_live_freeze(world: Any, services: list[Any] | None = None) -> ChangeWindow:
    """The clinical go-live freeze, drawn in the hospital's zone (Chicago) over the spring shift."""
    window = ChangeWindow.objects.create(
        program=world.program,
        name="Pharmacy go-live freeze",
        kind=WindowKind.CLINICAL_FREEZE,
        starts_at=wall("2026-03-07 18:00", CHICAGO),
        ends_at=wall("2026-03-09 06:00", CHICAGO),
        time_zone=CHICAGO,
    )
    window.services.set(services or [])
    return window


def approved_change(world: Any, setup: dict, start: str, end: str, zone: str, **data: Any) -> ChangeRequest:
    change = draft_change(
        world.program,
        world.vendor,
        planned_start=wall(start, zone),
        planned_end=wall(end, zone),
        time_zone=zone,
        **data,
    )
    return bring_to(change, ChangeState.APPROVED, **setup)


def schedule(change: ChangeRequest, actor: Any) -> ChangeRequest:
    return changes.transition_change(change=change, to=ChangeState.SCHEDULED, actor=actor, now=T0)


def test_a_change_planned_in_london_just_after_the_chicago_freeze_ends_is_scheduled(
    world: Any, approved_setup: dict
) -> None:
    go_live_freeze(world)
    # 06:00 CDT on 9 March is 11:00 in London (still GMT); read with CST it would wrongly be 12:00.
    change = approved_change(world, approved_setup, "2026-03-09 11:00", "2026-03-09 12:00", LONDON)
    assert schedule(change, world.vendor).state == ChangeState.SCHEDULED


def test_a_change_planned_in_london_overlapping_the_freeze_by_minutes_is_refused(
    world: Any, approved_setup: dict
) -> None:
    go_live_freeze(world)
    change = approved_change(world, approved_setup, "2026-03-09 10:45", "2026-03-09 11:45", LONDON)
    with pytest.raises(ValidationError, match=r"Pharmacy go-live freeze.*Only an emergency may"):
        schedule(change, world.vendor)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED


def test_an_emergency_change_may_be_scheduled_into_a_freeze_and_is_flagged(
    world: Any, approved_setup: dict
) -> None:
    go_live_freeze(world)
    change = approved_change(
        world,
        approved_setup,
        "2026-03-08 03:00",
        "2026-03-08 04:00",
        CHICAGO,
        change_type=ChangeType.EMERGENCY,
    )
    change = schedule(change, world.vendor)
    assert change.state == ChangeState.SCHEDULED and change.in_freeze is True


def test_a_window_on_one_service_does_not_block_changes_to_another(world: Any, approved_setup: dict) -> None:
    pharmacy = service_in(world.program, name="Pharmacy system")
    go_live_freeze(world, services=[pharmacy])
    elsewhere = approved_change(world, approved_setup, "2026-03-08 10:00", "2026-03-08 11:00", CHICAGO)
    assert schedule(elsewhere, world.vendor).state == ChangeState.SCHEDULED
    on_pharmacy = approved_change(
        world, approved_setup, "2026-03-08 10:00", "2026-03-08 11:00", CHICAGO, services=[pharmacy]
    )
    with pytest.raises(ValidationError):
        schedule(on_pharmacy, world.vendor)


def test_two_changes_on_the_same_configuration_item_planned_in_different_zones_conflict(
    world: Any, approved_setup: dict
) -> None:
    # 20 March: Chicago (CDT, UTC-5) and London (GMT) are 5 hours apart.
    first = draft_change(
        world.program,
        world.vendor,
        services=[],
        configuration_items="lab-hl7-engine-01",
        planned_start=wall("2026-03-20 17:00", CHICAGO),
        planned_end=wall("2026-03-20 18:00", CHICAGO),
        time_zone=CHICAGO,
    )
    second = draft_change(
        world.program,
        world.vendor,
        services=[],
        configuration_items="LAB-HL7-ENGINE-01\npacs-web-01",
        planned_start=wall("2026-03-20 22:30", LONDON),
        planned_end=wall("2026-03-20 23:30", LONDON),
        time_zone=LONDON,
    )
    back_to_back = draft_change(
        world.program,
        world.vendor,
        services=[],
        configuration_items="lab-hl7-engine-01",
        planned_start=wall("2026-03-20 23:00", LONDON),
        planned_end=wall("2026-03-21 00:00", LONDON),
        time_zone=LONDON,
    )
    for change in (first, second, back_to_back):
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    assert [c.pk for c in conflicts_for(first, world.program_manager)] == [second.pk]
    assert {c.pk for c in conflicts_for(second, world.program_manager)} == {first.pk, back_to_back.pk}
    found = conflicts_by_change(world.program_manager, world.program)
    assert {c.pk for c in found[second.pk]} == {first.pk, back_to_back.pk}
    assert [c.pk for c in found[first.pk]] == [second.pk]


def test_changes_on_different_services_do_not_conflict_and_the_api_lists_conflicts(
    world: Any, approved_setup: dict
) -> None:
    shared = service_in(world.program, name="Interface engine")
    one = draft_change(world.program, world.vendor, services=[shared])
    two = draft_change(world.program, world.vendor, services=[shared])
    three = draft_change(world.program, world.vendor, services=[service_in(world.program)])
    for change in (one, two, three):
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    client = APIClient()
    client.force_authenticate(world.board_member)
    body = client.get(f"/api/change-requests/{one.pk}/conflicts/").json()
    assert [row["reference"] for row in body] == [two.reference]
    assert client.get(f"/api/change-requests/{three.pk}/conflicts/").json() == []


def test_a_window_given_as_wall_clock_times_is_read_in_its_own_zone(world: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.post(
        "/api/change-windows/",
        {
            "program": world.program.pk,
            "name": "Month-end billing close",
            "kind": "blackout",
            "starts_at": "2026-10-31 18:00",
            "ends_at": "2026-11-02 08:00",
            "time_zone": CHICAGO,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    window = ChangeWindow.objects.get(pk=response.json()["id"])
    # 18:00 CDT and 08:00 CST: 39 hours, not the 38 the wall clock suggests.
    assert window.starts_at == dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC)
    assert window.ends_at - window.starts_at == dt.timedelta(hours=39)
    assert window.ends_at.astimezone(ZoneInfo(CHICAGO)).hour == 8


def test_a_window_at_a_skipped_wall_time_is_a_400_naming_it(world: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.post(
        "/api/change-windows/",
        {
            "program": world.program.pk,
            "name": "Night freeze",
            "starts_at": "2026-03-08 02:15",
            "ends_at": "2026-03-08 05:00",
            "time_zone": CHICAGO,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist in America/Chicago" in response.json()["starts_at"][0]
    assert not ChangeWindow.objects.exists()


def test_an_unknown_zone_is_refused(world: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.program_manager)
    response = client.post(
        "/api/change-windows/",
        {
            "program": world.program.pk,
            "name": "Freeze",
            "starts_at": "2026-03-10T00:00:00Z",
            "ends_at": "2026-03-11T00:00:00Z",
            "time_zone": "Mars/Olympus",
        },
        format="json",
    )
    assert response.status_code == 400 and "time_zone" in response.json()
