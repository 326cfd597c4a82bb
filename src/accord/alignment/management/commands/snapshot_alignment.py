"""`accord snapshot-alignment`: store today's alignment score of every group and program (run it daily).

A day already stored is kept as it was: snapshots are the history, never rewritten. It runs the same
django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from accord.alignment.tasks import take_alignment_snapshots
from accord.core.commands import TaskCommand, plural


class Command(TaskCommand):
    help = "Store each stakeholder group's and each program's alignment score for a day (default: today)."
    task = take_alignment_snapshots
    queued_label = "Snapshots"

    def add_when_argument(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to store, YYYY-MM-DD (default: today).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")

    def task_arguments(self, options: dict[str, Any]) -> dict[str, Any]:
        day = timezone.localdate()
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from error
        return {"on": day.isoformat(), "program_ids": options.get("program") or None}

    def report(self, result: int, arguments: dict[str, Any]) -> None:
        self.stdout.write(f"Stored {plural(result, 'alignment snapshot')} for {arguments['on']}.")
