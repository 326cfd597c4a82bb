"""`accord send-digests`: the weekly e-mail of late and soon-due commitments to group leads and program managers.

Run it weekly from a scheduler (cron, a systemd timer); a second run in the same week sends nothing twice.
It runs the same django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accord.alignment.tasks import send_commitment_digests
from accord.core.commands import TaskCommand, plural


class Command(TaskCommand):
    help = "E-mail each group lead and program manager the commitments that are late or due within a week."
    task = send_commitment_digests
    queued_label = "Digests"

    def add_when_argument(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="Pretend it is this ISO date-time (for testing and catch-up runs).")
        parser.add_argument("--program", type=int, action="append", help="Only this program id (repeatable).")

    def task_arguments(self, options: dict[str, Any]) -> dict[str, Any]:
        return {**super().task_arguments(options), "program_ids": options.get("program") or None}

    def report(self, result: int, arguments: dict[str, Any]) -> None:
        self.stdout.write(f"Sent {plural(result, 'digest')}.")
