"""`accord snapshot-alignment`: store today's alignment score of every group and program (run it daily).

A day already stored is kept as it was: snapshots are the history, never rewritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.alignment.services import take_alignment_snapshots


class Command(BaseCommand):
    help = "Store each stakeholder group's and each program's alignment score for a day (default: today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to store, YYYY-MM-DD (default: today).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")

    def handle(self, *args: Any, date: str | None, program: list[int] | None, **options: Any) -> None:
        from accord.programs.models import Program

        day = timezone.localdate()
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from error
        programs = Program.objects.filter(pk__in=program) if program else Program.objects.all()
        created = sum(take_alignment_snapshots(program=p, on=day) for p in programs)
        self.stdout.write(
            f"Stored {created} alignment snapshot{'s' if created != 1 else ''} for {day.isoformat()}."
        )
