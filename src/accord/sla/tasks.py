"""Background work of the SLA app, run by `accord db_worker` (django-tasks with its database backend)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django_tasks import task

from accord.sla import services


@task()
def import_uploaded_tickets(
    *, import_pk: int, path: str, events_path: str | None, actor_pk: int | None
) -> None:
    """Import an upload stored by the upload page; progress goes to the import's row, which the page polls."""
    actor = get_user_model().objects.filter(pk=actor_pk).first() if actor_pk else None
    services.run_uploaded_import(
        import_pk=import_pk,
        path=Path(path),
        events_path=Path(events_path) if events_path else None,
        actor=actor or "system",
    )


@task()
def compute_sla_results(*, job_pk: int) -> None:
    """Recompute a contract's SLA results for a queued ComputeJob; its page polls the job's progress.

    Delivered twice (a retry, a recovered job), it does nothing the second time: only a queued job is run.
    """
    services.run_compute_job(job_pk=job_pk)
