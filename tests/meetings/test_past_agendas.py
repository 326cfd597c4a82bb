"""An agenda drafted for a past date shows the data as it stood then: flags raised by that day, in the
state and at the escalation level they had then, and no record that came later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.core.permissions import Visibility
from accord.governance import services as governance
from accord.governance.choices import Severity
from accord.meetings import services
from accord.meetings.choices import AgendaKind
from tests.governance.factories import make_risk, triage
from tests.meetings.factories import MeetingFactory


def _at(days_ago: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _raise(world: Any, title: str, days_ago: int, severity: str = Severity.HIGH) -> Any:
    return governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title=title,
        description="Seen on the ward.",
        severity=severity,
        visibility=Visibility.SHARED,
        now=_at(days_ago),
    )


def _past_agenda(world: Any, days_ago: int) -> dict[str, Any]:
    meeting = MeetingFactory(program=world.program, scheduled_at=_at(days_ago, 10))
    items = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=_at(days_ago, 8))
    return {item.title: item for item in items}


def test_a_flag_raised_after_the_date_is_not_on_that_days_agenda(world: Any) -> None:
    _raise(world, "Before the meeting", days_ago=40)
    _raise(world, "After the meeting", days_ago=20)
    items = _past_agenda(world, days_ago=30)
    assert "Red flag: Before the meeting" in items
    assert "Red flag: After the meeting" not in items


def test_a_flag_triaged_later_is_still_new_on_the_earlier_agenda(world: Any) -> None:
    flag = _raise(world, "Untriaged then", days_ago=40)
    triage(world, flag, now=_at(10))
    items = _past_agenda(world, days_ago=30)
    item = items["Red flag: Untriaged then"]
    assert item.kind == AgendaKind.NEW_RED_FLAG
    assert "Raised, not yet triaged" in item.notes and "state: raised" in item.notes
    # Today the flag is triaged and not escalated: it is on no new agenda.
    today = MeetingFactory(program=world.program, scheduled_at=timezone.now() + dt.timedelta(days=1))
    assert services.draft_agenda(meeting=today, actor=world.program_manager, now=timezone.now()) == []


def test_a_flag_escalated_to_the_board_then_and_closed_since_was_on_the_board_agenda(world: Any) -> None:
    flag = _raise(world, "Escalated then", days_ago=60, severity=Severity.CRITICAL)
    triage(world, flag, now=_at(59))
    for hours in range(24, 24 * 40, 24):
        governance.escalate_overdue_flags(now=_at(59) + dt.timedelta(hours=hours))
    flag.refresh_from_db()
    assert flag.escalation_level == 2
    escalated_on = flag.escalated_at
    governance.transition_red_flag(
        flag=flag, to="in_progress", actor=world.program_manager, now=escalated_on + dt.timedelta(hours=1)
    )
    governance.transition_red_flag(
        flag=flag,
        to="resolved",
        actor=world.program_manager,
        resolution="Fixed.",
        now=escalated_on + dt.timedelta(days=2),
    )
    days_after = (timezone.localdate() - escalated_on.date()).days - 1
    item = _past_agenda(world, days_ago=days_after)["Red flag: Escalated then"]
    assert item.kind == AgendaKind.ESCALATED_RED_FLAG
    assert "Escalated to the governance board" in item.notes and "state: in progress" in item.notes
    days_before = (timezone.localdate() - escalated_on.date()).days + 1
    assert "Red flag: Escalated then" not in _past_agenda(world, days_ago=days_before)


def test_a_risk_created_after_the_date_is_not_on_that_days_agenda(world: Any) -> None:
    make_risk(world, likelihood=5, impact=4, title="Interface backlog")
    items = _past_agenda(world, days_ago=5)
    assert "Risk: Interface backlog" not in items
    current = MeetingFactory(program=world.program, scheduled_at=timezone.now() + dt.timedelta(days=1))
    titles = [
        i.title
        for i in services.draft_agenda(meeting=current, actor=world.program_manager, now=timezone.now())
    ]
    assert "Risk: Interface backlog" in titles
