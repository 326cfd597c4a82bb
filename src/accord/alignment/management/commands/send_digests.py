"""`accord send-digests`: the weekly e-mail of late and soon-due commitments to group leads and program managers.

Run it weekly from a scheduler (cron, a systemd timer); a second run in the same week sends nothing twice.
It runs the same django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.alignment.tasks import send_commitment_digests


class Command(BaseCommand):
    help = "E-mail each group lead and program manager the commitments that are late or due within a week."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="Pretend it is this ISO date-time (for testing and catch-up runs).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the job for `accord db_worker` instead of running it in this process.",
        )

    def handle(
        self, *args: Any, now: str | None, program: list[int] | None, enqueue: bool, **options: Any
    ) -> None:
        moment = timezone.now()
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now must be an ISO date or date-time, not {now!r}") from error
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        arguments = {"now": moment.isoformat(), "program_ids": program or None}
        if enqueue:
            queued = send_commitment_digests.enqueue(**arguments)
            self.stdout.write(f"Digests queued as task {queued.id}; accord db_worker sends them.")
            return
        sent = send_commitment_digests.call(**arguments)
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
