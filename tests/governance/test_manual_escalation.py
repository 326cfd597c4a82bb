"""The program manager escalates a red flag to the board by hand: audited, told, and on the board's agenda."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditAction, AuditEntry
from accord.governance import services
from accord.governance.choices import EscalationLevel, FlagState
from accord.governance.models import RedFlag, RedFlagEvent
from accord.meetings import services as meetings
from accord.meetings.choices import AgendaKind, Body
from accord.notifications.models import Notification
from tests.governance.factories import raise_flag, triage
from tests.meetings.factories import MeetingFactory

# Drafted today: an agenda for a past date leaves out what came later, and these flags are raised now.
NOW = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
RAISED = NOW - dt.timedelta(hours=2)
REASON = "It threatens the CPOE adoption benefit the board owns."


def _flag(world: Any, **extra: Any) -> RedFlag:
    return raise_flag(
        world, by="consultant", title="Order sets built without physicians", now=RAISED, **extra
    )


def test_the_manager_escalates_a_flag_to_the_board_which_is_told_and_sees_it_on_its_agenda(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    flag = _flag(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate_red_flag_to_board(flag=flag, actor=world.program_manager, reason=REASON, now=NOW)

    flag.refresh_from_db()
    assert (flag.escalation_level, flag.escalated_at, flag.state) == (
        EscalationLevel.BOARD,
        NOW,
        FlagState.RAISED,
    )
    event = RedFlagEvent.objects.get(flag=flag, kind="escalation")
    assert (event.escalation_level, event.actor) == (EscalationLevel.BOARD, world.program_manager)
    assert REASON in event.note
    entry = AuditEntry.objects.filter(object_id=str(flag.pk), action=AuditAction.TRANSITION).latest("pk")
    assert entry.changes["escalation_level"] == [0, 2]
    assert entry.changes["reason"] == [None, REASON]
    told = set(Notification.objects.filter(kind="red_flag_escalated").values_list("recipient_id", flat=True))
    # The board hears of it and the consultant who raised it follows it; the manager who acted is not told.
    assert told == {world.board_member.pk, world.consultant.pk}

    meeting = MeetingFactory(program=world.program, body=Body.BOARD)
    created = meetings.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    assert [(i.kind, i.source) for i in created if i.source == flag] == [
        (AgendaKind.ESCALATED_RED_FLAG, flag)
    ]


def test_a_triaged_flag_may_be_escalated_and_its_owner_is_told(world: Any) -> None:
    flag = triage(world, _flag(world), owner="stakeholder_lead", now=RAISED)
    services.escalate_red_flag_to_board(flag=flag, actor=world.board_member, reason=REASON, now=NOW)
    assert Notification.objects.filter(recipient=world.stakeholder_lead, kind="red_flag_escalated").exists()


@pytest.mark.parametrize("persona", ["stakeholder_lead", "member", "vendor", "consultant", "auditor"])
def test_only_those_who_triage_may_escalate(world: Any, persona: str) -> None:
    flag = _flag(world)
    with pytest.raises(PermissionDenied):
        services.escalate_red_flag_to_board(flag=flag, actor=world.people[persona], reason=REASON, now=NOW)
    flag.refresh_from_db()
    assert flag.escalation_level == EscalationLevel.NONE
    assert not RedFlagEvent.objects.filter(flag=flag, kind="escalation").exists()


def test_escalation_needs_a_reason(world: Any) -> None:
    flag = _flag(world)
    with pytest.raises(ValidationError) as error:
        services.escalate_red_flag_to_board(flag=flag, actor=world.program_manager, reason="  ", now=NOW)
    assert "Say why the board must hear of this flag." in str(error.value)


def test_a_flag_already_at_the_board_or_answered_is_refused(world: Any) -> None:
    flag = _flag(world)
    services.escalate_red_flag_to_board(flag=flag, actor=world.program_manager, reason=REASON, now=NOW)
    with pytest.raises(ValidationError, match="already escalated to the governance board"):
        services.escalate_red_flag_to_board(flag=flag, actor=world.program_manager, reason=REASON, now=NOW)
    answered = _flag(world, visibility="shared")
    services.transition_red_flag(
        flag=triage(world, answered, now=RAISED),
        to="resolved",
        actor=world.program_manager,
        resolution="Physicians now sit on the order-set design group.",
        now=RAISED,
    )
    with pytest.raises(ValidationError, match="reopen it first"):
        services.escalate_red_flag_to_board(
            flag=answered, actor=world.program_manager, reason=REASON, now=NOW
        )
    assert RedFlagEvent.objects.filter(kind="escalation").count() == 1


def test_the_flag_page_offers_escalation_to_triagers_only_and_escalates(client: Any, world: Any) -> None:
    flag = _flag(world)
    url = flag.get_absolute_url()
    client.force_login(world.stakeholder_lead)
    assert "Escalate to the board" not in client.get(url).content.decode()
    client.force_login(world.program_manager)
    assert "Escalate to the board" in client.get(url).content.decode()

    escalate = reverse("governance:red_flag_escalate", kwargs={"program_id": world.program.pk, "pk": flag.pk})
    refused = client.post(escalate, {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    response = client.post(escalate, {"reason": REASON}, follow=True)
    assert "Escalated to the governance board: it is on the board" in response.content.decode()
    flag.refresh_from_db()
    assert flag.escalation_level == EscalationLevel.BOARD
    # Once at the board, the page no longer offers it.
    assert 'aria-label="Escalate to the board"' not in client.get(url).content.decode()


def test_the_api_escalates_and_answers_with_the_flag(client: Any, world: Any) -> None:
    flag = _flag(world)
    client.force_login(world.program_manager)
    url = reverse("red-flag-escalate", kwargs={"pk": flag.pk})
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    response = client.post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["escalation_level"] == EscalationLevel.BOARD
    assert any(e["kind"] == "escalation" for e in body["history"])
    again = client.post(url, {"reason": REASON}, content_type="application/json")
    assert again.status_code == 400
