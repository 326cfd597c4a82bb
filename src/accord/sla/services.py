"""Writes of the SLA app: policy versions, ticket imports (bulk upsert) and computed results."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can, can_in_program
from accord.sla import bulk, recompute
from accord.sla.choices import ComputeStatus, ImportMode, ImportStatus, TicketChangeKind, TicketFormat
from accord.sla.engine import InputError, TicketArrays, compute, dump_policy, load_policy
from accord.sla.engine.readers import Source
from accord.sla.engine_bridge import ParsedExport, period_start_series, read_export
from accord.sla.models import (
    ComputeJob,
    Contract,
    SlaPolicy,
    SlaPolicyVersion,
    SlaResult,
    Ticket,
    TicketChange,
    TicketEvent,
    TicketImport,
)

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 200
TICKET_BATCH = 2000
RESULT_BATCH = 2000
TICKET_UPDATE_FIELDS = [
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "source_format",
    "imported_at",
    "last_import",
    "updated_at",
]


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
        policy.full_clean()
        policy.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=policy,
            changes=audit.diff({}, audit.snapshot(policy)),
        )
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
            same_day.full_clean()
            same_day.save()
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=same_day,
                changes=audit.diff(before, audit.snapshot(same_day)),
            )
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
        version.full_clean()
        version.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=version,
            changes=audit.diff({}, audit.snapshot(version)),
        )
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


# --- Ticket imports ------------------------------------------------------------------------------


def start_ticket_import(
    *,
    contract: Contract,
    file_name: str,
    file_format: str,
    mode: str,
    actor: Any,
    source_path: str = "",
    check: bool = True,
) -> TicketImport:
    """Record an import before it runs, so its progress can be followed."""
    if check and not can(actor, Action.ADD, TicketImport(program_id=contract.program_id, contract=contract)):
        raise PermissionDenied("Your role may not import tickets.")
    close_interrupted_imports(contract=contract)
    with transaction.atomic():
        ticket_import = TicketImport(
            program_id=contract.program_id,
            contract=contract,
            file_name=file_name[:255],
            format=file_format,
            mode=mode,
            source_path=source_path,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        ticket_import.full_clean()
        ticket_import.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=ticket_import,
            changes=audit.diff({}, audit.snapshot(ticket_import)),
        )
    return ticket_import


def _progress(ticket_import: TicketImport, **fields: Any) -> None:
    # A plain UPDATE in its own transaction: the page polling the progress reads it at once.
    for key, value in fields.items():
        setattr(ticket_import, key, value)
    TicketImport.objects.filter(pk=ticket_import.pk).update(**fields)


def this_worker() -> str:
    """host:pid of this process, stored on the import it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def worker_is_gone(worker: str) -> bool:
    """True when `worker` ran on this host and its process no longer exists (killed, crashed, restarted).

    An import run on another host is never declared gone from here: it may still be writing.
    """
    host, _, pid = worker.rpartition(":")
    if not host or host != socket.gethostname()[: len(host)] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


INTERRUPTED_MESSAGE = (
    "The import stopped before it finished (its process ended: killed, crashed or restarted). It writes "
    "in one transaction, so nothing of it was stored; import the same file again."
)


def close_interrupted_imports(*, contract: Contract) -> int:
    """Mark the contract's imports whose process died mid-way as failed; returns how many."""
    count = 0
    running = TicketImport.objects.filter(contract=contract, status=ImportStatus.RUNNING).exclude(worker="")
    for ticket_import in running:
        if not worker_is_gone(ticket_import.worker):
            continue
        with transaction.atomic():
            updated = TicketImport.objects.filter(pk=ticket_import.pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.FAILED, message=INTERRUPTED_MESSAGE, finished_at=timezone.now()
            )
            if updated:
                audit.record(
                    actor="system",
                    action=AuditAction.TRANSITION,
                    instance=ticket_import,
                    changes={"status": [ImportStatus.RUNNING, ImportStatus.FAILED]},
                )
                count += 1
    return count


def run_ticket_import(
    *,
    ticket_import: TicketImport,
    source: Source,
    actor: Any,
    events_source: Source | None = None,
    now: dt.datetime | None = None,
    date_format: str | None = None,
) -> TicketImport:
    """Read, check and upsert one export. Nothing is written unless the whole file has been checked.

    In all-or-nothing mode one bad row rejects the file; in valid-rows mode the valid rows are stored
    and the others reported. Tickets are upserted by (contract, id), so an overlapping re-import
    updates instead of adding twice; each touched ticket's events are replaced by the file's. The
    writes, with each ticket's change record, are one transaction: an import that dies half-way
    (even `kill -9`) leaves nothing of itself behind.
    """
    now = now or timezone.now()
    contract = ticket_import.contract
    _progress(
        ticket_import,
        status=ImportStatus.RUNNING,
        started_at=now,
        worker=this_worker(),
        message="Reading the file…",
    )
    try:
        parsed = read_export(
            source,
            file_format=ticket_import.format,
            timezone=contract_timezone(contract),
            events_source=events_source,
            date_format=date_format,
        )
    except (InputError, ValueError) as error:
        return _finish(ticket_import, actor, status=ImportStatus.REJECTED, message=str(error), now=now)
    row_errors = parsed.row_errors()
    valid = parsed.valid
    total = len(parsed.tickets)
    stored_errors = [[line, message] for line, message in row_errors[:MAX_STORED_ERRORS]]
    _progress(ticket_import, total_rows=total, errors=stored_errors, rejected_count=int((~valid).sum()))
    if row_errors and ticket_import.mode == ImportMode.ALL_OR_NOTHING:
        return _finish(
            ticket_import,
            actor,
            status=ImportStatus.REJECTED,
            now=now,
            message=(
                f"{len(row_errors)} row error(s); nothing was imported. Fix the rows, or import again choosing "
                "“valid rows” to store the others."
            ),
        )
    _progress(
        ticket_import,
        message=f"Writing {int(valid.sum())} ticket(s) in one transaction: all of them are stored, or none.",
    )
    try:
        with transaction.atomic():
            created, updated, changed = _upsert(ticket_import, parsed, now=now)
    except Exception as error:  # a database failure mid-way: the transaction rolled everything back
        logger.exception("ticket import %s failed", ticket_import.pk)
        return _finish(
            ticket_import,
            actor,
            status=ImportStatus.FAILED,
            now=now,
            message=(
                f"The database refused a write ({error.__class__.__name__}: {error}); nothing of this import "
                "was stored. Importing the same file again is safe."
            ),
        )
    skipped = "" if not row_errors else f"; {len(row_errors)} row error(s) skipped"
    unchanged = updated - changed
    return _finish(
        ticket_import,
        actor,
        status=ImportStatus.DONE,
        now=now,
        created_count=created,
        updated_count=updated,
        message=(
            f"{created} ticket(s) added, {updated} updated"
            f"{f' ({unchanged} of them unchanged)' if unchanged else ''}{skipped}."
        ),
    )


def _finish(
    ticket_import: TicketImport, actor: Any, *, status: str, message: str, now: dt.datetime, **counts: int
) -> TicketImport:
    with transaction.atomic():
        before = audit.snapshot(TicketImport.objects.get(pk=ticket_import.pk))
        if status == ImportStatus.DONE:
            counts["processed_rows"] = ticket_import.total_rows
        _progress(ticket_import, status=status, message=message, finished_at=timezone.now(), **counts)
        changes = audit.diff(before, audit.snapshot(ticket_import))
        changes.pop("errors", None)
        audit.record(actor=actor, action=AuditAction.TRANSITION, instance=ticket_import, changes=changes)
    return ticket_import


TICKET_COLUMNS = [
    "program",
    "contract",
    "external_id",
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "source_format",
    "imported_at",
    "last_import",
    "created_at",
    "updated_at",
]
# The fields a vendor's file decides, as recorded in a ticket's change history (besides its events).
AUDITED_TICKET_FIELDS = ("priority", "opened_at", "first_response_at", "resolved_at")


def _instant_json(value: Any) -> str | None:
    """A stored instant (SQLite's UTC text or an aware datetime) as ISO 8601 UTC text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = _as_written(value)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return f"{str(value).replace(' ', 'T')}Z"


def _as_written(value: Any) -> Any:
    """A stored instant as the import writes it: SQLite's converter hands back naive UTC datetimes, while
    imports write the text Django stores (str of the naive UTC datetime); PostgreSQL uses aware datetimes."""
    return str(value) if isinstance(value, dt.datetime) and value.tzinfo is None else value


def _field_json(name: str, value: Any) -> Any:
    return value if name == "priority" else _instant_json(value)


def _existing_tickets(contract_pk: int, external_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """external_id -> (pk, *AUDITED_TICKET_FIELDS) as the driver returns them, so they compare with the
    values about to be written (SQLite text, PostgreSQL datetimes) without a conversion per value."""
    if not external_ids:
        return {}
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(c) for c in bulk.columns_of(Ticket, ["external_id", "id", *AUDITED_TICKET_FIELDS])
    )
    sql = (
        f"SELECT {columns} FROM {quote(Ticket._meta.db_table)} "
        f"WHERE {quote('contract_id')} = %s AND {quote('external_id')} IN ({', '.join(['%s'] * len(external_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [contract_pk, *external_ids])
        return {row[0]: (row[1], row[2], *map(_as_written, row[3:])) for row in cursor.fetchall()}


def _existing_events(ticket_pks: list[int]) -> dict[int, list[tuple[Any, str]]]:
    """ticket pk -> [(at, state), …] in order, as the driver returns them."""
    if not ticket_pks:
        return {}
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('ticket_id')}, {quote('at')}, {quote('state')} FROM {quote(TicketEvent._meta.db_table)} "
        f"WHERE {quote('ticket_id')} IN ({', '.join(['%s'] * len(ticket_pks))}) "
        f"ORDER BY {quote('ticket_id')}, {quote('seq')}"
    )
    events: dict[int, list[tuple[Any, str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ticket_pks)
        for ticket_pk, at, state in cursor.fetchall():
            events.setdefault(ticket_pk, []).append((_as_written(at), state))
    return events


def _insert_changes(rows: list[tuple[int, int, str, str]]) -> None:
    """TicketChange rows (ticket, import, kind, JSON text) in one multi-row statement per batch."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(TicketChange._meta.db_table)
    columns = ", ".join(
        quote(c) for c in bulk.columns_of(TicketChange, ["ticket", "ticket_import", "kind", "changes"])
    )
    as_json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, {as_json})", rows)


def _upsert(ticket_import: TicketImport, parsed: ParsedExport, *, now: dt.datetime) -> tuple[int, int, int]:
    """Upsert the valid tickets and their events; (created, updated, changed). Run inside one transaction.

    Each created ticket and each ticket whose fields or events differ from what is stored gets a
    TicketChange row with [before, after] per changed field; an unchanged ticket keeps its events.
    """
    contract = ticket_import.contract
    tickets = parsed.tickets
    keep = np.flatnonzero(parsed.valid)
    ids = tickets.ids.gather(keep).str.strip_chars().to_list()
    priorities = tickets.priority.gather(keep).str.strip_chars().to_list()
    opened = bulk.instants_for_db(tickets.opened_at[keep])
    responded = bulk.instants_for_db(tickets.first_response_at[keep])
    resolved = bulk.instants_for_db(tickets.resolved_at[keep])
    stamp = bulk.instant_for_db(now)

    # Events of the stored tickets, grouped by their position among `keep`, in file order.
    position = np.full(len(tickets), -1, dtype=np.int64)
    position[keep] = np.arange(keep.size)
    event_position = np.where(parsed.event_ticket >= 0, position[np.maximum(parsed.event_ticket, 0)], -1)
    chosen = np.flatnonzero(event_position >= 0)
    order = chosen[np.argsort(event_position[chosen], kind="stable")]
    event_owner = event_position[order]
    event_at = bulk.instants_for_db(parsed.events.at[order])
    event_state = parsed.events.state.gather(order).str.strip_chars().to_list()
    bounds = np.searchsorted(event_owner, np.arange(keep.size + 1)).tolist()

    created = updated = changed = 0
    fixed = (contract.program_id, contract.pk)
    tail = (ticket_import.format, stamp, ticket_import.pk, stamp, stamp)
    import_pk = ticket_import.pk
    for start in range(0, keep.size, TICKET_BATCH):
        stop = min(start + TICKET_BATCH, keep.size)
        batch_ids = ids[start:stop]
        existing = _existing_tickets(contract.pk, batch_ids)
        stored_events = _existing_events([row[0] for row in existing.values()])
        bulk.upsert(
            Ticket,
            TICKET_COLUMNS,
            [
                (*fixed, ids[k], priorities[k], opened[k], responded[k], resolved[k], *tail)
                for k in range(start, stop)
            ],
            conflict=["contract", "external_id"],
            update=TICKET_UPDATE_FIELDS,
        )
        pks = {external_id: row[0] for external_id, row in existing.items()}
        fresh = [i for i in batch_ids if i not in existing]
        if fresh:
            pks.update(
                Ticket.objects.filter(contract=contract, external_id__in=fresh)
                .order_by()
                .values_list("external_id", "pk")
            )
        changes: list[tuple[int, int, str, str]] = []
        replaced: list[int] = []
        events: list[tuple[Any, ...]] = []
        for k in range(start, stop):
            pk = pks[ids[k]]
            new_events = [(event_at[e], event_state[e]) for e in range(bounds[k], bounds[k + 1])]
            before = existing.get(ids[k])
            if before is None:
                changes.append((pk, import_pk, TicketChangeKind.CREATED, "{}"))
            else:
                after = (priorities[k], opened[k], responded[k], resolved[k])
                diff = {
                    name: [_field_json(name, old), _field_json(name, new)]
                    for name, old, new in zip(AUDITED_TICKET_FIELDS, before[1:], after, strict=True)
                    if old != new
                }
                old_events = stored_events.get(pk, [])
                if old_events != new_events:
                    diff["events"] = [
                        [[_instant_json(at), state] for at, state in old_events],
                        [[_instant_json(at), state] for at, state in new_events],
                    ]
                    replaced.append(pk)
                else:
                    new_events = []  # kept as they are
                if diff:
                    changes.append(
                        (pk, import_pk, TicketChangeKind.UPDATED, json.dumps(diff, sort_keys=True))
                    )
            events.extend((pk, seq, at, state) for seq, (at, state) in enumerate(new_events))
        if replaced:
            TicketEvent.objects.filter(ticket_id__in=replaced).delete()
        bulk.upsert(TicketEvent, ["ticket", "seq", "at", "state"], events)
        _insert_changes(changes)
        created += len(fresh)
        updated += len(existing)
        changed += sum(1 for row in changes if row[2] == TicketChangeKind.UPDATED)
    return created, updated, changed


def import_tickets(
    *,
    contract: Contract,
    source: Source,
    file_name: str,
    actor: Any,
    file_format: str = TicketFormat.GENERIC,
    mode: str = ImportMode.ALL_OR_NOTHING,
    events_source: Source | None = None,
    now: dt.datetime | None = None,
    date_format: str | None = None,
    check: bool = True,
) -> TicketImport:
    """Import one export synchronously, in this process (the command line, the demo, tests)."""
    ticket_import = start_ticket_import(
        contract=contract, file_name=file_name, file_format=file_format, mode=mode, actor=actor, check=check
    )
    return run_ticket_import(
        ticket_import=ticket_import,
        source=source,
        actor=actor,
        events_source=events_source,
        now=now,
        date_format=date_format,
    )


def upload_directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "sla-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_in_background(
    *, ticket_import: TicketImport, upload: Any, actor: Any, events_upload: Any = None
) -> None:
    """Store an upload and queue its import for `accord db_worker` once the request's transaction commits.

    The worker updates the import's progress row, which the upload page polls every second. The stored
    files are deleted when the import has read them.
    """
    from accord.sla.tasks import import_uploaded_tickets

    def store(uploaded: Any, suffix: str) -> Path:
        path = upload_directory() / f"{ticket_import.pk}-{uuid.uuid4().hex}-{suffix}.csv"
        with path.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        return path

    # The upload is written to disk now, while the request still holds it open; the task is queued on
    # commit, so the worker never looks for an import row that is not there yet.
    path = store(upload, "tickets")
    events_path = store(events_upload, "events") if events_upload is not None else None
    TicketImport.objects.filter(pk=ticket_import.pk).update(source_path=str(path))
    actor_pk = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(
        lambda: import_uploaded_tickets.enqueue(
            import_pk=ticket_import.pk,
            path=str(path),
            events_path=str(events_path) if events_path else None,
            actor_pk=actor_pk,
        )
    )


def run_uploaded_import(*, import_pk: int, path: Path, events_path: Path | None, actor: Any) -> None:
    """The worker's side of an upload: import the stored files, recompute the report, delete the files."""
    try:
        run_ticket_import(
            ticket_import=TicketImport.objects.select_related("contract").get(pk=import_pk),
            source=path,
            events_source=events_path,
            actor=actor,
        )
        _recompute_after_import(import_pk, actor)
    except Exception:
        logger.exception("background ticket import %s crashed", import_pk)
        TicketImport.objects.filter(pk=import_pk).update(
            status=ImportStatus.FAILED,
            message="The import stopped unexpectedly; see the worker's log.",
            finished_at=timezone.now(),
        )
        raise
    finally:
        for file in (path, events_path):
            if file is not None:
                file.unlink(missing_ok=True)


def _recompute_after_import(import_pk: int, actor: Any) -> None:
    """After an upload, the report follows the new tickets at once, whoever uploaded them."""
    ticket_import = TicketImport.objects.select_related("contract").get(pk=import_pk)
    if ticket_import.status != ImportStatus.DONE:
        return
    if not SlaPolicyVersion.objects.filter(policy__contract=ticket_import.contract).exists():
        return
    _progress(ticket_import, message=f"{ticket_import.message} Computing SLA results…")
    summary = compute_results(contract=ticket_import.contract, as_of=timezone.now(), actor=actor, check=False)
    _progress(
        ticket_import,
        message=ticket_import.message.replace(
            "Computing SLA results…", f"SLA results computed for {summary.results} ticket(s)."
        ),
    )


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
        if version is None:
            SlaResult.objects.filter(contract=contract, effective=True).update(effective=False)
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
        job.full_clean()
        job.save()
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=job, changes=audit.diff({}, audit.snapshot(job))
        )
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
    "start_ticket_import",
]
