"""Ticket imports: read a vendor's export, check every row, then upsert tickets and add their events.

A re-import only changes what its file states. Tickets are upserted by (contract, id); events are
added by (ticket, instant, state), so a file without events (or with fewer) never takes away stored
pauses. Events are removed only when the user asks for the file's events to replace those of its
tickets (`replace_events`), and a preview counts what an import would add and remove before anything
is written. All writes of one file, its per-ticket change records and its audit row are one
transaction: an import killed half-way (even `kill -9`) leaves nothing of itself behind.

A generic export is read and checked in chunks (`accord.sla.export_chunks`: a first pass places every
id, so duplicates and events many chunks away from their ticket are judged as for the whole file), then
written chunk by chunk, each turned into database values batch by batch, so memory stays bounded by a
chunk, not the file. On PostgreSQL the batches go through COPY (see `accord.sla.bulk`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can
from accord.core.services import save_new_record
from accord.sla import bulk, export_chunks
from accord.sla.choices import ImportMode, ImportStatus, TicketChangeKind, TicketFormat
from accord.sla.engine import MISSING, InputError
from accord.sla.engine.readers import Source
from accord.sla.engine_bridge import ParsedExport
from accord.sla.export_chunks import CheckedExport
from accord.sla.models import Contract, SlaPolicyVersion, Ticket, TicketChange, TicketEvent, TicketImport

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 200
TICKET_BATCH = 10_000
SHOWN_EVENT_CHANGES = 10
LOOKUP_CHUNK = 5000  # ids per IN (…) list: well under SQLite's 32,766 parameters

# The vendor's verdicts a format states, by the engine's claim kind. Jira's "overall" is the engine's
# summary of its two SLA fields, not a statement of the vendor's own, so it is not stored as one.
CLAIM_FIELDS = {
    "response": "vendor_response_claim",
    "resolution": "vendor_resolution_claim",
    "overall": "vendor_overall_claim",
}
FORMAT_CLAIMS: dict[str, tuple[str, ...]] = {
    TicketFormat.GENERIC: (),
    TicketFormat.SERVICENOW: ("overall",),
    TicketFormat.JIRA: ("response", "resolution"),
}
# The fields a vendor's file decides, as recorded in a ticket's change history (besides its events
# and the claims its format carries).
AUDITED_TICKET_FIELDS = ("priority", "opened_at", "first_response_at", "resolved_at")
INSTANT_FIELDS = ("opened_at", "first_response_at", "resolved_at")
STORED_FIELDS = (*AUDITED_TICKET_FIELDS, *CLAIM_FIELDS.values())  # as `_existing_tickets` reads them
TICKET_COLUMNS = [
    "program",
    "contract",
    "external_id",
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    *CLAIM_FIELDS.values(),
    "source_format",
    "imported_at",
    "last_import",
    "created_at",
    "updated_at",
]
EVENT_COLUMNS = ["ticket", "seq", "at", "state"]
CHANGE_COLUMNS = ["ticket", "ticket_import", "kind", "changes"]


def replace_events_error(*, file_format: str, has_events_file: bool) -> str:
    """Why replacing events cannot be asked for this file ('' when it can).

    Only a ServiceNow export carries its state changes in the tickets file; for the other formats a
    replacement without the events file would delete every stored event of the file's tickets.
    """
    if file_format != TicketFormat.SERVICENOW and not has_events_file:
        return (
            "Replacing the stored events needs the file of state changes (for Jira, the status history): "
            "without it every stored event of the file's tickets would be removed."
        )
    return ""


# --- Starting, following and finishing an import --------------------------------------------------


def start_ticket_import(
    *,
    contract: Contract,
    file_name: str,
    file_format: str,
    mode: str,
    actor: Any,
    date_format: str = "",
    replace_events: bool = False,
    preview: bool = False,
    check: bool = True,
) -> TicketImport:
    """Record an import (or its preview) before it runs, so its progress can be followed."""
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
            date_format=date_format or "",
            replace_events=replace_events,
            preview=preview,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        save_new_record(instance=ticket_import, actor=actor)
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


def _contract_timezone(contract: Contract) -> str:
    """The time zone of the contract's latest policy version (files' local times are read in it)."""
    version = (
        SlaPolicyVersion.objects.filter(policy__contract=contract)
        .order_by("-effective_from")
        .only("spec")
        .first()
    )
    return version.spec.get("timezone", settings.TIME_ZONE) if version else settings.TIME_ZONE


def run_ticket_import(
    *,
    ticket_import: TicketImport,
    source: Source,
    actor: Any,
    events_source: Source | None = None,
    now: dt.datetime | None = None,
    date_format: str | None = None,
) -> TicketImport:
    """Read, check and upsert one export (or, for a preview, count what it would change).

    Nothing is written unless the whole file has been checked. In all-or-nothing mode one bad row
    rejects the file; in valid-rows mode the valid rows are stored and the others reported. Tickets
    are upserted by (contract, id), so an overlapping re-import updates instead of adding twice;
    events are added by (ticket, instant, state) and removed only under `replace_events`. The
    writes, each ticket's change record and the import's final audit row are one transaction.
    """
    now = now or timezone.now()
    contract = ticket_import.contract
    date_format = date_format or ticket_import.date_format or None
    _progress(
        ticket_import,
        status=ImportStatus.RUNNING,
        started_at=now,
        worker=this_worker(),
        message="Reading the file…",
    )
    refusal = (
        replace_events_error(file_format=ticket_import.format, has_events_file=events_source is not None)
        if ticket_import.replace_events
        else ""
    )
    if refusal:
        return _finish(ticket_import, actor, status=ImportStatus.REJECTED, message=refusal, now=now)
    # The checked chunks wait in a temporary directory until the stack closes.
    with contextlib.ExitStack() as stack:
        try:
            export = stack.enter_context(
                export_chunks.read_checked_export(
                    source,
                    file_format=ticket_import.format,
                    timezone=_contract_timezone(contract),
                    events_source=events_source,
                    date_format=date_format,
                    keep_errors=MAX_STORED_ERRORS,
                    chunk_bytes=export_chunks.CHUNK_BYTES,
                    progress=lambda message: _progress(ticket_import, message=message),
                )
            )
        except (InputError, ValueError) as error:
            return _finish(ticket_import, actor, status=ImportStatus.REJECTED, message=str(error), now=now)
        return _store(ticket_import, export, actor=actor, now=now)


def _store(
    ticket_import: TicketImport, export: CheckedExport, *, actor: Any, now: dt.datetime
) -> TicketImport:
    """Reject the checked export, preview it, or write it chunk by chunk in one transaction."""
    stored_errors = [[line, message] for line, message in export.first_errors]
    _progress(ticket_import, total_rows=export.total, errors=stored_errors, rejected_count=export.rejected)
    if export.error_count and ticket_import.mode == ImportMode.ALL_OR_NOTHING:
        return _finish(
            ticket_import,
            actor,
            status=ImportStatus.REJECTED,
            now=now,
            message=(
                f"{export.error_count} row error(s); nothing was imported. Fix the rows, or import again "
                "choosing “valid rows” to store the others."
            ),
        )
    skipped = "" if not export.error_count else f"; {export.error_count} row error(s) skipped"
    if ticket_import.preview:
        _progress(ticket_import, message=f"Comparing {export.valid} ticket(s) with the stored ones…")
        counts = ImportCounts()
        for parsed in export.chunks():
            _apply(ticket_import, parsed, now=now, write=False, counts=counts)
        return _finish(
            ticket_import,
            actor,
            status=ImportStatus.DONE,
            now=now,
            message=f"Preview, nothing was written: {counts.summary(would=True)}{skipped}.",
            **counts.stored(),
        )
    writing = f"Writing {export.valid} ticket(s) in one transaction: all of them are stored, or none."
    _progress(ticket_import, message=writing)
    # Progress written inside the import's transaction would stay invisible until it commits; on
    # PostgreSQL it goes through a connection of its own (SQLite allows one writer at a time, so
    # there the page shows the message above until the end).
    visible = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with (
            _larger_page_cache(),
            transaction.atomic(),
            _progress_beside(ticket_import, visible=visible) as report,
        ):
            counts = ImportCounts()
            for parsed in export.chunks():
                _apply(ticket_import, parsed, now=now, write=True, counts=counts)
                done = counts.created + counts.updated
                report(
                    processed_rows=done,
                    message=f"{writing} {done} of them written so far, none visible until all are.",
                )
            # The audit row of the import is written with the data it describes.
            return _finish(
                ticket_import,
                actor,
                status=ImportStatus.DONE,
                now=now,
                message=f"{counts.summary(would=False)}{skipped}.",
                **counts.stored(),
            )
    except Exception as error:  # a database failure mid-way: the transaction rolled everything back
        logger.exception("ticket import %s failed", ticket_import.pk)
        # The rolled-back UPDATEs of the row leave stale values on the instance; read it again.
        ticket_import.refresh_from_db()
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


SQLITE_IMPORT_CACHE_KIB = 64 * 1024


@contextlib.contextmanager
def _larger_page_cache() -> Iterator[None]:
    """On SQLite, a 64 MiB page cache for the write (the default 2 MiB holds little of the indexes a
    million tickets and their events grow, so pages are read again and again): 1M tickets + 3M events
    took 67 s of CPU instead of 82 s. The connection's own size comes back afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")
        except DatabaseError:  # the connection is broken: it is closed and its settings with it
            logger.warning("page cache of the import's connection not restored", exc_info=True)


@contextlib.contextmanager
def _progress_beside(ticket_import: TicketImport, *, visible: bool) -> Iterator[Callable[..., None]]:
    """`report(**fields)` for the import's row through a second, autocommitting connection (a no-op
    when not `visible`). A report that cannot be written (a lock, a lost connection) is only logged:
    progress never fails an import."""
    if not visible:
        yield lambda **fields: None
        return
    side = connections.create_connection(connection.alias)
    table = connection.ops.quote_name(TicketImport._meta.db_table)
    quote = connection.ops.quote_name

    def report(**fields: Any) -> None:
        columns = ", ".join(f"{quote(TicketImport._meta.get_field(name).column)} = %s" for name in fields)
        try:
            with side.cursor() as cursor:
                # Never wait behind the import's own transaction for a progress line.
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {table} SET {columns} WHERE {quote('id')} = %s",
                    [*fields.values(), ticket_import.pk],
                )
        except DatabaseError:
            logger.warning("progress of ticket import %s not written", ticket_import.pk, exc_info=True)

    try:
        yield report
    finally:
        side.close()


def _finish(
    ticket_import: TicketImport, actor: Any, *, status: str, message: str, now: dt.datetime, **counts: Any
) -> TicketImport:
    with transaction.atomic():
        before = audit.snapshot(TicketImport.objects.get(pk=ticket_import.pk))
        if status == ImportStatus.DONE:
            counts["processed_rows"] = ticket_import.total_rows
        _progress(ticket_import, status=status, message=message, finished_at=timezone.now(), **counts)
        changes = audit.diff(before, audit.snapshot(ticket_import))
        changes.pop("errors", None)
        changes.pop("event_changes", None)
        audit.record(actor=actor, action=AuditAction.TRANSITION, instance=ticket_import, changes=changes)
    return ticket_import


# --- Comparing and writing ------------------------------------------------------------------------


@dataclass
class ImportCounts:
    """What an import did (or, for a preview, would do)."""

    created: int = 0
    updated: int = 0
    changed: int = 0
    events_added: int = 0
    events_removed: int = 0
    event_changes: list[list[Any]] = field(default_factory=list)

    def summary(self, *, would: bool) -> str:
        unchanged = self.updated - self.changed
        verb = "would be " if would else ""
        text = (
            f"{self.created} ticket(s) {verb}added, {self.updated} {verb}updated"
            f"{f' ({unchanged} of them unchanged)' if unchanged else ''}"
        )
        if self.events_added or self.events_removed:
            text += f"; {self.events_added} event(s) {verb}added, {self.events_removed} {verb}removed"
        return text

    def stored(self) -> dict[str, Any]:
        return {
            "created_count": self.created,
            "updated_count": self.updated,
            "events_added_count": self.events_added,
            "events_removed_count": self.events_removed,
            "event_changes": self.event_changes,
        }


def _epoch_of(column: str) -> str:
    """SQL for a stored instant column as whole epoch seconds (NULL stays NULL): the database converts,
    not a Python datetime per value. '%%' is a literal '%' in a query sent with parameters."""
    quoted = connection.ops.quote_name(column)
    if connection.vendor == "sqlite":  # Django stores UTC text 'YYYY-MM-DD HH:MM:SS' there
        return f"CAST(strftime('%%s', {quoted}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {quoted})) AS BIGINT)"


def _epoch(value: int | None) -> int:
    """An instant read through `_epoch_of`, MISSING for none."""
    return int(MISSING) if value is None else int(value)


def _instant_text(values: np.ndarray) -> pl.Series:
    """Epoch seconds (MISSING for none) as PostgreSQL's text of a timestamptz, null for none."""
    present = values != MISSING
    text = pl.from_epoch(pl.Series(np.where(present, values, 0)), time_unit="s").dt.strftime(
        "%Y-%m-%d %H:%M:%S+00"
    )
    return text.set(pl.Series(~present), None)


def _instant_json(epoch: int) -> str | None:
    """Epoch seconds as ISO 8601 UTC text for a ticket's change record."""
    if epoch == MISSING:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field_json(name: str, value: Any) -> Any:
    return _instant_json(value) if name in INSTANT_FIELDS else (value or None)


def _chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Any:
    if connection.vendor == "postgresql":
        size = len(values) or 1  # one array parameter, whatever the count
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _among(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`: SQL and its parameters. On PostgreSQL one array parameter (`= ANY`),
    which the driver and the server take in one piece, where a list of thousands of placeholders costs
    each of them a parse per query; SQLite has no arrays, so an IN list there."""
    quoted = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"{quoted} = ANY(%s)", [list(values)]
    return f"{quoted} IN ({', '.join(['%s'] * len(values))})", list(values)


def _existing_tickets(contract_pk: int, external_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """external_id -> (pk, priority, opened, responded, resolved as epoch seconds, *claims)."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        _epoch_of(column) if name in INSTANT_FIELDS else quote(column)
        for name, column in zip(
            ["external_id", "id", *STORED_FIELDS],
            bulk.columns_of(Ticket, ["external_id", "id", *STORED_FIELDS]),
            strict=True,
        )
    )
    found: dict[str, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(external_ids):
            among, values = _among("external_id", chunk)
            cursor.execute(
                f"SELECT {columns} FROM {quote(Ticket._meta.db_table)} "
                f"WHERE {quote('contract_id')} = %s AND {among}",
                [contract_pk, *values],
            )
            for external_id, pk, priority, opened, responded, resolved, *claims in cursor.fetchall():
                found[external_id] = (
                    pk,
                    priority,
                    _epoch(opened),
                    _epoch(responded),
                    _epoch(resolved),
                    *claims,
                )
    return found


def _existing_events(ticket_pks: list[int]) -> dict[int, list[tuple[int, int, int, str]]]:
    """ticket pk -> [(event pk, seq, at as epoch seconds, state), …] in order."""
    quote = connection.ops.quote_name
    events: dict[int, list[tuple[int, int, int, str]]] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(ticket_pks):
            among, values = _among("ticket_id", chunk)
            cursor.execute(
                f"SELECT {quote('ticket_id')}, {quote('id')}, {quote('seq')}, {_epoch_of('at')}, {quote('state')} "
                f"FROM {quote(TicketEvent._meta.db_table)} "
                f"WHERE {among} "
                f"ORDER BY {quote('ticket_id')}, {quote('seq')}",
                values,
            )
            for ticket_pk, pk, seq, at, state in cursor.fetchall():
                events.setdefault(ticket_pk, []).append((pk, seq, _epoch(at), state))
    return events


def _fresh_pks(contract_pk: int, external_ids: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    pks: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(external_ids):
            among, values = _among("external_id", chunk)
            cursor.execute(
                f"SELECT {quote('external_id')}, {quote('id')} FROM {quote(Ticket._meta.db_table)} "
                f"WHERE {quote('contract_id')} = %s AND {among}",
                [contract_pk, *values],
            )
            pks.update(cursor.fetchall())
    return pks


def _delete_events(event_pks: list[int]) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for chunk in _chunks(event_pks):
            among, values = _among("id", chunk)
            cursor.execute(f"DELETE FROM {quote(TicketEvent._meta.db_table)} WHERE {among}", values)


def _apply(
    ticket_import: TicketImport, parsed: ParsedExport, *, now: dt.datetime, write: bool, counts: ImportCounts
) -> ImportCounts:
    """Compare one chunk's valid tickets and events with the stored ones batch by batch, adding to
    `counts`, and (when `write`) upsert the tickets, add and remove events and record each ticket's
    change. Run inside one transaction when writing."""
    contract = ticket_import.contract
    tickets = parsed.tickets
    keep = np.flatnonzero(parsed.valid)
    # Columns of the valid tickets; Python values are made per batch only.
    ids = tickets.ids.gather(keep).str.strip_chars()
    priorities = tickets.priority.gather(keep).str.strip_chars()
    instants = {
        "opened_at": tickets.opened_at[keep],
        "first_response_at": tickets.first_response_at[keep],
        "resolved_at": tickets.resolved_at[keep],
    }
    carried = FORMAT_CLAIMS.get(ticket_import.format, ())
    claims = {kind: tickets.vendor_claim[kind][keep] for kind in carried}
    audited = (*AUDITED_TICKET_FIELDS, *(CLAIM_FIELDS[kind] for kind in carried))

    # Events of the valid tickets, grouped by their ticket's position among `keep`, in file order.
    position = np.full(len(tickets), -1, dtype=np.int64)
    position[keep] = np.arange(keep.size)
    event_position = np.where(parsed.event_ticket >= 0, position[np.maximum(parsed.event_ticket, 0)], -1)
    chosen = np.flatnonzero(event_position >= 0)
    order = chosen[np.argsort(event_position[chosen], kind="stable")]
    event_at = parsed.events.at[order]
    event_state = parsed.events.state.gather(order).str.strip_chars()
    bounds = np.searchsorted(event_position[order], np.arange(keep.size + 1))
    del position, event_position, chosen, order

    stamp = bulk.instant_for_db(now)
    fixed = (contract.program_id, contract.pk)
    tail = (ticket_import.format, stamp, ticket_import.pk, stamp, stamp)
    update_fields = [
        "priority",
        *INSTANT_FIELDS,
        *(CLAIM_FIELDS[kind] for kind in carried),
        "source_format",
        "imported_at",
        "last_import",
        "updated_at",
    ]
    replace = ticket_import.replace_events
    for start in range(0, keep.size, TICKET_BATCH):
        stop = min(start + TICKET_BATCH, keep.size)
        batch_ids = ids.slice(start, stop - start).to_list()
        batch_priorities = priorities.slice(start, stop - start).to_list()
        batch_instants = {name: values[start:stop].tolist() for name, values in instants.items()}
        batch_claims = {
            kind: [c or "" for c in values[start:stop].tolist()] for kind, values in claims.items()
        }
        first_event, last_event = int(bounds[start]), int(bounds[stop])
        batch_event_at = event_at[first_event:last_event].tolist()
        batch_event_state = event_state.slice(first_event, last_event - first_event).to_list()

        existing = _existing_tickets(contract.pk, batch_ids)
        stored_events = _existing_events([row[0] for row in existing.values()]) if existing else {}
        if write:
            claim_columns = [
                batch_claims[kind] if kind in batch_claims else [""] * (stop - start) for kind in CLAIM_FIELDS
            ]
            if connection.vendor == "postgresql":  # columns straight into COPY, no tuple per ticket
                rows: Any = (
                    pl.DataFrame(
                        {
                            "external_id": ids.slice(start, stop - start),
                            "priority": priorities.slice(start, stop - start),
                            **{name: _instant_text(values[start:stop]) for name, values in instants.items()},
                            **{
                                field: pl.Series(column, dtype=pl.String)
                                for field, column in zip(CLAIM_FIELDS.values(), claim_columns, strict=True)
                            },
                        }
                    )
                    .with_columns(
                        program=pl.lit(contract.program_id),
                        contract=pl.lit(contract.pk),
                        source_format=pl.lit(str(ticket_import.format)),
                        imported_at=pl.lit(now.isoformat()),
                        last_import=pl.lit(ticket_import.pk),
                        created_at=pl.lit(now.isoformat()),
                        updated_at=pl.lit(now.isoformat()),
                    )
                    .select(TICKET_COLUMNS)
                )
            else:
                written = {
                    name: bulk.instants_for_write(values[start:stop]) for name, values in instants.items()
                }
                rows = [
                    (*fixed, ticket_id, priority, *row, *tail)
                    for ticket_id, priority, *row in zip(
                        batch_ids,
                        batch_priorities,
                        written["opened_at"],
                        written["first_response_at"],
                        written["resolved_at"],
                        *claim_columns,
                        strict=True,
                    )
                ]
            bulk.upsert(
                Ticket,
                TICKET_COLUMNS,
                rows,
                conflict=["contract", "external_id"],
                update=update_fields,
                copy=True,
            )
            fresh = [i for i in batch_ids if i not in existing]
            pks = {external_id: row[0] for external_id, row in existing.items()}
            if fresh:
                pks.update(_fresh_pks(contract.pk, fresh))
        # New tickets, on columns: each distinct (instant, state) of theirs is added, numbered from 0 in file
        # order (a first import is nothing but these; no Python loop per ticket or event).
        fresh_mask = np.fromiter((i not in existing for i in batch_ids), dtype=bool, count=len(batch_ids))
        owner = np.repeat(np.arange(stop - start), np.diff(bounds[start : stop + 1]))
        fresh_events = (
            pl.DataFrame(
                {
                    "owner": owner,
                    "at": event_at[first_event:last_event],
                    "state": event_state.slice(first_event, last_event - first_event),
                }
            )
            .filter(pl.Series(fresh_mask[owner]) & pl.struct("owner", "at", "state").is_first_distinct())
            .with_columns(seq=pl.int_range(pl.len()).over("owner"))
        )
        counts.created += int(fresh_mask.sum())
        counts.events_added += fresh_events.height
        changes: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []  # (ticket pk, seq, instant for the database, state)
        if write:
            fresh_pks = np.array(
                [pks[i] if new else 0 for i, new in zip(batch_ids, fresh_mask, strict=True)], dtype=np.int64
            )
        if write and connection.vendor == "postgresql":
            # Straight from the columns into COPY (CSV written by polars): no Python tuple per row.
            bulk.copy_frame(
                TicketEvent,
                pl.DataFrame(
                    {
                        "ticket": fresh_pks[fresh_events["owner"].to_numpy()],
                        "seq": fresh_events["seq"],
                        "at": pl.from_epoch(fresh_events["at"], time_unit="s").dt.strftime(
                            "%Y-%m-%d %H:%M:%S+00"
                        ),
                        "state": fresh_events["state"],
                    }
                ),
            )
            bulk.copy_frame(
                TicketChange,
                pl.DataFrame({"ticket": fresh_pks[fresh_mask]}).with_columns(
                    ticket_import=pl.lit(ticket_import.pk),
                    kind=pl.lit(str(TicketChangeKind.CREATED)),
                    changes=pl.lit("{}"),
                ),
            )
        elif write:
            changes.extend(
                (pk, ticket_import.pk, TicketChangeKind.CREATED, "{}")
                for pk in fresh_pks[fresh_mask].tolist()
            )
            event_rows.extend(
                zip(
                    fresh_pks[fresh_events["owner"].to_numpy()].tolist(),
                    fresh_events["seq"].to_list(),
                    bulk.instants_for_write(fresh_events["at"].to_numpy()),
                    fresh_events["state"].to_list(),
                    strict=True,
                )
            )
        # Stored tickets, one by one: what changes, which events are new and, under replacement, gone.
        added: list[tuple[Any, ...]] = []  # (ticket pk, seq, epoch, state)
        removed: list[int] = []
        for offset in np.flatnonzero(~fresh_mask).tolist():
            ticket_id = batch_ids[offset]
            k = start + offset
            file_events = list(
                dict.fromkeys(
                    zip(
                        batch_event_at[bounds[k] - first_event : bounds[k + 1] - first_event],
                        batch_event_state[bounds[k] - first_event : bounds[k + 1] - first_event],
                        strict=True,
                    )
                )
            )
            before = existing[ticket_id]
            pk = pks[ticket_id] if write else None
            counts.updated += 1
            old = stored_events.get(before[0], [])
            old_keys = {(at, state) for _, _, at, state in old}
            new_events = [event for event in file_events if event not in old_keys]
            file_keys = set(file_events)
            gone = [event for event in old if (event[2], event[3]) not in file_keys] if replace else []
            next_seq = max((seq for _, seq, _, _ in old), default=-1) + 1
            after = (
                batch_priorities[offset],
                *(batch_instants[name][offset] for name in INSTANT_FIELDS),
                *(batch_claims[kind][offset] for kind in carried),
            )
            was = dict(zip(STORED_FIELDS, before[1:], strict=True))
            diff = {
                name: [_field_json(name, was[name]), _field_json(name, value)]
                for name, value in zip(audited, after, strict=True)
                if was[name] != value
            }
            if new_events or gone:
                gone_pks = {event[0] for event in gone}
                kept = [(at, state) for event_pk, _, at, state in old if event_pk not in gone_pks]
                diff["events"] = [
                    [[_instant_json(at), state] for _, _, at, state in old],
                    [[_instant_json(at), state] for at, state in (*kept, *new_events)],
                ]
                # Named: stored tickets whose events change (a new ticket's events are all new).
                if len(counts.event_changes) < SHOWN_EVENT_CHANGES:
                    counts.event_changes.append([ticket_id, len(new_events), len(gone)])
            if diff:
                counts.changed += 1
                if write:
                    changes.append(
                        (pk, ticket_import.pk, TicketChangeKind.UPDATED, json.dumps(diff, sort_keys=True))
                    )
            counts.events_added += len(new_events)
            counts.events_removed += len(gone)
            if write:
                added.extend((pk, next_seq + n, at, state) for n, (at, state) in enumerate(new_events))
                removed.extend(event[0] for event in gone)
        if write:
            if removed:
                _delete_events(removed)
            if added:
                at_values = bulk.instants_for_write(np.array([row[2] for row in added], dtype=np.int64))
                event_rows.extend(
                    (pk, seq, at, state) for (pk, seq, _, state), at in zip(added, at_values, strict=True)
                )
            bulk.insert(TicketEvent, EVENT_COLUMNS, event_rows)
            bulk.insert(TicketChange, CHANGE_COLUMNS, changes)
    return counts


# --- Entry points ---------------------------------------------------------------------------------


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
    replace_events: bool = False,
    preview: bool = False,
    check: bool = True,
) -> TicketImport:
    """Import (or preview) one export synchronously, in this process (the command line, the demo, tests)."""
    ticket_import = start_ticket_import(
        contract=contract,
        file_name=file_name,
        file_format=file_format,
        mode=mode,
        actor=actor,
        date_format=date_format or "",
        replace_events=replace_events,
        preview=preview,
        check=check,
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
    files are deleted when the import has read them. The import's options (format, mode, date format,
    replacement of events, preview) are on its row.
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
    from accord.sla.services import compute_results

    ticket_import = TicketImport.objects.select_related("contract").get(pk=import_pk)
    if ticket_import.status != ImportStatus.DONE or ticket_import.preview:
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


__all__ = [
    "INTERRUPTED_MESSAGE",
    "ImportCounts",
    "close_interrupted_imports",
    "import_in_background",
    "import_tickets",
    "replace_events_error",
    "run_ticket_import",
    "run_uploaded_import",
    "start_ticket_import",
    "this_worker",
    "worker_is_gone",
]
