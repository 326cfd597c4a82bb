"""`accord escalate [--now ISO] [--enqueue]`: move overdue red flags up one level and tell the new level.

Meant for a scheduler (cron, a systemd timer) every few minutes; safe to run twice at once. It runs the
same django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.core.commands import TaskCommand, plural
from accord.governance.tasks import escalate_overdue_red_flags


class Command(TaskCommand):
    help = "Escalate red flags that waited too long for triage or an answer, per each program's escalation rules."
    task = escalate_overdue_red_flags
    queued_label = "Escalation"

    def report(self, result: list[str], arguments: dict[str, Any]) -> None:
        for escalation in result:
            self.stdout.write(escalation)
        now = dt.datetime.fromisoformat(arguments["now"])
        self.stdout.write(
            f"{plural(len(result), 'red flag')} escalated as of {now.isoformat(timespec='minutes')}."
        )
