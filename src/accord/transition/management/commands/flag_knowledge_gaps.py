"""`accord flag-knowledge-gaps [--now ISO]`: raise a red flag for each critical service whose required
knowledge is still missing after its due date; each service is flagged once, however often this runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.transition.management.commands.training_reminders import parse_now
from accord.transition.services import flag_overdue_knowledge_gaps


class Command(BaseCommand):
    help = "Raise red flags for critical services with knowledge gaps past their due date (once per service)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="Act as if it were this ISO 8601 time (for replaying a missed run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options.get("now"))
        flagged = flag_overdue_knowledge_gaps(now=now)
        for service in flagged:
            self.stdout.write(f"Red flag raised: {service.program} / {service.name}")
        self.stdout.write(f"{len(flagged)} knowledge gap{'s' if len(flagged) != 1 else ''} flagged.")
