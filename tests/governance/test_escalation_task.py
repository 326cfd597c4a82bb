"""Escalation is a django-tasks task: the worker and `accord escalate` run the same code, and running it
twice escalates nothing twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django_tasks import TaskResultStatus

from accord.governance.models import RedFlag
from accord.governance.tasks import escalate_overdue_red_flags
from tests.governance.factories import T0, raise_flag

HOUR = dt.timedelta(hours=1)


def test_the_queued_task_escalates_an_overdue_flag_once(world) -> None:
    flag = raise_flag(world, severity="critical", title="Pharmacy interface drops orders", now=T0)
    result = escalate_overdue_red_flags.enqueue(now=(T0 + 5 * HOUR).isoformat())
    assert result.status == TaskResultStatus.SUCCESSFUL
    [line] = result.return_value
    assert line.endswith(
        "Pharmacy interface drops orders: escalated to the program manager (not triaged within 4 hours)"
    )
    again = escalate_overdue_red_flags.enqueue(now=(T0 + 5 * HOUR).isoformat())
    assert again.return_value == []
    flag.refresh_from_db()
    assert flag.escalation_level == 1


def test_the_command_can_queue_the_job_for_the_worker(world) -> None:
    flag = raise_flag(world, severity="critical", now=T0)
    out = StringIO()
    call_command("escalate", "--now", (T0 + 5 * HOUR).isoformat(), "--enqueue", stdout=out)
    assert "Escalation queued as task" in out.getvalue()
    # Under the tests the queue runs at once (ImmediateBackend), so the worker's effect is visible here.
    assert RedFlag.objects.get(pk=flag.pk).escalation_level == 1
