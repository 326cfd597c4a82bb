"""`accord recover_sla_jobs`: queue again (or fail) SLA recomputes whose worker died mid-way.

`make run` runs it before starting `accord db_worker`, so a job left "running" by a killed worker is
picked up on the worker's next start; it is safe to run at any time (cron, by hand).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.sla import services


class Command(BaseCommand):
    help = (
        "Queue again the SLA recomputes left running by a worker that died (no heartbeat for --stale-after "
        "seconds, or its process gone from this host); fail them after the last attempt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            help="seconds without a heartbeat before a running job counts as abandoned "
            "(default: ACCORD_SLA_JOB_STALE_SECONDS, 600)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale = options.get("stale_after")
        counts = services.recover_compute_jobs(
            stale_after=dt.timedelta(seconds=stale) if stale is not None else None
        )
        self.stdout.write(
            f"{counts['requeued']} SLA computation(s) queued again, {counts['failed']} marked failed."
        )
