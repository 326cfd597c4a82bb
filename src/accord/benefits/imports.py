"""Reading measurement files (CSV, XLSX, FHIR R4 MeasureReport JSON) into raw rows, without judging them.

The services check each raw row against the program's KPIs; this module only turns bytes into rows
and reports what it could not read, row by row, so one bad row never hides the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

REQUIRED_COLUMNS = ("kpi", "value", "measured_on")
COLUMNS = (*REQUIRED_COLUMNS, "source")
MAX_ROWS = 10_000
MAX_COLUMNS = 50
# Each resource is validated by pydantic (~1 ms): 1,000 keeps a preview within a second.
MAX_FHIR_RESOURCES = 1_000
# A sheet's XML compresses ~5-20x; far beyond that the zip is built to unpack into a flood of cells.
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 500

# How a file writes its decimals: "auto" decides from the CSV separator (';' means decimal commas).
DECIMAL_AUTO = "auto"
DECIMAL_COMMA = "comma"
DECIMAL_POINT = "point"
DECIMAL_CHOICES = (
    (DECIMAL_AUTO, "From the file: decimal comma when its separator is ';', otherwise decimal point"),
    (DECIMAL_POINT, "Decimal point (3.1)"),
    (DECIMAL_COMMA, "Decimal comma (3,1)"),
)

# FHIR measure-population codes used by proportion scoring.
NUMERATOR = "numerator"
NUMERATOR_EXCLUSION = "numerator-exclusion"
DENOMINATOR = "denominator"
DENOMINATOR_EXCLUSION = "denominator-exclusion"
DENOMINATOR_EXCEPTION = "denominator-exception"


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, missing columns, not JSON, too many rows)."""


@dataclass(frozen=True)
class FhirGroup:
    """One group of a MeasureReport: a site, a unit or a stratum of the measure, as the report codes it.

    `numerator` and `denominator` are after exclusions and exceptions (proportion scoring), None when the
    group carries no such populations."""

    code: str
    score: Decimal | None = None
    score_is_fraction: bool = False
    numerator: int | None = None
    denominator: int | None = None

    @property
    def label(self) -> str:
        return repr(self.code) if self.code else "(uncoded)"


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
    # A FHIR report's groups: which one (or their aggregate) is the value depends on the KPI it feeds.
    groups: list[FhirGroup] = field(default_factory=list)


def max_upload_bytes() -> int:
    return int(settings.ACCORD_MEASUREMENT_UPLOAD_MAX_MB * 1_000_000)


def megabytes(size: float) -> str:
    value = size / 1_000_000
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def read_measurement_file(
    *, filename: str, content: bytes, decimal: str = DECIMAL_AUTO
) -> tuple[str, list[RawRow]]:
    """(kind, rows) for a CSV, XLSX or FHIR JSON upload; the kind is decided by extension, then content.

    Every path (page, API) passes through here, so the size ceiling and the XLSX budget hold for all.
    """
    if len(content) > max_upload_bytes():
        raise ImportFileError(
            f"The file is {megabytes(len(content))} MB; a measurement file may be at most "
            f"{megabytes(max_upload_bytes())} MB."
        )
    name = filename.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return "xlsx", read_xlsx(content, decimal_comma=decimal == DECIMAL_COMMA)
    if name.endswith(".json") or content.lstrip()[:1] == b"{":
        return "fhir", read_fhir(content)
    if name.endswith((".csv", ".txt")) or not name:
        return "csv", read_csv(content, decimal=decimal)
    raise ImportFileError("Upload a .csv, .xlsx or FHIR .json file.")


# --- Numbers ---------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[+-]?(\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?")
_COMMA = re.compile(r"([+-]?)(\d+),(\d+)")


def normalise_number(text: str, *, decimal_comma: bool) -> tuple[str, str | None]:
    """(number with a decimal point, None) or (text, error): a separator is read or refused, never dropped.

    With decimal commas 3,1 is 3.1; 1,234 and 1.234 are refused there (a thousands group or three
    decimals?), as is any mix such as 1.234,5. With decimal points a comma is refused with a hint.
    """
    value = text.strip()
    if not value:
        return value, None
    has_comma, has_point = "," in value, "." in value
    if has_comma and has_point:
        example = "1234,5" if decimal_comma else "1234.5"
        return text, (
            f"The value {text!r} mixes '.' and ',' (a thousands separator?): write it with one decimal "
            f"separator and no thousands separator, e.g. {example}."
        )
    if value.count(",") > 1 or value.count(".") > 1:
        return (
            text,
            f"The value {text!r} has several separators (thousands?): write it without them, e.g. 1234567.",
        )
    if has_comma:
        if not decimal_comma:
            return text, (
                f"The value {text!r} has a comma, but this file's numbers are read with a decimal point: write "
                f"{value.replace(',', '.')}, or choose “decimal comma” on the upload form (a CSV separated "
                "by ';' is read with decimal commas)."
            )
        match = _COMMA.fullmatch(value)
        if match is None:
            return text, None  # not a number at all: the caller reports it as such
        sign, whole, fraction = match.groups()
        if len(fraction) == 3 and len(whole.lstrip("0") or "0") <= 3 and whole != "0":
            return text, (
                f"The value {text!r} is ambiguous: {whole}{fraction} with a thousands separator, or "
                f"{whole}.{fraction}? Write {whole}{fraction} for the first, or {value}0 for the second."
            )
        return f"{sign}{whole}.{fraction}", None
    if has_point and decimal_comma:
        match = _PLAIN.fullmatch(value)
        if (
            match is not None
            and match.group(2) is not None
            and len(match.group(2)) == 3
            and match.group(1) != "0"
        ):
            whole, fraction = match.group(1), match.group(2)
            return text, (
                f"The value {text!r} is ambiguous in a file with decimal commas: {whole}{fraction} with a "
                f"thousands separator, or {whole},{fraction}? Write {whole}{fraction} or {whole},{fraction}0."
            )
    return value, None


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


def _rows_from_table(table: list[list[Any]], *, decimal_comma: bool) -> list[RawRow]:
    if not table:
        raise ImportFileError("The file is empty.")
    index = _header_index(table[0])
    value_at = index["value"]
    rows: list[RawRow] = []
    for number, cells in enumerate(table[1:], start=2):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue  # blank lines are layout, not data

        def cell(column: str, texts: list[str] = texts) -> str:
            position = index.get(column)
            return texts[position] if position is not None and position < len(texts) else ""

        row = RawRow(
            line=number,
            kpi=cell("kpi"),
            value=cell("value"),
            measured_on=cell("measured_on"),
            source=cell("source"),
        )
        typed = value_at < len(cells) and isinstance(cells[value_at], int | float)
        if not typed:  # a spreadsheet's numeric cell has no separators to read; text does
            row.value, error = normalise_number(row.value, decimal_comma=decimal_comma)
            if error:
                row.errors.append(error)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"More than {MAX_ROWS} rows: split the file.")
    return rows


def _csv_delimiter(text: str) -> str:
    """The separator that splits the header into the required columns (a sniffer guesses wrong when
    decimal commas make ',' frequent in a ';'-separated file)."""
    first = text.split("\n", 1)[0]
    for delimiter in (";", "\t", ","):
        names = {part.strip().lower() for part in next(csv.reader([first], delimiter=delimiter), [])}
        if set(REQUIRED_COLUMNS) <= names:
            return delimiter
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_csv(content: bytes, *, decimal: str = DECIMAL_AUTO) -> list[RawRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError("The CSV file is not UTF-8 text.") from error
    delimiter = _csv_delimiter(text)
    decimal_comma = decimal == DECIMAL_COMMA or (decimal == DECIMAL_AUTO and delimiter == ";")
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return _rows_from_table(table, decimal_comma=decimal_comma)


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_xlsx_budget(content: bytes) -> None:
    """Refuse a workbook before parsing when it would unpack past the budget.

    A 150 kB zip can hold millions of cells: the declared uncompressed sizes of its parts, their
    compression ratio and each sheet's <dimension ref> are read from the zip directory and the first
    bytes of each sheet, which costs milliseconds whatever the workbook holds.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(
                f"The workbook has {len(members)} parts; a measurement workbook needs a handful."
            )
        unpacked = sum(m.file_size for m in members)
        limit = settings.ACCORD_XLSX_MAX_UNPACKED_MB * 1_000_000
        if unpacked > limit:
            raise ImportFileError(
                f"The workbook unpacks to {megabytes(unpacked)} MB; the limit is {megabytes(limit)} MB. "
                f"Keep only the columns {', '.join(COLUMNS)} on the first sheet, or upload a CSV."
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO:
                raise ImportFileError(
                    f"The workbook's part {member.filename} is compressed {ratio:.0f} to 1 (a normal sheet is "
                    f"under {MAX_COMPRESSION_RATIO} to 1): it is refused unread."
                )
        max_cells = settings.ACCORD_XLSX_MAX_CELLS
        for member in members:
            if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
                continue
            with archive.open(member) as sheet:
                head = sheet.read(8192)
            match = _DIMENSION.search(head)
            if match is None:
                continue
            first_col, first_row, last_col, last_row = match.groups()
            rows = int(last_row or first_row) - int(first_row) + 1
            columns = _column_number(last_col or first_col) - _column_number(first_col) + 1
            if rows * columns > max_cells:
                raise ImportFileError(
                    f"The sheet {member.filename.rsplit('/', 1)[-1]} spans {rows:,} rows by {columns:,} columns "
                    f"({rows * columns:,} cells); a measurement workbook may hold at most {max_cells:,} cells."
                )


def read_xlsx(content: bytes, *, decimal_comma: bool = False) -> list[RawRow]:
    from openpyxl import load_workbook

    check_xlsx_budget(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a damaged file
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    max_cells = settings.ACCORD_XLSX_MAX_CELLS
    table: list[list[Any]] = []
    cells = 0
    try:
        sheet = workbook.worksheets[0]
        # A sheet may omit or misstate its <dimension>: the cells are counted as they stream in too.
        for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS):
            width = len(row)  # openpyxl pads a row to max_col: count up to its last value
            while width and row[width - 1] is None:
                width -= 1
            cells += max(width, 1)
            if cells > max_cells:
                raise ImportFileError(
                    f"The first sheet holds more than {max_cells:,} cells, the most a measurement workbook may "
                    f"hold: keep only the columns {', '.join(COLUMNS)}, split the file, or upload a CSV."
                )
            table.append(list(row))
    except ImportFileError:
        raise
    except Exception as error:  # a part cut short by its declared size, or damaged XML
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    finally:
        workbook.close()
    return _rows_from_table(table, decimal_comma=decimal_comma)


def read_fhir(content: bytes) -> list[RawRow]:
    """Rows from one MeasureReport or a Bundle of them (a collection, or a searchset as a FHIR server's
    `MeasureReport?…` search returns it); each report becomes one row whose groups are read, not yet valued.

    fhir.resources 8 models R5 at its top level and R4B in `fhir.resources.R4B`. R4B changed nothing in
    MeasureReport relative to R4 (same elements, same cardinalities), so R4 MeasureReports validate
    as R4B; R5 renamed and added elements and would reject or misread R4 JSON.
    """
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and a number of more digits than Python converts (4,300);
        # RecursionError, JSON nested deeper than the parser recurses.
        raise ImportFileError(f"The file is not valid JSON: {error}.") from error
    if not isinstance(document, dict):
        raise ImportFileError("Expected a FHIR MeasureReport or Bundle object.")
    kind = document.get("resourceType")
    if kind == "MeasureReport":
        resources = [document]
    elif kind == "Bundle":
        entries = [entry for entry in document.get("entry") or [] if isinstance(entry, dict)]
        _refuse_failed_search(entries)
        # A searchset carries the server's remarks on the search as OperationOutcome entries (search.mode
        # "outcome"); they are about the search, not reports, and are no rows.
        resources = [entry.get("resource") for entry in entries if not _is_search_outcome(entry)]
    else:
        raise ImportFileError(
            f"Expected a FHIR MeasureReport or Bundle, not {kind or 'an unnamed resource'}."
        )
    if len(resources) > MAX_FHIR_RESOURCES:
        raise ImportFileError(
            f"The bundle holds {len(resources):,} resources; at most {MAX_FHIR_RESOURCES:,} are read at once: "
            "split the bundle."
        )
    return [_row_from_measure_report(number, resource) for number, resource in enumerate(resources, start=1)]


def _is_search_outcome(entry: dict[str, Any]) -> bool:
    resource = entry.get("resource")
    search = entry.get("search")
    return (isinstance(search, dict) and search.get("mode") == "outcome") or (
        isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome"
    )


def _refuse_failed_search(entries: list[dict[str, Any]]) -> None:
    """A search the server says failed (an outcome of severity error or fatal) may have returned only part
    of the reports: importing it would look complete while it is not."""
    for entry in entries:
        if not _is_search_outcome(entry) or not isinstance(entry.get("resource"), dict):
            continue
        for issue in entry["resource"].get("issue") or []:
            if isinstance(issue, dict) and issue.get("severity") in {"error", "fatal"}:
                detail = (
                    issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code")
                )
                raise ImportFileError(
                    f"The FHIR server reported an {issue['severity']} with this search ({detail or 'no detail'}): "
                    "its results may be incomplete, so nothing is read. Repeat the search."
                )


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


def _group_code(group: Any) -> str:
    if group.code is None:
        return ""
    for coding in group.code.coding or []:
        if coding.code:
            return str(coding.code)
    return str(group.code.text or "")


def _read_group(group: Any) -> FhirGroup:
    score = group.measureScore
    numerator = _population_count(group, NUMERATOR)
    denominator = _population_count(group, DENOMINATOR)
    if numerator is not None and denominator is not None:
        # Proportion scoring: (numerator - exclusions) / (denominator - exclusions - exceptions).
        numerator -= _population_count(group, NUMERATOR_EXCLUSION) or 0
        denominator -= (_population_count(group, DENOMINATOR_EXCLUSION) or 0) + (
            _population_count(group, DENOMINATOR_EXCEPTION) or 0
        )
    else:
        numerator = denominator = None
    if score is not None and score.value is not None:
        # A proportion score is 0-1 (FHIR's convention); one already in % says so with its unit.
        fraction = (score.code or score.unit or "").strip() != "%" and 0 <= score.value <= 1
        return FhirGroup(_group_code(group), Decimal(str(score.value)), fraction, numerator, denominator)
    return FhirGroup(_group_code(group), None, False, numerator, denominator)


# MeasureReport.type (R4): only a summary is a population's figure; the others are per patient, lists of
# patients or raw data for another engine to score.
REPORT_TYPES_REFUSED = {
    "individual": "an individual (one patient's) report, not the population's figure",
    "subject-list": "a subject list (the patients counted), not a score",
    "data-collection": "a data collection (raw data for a measure engine to score), not a score",
}


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
    if report.status == "error":
        row.errors.append("The report's status is error: its measure engine could not compute it.")
        return row
    if report.type in REPORT_TYPES_REFUSED:
        row.errors.append(
            f"The report is {REPORT_TYPES_REFUSED[report.type]}: only summary reports give a program's value."
        )
        return row
    row.measured_on = _end_date(report.period.end if report.period else None)
    if not row.measured_on:
        row.errors.append("The report has no period.end, the date the measurement is taken for.")
    row.groups = [_read_group(group) for group in report.group or []]
    if not row.groups:
        row.errors.append("The report has no group, so no score or populations.")
    return row


def fhir_value(groups: list[FhirGroup], group_code: str = "") -> tuple[Decimal | None, bool, str]:
    """(value, is a 0-1 fraction, error) of a report's groups for a KPI.

    A KPI that names a group code (a site, a unit) takes that group alone. One that does not takes the
    report's only group, or aggregates several by adding their numerators and denominators: averaging
    the sites' percentages would weigh a 20-bed site like a 600-bed one.
    """
    if group_code:
        chosen = [group for group in groups if group.code == group_code]
        if not chosen:
            present = ", ".join(group.label for group in groups) or "none"
            return None, False, f"The report has no group {group_code!r} (its groups: {present})."
        return _group_value(chosen[0])
    if len(groups) == 1:
        return _group_value(groups[0])
    if any(group.numerator is None for group in groups):
        labels = ", ".join(group.label for group in groups)
        return (
            None,
            False,
            f"The report has {len(groups)} groups ({labels}) and not all carry numerator and denominator "
            "counts to aggregate: set the KPI's FHIR group code to the one group it measures.",
        )
    denominator = sum(group.denominator or 0 for group in groups)
    if denominator <= 0:
        return (
            None,
            False,
            "The denominator (after exclusions and exceptions) is zero: no score can be taken.",
        )
    return Decimal(sum(group.numerator or 0 for group in groups)) / Decimal(denominator), True, ""


def _group_value(group: FhirGroup) -> tuple[Decimal | None, bool, str]:
    if group.score is not None:
        return group.score, group.score_is_fraction, ""
    if group.numerator is None or group.denominator is None:
        return (
            None,
            False,
            f"Group {group.label} has neither a measureScore nor numerator and denominator counts.",
        )
    if group.denominator <= 0:
        return (
            None,
            False,
            "The denominator (after exclusions and exceptions) is zero: no score can be taken.",
        )
    return Decimal(group.numerator) / Decimal(group.denominator), True, ""


def decimal_text(value: Decimal | float | int) -> str:
    return format(Decimal(str(value)).normalize(), "f")
