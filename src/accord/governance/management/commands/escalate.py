"""`accord escalate [--now ISO]`: move overdue red flags up one level and tell the new level.

Meant for a scheduler (cron, a systemd timer) every few minutes; safe to run twice at once. It runs the
same django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.governance.tasks import escalate_overdue_red_flags


class Command(BaseCommand):
    help = "Escalate red flags that waited too long for triage or an answer, per each program's escalation rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="Act as if it were this ISO 8601 time (for replaying a missed run)."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the job for `accord db_worker` instead of running it in this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options.get("now"):
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as error:
                raise CommandError(
                    f"--now must be an ISO 8601 date-time, e.g. 2026-05-01T09:00: {error}"
                ) from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        if options.get("enqueue"):
            queued = escalate_overdue_red_flags.enqueue(now=now.isoformat())
            self.stdout.write(f"Escalation queued as task {queued.id}; accord db_worker runs it.")
            return
        escalations = escalate_overdue_red_flags.call(now=now.isoformat())
        for escalation in escalations:
            self.stdout.write(str(escalation))
        self.stdout.write(
            f"{len(escalations)} red flag{'s' if len(escalations) != 1 else ''} escalated "
            f"as of {now.isoformat(timespec='minutes')}."
        )
