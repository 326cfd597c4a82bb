"""The per-person iCalendar feed: parsed back by the `icalendar` library, secret kept only as a hash,
revocable, and showing what its owner may see now."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accord.change_control.choices import ChangeState, WindowKind
from accord.change_control.models import CalendarFeedToken, ChangeWindow
from accord.change_control.services import changes, feeds
from accord.core.permissions import Visibility
from accord.programs.models import Membership
from tests.change_control.factories import cab_for, draft_change

pytestmark = pytest.mark.django_db

# The feed reaches from two months back to a year ahead of the real clock, so the plans are set from it.
NOW = timezone.now().replace(minute=0, second=0, microsecond=0)


def ahead(days: int, hours: int = 0) -> dt.datetime:
    return NOW + dt.timedelta(days=days, hours=hours)


FEED = "/api/change-calendar.ics"


@pytest.fixture
def planned(world: Any) -> dict[str, Any]:
    cab_for(world.program, members=[world.board_member, world.stakeholder_lead])
    shared = draft_change(
        world.program,
        world.vendor,
        title="Patch the interface engine",
        planned_start=ahead(9),
        planned_end=ahead(9, 2),
    )
    internal = draft_change(
        world.program,
        world.program_manager,
        title="Replace the badge readers",
        visibility=Visibility.INTERNAL,
        planned_start=ahead(10),
        planned_end=ahead(10, 1),
    )
    for change, who in ((shared, world.vendor), (internal, world.program_manager)):
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=who, now=NOW)
    ChangeWindow.objects.create(
        program=world.program,
        name="Pharmacy go-live freeze",
        kind=WindowKind.CLINICAL_FREEZE,
        starts_at=ahead(13),
        ends_at=ahead(15),
    )
    return {"shared": shared, "internal": internal}


def read(token: str) -> Any:
    return Client().get(FEED, {"token": token})


def test_the_feed_is_valid_icalendar_with_the_changes_and_windows(world: Any, planned: dict) -> None:
    token = feeds.issue_feed_token(program=world.program, actor=world.program_manager, now=NOW)
    response = read(token)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    change = planned["shared"]
    summary = f"{change.reference} Patch the interface engine (submitted)"
    assert summary in events
    event = events[summary]
    assert event.decoded("DTSTART") == ahead(9)
    assert event.decoded("DTEND") == ahead(9, 2)
    assert str(event["UID"]) == f"change-{change.pk}@testserver"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "Clinical freeze: Pharmacy go-live freeze" in events
    assert str(events["Clinical freeze: Pharmacy go-live freeze"]["TRANSP"]) == "TRANSPARENT"
    assert any("Replace the badge readers" in s for s in events)


def test_a_partner_feed_leaves_out_hospital_internal_changes(world: Any, planned: dict) -> None:
    token = feeds.issue_feed_token(program=world.program, actor=world.vendor, now=NOW)
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(read(token).content).walk("VEVENT")]
    assert any("Patch the interface engine" in s for s in summaries)
    assert not any("badge readers" in s for s in summaries)


def test_only_the_hash_of_the_secret_is_stored(world: Any, planned: dict) -> None:
    token = feeds.issue_feed_token(program=world.program, actor=world.member, now=NOW)
    row = CalendarFeedToken.objects.get(person=world.member)
    assert token not in row.token_hash and row.token_hash == feeds.hash_token(token)
    assert row.hint == token[:6]


def test_a_revoked_or_replaced_token_stops_working(world: Any, planned: dict) -> None:
    first = feeds.issue_feed_token(program=world.program, actor=world.member, now=NOW)
    second = feeds.issue_feed_token(program=world.program, actor=world.member, now=NOW)
    assert read(first).status_code == 404 and read(second).status_code == 200
    assert feeds.revoke_feed_token(program=world.program, actor=world.member, now=NOW) is True
    assert read(second).status_code == 404


def test_a_person_removed_from_the_program_gets_nothing_from_their_old_feed(
    world: Any, planned: dict
) -> None:
    token = feeds.issue_feed_token(program=world.program, actor=world.member, now=NOW)
    Membership.objects.filter(program=world.program, person=world.member).delete()
    assert read(token).status_code == 404


def test_a_missing_or_made_up_token_is_a_404(world: Any, planned: dict) -> None:
    assert Client().get(FEED).status_code == 404
    assert read("not-a-token").status_code == 404
    assert read("x" * 5000).status_code == 404


def test_the_calendar_page_issues_and_revokes_the_feed_url(
    world: Any, planned: dict, client_for: Any
) -> None:
    client = client_for("member")
    url = f"/programs/{world.program.pk}/changes/calendar/"
    assert client.post(url + "feed-token/", {"action": "issue"}).status_code == 302
    page = client.get(url + f"?month={ahead(9):%Y-%m}&tz=Europe/London").content.decode()
    assert "?token=" in page and "Patch the interface engine" in page
    token = page.split("?token=")[1].split("<")[0]
    assert read(token).status_code == 200
    # Shown once: the next visit shows only its first characters.
    assert "?token=" not in client.get(url).content.decode()
    client.post(url + "feed-token/", {"action": "revoke"})
    assert read(token).status_code == 404
