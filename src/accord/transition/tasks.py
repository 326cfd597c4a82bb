"""Background work of the transition app, run by `accord db_worker` (django-tasks); each command runs the
same task in process or queues it with `--enqueue`.

`now` is an ISO 8601 instant (arguments are stored as JSON); without it, the time the task runs.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from accord.transition import services


def _moment(now: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now) if now else timezone.now()


@task()
def send_training_reminders(*, now: str | None = None) -> int:
    """Daily: remind people of required training missing, expired or expiring; returns how many reminders.
    Safe to run twice: each reminder is claimed by its unique row before anyone is told."""
    return services.send_training_reminders(now=_moment(now))


@task()
def flag_knowledge_gaps(*, now: str | None = None) -> list[str]:
    """Daily: raise a red flag for each critical service whose required knowledge is overdue; returns the
    services flagged ("program / service"). A service is flagged once, however often this runs."""
    return [
        f"{service.program} / {service.name}"
        for service in services.flag_overdue_knowledge_gaps(now=_moment(now))
    ]
