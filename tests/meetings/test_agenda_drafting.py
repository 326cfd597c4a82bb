"""Drafting an agenda: new and escalated red flags, risks over threshold, and nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accord.core.permissions import Visibility
from accord.governance import services as governance
from accord.governance.choices import FlagState, Severity
from accord.governance.models import EscalationRule, Risk
from accord.meetings import services
from accord.meetings.choices import AgendaKind, Body
from accord.meetings.models import AgendaItem
from tests.meetings.factories import MeetingFactory

# Drafted today: an agenda for a past date shows only the records that existed then (test_past_agendas),
# and the risks these tests make are created now.
NOW = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
RAISED_AT = NOW - dt.timedelta(days=8)


def _flag(
    world: Any,
    title: str,
    *,
    severity: str = Severity.HIGH,
    raised_at: dt.datetime = NOW,
    visibility: str = Visibility.INTERNAL,
) -> Any:
    # Raised by a hospital member: a partner's flag is always shared, and these need internal ones too.
    return governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title=title,
        description="Seen in the design sessions.",
        severity=severity,
        visibility=visibility,
        now=raised_at,
    )


def _triage(world: Any, flag: Any) -> Any:
    return governance.transition_red_flag(
        flag=flag,
        to=FlagState.TRIAGED,
        actor=world.program_manager,
        owner=world.program_manager,
        response_due=(RAISED_AT + dt.timedelta(days=31)).date(),
        now=RAISED_AT,
    )


def _risk(world: Any, title: str, likelihood: int, impact: int, **extra: Any) -> Risk:
    from accord.core.services import create_record

    return create_record(
        model=Risk,
        actor=world.program_manager,
        data={"program": world.program, "title": title, "likelihood": likelihood, "impact": impact, **extra},
    )


def _escalate_to_board(world: Any, flag: Any) -> None:
    """Let the flag go unanswered long enough, under a strict rule, for two escalation runs."""
    EscalationRule.objects.update_or_create(
        program=world.program,
        severity=flag.severity,
        defaults={"triage_hours": 1, "resolve_days": 1, "highest_level": 2},
    )
    governance.escalate_overdue_flags(now=RAISED_AT + dt.timedelta(days=3))
    governance.escalate_overdue_flags(now=RAISED_AT + dt.timedelta(days=6))
    flag.refresh_from_db()
    assert flag.escalation_level == 2


def test_board_agenda_takes_new_flags_board_escalations_and_red_risks(world: Any) -> None:
    meeting = MeetingFactory(program=world.program, body=Body.BOARD)
    _flag(world, "Physicians skip order-set design sessions", severity=Severity.CRITICAL)
    escalated = _triage(world, _flag(world, "Interface backlog threatens go-live", raised_at=RAISED_AT))
    _escalate_to_board(world, escalated)
    _triage(world, _flag(world, "Triaged and in hand", raised_at=RAISED_AT, severity=Severity.LOW))
    _risk(world, "Pharmacy formulary build late", 4, 4)
    _risk(world, "Minor training room shortage", 2, 3)
    _risk(world, "Closed red risk", 5, 5, status="closed")

    created = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)

    assert [(i.kind, i.title) for i in created] == [
        (AgendaKind.ESCALATED_RED_FLAG, "Red flag: Interface backlog threatens go-live"),
        (AgendaKind.NEW_RED_FLAG, "Red flag: Physicians skip order-set design sessions"),
        (AgendaKind.RISK, "Risk: Pharmacy formulary build late"),
    ]
    assert "Escalated to the governance board" in created[0].notes
    assert "Score 16" in created[2].notes
    assert [i.order for i in created] == [10, 20, 30]


def test_drafting_again_adds_only_what_is_new(world: Any) -> None:
    meeting = MeetingFactory(program=world.program)
    _flag(world, "Nursing documentation doubles charting time")
    services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    _risk(world, "Data migration quality", 5, 4)
    again = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    assert [i.title for i in again] == ["Risk: Data migration quality"]
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2


def test_agenda_item_is_internal_unless_meeting_and_source_are_both_shared(world: Any) -> None:
    meeting = MeetingFactory(
        program=world.program, body=Body.STEERING_COMMITTEE, visibility=Visibility.SHARED
    )
    _flag(world, "Shared concern", visibility=Visibility.SHARED)
    _flag(world, "Internal concern", visibility=Visibility.INTERNAL)
    items = {
        i.title: i.visibility
        for i in services.draft_agenda(meeting=meeting, actor=world.board_member, now=NOW)
    }
    assert items == {
        "Red flag: Shared concern": Visibility.SHARED,
        "Red flag: Internal concern": Visibility.INTERNAL,
    }
    vendor_sees = set(AgendaItem.objects.visible_to(world.vendor).values_list("title", flat=True))
    assert vendor_sees == {"Red flag: Shared concern"}


def test_flags_of_another_program_never_reach_the_agenda(world: Any) -> None:
    meeting = MeetingFactory(program=world.program)
    governance.raise_red_flag(
        program=world.other_program, actor=world.outsider, title="Elsewhere", description="Not ours.", now=NOW
    )
    assert services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW) == []


def test_only_leadership_drafts_the_agenda(world: Any) -> None:
    meeting = MeetingFactory(program=world.program)
    with pytest.raises(PermissionDenied):
        services.draft_agenda(meeting=meeting, actor=world.member, now=NOW)


def test_a_held_meeting_agenda_is_not_redrafted(world: Any) -> None:
    meeting = MeetingFactory(program=world.program)
    services.mark_held(meeting=meeting, actor=world.program_manager)
    with pytest.raises(ValidationError, match="has been held"):
        services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
