"""Adherence reconciliation: what the partner's own records show that change control did not approve.

Sources are the partner's ServiceNow exports (change_request and incident tables, CSV as the list view
exports them), the tickets already imported for SLAs, and Accord's own change records. Each run upserts
findings by kind and reference, so the same export read twice lists each problem once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from accord.change_control.choices import (
    APPROVED_OR_LATER,
    ChangeState,
    ChangeType,
    FindingKind,
    FindingSource,
)
from accord.change_control.models import ChangeRequest, ReconciliationFinding
from accord.change_control.windows import WallTimeError, localise, valid_zone
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, Visibility, can, can_in_program

MAX_EXPORT_BYTES = 20 * 1024 * 1024
CHANGE_COLUMNS = {"number", "short_description", "type", "state", "work_start", "work_end"}
INCIDENT_COLUMNS = {"number", "short_description", "caused_by", "opened_at"}
# ServiceNow change states after which the work has been (or is being) done.
WORK_DONE_STATES = {"implement", "review", "closed"}
# An emergency change is reviewed within this many days of being carried out.
EMERGENCY_REVIEW_DAYS = 5


@dataclass(frozen=True)
class Observation:
    kind: str
    source: str
    reference: str
    summary: str
    occurred_at: dt.datetime | None
    change: ChangeRequest | None = None


@dataclass
class RunResult:
    format: str
    rows: int
    findings: list[ReconciliationFinding]
    new: int


def _read_rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    if len(content) > MAX_EXPORT_BYTES:
        raise ValidationError(
            f"The export is larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MiB; split it by month."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError("The export is not UTF-8 text; export it again as CSV (UTF-8).") from error
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    return header, rows


def detect_format(header: list[str]) -> str:
    columns = set(header)
    if columns >= CHANGE_COLUMNS:
        return FindingSource.SERVICENOW_CHANGES
    if columns >= INCIDENT_COLUMNS:
        return FindingSource.SERVICENOW_INCIDENTS
    raise ValidationError(
        "Not a ServiceNow change or incident export: a change export needs the columns "
        f"{', '.join(sorted(CHANGE_COLUMNS))}; an incident export {', '.join(sorted(INCIDENT_COLUMNS))}."
    )


def _when(value: str, zone: str, line: int, column: str, errors: list[str]) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace("T", " "))
    if parsed is None:
        errors.append(f"line {line}: {column} {value!r} is not a date and time (YYYY-MM-DD HH:MM:SS).")
        return None
    try:
        return localise(parsed, zone)
    except WallTimeError as error:
        errors.append(f"line {line}: {column}: {error}")
        return None


def _approved_by_reference(program: Any) -> dict[str, ChangeRequest]:
    return {
        c.external_reference: c
        for c in ChangeRequest.objects.filter(program=program, state__in=APPROVED_OR_LATER).exclude(
            external_reference=""
        )
    }


def observe_change_export(
    rows: list[dict[str, str]], *, program: Any, zone: str
) -> tuple[list[Observation], list[str]]:
    """Changes carried out without an approved request, and approved ones carried out outside their window."""
    approved = _approved_by_reference(program)
    found: list[Observation] = []
    errors: list[str] = []
    for line, row in enumerate(rows, start=2):
        number = row.get("number", "").upper()
        if not number:
            errors.append(f"line {line}: no change number.")
            continue
        work_start = _when(row.get("work_start", ""), zone, line, "work_start", errors)
        work_end = _when(row.get("work_end", ""), zone, line, "work_end", errors)
        worked = row.get("state", "").lower() in WORK_DONE_STATES or work_start is not None
        if not worked:
            continue
        title = row.get("short_description", "")
        change = approved.get(number)
        if change is None:
            found.append(
                Observation(
                    FindingKind.UNAPPROVED_CHANGE,
                    FindingSource.SERVICENOW_CHANGES,
                    number,
                    f'{number} ({row.get("type", "") or "change"}, {row.get("state", "")}) "{title}" was carried '
                    f"out{' on ' + row['cmdb_ci'] if row.get('cmdb_ci') else ''} with no approved change request.",
                    work_start,
                )
            )
        elif change.planned_start and change.planned_end and work_start is not None:
            end = work_end or work_start
            if work_start < change.planned_start or end > change.planned_end:
                found.append(
                    Observation(
                        FindingKind.OUTSIDE_WINDOW,
                        FindingSource.SERVICENOW_CHANGES,
                        number,
                        f"{number} ran {work_start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, outside the window "
                        f"approved for {change.reference} ({change.planned_start:%Y-%m-%d %H:%M} to "
                        f"{change.planned_end:%Y-%m-%d %H:%M} UTC).",
                        work_start,
                        change,
                    )
                )
    return found, errors


def observe_incident_export(
    rows: list[dict[str, str]], *, program: Any, zone: str
) -> tuple[list[Observation], list[str]]:
    """Incidents the partner attributes to a change that was never approved here."""
    approved = _approved_by_reference(program)
    found: list[Observation] = []
    errors: list[str] = []
    for line, row in enumerate(rows, start=2):
        cause = row.get("caused_by", "").upper()
        if not cause:
            continue
        opened = _when(row.get("opened_at", ""), zone, line, "opened_at", errors)
        if cause in approved:
            continue
        number = row.get("number", "").upper() or f"line {line}"
        found.append(
            Observation(
                FindingKind.UNAPPROVED_CAUSE,
                FindingSource.SERVICENOW_INCIDENTS,
                number,
                f'Incident {number} "{row.get("short_description", "")}" was caused by {cause}, which has no '
                "approved change request.",
                opened,
            )
        )
    return found, errors


def observe_sla_tickets(*, program: Any) -> list[Observation]:
    """Change tickets (CHG numbers) among the tickets imported for SLAs that no approved request covers."""
    from accord.sla.models import Ticket

    approved = _approved_by_reference(program)
    tickets = Ticket.objects.filter(program=program, external_id__istartswith="CHG").select_related(
        "contract"
    )
    return [
        Observation(
            FindingKind.UNAPPROVED_CHANGE,
            FindingSource.SLA_TICKETS,
            ticket.external_id.upper(),
            f"{ticket.external_id} in the {ticket.contract} ticket import (opened {ticket.opened_at:%Y-%m-%d %H:%M} "
            "UTC) has no approved change request.",
            ticket.opened_at,
        )
        for ticket in tickets
        if ticket.external_id.upper() not in approved
    ]


def observe_change_records(*, program: Any, now: dt.datetime) -> list[Observation]:
    """Emergency changes carried out more than EMERGENCY_REVIEW_DAYS ago and not yet reviewed."""
    late = now - dt.timedelta(days=EMERGENCY_REVIEW_DAYS)
    changes = ChangeRequest.objects.filter(
        program=program, change_type=ChangeType.EMERGENCY, state=ChangeState.IMPLEMENTED, actual_end__lt=late
    )
    return [
        Observation(
            FindingKind.EMERGENCY_NOT_REVIEWED,
            FindingSource.CHANGE_RECORDS,
            change.reference,
            f"Emergency change {change} was carried out on {change.actual_end:%Y-%m-%d} and has had no "
            "post-implementation review.",
            change.actual_end,
            change,
        )
        for change in changes
    ]


def _store(
    program: Any, observations: list[Observation], now: dt.datetime
) -> tuple[list[ReconciliationFinding], int]:
    stored, new = [], 0
    for seen in observations:
        finding, created = ReconciliationFinding.objects.update_or_create(
            program=program,
            kind=seen.kind,
            external_reference=seen.reference[:60],
            defaults={
                "source": seen.source,
                "summary": seen.summary,
                "occurred_at": seen.occurred_at,
                "change": seen.change,
                "last_found_at": now,
            },
            create_defaults={
                "source": seen.source,
                "summary": seen.summary,
                "occurred_at": seen.occurred_at,
                "change": seen.change,
                "first_found_at": now,
                "last_found_at": now,
            },
        )
        new += created
        stored.append(finding)
    return stored, new


def reconcile(
    *, program: Any, actor: Any, now: dt.datetime, content: bytes | None = None, time_zone: str = "UTC"
) -> RunResult:
    """Read an export (if given), the SLA tickets and the change records; store what they show.

    A file with any unreadable row stores nothing and says which lines are wrong.
    """
    if not can_in_program(actor, "reconcile", "changes", program.pk):
        raise PermissionDenied("Your role may not run the change reconciliation.")
    if not valid_zone(time_zone):
        raise ValidationError({"time_zone": f"{time_zone!r} is not a time zone name."})
    observations: list[Observation] = []
    source, rows = "records", 0
    if content is not None:
        header, parsed = _read_rows(content)
        source, rows = detect_format(header), len(parsed)
        observe = (
            observe_change_export if source == FindingSource.SERVICENOW_CHANGES else observe_incident_export
        )
        found, errors = observe(parsed, program=program, zone=time_zone)
        if errors:
            shown = errors[:20] + ([f"… and {len(errors) - 20} more."] if len(errors) > 20 else [])
            raise ValidationError(shown)
        observations += found
    observations += observe_sla_tickets(program=program)
    observations += observe_change_records(program=program, now=now)
    with transaction.atomic():
        stored, new = _store(program, observations, now)
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            program_id=program.pk,
            object_type="change_control.reconciliationfinding",
            changes={
                "reconciled": [None, {"source": source, "rows": rows, "findings": len(stored), "new": new}]
            },
            at=now,
        )
    return RunResult(format=source, rows=rows, findings=stored, new=new)


def raise_flag_for_finding(*, finding: ReconciliationFinding, actor: Any, now: dt.datetime) -> Any:
    """One click: a red flag on the finding (once), internal to the hospital unless a partner raises it."""
    from accord.governance.choices import Severity
    from accord.governance.services import raise_red_flag

    if not can(actor, Action.VIEW, finding):
        raise PermissionDenied("You do not see this finding.")
    with transaction.atomic():
        finding = ReconciliationFinding.objects.select_for_update().get(pk=finding.pk)
        if finding.red_flag_id is not None:
            raise ValidationError("A red flag has already been raised on this finding.")
        severity = Severity.HIGH if finding.kind != FindingKind.OUTSIDE_WINDOW else Severity.MEDIUM
        flag = raise_red_flag(
            program=finding.program,
            actor=actor,
            title=f"Change control: {finding.get_kind_display().lower()} ({finding.external_reference})"[
                :200
            ],
            description=f"{finding.summary}\n\nFound by change reconciliation ({finding.get_source_display()}).",
            severity=severity,
            visibility=None if not _hospital(actor, finding.program_id) else Visibility.INTERNAL,
            now=now,
        )
        finding.red_flag = flag
        finding.save(update_fields=["red_flag", "updated_at"])
    return flag


def _hospital(actor: Any, program_id: int) -> bool:
    from accord.core.permissions import role_in, sees_internal

    role = role_in(actor, program_id)
    return role is not None and sees_internal(role)
