"""`accord snapshot-alignment`: store today's alignment score of every group and program (run it daily).

A day already stored is kept as it was: snapshots are the history, never rewritten. It runs the same
django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.alignment.tasks import take_alignment_snapshots


class Command(BaseCommand):
    help = "Store each stakeholder group's and each program's alignment score for a day (default: today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to store, YYYY-MM-DD (default: today).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the job for `accord db_worker` instead of running it in this process.",
        )

    def handle(
        self, *args: Any, date: str | None, program: list[int] | None, enqueue: bool, **options: Any
    ) -> None:
        day = timezone.localdate()
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from error
        arguments = {"on": day.isoformat(), "program_ids": program or None}
        if enqueue:
            queued = take_alignment_snapshots.enqueue(**arguments)
            self.stdout.write(f"Snapshots queued as task {queued.id}; accord db_worker stores them.")
            return
        created = take_alignment_snapshots.call(**arguments)
        self.stdout.write(
            f"Stored {created} alignment snapshot{'s' if created != 1 else ''} for {day.isoformat()}."
        )
