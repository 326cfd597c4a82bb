"""The one shape of a scheduler's command: it runs its app's django-tasks task in this process, or
queues it for `accord db_worker` with `--enqueue`, so cron, a systemd timer and the worker all run the
same code with the same arguments (arguments are stored as JSON: instants travel as ISO 8601 text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


def parse_now(value: str | None, *, option: str = "--now") -> dt.datetime:
    """The instant a `--now` option names (an ISO 8601 date or date-time, local time when it has no
    offset), or the present when it names none."""
    if not value:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"{option} must be an ISO 8601 date or date-time, e.g. 2026-05-01T09:00, not {value!r}"
        ) from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class TaskCommand(BaseCommand):
    """Runs `task` here (`report` says what it did) or, with `--enqueue`, queues it for the worker.

    By default the task takes `now`, from `--now` (to replay a missed run); a command whose task is
    timed otherwise overrides `add_when_argument` and `task_arguments`.
    """

    task: Any
    queued_label: str  # "Escalation queued as task 12; ..."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_when_argument(parser)
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the job for `accord db_worker` instead of running it in this process.",
        )

    def add_when_argument(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="Act as if it were this ISO 8601 time (for replaying a missed run)."
        )

    def task_arguments(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"now": parse_now(options.get("now")).isoformat()}

    def report(self, result: Any, arguments: dict[str, Any]) -> None:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        arguments = self.task_arguments(options)
        if options.get("enqueue"):
            queued = self.task.enqueue(**arguments)
            self.stdout.write(f"{self.queued_label} queued as task {queued.id}; accord db_worker runs it.")
            return
        self.report(self.task.call(**arguments), arguments)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
