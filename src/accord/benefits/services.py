"""Writes with business rules in the benefits area: default success factors, measurements, imports.

Plain creates and edits of objectives, benefits, KPIs and initiatives go through the audited generic
services in `accord.core.services`; only writes with rules of their own live here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.benefits import imports
from accord.benefits.choices import DEFAULT_DIMENSIONS, SuccessDimension
from accord.benefits.models import Kpi, Measurement, SuccessFactor
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can, can_in_program
from accord.core.services import save_new_record

# What a default success factor is about, so a new program starts with more than a label.
DEFAULT_FACTOR_DESCRIPTIONS: dict[str, str] = {
    SuccessDimension.PROCESS_CHANGE: "Clinical and business workflows redesigned for the new system, not paved over.",
    SuccessDimension.TRAINING: "Every role trained before go-live and supported after it, with proficiency checked.",
    SuccessDimension.PHYSICIAN_ENGAGEMENT: "Physicians shape the design, champion it and see what is in it for them.",
    SuccessDimension.SYSTEM_DESIGN: "Build and configuration fit the workflows, order sets and documentation agreed.",
    SuccessDimension.DATA_INTEGRATION: "Interfaces, conversion and master data deliver complete, trusted information.",
    SuccessDimension.REPORTING_TOOLS: "Reports and analytics measure the benefits and let units act on them.",
    SuccessDimension.OTHER: "Anything else the benefits depend on that the dimensions above do not cover.",
}


def create_default_success_factors(
    *, program: Any, actor: Any, template: Mapping[str, Any] | None = None
) -> list[SuccessFactor]:
    """Give a program the seven default alignment dimensions; idempotent (existing ones are kept).

    A template that names its success factors (`program_template.apply`) replaces these: an outsourcing
    transition's four elements are not an EMR's seven dimensions.
    """
    if template and template.get("success_factors"):
        return []
    existing = set(SuccessFactor.objects.filter(program=program).values_list("dimension", flat=True))
    created: list[SuccessFactor] = []
    with transaction.atomic():
        for dimension in DEFAULT_DIMENSIONS:
            if dimension in existing:
                continue
            factor = SuccessFactor(
                program=program,
                dimension=dimension,
                name=SuccessDimension(dimension).label,
                description=DEFAULT_FACTOR_DESCRIPTIONS[dimension],
            )
            created.append(save_new_record(instance=factor, actor=actor))
    return created


@dataclass
class MeasurementOutcome:
    """What recording one measurement did: created, updated or left an identical row unchanged."""

    measurement: Measurement
    result: str  # "created" | "updated" | "unchanged"


def record_measurement(
    *,
    kpi: Kpi,
    value: float,
    measured_on: dt.date,
    actor: Any,
    source: str = "",
    note: str = "",
    check: bool = True,
) -> MeasurementOutcome:
    """Record a KPI's value on a date; the same KPI and date again updates that row, never duplicates it."""
    with transaction.atomic():
        current = Measurement.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
        if current is None:
            measurement = Measurement(
                program_id=kpi.program_id,
                kpi=kpi,
                value=value,
                measured_on=measured_on,
                source=source,
                note=note,
                entered_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if check and not can(actor, Action.ADD, measurement):
                raise PermissionDenied("You may not record measurements of this KPI.")
            save_new_record(instance=measurement, actor=actor)
            return MeasurementOutcome(measurement, "created")
        # Re-sending the same reading is routine for feeds; it needs the add right, not the change right,
        # unless it actually changes a stored value.
        before = audit.snapshot(current)
        current.value = value
        current.source = source or current.source
        current.note = note or current.note
        after = audit.snapshot(current)
        changes = audit.diff(before, after)
        if not changes:
            if check and not can(actor, Action.ADD, current):
                raise PermissionDenied("You may not record measurements of this KPI.")
            return MeasurementOutcome(current, "unchanged")
        if check and not (can(actor, Action.CHANGE, current) or can(actor, Action.ADD, current)):
            raise PermissionDenied("You may not change measurements of this KPI.")
        if getattr(actor, "is_authenticated", False):
            current.entered_by = actor
        current.full_clean()
        current.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=current, changes=changes)
        return MeasurementOutcome(current, "updated")


@dataclass
class ImportRow:
    """One row of an import file, as previewed: what it says, what it resolves to, what is wrong with it."""

    line: int
    kpi_ref: str
    value_text: str
    measured_on_text: str
    source: str
    kpi: Kpi | None = None
    value: float | None = None
    measured_on: dt.date | None = None
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # "create" | "update" | "unchanged" in a preview; "created" … after the import

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "kpi": self.kpi.pk if self.kpi else None,
            "kpi_ref": self.kpi_ref,
            "kpi_name": self.kpi.name if self.kpi else None,
            "value": self.value,
            "measured_on": self.measured_on.isoformat() if self.measured_on else None,
            "source": self.source,
            "errors": self.errors,
            "outcome": self.outcome,
        }


@dataclass
class ImportPreview:
    """Every row of a file, checked; `ok` only when no row has an error (then the whole file may be applied)."""

    filename: str
    kind: str
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for row in self.rows if row.errors)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.rows:
            if row.ok:
                totals[row.outcome] = totals.get(row.outcome, 0) + 1
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "kind": self.kind,
            "ok": self.ok,
            "file_errors": self.file_errors,
            "counts": self.counts(),
            "rows": [row.as_dict() for row in self.rows],
        }


def _parse_number(text: str) -> float | None:
    try:
        number = float(text.replace(",", "")) if text else None
    except ValueError:
        return None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def preview_measurement_import(
    *, program: Any, user: Any, filename: str, content: bytes, decimal: str = imports.DECIMAL_AUTO
) -> ImportPreview:
    """Parse and check every row of a CSV, XLSX or FHIR JSON file without saving anything.

    `decimal` says how text numbers write decimals (see imports.DECIMAL_CHOICES)."""
    try:
        kind, raw_rows = imports.read_measurement_file(filename=filename, content=content, decimal=decimal)
    except imports.ImportFileError as error:
        return ImportPreview(filename=filename, kind="unknown", rows=[], file_errors=[str(error)])
    kpis = list(Kpi.objects.visible_to(user).filter(program=program).select_related("benefit"))
    by_id = {str(k.pk): k for k in kpis}
    by_name = {k.name: k for k in kpis}
    by_measure: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        if kpi.fhir_measure_url:
            by_measure.setdefault(kpi.fhir_measure_url, []).append(kpi)
    rows: list[ImportRow] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for raw in _valued_for_each_kpi(raw_rows, by_measure):
        row = ImportRow(
            line=raw.line,
            kpi_ref=raw.kpi,
            value_text=raw.value,
            measured_on_text=raw.measured_on,
            source=raw.source[:200],
            errors=list(raw.errors),
        )
        if raw.measure_url is not None:
            row.kpi = raw.fhir_kpi
            if row.kpi is None and not raw.errors:
                row.errors.append(
                    f"No KPI of this program is mapped to the FHIR measure {raw.measure_url!r}."
                )
        elif not raw.kpi:
            row.errors.append("The kpi column is empty.")
        else:
            row.kpi = by_id.get(raw.kpi) or by_name.get(raw.kpi)
            if row.kpi is None:
                row.errors.append(
                    f"Unknown KPI {raw.kpi!r}: give a KPI id or its exact name in this program."
                )
        if row.kpi is not None and not can(user, Action.ADD, Measurement(program_id=program.pk, kpi=row.kpi)):
            row.errors.append(f"You may not record measurements of {row.kpi.name!r}.")
        if not raw.errors:
            row.value = _parse_number(raw.value)
            if row.value is None:
                row.errors.append(f"The value {raw.value!r} is not a number.")
            elif raw.fraction and row.kpi is not None and row.kpi.unit.strip() == "%":
                row.value = round(row.value * 100, 9)
            row.measured_on = _parse_date(raw.measured_on)
            if row.measured_on is None:
                row.errors.append(f"The date {raw.measured_on!r} is not a date (YYYY-MM-DD).")
        if row.kpi is not None and row.measured_on is not None:
            key = (row.kpi.pk, row.measured_on)
            if key in seen:
                row.errors.append(
                    f"Duplicates line {seen[key]}: the same KPI and date appear twice in the file."
                )
            else:
                seen[key] = row.line
        rows.append(row)
    if not rows:
        return ImportPreview(
            filename=filename, kind=kind, rows=[], file_errors=["The file has no data rows."]
        )
    _mark_outcomes(rows)
    return ImportPreview(filename=filename, kind=kind, rows=rows)


@dataclass
class _FhirRowForKpi(imports.RawRow):
    fhir_kpi: Kpi | None = None


def _valued_for_each_kpi(raw_rows: list[imports.RawRow], by_measure: dict[str, list[Kpi]]) -> Iterable[Any]:
    """CSV and XLSX rows as they are; a FHIR report once per KPI mapped to its measure, valued as that KPI
    reads the report's groups (one site's group, or all sites aggregated)."""
    for raw in raw_rows:
        if raw.measure_url is None:
            yield raw
            continue
        targets = by_measure.get(raw.measure_url.split("|")[0]) or [None]
        for kpi in targets:
            row = _FhirRowForKpi(**{**raw.__dict__, "errors": list(raw.errors)}, fhir_kpi=kpi)
            if kpi is not None and not row.errors:
                value, fraction, error = imports.fhir_value(raw.groups, kpi.fhir_group_code)
                if error:
                    row.errors.append(error)
                else:
                    row.value, row.fraction = imports.decimal_text(value), fraction
            yield row


def _mark_outcomes(rows: Iterable[ImportRow]) -> None:
    """Tell a preview which rows create, update or leave unchanged a stored measurement (one query)."""
    valid = [r for r in rows if r.ok]
    if not valid:
        return
    stored = {
        (m.kpi_id, m.measured_on): m
        for m in Measurement.objects.filter(
            kpi_id__in={r.kpi.pk for r in valid}, measured_on__in={r.measured_on for r in valid}
        )
    }
    for row in valid:
        current = stored.get((row.kpi.pk, row.measured_on))
        if current is None:
            row.outcome = "create"
        elif current.value == row.value and (not row.source or row.source == current.source):
            row.outcome = "unchanged"
        else:
            row.outcome = "update"


def import_measurements(
    *, program: Any, actor: Any, filename: str, content: bytes, decimal: str = imports.DECIMAL_AUTO
) -> ImportPreview:
    """Apply a file whose every row is valid, in one transaction; with any error nothing is saved.

    Returns the checked rows with their outcome ("created", "updated", "unchanged").
    """
    if not can_in_program(actor, Action.ADD, "measurements", program.pk):
        raise PermissionDenied("Your role in this program may not record measurements.")
    preview = preview_measurement_import(
        program=program, user=actor, filename=filename, content=content, decimal=decimal
    )
    if not preview.ok:
        return preview
    try:
        with transaction.atomic():
            for row in preview.rows:
                outcome = record_measurement(
                    kpi=row.kpi, value=row.value, measured_on=row.measured_on, source=row.source, actor=actor
                )
                row.outcome = outcome.result
            audit.record(
                actor=actor,
                action=AuditAction.EVENT,
                program_id=program.pk,
                object_type="benefits.measurementimport",
                object_repr=f"Imported {filename}"[:300],
                changes={
                    "file": [None, filename],
                    "rows": [None, len(preview.rows)],
                    **{k: [None, v] for k, v in preview.counts().items()},
                },
            )
    except ValidationError as error:
        preview.file_errors.append("Nothing was saved: " + "; ".join(error.messages))
    return preview
