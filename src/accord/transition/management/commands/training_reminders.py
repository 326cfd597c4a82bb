"""`accord training-reminders [--now ISO]`: remind people of required training missing, expired or expiring.

Meant for a scheduler once a day; a person hears about a module at most once a week, and two runs at
once send nothing twice (each reminder is claimed by its unique row first).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.transition.services import send_training_reminders


def parse_now(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    try:
        now = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--now must be an ISO 8601 date-time, e.g. 2026-05-01T09:00: {error}") from error
    return timezone.make_aware(now) if timezone.is_naive(now) else now


class Command(BaseCommand):
    help = (
        "Remind people, in the app and by e-mail, of required training that is missing, expired or expiring."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="Act as if it were this ISO 8601 time (for replaying a missed run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options.get("now"))
        sent = send_training_reminders(now=now)
        self.stdout.write(
            f"{sent} training reminder{'s' if sent != 1 else ''} sent as of {now.isoformat(timespec='minutes')}."
        )
