"""`accord send-digests`: the weekly e-mail of late and soon-due commitments to group leads and program managers.

Run it weekly from a scheduler (cron, a systemd timer); a second run in the same week sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.alignment.services import send_digests


class Command(BaseCommand):
    help = "E-mail each group lead and program manager the commitments that are late or due within a week."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="Pretend it is this ISO date-time (for testing and catch-up runs).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")

    def handle(self, *args: Any, now: str | None, program: list[int] | None, **options: Any) -> None:
        from accord.programs.models import Program

        moment = timezone.now()
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now must be an ISO date or date-time, not {now!r}") from error
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        programs = Program.objects.filter(pk__in=program) if program else None
        sent = send_digests(now=moment, programs=programs)
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
