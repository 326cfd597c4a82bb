"""Digests and alignment snapshots are django-tasks tasks: the worker and the commands run the same code,
and a second run sends or stores nothing twice."""

from __future__ import annotations

import io

from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus

from accord.alignment.models import AlignmentSnapshot, DigestDelivery
from accord.alignment.tasks import send_commitment_digests, take_alignment_snapshots
from tests.alignment.builders import TODAY, commit, make_group


def test_the_digest_task_sends_each_lead_one_digest_a_week(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead)
    commit(world, nursing, "Train every ward", TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        first = send_commitment_digests.enqueue(
            now="2026-03-02T09:00:00+00:00", program_ids=[world.program.pk]
        )
        second = send_commitment_digests.enqueue(
            now="2026-03-03T09:00:00+00:00", program_ids=[world.program.pk]
        )
    assert first.status == TaskResultStatus.SUCCESSFUL and first.return_value >= 1
    assert second.return_value == 0
    assert [m for m in mail.outbox if world.stakeholder_lead.email in m.to]
    assert DigestDelivery.objects.filter(recipient=world.stakeholder_lead).count() == 1


def test_the_snapshot_task_stores_a_day_once(world) -> None:
    make_group(world, "Nursing", lead=world.stakeholder_lead)
    first = take_alignment_snapshots.enqueue(on=TODAY.isoformat(), program_ids=[world.program.pk])
    stored = AlignmentSnapshot.objects.filter(program=world.program, taken_on=TODAY).count()
    assert first.return_value == stored > 0
    assert (
        take_alignment_snapshots.enqueue(on=TODAY.isoformat(), program_ids=[world.program.pk]).return_value
        == 0
    )


def test_the_commands_can_queue_their_job_for_the_worker(world, django_capture_on_commit_callbacks) -> None:
    make_group(world, "Nursing", lead=world.stakeholder_lead)
    out = io.StringIO()
    call_command("snapshot_alignment", "--date", TODAY.isoformat(), "--enqueue", stdout=out)
    assert "Snapshots queued as task" in out.getvalue()
    assert AlignmentSnapshot.objects.filter(program=world.program, taken_on=TODAY).exists()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", "--now", "2026-03-02T09:00", "--enqueue", stdout=out)
    assert "Digests queued as task" in out.getvalue()
