"""`accord training-reminders [--now ISO] [--enqueue]`: remind people of required training missing, expired
or expiring.

Meant for a scheduler once a day; a person hears about a module at most once a week, and two runs at
once send nothing twice (each reminder is claimed by its unique row first). It runs the same django-tasks
task that `accord db_worker` runs (`--enqueue` queues it there instead).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.core.commands import TaskCommand, plural
from accord.transition.tasks import send_training_reminders


class Command(TaskCommand):
    help = (
        "Remind people, in the app and by e-mail, of required training that is missing, expired or expiring."
    )
    task = send_training_reminders
    queued_label = "Training reminders"

    def report(self, result: int, arguments: dict[str, Any]) -> None:
        now = dt.datetime.fromisoformat(arguments["now"])
        self.stdout.write(
            f"{plural(result, 'training reminder')} sent as of {now.isoformat(timespec='minutes')}."
        )
