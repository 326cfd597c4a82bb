"""Escalation with a fixed clock: overdue flags climb one level at a time and the new level hears of it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core import mail
from django.core.management import call_command

from accord.core.models import AuditAction, AuditEntry
from accord.governance import services
from accord.governance.models import EscalationRule, RedFlag, RedFlagEvent
from accord.notifications.models import Notification
from tests.factories import ProgramFactory
from tests.governance.factories import T0, raise_flag, triage

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_a_new_program_gets_the_default_rules(db) -> None:
    program = ProgramFactory()
    rules = {
        r.severity: (r.triage_hours, r.resolve_days, r.highest_level)
        for r in EscalationRule.objects.filter(program=program)
    }
    assert rules == {"critical": (4, 3, 2), "high": (24, 10, 2), "medium": (72, 30, 2), "low": (168, 60, 1)}


def test_a_flag_is_not_escalated_before_its_triage_time_is_up(world) -> None:
    raise_flag(world, severity="high", now=T0)
    assert services.escalate_overdue_flags(now=T0 + 24 * HOUR - dt.timedelta(seconds=1)) == []


def test_an_untriaged_flag_goes_to_the_program_manager_then_to_the_board(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    flag = raise_flag(world, severity="high", title="Physician champions stopped attending", now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        [first] = services.escalate_overdue_flags(now=T0 + 24 * HOUR)
    assert first.level == 1 and "not triaged within 24 hours" in first.reason
    flag.refresh_from_db()
    assert (flag.escalation_level, flag.escalated_at) == (1, T0 + 24 * HOUR)
    assert (
        Notification.objects.filter(recipient=world.program_manager, kind="red_flag_escalated").count() == 1
    )
    assert not Notification.objects.filter(recipient=world.board_member, kind="red_flag_escalated").exists()
    assert [m.to for m in mail.outbox if "Escalated" in m.subject] == [[world.program_manager.email]]

    # The program manager gets a full period of their own before the board hears of it.
    assert services.escalate_overdue_flags(now=T0 + 47 * HOUR) == []
    [second] = services.escalate_overdue_flags(now=T0 + 48 * HOUR)
    assert second.level == 2
    assert Notification.objects.filter(recipient=world.board_member, kind="red_flag_escalated").count() == 1

    # The board is the top: nothing climbs further.
    assert services.escalate_overdue_flags(now=T0 + 30 * DAY) == []
    levels = list(
        RedFlagEvent.objects.filter(flag=flag, kind="escalation").values_list("escalation_level", flat=True)
    )
    assert levels == [1, 2]
    assert (
        AuditEntry.objects.filter(
            object_type="governance.redflag", object_id=str(flag.pk), action=AuditAction.TRANSITION
        ).count()
        == 2
    )


def test_a_triaged_flag_escalates_when_it_is_not_answered_in_time(world) -> None:
    flag = raise_flag(world, severity="critical", now=T0)
    triage(world, flag, now=T0 + HOUR)
    assert services.escalate_overdue_flags(now=T0 + 3 * DAY - HOUR) == []
    [escalation] = services.escalate_overdue_flags(now=T0 + 3 * DAY)
    assert escalation.reason == "not answered within 3 days"


def test_answered_flags_are_never_escalated(world) -> None:
    flag = triage(world, raise_flag(world, severity="critical", now=T0))
    services.transition_red_flag(
        flag=flag, to="resolved", actor=world.program_manager, resolution="Fixed.", now=T0
    )
    assert services.escalate_overdue_flags(now=T0 + 90 * DAY) == []


def test_low_flags_stop_at_the_program_manager_by_default(world) -> None:
    raise_flag(world, severity="low", now=T0)
    assert len(services.escalate_overdue_flags(now=T0 + 7 * DAY)) == 1
    assert services.escalate_overdue_flags(now=T0 + 200 * DAY) == []


def test_a_programs_own_rule_changes_the_timing(world) -> None:
    EscalationRule.objects.filter(program=world.program, severity="medium").update(triage_hours=2)
    raise_flag(world, severity="medium", now=T0)
    assert len(services.escalate_overdue_flags(now=T0 + 2 * HOUR)) == 1


def test_two_schedulers_never_escalate_the_same_flag_twice(world, monkeypatch) -> None:
    flag = raise_flag(world, severity="high", now=T0)
    read_by_the_slower_run = [RedFlag.objects.get(pk=flag.pk)]
    assert len(services.escalate_overdue_flags(now=T0 + 25 * HOUR)) == 1
    # The slower run read the flag at level 0 before the first run claimed it; its claim must fail.
    monkeypatch.setattr(services, "_escalation_candidates", lambda: iter(read_by_the_slower_run))
    assert services.escalate_overdue_flags(now=T0 + 25 * HOUR) == []
    flag.refresh_from_db()
    assert flag.escalation_level == 1
    assert RedFlagEvent.objects.filter(flag=flag, kind="escalation").count() == 1
    assert Notification.objects.filter(kind="red_flag_escalated").count() == 1


def test_the_escalate_command_prints_what_it_escalated(world) -> None:
    raise_flag(world, severity="critical", title="Pharmacy interface drops orders", now=T0)
    out = StringIO()
    call_command("escalate", "--now", (T0 + 5 * HOUR).isoformat(), stdout=out)
    text = out.getvalue()
    assert (
        "Pharmacy interface drops orders: escalated to the program manager (not triaged within 4 hours)"
        in text
    )
    assert "1 red flag escalated" in text
