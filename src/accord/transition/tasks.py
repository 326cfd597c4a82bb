"""Background work of the transition app, run by `accord db_worker`; each is also a command for a scheduler."""

from __future__ import annotations

from django_tasks import task

from accord.transition import services


@task()
def send_training_reminders() -> int:
    """Daily: the same as `accord training-reminders`; safe to run twice (reminders are claimed first)."""
    return services.send_training_reminders()


@task()
def flag_knowledge_gaps() -> int:
    """Daily: the same as `accord flag-knowledge-gaps`; a service is flagged once."""
    return len(services.flag_overdue_knowledge_gaps())
