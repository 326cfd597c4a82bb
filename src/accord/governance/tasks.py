"""Background work of governance, run by `accord db_worker` (django-tasks); `accord escalate` runs the same."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from accord.governance import services


@task()
def escalate_overdue_red_flags(*, now: str | None = None) -> list[str]:
    """Move every red flag that waited past its rule one level up and tell that level.

    `now` is an ISO 8601 instant (arguments are stored as JSON); without it, the time the task runs.
    Safe to run twice: a flag is escalated only once per level (the service claims it with a conditional
    update), so a retried or duplicated task escalates nothing more.
    """
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    return [str(escalation) for escalation in services.escalate_overdue_flags(now=moment)]
