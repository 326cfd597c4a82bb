"""Reading measurement files (CSV, XLSX, FHIR R4 MeasureReport JSON) into raw rows, without judging them.

The services check each raw row against the program's KPIs; this module only turns bytes into rows
and reports what it could not read, row by row, so one bad row never hides the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

REQUIRED_COLUMNS = ("kpi", "value", "measured_on")
COLUMNS = (*REQUIRED_COLUMNS, "source")
MAX_ROWS = 10_000

# FHIR measure-population codes used by proportion scoring.
NUMERATOR = "numerator"
NUMERATOR_EXCLUSION = "numerator-exclusion"
DENOMINATOR = "denominator"
DENOMINATOR_EXCLUSION = "denominator-exclusion"
DENOMINATOR_EXCEPTION = "denominator-exception"


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, missing columns, not JSON, too many rows)."""


@dataclass
class RawRow:
    """One row as read from the file; `measure_url` is set for FHIR rows, which name a measure, not a KPI.

    `fraction` marks a FHIR score that is a proportion (0-1): a KPI measured in % receives it x 100.
    """

    line: int
    kpi: str
    value: str
    measured_on: str
    source: str = ""
    measure_url: str | None = None
    fraction: bool = False
    errors: list[str] = field(default_factory=list)


def read_measurement_file(*, filename: str, content: bytes) -> tuple[str, list[RawRow]]:
    """(kind, rows) for a CSV, XLSX or FHIR JSON upload; the kind is decided by extension, then content."""
    name = filename.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return "xlsx", read_xlsx(content)
    if name.endswith(".json") or content.lstrip()[:1] == b"{":
        return "fhir", read_fhir(content)
    if name.endswith((".csv", ".txt")) or not name:
        return "csv", read_csv(content)
    raise ImportFileError("Upload a .csv, .xlsx or FHIR .json file.")


def _header_index(header: list[str]) -> dict[str, int]:
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ImportFileError(
            f"Missing column(s): {', '.join(missing)}. The first row must name the columns kpi, value, "
            "measured_on and optionally source."
        )
    return {c: names.index(c) for c in COLUMNS if c in names}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _rows_from_table(table: list[list[Any]]) -> list[RawRow]:
    if not table:
        raise ImportFileError("The file is empty.")
    index = _header_index(table[0])
    rows: list[RawRow] = []
    for number, cells in enumerate(table[1:], start=2):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue  # blank lines are layout, not data

        def cell(column: str, texts: list[str] = texts) -> str:
            position = index.get(column)
            return texts[position] if position is not None and position < len(texts) else ""

        rows.append(RawRow(line=number, kpi=cell("kpi"), value=cell("value"), measured_on=cell("measured_on"),
                           source=cell("source")))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"More than {MAX_ROWS} rows: split the file.")
    return rows


def read_csv(content: bytes) -> list[RawRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError("The CSV file is not UTF-8 text.") from error
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _rows_from_table(list(csv.reader(io.StringIO(text), dialect)))


def read_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a damaged file
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    try:
        sheet = workbook.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()
    return _rows_from_table(table)


def read_fhir(content: bytes) -> list[RawRow]:
    """Rows from one MeasureReport or a Bundle of them; each resource becomes one row.

    fhir.resources 8 models R5 at its top level and R4B in `fhir.resources.R4B`. R4B changed nothing in
    MeasureReport relative to R4 (same elements, same cardinalities), so R4 MeasureReports validate
    as R4B; R5 renamed and added elements and would reject or misread R4 JSON.
    """
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(f"The file is not valid JSON: {error}.") from error
    if not isinstance(document, dict):
        raise ImportFileError("Expected a FHIR MeasureReport or Bundle object.")
    kind = document.get("resourceType")
    if kind == "MeasureReport":
        resources = [document]
    elif kind == "Bundle":
        resources = [(entry or {}).get("resource") for entry in document.get("entry") or []]
    else:
        raise ImportFileError(f"Expected a FHIR MeasureReport or Bundle, not {kind or 'an unnamed resource'}.")
    if len(resources) > MAX_ROWS:
        raise ImportFileError(f"More than {MAX_ROWS} resources: split the bundle.")
    return [_row_from_measure_report(number, resource) for number, resource in enumerate(resources, start=1)]


def _population_count(group: Any, code: str) -> int | None:
    for population in group.population or []:
        codes = {c.code for c in (population.code.coding or [])} if population.code else set()
        if code in codes:
            return population.count
    return None


def _end_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


def _row_from_measure_report(number: int, resource: Any) -> RawRow:
    from fhir.resources.R4B.measurereport import MeasureReport
    from pydantic import ValidationError

    row = RawRow(line=number, kpi="", value="", measured_on="")
    if not isinstance(resource, dict) or resource.get("resourceType") != "MeasureReport":
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        row.errors.append(f"Entry {number} is {kind or 'not a resource'}, not a MeasureReport.")
        return row
    row.kpi = str(resource.get("measure") or "")
    row.measure_url = row.kpi
    try:
        report = MeasureReport.model_validate(resource)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3])
        row.errors.append(f"Not a valid FHIR R4 MeasureReport ({problems}).")
        return row
    row.source = f"FHIR MeasureReport/{report.id}" if report.id else "FHIR MeasureReport"
    if report.reporter is not None and report.reporter.display:
        row.source += f" from {report.reporter.display}"
    row.measured_on = _end_date(report.period.end if report.period else None)
    if not row.measured_on:
        row.errors.append("The report has no period.end, the date the measurement is taken for.")
    groups = report.group or []
    if not groups:
        row.errors.append("The report has no group, so no score or populations.")
        return row
    group = groups[0]
    score = group.measureScore
    if score is not None and score.value is not None:
        row.value = _decimal_text(score.value)
        # A proportion score is 0-1 (FHIR's convention); one already in % says so with its unit.
        row.fraction = (score.code or score.unit or "").strip() != "%" and 0 <= score.value <= 1
        return row
    numerator = _population_count(group, NUMERATOR)
    denominator = _population_count(group, DENOMINATOR)
    if numerator is None or denominator is None:
        row.errors.append("The first group has neither a measureScore nor numerator and denominator counts.")
        return row
    # Proportion scoring: (numerator - exclusions) / (denominator - exclusions - exceptions).
    numerator -= _population_count(group, NUMERATOR_EXCLUSION) or 0
    denominator -= (_population_count(group, DENOMINATOR_EXCLUSION) or 0) + (
        _population_count(group, DENOMINATOR_EXCEPTION) or 0)
    if denominator <= 0:
        row.errors.append("The denominator (after exclusions and exceptions) is zero: no score can be taken.")
        return row
    row.value = _decimal_text(Decimal(numerator) / Decimal(denominator))
    row.fraction = True
    return row


def _decimal_text(value: Decimal | float | int) -> str:
    return format(Decimal(str(value)).normalize(), "f")
