"""Background work of alignment, run by `accord db_worker` (django-tasks); the commands run the same tasks.

Arguments are stored as JSON, so instants and days travel as ISO 8601 text and programs as ids.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from accord.alignment import services
from accord.programs.models import Program


@task()
def send_commitment_digests(*, now: str | None = None, program_ids: list[int] | None = None) -> int:
    """E-mail each group lead and program manager their late and soon-due commitments; returns how many.

    A second run in the same week sends nothing twice (each delivery is claimed in DigestDelivery).
    """
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    programs = Program.objects.filter(pk__in=program_ids) if program_ids else None
    return services.send_digests(now=moment, programs=programs)


@task()
def take_alignment_snapshots(*, on: str | None = None, program_ids: list[int] | None = None) -> int:
    """Store the day's alignment score of every group and program; a day already stored is kept as it was."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    programs = Program.objects.filter(pk__in=program_ids) if program_ids else Program.objects.all()
    return sum(services.take_alignment_snapshots(program=program, on=day) for program in programs)
