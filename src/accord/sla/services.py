"""Writes of the SLA app: policy versions, ticket imports (bulk upsert) and computed results."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can, can_in_program
from accord.core.services import save_changed_record, save_new_record
from accord.sla import recompute
from accord.sla.choices import ComputeStatus
from accord.sla.engine import TicketArrays, compute, dump_policy, load_policy
from accord.sla.engine_bridge import period_start_series

# The ticket import pipeline lives in accord.sla.imports; its public names stay importable from here.
from accord.sla.imports import (
    INTERRUPTED_MESSAGE,
    close_interrupted_imports,
    import_in_background,
    import_tickets,
    run_ticket_import,
    run_uploaded_import,
    start_ticket_import,
    this_worker,
    worker_is_gone,
)
from accord.sla.models import (
    ComputeJob,
    Contract,
    SlaPolicy,
    SlaPolicyVersion,
)

logger = logging.getLogger(__name__)

RESULT_BATCH = 2000


# --- Policies ------------------------------------------------------------------------------------


def create_policy(
    *,
    contract: Contract,
    name: str,
    yaml_text: str,
    effective_from: dt.date,
    actor: Any,
    note: str = "",
    check: bool = True,
) -> SlaPolicyVersion:
    """Give a contract its SLA policy with a first version."""
    if check and not can_in_program(actor, Action.ADD, "sla", contract.program_id):
        raise PermissionDenied("Your role may not define SLA policies.")
    with transaction.atomic():
        policy = SlaPolicy(program_id=contract.program_id, contract=contract, name=name)
        save_new_record(instance=policy, actor=actor)
        return create_policy_version(
            policy=policy,
            yaml_text=yaml_text,
            effective_from=effective_from,
            actor=actor,
            note=note,
            check=check,
        )


def create_policy_version(
    *,
    policy: SlaPolicy,
    yaml_text: str,
    effective_from: dt.date,
    actor: Any,
    note: str = "",
    check: bool = True,
) -> SlaPolicyVersion:
    """Edit a policy: a new version in force from `effective_from`.

    Earlier versions and the results they computed stay as they are. A version that starts on the same
    date is replaced only while no result names it; once one does, it is part of a report and immutable.
    """
    if check and not can(actor, Action.CHANGE, policy):
        raise PermissionDenied("Your role may not change SLA policies.")
    with transaction.atomic():
        same_day = (
            SlaPolicyVersion.objects.select_for_update()
            .filter(policy=policy, effective_from=effective_from)
            .first()
        )
        if same_day is not None:
            if same_day.results.exists():
                raise ValidationError(
                    {
                        "effective_from": (
                            f"Version {same_day.number} starts on {effective_from:%Y-%m-%d} and has computed results, "
                            "so it can no longer change; choose a later date for the new version."
                        )
                    }
                )
            before = audit.snapshot(same_day)
            same_day.source_text = yaml_text
            same_day.note = note
            save_changed_record(instance=same_day, actor=actor, before=before)
            return same_day
        last = policy.versions.aggregate(models.Max("number"))["number__max"] or 0
        version = SlaPolicyVersion(
            program_id=policy.program_id,
            policy=policy,
            number=last + 1,
            effective_from=effective_from,
            source_text=yaml_text,
            note=note,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        save_new_record(instance=version, actor=actor)
    return version


def contract_timezone(contract: Contract) -> str:
    """The time zone of the contract's latest policy version (files' local times are read in it)."""
    version = (
        SlaPolicyVersion.objects.filter(policy__contract=contract)
        .order_by("-effective_from")
        .only("spec")
        .first()
    )
    return version.spec.get("timezone", settings.TIME_ZONE) if version else settings.TIME_ZONE


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputeSummary:
    """What a computation wrote: results per version number, and how many tickets had errors."""

    results: int
    errors: int
    by_version: dict[int, int]


def _versions_by_ticket(versions: list[SlaPolicyVersion], opened: np.ndarray, tz: str) -> np.ndarray:
    """Index (into `versions`, oldest first) of the version in force on each ticket's local opening date."""
    dates = recompute.local_dates(opened, tz)
    starts = np.array([v.effective_from for v in versions], dtype="datetime64[D]")
    # Tickets opened before the first version are measured by the first version.
    return np.maximum(np.searchsorted(starts, dates, side="right") - 1, 0)


def _no_progress(percent: int, message: str) -> None:
    return None


def compute_results(
    *,
    contract: Contract,
    as_of: dt.datetime,
    actor: Any,
    version: SlaPolicyVersion | None = None,
    check: bool = True,
    progress: Any = _no_progress,
    on_commit_write: Any = None,
) -> ComputeSummary:
    """Compute and store every ticket's clocks as of `as_of`.

    Without `version`, each ticket is measured by the version in force when it was opened and those
    results become the contract's report. With `version`, every ticket is measured by that version and
    stored under it (marked as a comparison where it is not the ticket's own version); the report can
    then be read under it side by side. Results under other versions are never touched.

    Tickets and events are read with one query per table, results written in bulk; the results, the
    audit row and whatever `on_commit_write(summary)` writes (a job's final state) are one transaction.
    `progress(percent, message)` is told of each phase.
    """
    if check and not can_in_program(actor, Action.CHANGE, "sla", contract.program_id):
        raise PermissionDenied("Your role may not compute SLA results.")
    versions = list(SlaPolicyVersion.objects.filter(policy__contract=contract).order_by("effective_from"))
    if not versions:
        raise ValidationError("The contract has no SLA policy yet; define one first.")
    if version is not None and version.pk not in {v.pk for v in versions}:
        raise ValidationError({"version": "That version belongs to another contract."})
    progress(5, "Reading the stored tickets…")
    pk_array, tickets = recompute.load_tickets(contract.pk)
    progress(20, f"Reading the state events of {len(pk_array)} ticket(s)…")
    events = recompute.load_events(contract.pk) if len(pk_array) else None
    tz = versions[-1].spec.get("timezone", settings.TIME_ZONE)
    own = _versions_by_ticket(versions, tickets.opened_at, tz)
    by_version: dict[int, int] = {}
    errors = 0
    frames: list[pl.DataFrame] = []
    groups = (
        [(versions.index(version), np.arange(len(pk_array)))]
        if version is not None
        else [(i, np.flatnonzero(own == i)) for i in range(len(versions))]
    )
    stamp = recompute.epoch(timezone.now())
    for index, members in groups:
        if members.size == 0:
            continue
        chosen = versions[index]
        progress(35, f"Computing {members.size} ticket(s) under version {chosen.number}…")
        spec = load_policy(chosen.spec)
        everyone = members.size == len(pk_array)
        subset = (
            tickets
            if everyone
            else TicketArrays(
                ids=tickets.ids.gather(members),
                priority=tickets.priority.gather(members),
                opened_at=tickets.opened_at[members],
                first_response_at=tickets.first_response_at[members],
                resolved_at=tickets.resolved_at[members],
            )
        )
        computed = compute(spec, subset, events, as_of=as_of)
        periods = period_start_series(
            subset.opened_at, timezone=spec.timezone, frequency=contract.reporting_frequency
        )
        frames.append(
            _result_frame(
                contract, chosen, computed, pk_array[members], own[members] == index, periods, as_of, stamp
            )
        )
        errors += int((~computed.ok).sum())
        by_version[chosen.number] = int(members.size)
    results = pl.concat(frames) if frames else pl.DataFrame()
    summary = ComputeSummary(results=results.height, errors=errors, by_version=by_version)
    progress(75, f"Writing {results.height} result(s) in one transaction…")
    with transaction.atomic():
        # Each ticket's own-version row becomes its effective one (even in a comparison run under
        # that version); whatever row of the ticket was effective under another version becomes a
        # comparison. The write does both.
        recompute.write_results(results, names=RESULT_COLUMNS, update=RESULT_UPDATE)
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=contract,
            changes={
                "sla_results": {
                    "as_of": as_of.isoformat(),
                    "by_version": by_version,
                    "errors": errors,
                    "comparison": version is not None,
                }
            },
        )
        if on_commit_write is not None:
            on_commit_write(summary)
    return summary


RESULT_COLUMNS = [
    "program",
    "contract",
    "ticket",
    "version",
    "effective",
    "as_of",
    "priority",
    "period_start",
    "response_elapsed_s",
    "resolution_elapsed_s",
    "paused_s",
    "response_due",
    "resolution_due",
    "response_status",
    "resolution_status",
    "paused_hospital_s",
    "paused_vendor_s",
    "paused_third_party_s",
    "paused_unattributed_s",
    "error",
    "created_at",
    "updated_at",
]
RESULT_UPDATE = [
    c for c in RESULT_COLUMNS if c not in {"program", "contract", "ticket", "version", "created_at"}
]


def _result_frame(
    contract: Contract,
    version: SlaPolicyVersion,
    computed: Any,
    ticket_pks: np.ndarray,
    effective: np.ndarray,
    periods: pl.Series,
    as_of: dt.datetime,
    stamp: int,
) -> pl.DataFrame:
    """Columns in RESULT_COLUMNS order; durations are null where the ticket could not be computed."""
    size = len(ticket_pks)

    def seconds(values: np.ndarray) -> pl.Series:
        return pl.Series(values, dtype=pl.Int64).set(pl.Series(values < 0), None)

    def statuses(values: np.ndarray) -> pl.Series:
        return pl.Series(values.tolist(), dtype=pl.String).fill_null("error")

    def constant(value: Any, dtype: Any) -> pl.Series:
        return (
            pl.Series([value], dtype=dtype).extend_constant(value, size - 1)
            if size
            else pl.Series([], dtype=dtype)
        )

    return pl.DataFrame(
        {
            "program": constant(contract.program_id, pl.Int64),
            "contract": constant(contract.pk, pl.Int64),
            "ticket": pl.Series(ticket_pks, dtype=pl.Int64),
            "version": constant(version.pk, pl.Int64),
            "effective": pl.Series(effective, dtype=pl.Boolean),
            "as_of": constant(recompute.epoch(as_of), pl.Int64),
            "priority": computed.priority.fill_null("").cast(pl.String),
            "period_start": periods,
            "response_elapsed_s": seconds(computed.response_elapsed_s),
            "resolution_elapsed_s": seconds(computed.resolution_elapsed_s),
            "paused_s": seconds(computed.paused_s),
            "response_due": pl.Series(computed.response_due, dtype=pl.Int64),
            "resolution_due": pl.Series(computed.resolution_due, dtype=pl.Int64),
            "response_status": statuses(computed.response_status),
            "resolution_status": statuses(computed.resolution_status),
            **{
                f"paused_{name}_s": pl.Series(np.maximum(computed.paused_by_party[name], 0), dtype=pl.Int64)
                for name in ("hospital", "vendor", "third_party", "unattributed")
            },
            "error": pl.Series(computed.error.tolist(), dtype=pl.String).fill_null(""),
            "created_at": constant(stamp, pl.Int64),
            "updated_at": constant(stamp, pl.Int64),
        }
    )


# --- Recompute jobs (run by the task worker) ----------------------------------------------------

COMPUTE_MAX_ATTEMPTS = 3


def compute_stale_after() -> dt.timedelta:
    """How long a running job may go without a heartbeat before it counts as abandoned (configurable:
    ACCORD_SLA_JOB_STALE_SECONDS). Longer than the slowest phase, which is the one-transaction write."""
    seconds = getattr(settings, "ACCORD_SLA_JOB_STALE_SECONDS", None)
    return dt.timedelta(seconds=float(seconds or os.environ.get("ACCORD_SLA_JOB_STALE_SECONDS", 600)))


def request_compute(
    *,
    contract: Contract,
    as_of: dt.datetime,
    actor: Any,
    version: SlaPolicyVersion | None = None,
) -> ComputeJob:
    """Queue a recompute of the contract's results for the task worker; the job's page follows it.

    The job row and its audit row are written now; the task is queued when this transaction commits,
    so the worker never looks for a job that is not there yet.
    """
    if not can_in_program(actor, Action.CHANGE, "sla", contract.program_id):
        raise PermissionDenied("Your role may not compute SLA results.")
    if not SlaPolicyVersion.objects.filter(policy__contract=contract).exists():
        raise ValidationError("The contract has no SLA policy yet; define one first.")
    if version is not None and version.policy.contract_id != contract.pk:
        raise ValidationError({"version": "That version belongs to another contract."})
    with transaction.atomic():
        job = ComputeJob(
            program_id=contract.program_id,
            contract=contract,
            version=version,
            as_of=as_of,
            message="Waiting for the task worker…",
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        save_new_record(instance=job, actor=actor)
        _enqueue_compute(job)
    return job


def _enqueue_compute(job: ComputeJob) -> None:
    from accord.sla.tasks import compute_sla_results

    transaction.on_commit(lambda: compute_sla_results.enqueue(job_pk=job.pk))


def _job_progress(job: ComputeJob, percent: int, message: str) -> None:
    # Its own autocommitted UPDATE: the polling page sees it at once, and the heartbeat shows the worker lives.
    ComputeJob.objects.filter(pk=job.pk, status=ComputeStatus.RUNNING).update(
        percent_done=percent, message=message, heartbeat_at=timezone.now()
    )


def run_compute_job(*, job_pk: int) -> ComputeJob | None:
    """The worker's side of a recompute: claim the job, compute, and store the results, the audit row
    and the job's "done" in one transaction.

    Safe to run twice: only a queued job is claimed (a second delivery of the same task finds it running
    or done and does nothing), and results are upserted by (ticket, version), so a retry after a crash
    writes the same rows again instead of adding any.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = ComputeJob.objects.filter(pk=job_pk, status=ComputeStatus.QUEUED).update(
            status=ComputeStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker=this_worker(),
            attempts=models.F("attempts") + 1,
            percent_done=0,
            message="Starting…",
        )
        if not claimed:
            return None
        job = ComputeJob.objects.select_related("contract", "version", "actor").get(pk=job_pk)
        audit.record(
            actor="system",
            action=AuditAction.TRANSITION,
            instance=job,
            changes={"status": [ComputeStatus.QUEUED, ComputeStatus.RUNNING], "attempt": job.attempts},
        )
    actor = job.actor or "system"

    def finish(summary: ComputeSummary) -> None:
        errors = f", {summary.errors} of them with errors" if summary.errors else ""
        ComputeJob.objects.filter(pk=job.pk).update(
            status=ComputeStatus.DONE,
            percent_done=100,
            results_count=summary.results,
            errors_count=summary.errors,
            message=f"Computed {summary.results} result(s){errors}.",
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        audit.record(
            actor="system",
            action=AuditAction.TRANSITION,
            instance=job,
            changes={"status": [ComputeStatus.RUNNING, ComputeStatus.DONE], "results": summary.results},
        )

    try:
        compute_results(
            contract=job.contract,
            as_of=job.as_of,
            actor=actor,
            version=job.version,
            check=False,
            progress=lambda percent, message: _job_progress(job, percent, message),
            on_commit_write=finish,
        )
    except Exception as error:
        # Nothing of the computation was stored (the write is one transaction); say so and why.
        logger.exception("SLA compute job %s failed", job.pk)
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else f"{error}"
        _fail_job(
            job,
            f"The computation failed ({error.__class__.__name__}: {reason}); no result of it was stored.",
        )
        if not isinstance(error, ValidationError):
            raise
    job.refresh_from_db()
    return job


def _fail_job(job: ComputeJob, message: str) -> None:
    with transaction.atomic():
        updated = ComputeJob.objects.filter(pk=job.pk, status=ComputeStatus.RUNNING).update(
            status=ComputeStatus.FAILED, message=message, finished_at=timezone.now()
        )
        if updated:
            audit.record(
                actor="system",
                action=AuditAction.TRANSITION,
                instance=job,
                changes={"status": [ComputeStatus.RUNNING, ComputeStatus.FAILED], "message": message},
            )


ABANDONED_MESSAGE = (
    "Its worker stopped mid-way (killed, crashed or restarted); no result of that attempt was stored."
)


ABANDONED_RECOVERY_NOTE = (
    "The worker running this computation has stopped; no result of it was stored. It is queued again "
    "when the task worker restarts (or by `accord recover_sla_jobs`)."
)


def recover_compute_jobs(
    *, stale_after: dt.timedelta | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Find running jobs whose worker died (gone from this host, or silent for `stale_after`) and queue
    them again, or fail them after COMPUTE_MAX_ATTEMPTS starts. Run when the worker starts
    (`accord recover_sla_jobs` in `make run`) and by that command at any time; returns the counts.

    A job is taken over with a conditional UPDATE on its heartbeat, so two recoveries running at once
    cannot both requeue it.
    """
    now = now or timezone.now()
    cutoff = now - (stale_after if stale_after is not None else compute_stale_after())
    counts = {"requeued": 0, "failed": 0}
    running = ComputeJob.objects.filter(status=ComputeStatus.RUNNING).only(
        "pk", "worker", "heartbeat_at", "attempts"
    )
    for job in running:
        silent = job.heartbeat_at is None or job.heartbeat_at <= cutoff
        if not (silent or (job.worker and worker_is_gone(job.worker))):
            continue
        with transaction.atomic():
            if job.attempts >= COMPUTE_MAX_ATTEMPTS:
                status = ComputeStatus.FAILED
                message = (
                    f"{ABANDONED_MESSAGE} Given up after {job.attempts} attempts; compute again to retry."
                )
                extra: dict[str, Any] = {"finished_at": now}
            else:
                status = ComputeStatus.QUEUED
                message = f"{ABANDONED_MESSAGE} Queued again (attempt {job.attempts + 1} of {COMPUTE_MAX_ATTEMPTS})."
                extra = {"percent_done": 0, "worker": ""}
            taken = ComputeJob.objects.filter(
                pk=job.pk, status=ComputeStatus.RUNNING, heartbeat_at=job.heartbeat_at
            ).update(status=status, message=message, **extra)
            if not taken:
                continue
            audit.record(
                actor="system",
                action=AuditAction.TRANSITION,
                instance=job,
                changes={"status": [ComputeStatus.RUNNING, status], "message": message},
            )
            if status == ComputeStatus.QUEUED:
                _enqueue_compute(job)
                counts["requeued"] += 1
            else:
                counts["failed"] += 1
    return counts


def export_policy_yaml(version: SlaPolicyVersion) -> str:
    """The version's policy as YAML, as it was written (comments included); it loads to the stored spec."""
    return version.source_text if version.source_text.strip() else dump_policy(load_policy(version.spec))


__all__ = [
    "INTERRUPTED_MESSAGE",
    "ComputeSummary",
    "close_interrupted_imports",
    "compute_results",
    "create_policy",
    "create_policy_version",
    "import_in_background",
    "import_tickets",
    "recover_compute_jobs",
    "request_compute",
    "run_compute_job",
    "run_ticket_import",
    "run_uploaded_import",
    "start_ticket_import",
    "this_worker",
    "worker_is_gone",
]
