"""`accord flag-knowledge-gaps [--now ISO] [--enqueue]`: raise a red flag for each critical service whose
required knowledge is still missing after its due date; each service is flagged once, however often this
runs. It runs the same django-tasks task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

from typing import Any

from accord.core.commands import TaskCommand, plural
from accord.transition.tasks import flag_knowledge_gaps


class Command(TaskCommand):
    help = "Raise red flags for critical services with knowledge gaps past their due date (once per service)."
    task = flag_knowledge_gaps
    queued_label = "Knowledge-gap check"

    def report(self, result: list[str], arguments: dict[str, Any]) -> None:
        for service in result:
            self.stdout.write(f"Red flag raised: {service}")
        self.stdout.write(f"{plural(len(result), 'knowledge gap')} flagged.")
