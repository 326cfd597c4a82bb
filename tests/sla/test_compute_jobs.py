"""Recomputes run as task-worker jobs: queued -> running -> done/failed, retried safely, recovered when
their worker dies; results read from and written to the database a whole table at a time."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.sla import services
from accord.sla.choices import ComputeStatus
from accord.sla.models import ComputeJob, SlaResult, Ticket, TicketEvent
from tests.sla.factories import POLICY_24X7_LENIENT, ContractFactory, policy_for

pytestmark = pytest.mark.django_db
AS_OF = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
UTC = dt.UTC


def stored_tickets(contract, rows, events=()):
    """Tickets and events written through the ORM, as an import would have stored them."""
    tickets = {}
    for external_id, priority, opened, responded, resolved in rows:
        tickets[external_id] = Ticket.objects.create(
            program=contract.program,
            contract=contract,
            external_id=external_id,
            priority=priority,
            opened_at=opened,
            first_response_at=responded,
            resolved_at=resolved,
        )
    for seq, (external_id, at, state) in enumerate(events):
        TicketEvent.objects.create(ticket=tickets[external_id], seq=seq, at=at, state=state)
    return tickets


def at(day, hour, minute=0, second=0, micro=0):
    return dt.datetime(2024, 1, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.fixture
def measured(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    version = policy_for(contract)
    tickets = stored_tickets(
        contract,
        [
            # Paused an hour awaiting the customer: 8 h resolution target, resolved 9 h after opening.
            ("INC1", "P2", at(2, 10), at(2, 10, 30), at(2, 19)),
            # Opened with a fraction of a second: measured from the whole second, as the engine does.
            ("INC2", "P1", at(3, 8, 0, 0, 900_000), None, None),
            # A priority the policy does not know: stored, but cannot be measured.
            ("INC3", "P9", at(4, 9), None, None),
        ],
        events=[
            ("INC1", at(2, 11), "Awaiting customer"),
            ("INC1", at(2, 12), "In progress"),
        ],
    )
    return contract, version, tickets


def test_results_read_from_the_tables_are_the_engines_figures(world, measured):
    contract, _version, tickets = measured
    summary = services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    assert (summary.results, summary.errors) == (3, 1)
    paused = SlaResult.objects.get(ticket=tickets["INC1"])
    assert (paused.response_elapsed_s, paused.resolution_elapsed_s, paused.paused_s) == (1800, 8 * 3600, 3600)
    assert paused.paused_hospital_s == 3600 and paused.paused_vendor_s == 0
    assert paused.resolution_due == at(2, 19)  # opened 10:00 + 8 h + 1 h paused
    assert (paused.response_status, paused.resolution_status) == ("met", "met")
    assert paused.period_start == dt.date(2024, 1, 1) and paused.effective and paused.as_of == AS_OF
    running = SlaResult.objects.get(ticket=tickets["INC2"])
    assert running.response_due == at(3, 8, 30) and running.response_status == "breached"
    unknown = SlaResult.objects.get(ticket=tickets["INC3"])
    assert unknown.resolution_status == "error" and "P9" in unknown.error
    assert unknown.response_elapsed_s is None and unknown.response_due is None


def test_a_recompute_updates_its_rows_instead_of_adding_and_a_comparison_keeps_the_report(world, measured):
    contract, version, _tickets = measured
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    later = AS_OF + dt.timedelta(days=1)
    services.compute_results(contract=contract, as_of=later, actor=world.program_manager)
    assert SlaResult.objects.filter(contract=contract).count() == 3
    assert set(SlaResult.objects.values_list("as_of", flat=True)) == {later}
    lenient = services.create_policy_version(
        policy=version.policy,
        yaml_text=POLICY_24X7_LENIENT,
        effective_from=dt.date(2025, 1, 1),
        actor=world.program_manager,
    )
    services.compute_results(contract=contract, as_of=later, actor=world.program_manager, version=lenient)
    comparison = SlaResult.objects.filter(version=lenient)
    assert comparison.count() == 3 and not comparison.filter(effective=True).exists()
    assert SlaResult.objects.filter(version=version, effective=True).count() == 3


def test_compute_now_queues_a_job_that_the_worker_runs_and_its_page_follows(
    world, measured, client_for, django_capture_on_commit_callbacks
):
    contract, _version, _tickets = measured
    client = client_for("program_manager")
    url = reverse("sla:compute", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"as_of": "2024-03-01T00:00"})
    job = ComputeJob.objects.get(contract=contract)
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert len(callbacks) == 1  # the task is queued once the request's transaction commits
    job.refresh_from_db()
    assert (job.status, job.percent_done, job.results_count, job.errors_count) == ("done", 100, 3, 1)
    assert job.message == "Computed 3 result(s), 1 of them with errors." and job.attempts == 1
    assert SlaResult.objects.filter(contract=contract).count() == 3
    page = client.get(job.get_absolute_url())
    assert "Computed 3 result(s)" in page.content.decode() and "See the report" in page.content.decode()
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<section id="compute-progress"')
    assert "hx-get" not in fragment.content.decode()  # finished: the page stops polling
    transitions = list(
        AuditEntry.objects.filter(object_id=str(job.pk), object_type=ComputeJob._meta.label_lower)
        .order_by("pk")
        .values_list("changes", flat=True)
    )
    assert [c.get("status") for c in transitions] == [
        [None, ComputeStatus.QUEUED],
        [ComputeStatus.QUEUED, ComputeStatus.RUNNING],
        [ComputeStatus.RUNNING, ComputeStatus.DONE],
    ]


def test_a_queued_job_shows_its_progress_and_polls(world, measured, client_for):
    contract, _version, _tickets = measured
    job = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    fragment = client_for("program_manager").get(job.get_absolute_url(), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "Queued" in text and "hx-get" in text and "Waiting for the task worker" in text


def test_a_job_delivered_twice_runs_once_and_a_retry_writes_the_same_rows(world, measured):
    contract, _version, _tickets = measured
    job = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    assert services.run_compute_job(job_pk=job.pk).status == ComputeStatus.DONE
    assert services.run_compute_job(job_pk=job.pk) is None  # already done: nothing runs
    ComputeJob.objects.filter(pk=job.pk).update(status=ComputeStatus.QUEUED)  # as a recovery would
    again = services.run_compute_job(job_pk=job.pk)
    assert again.status == ComputeStatus.DONE and again.attempts == 2
    assert SlaResult.objects.filter(contract=contract).count() == 3


def test_a_job_that_cannot_compute_fails_with_the_reason_and_stores_nothing(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    version = policy_for(contract)
    job = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    version.policy.delete()  # the policy is gone by the time the worker runs
    finished = services.run_compute_job(job_pk=job.pk)
    assert finished.status == ComputeStatus.FAILED
    assert "no SLA policy" in finished.message and "no result of it was stored" in finished.message
    assert not SlaResult.objects.filter(contract=contract).exists()


def _running(job, *, worker, beat):
    ComputeJob.objects.filter(pk=job.pk).update(
        status=ComputeStatus.RUNNING, worker=worker, heartbeat_at=beat, attempts=1
    )


def test_recovery_requeues_a_silent_job_and_leaves_a_live_one(
    world, measured, django_capture_on_commit_callbacks
):
    contract, _version, _tickets = measured
    now = dt.datetime(2024, 3, 1, 12, tzinfo=UTC)
    silent = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    alive = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    _running(silent, worker="elsewhere:1", beat=now - dt.timedelta(minutes=11))
    _running(alive, worker=services.this_worker(), beat=now - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.recover_compute_jobs(stale_after=dt.timedelta(minutes=10), now=now)
    assert counts == {"requeued": 1, "failed": 0}
    silent.refresh_from_db()
    alive.refresh_from_db()
    # Queued again, the worker (the immediate backend here) ran it to the end: a second attempt.
    assert silent.status == ComputeStatus.DONE and silent.attempts == 2
    assert alive.status == ComputeStatus.RUNNING


def test_recovery_finds_a_job_whose_worker_process_is_gone_at_once(world, measured):
    contract, _version, _tickets = measured
    job = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    gone = f"{socket.gethostname()}:{2**22 + 12345}"  # above pid_max: no such process on this host
    assert services.worker_is_gone(gone) and not services.worker_is_gone(
        f"{socket.gethostname()}:{os.getpid()}"
    )
    _running(job, worker=gone, beat=dt.datetime.now(UTC))
    counts = services.recover_compute_jobs()
    job.refresh_from_db()
    assert counts == {"requeued": 1, "failed": 0}
    assert job.status == ComputeStatus.QUEUED and "Queued again (attempt 2 of 3)" in job.message


def test_recovery_gives_up_after_the_last_attempt_and_says_so(world, measured):
    contract, _version, _tickets = measured
    job = services.request_compute(contract=contract, as_of=AS_OF, actor=world.program_manager)
    _running(job, worker="elsewhere:1", beat=dt.datetime(2024, 1, 1, tzinfo=UTC))
    ComputeJob.objects.filter(pk=job.pk).update(attempts=services.COMPUTE_MAX_ATTEMPTS)
    out = io.StringIO()
    call_command("recover_sla_jobs", stdout=out)
    assert "0 SLA computation(s) queued again, 1 marked failed." in out.getvalue()
    job.refresh_from_db()
    assert job.status == ComputeStatus.FAILED and "Given up after 3 attempts" in job.message
    assert job.finished_at is not None
    assert AuditEntry.objects.filter(
        object_id=str(job.pk), changes__status=[ComputeStatus.RUNNING, ComputeStatus.FAILED]
    ).exists()


def test_only_those_who_may_compute_can_queue_a_job(world, measured):
    contract, _version, _tickets = measured
    with pytest.raises(PermissionDenied):
        services.request_compute(contract=contract, as_of=AS_OF, actor=world.vendor)
    assert not ComputeJob.objects.exists()
