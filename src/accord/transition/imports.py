"""Importing the service inventory from CSV or XLSX: read, preview (nothing saved), then apply all or nothing.

The limits are the measurement imports': the same upload ceiling (ACCORD_MEASUREMENT_UPLOAD_MAX_MB) and
the same XLSX budget, checked from the zip directory before the workbook is parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accord.benefits.imports import ImportFileError, check_xlsx_budget, max_upload_bytes, megabytes
from accord.core import audit
from accord.core.permissions import Action, can_in_program
from accord.core.services import save_changed_record, save_new_record
from accord.transition.choices import Criticality, ServiceKind
from accord.transition.models import Service

REQUIRED_COLUMNS = ("name", "kind", "criticality", "internal_owner")
COLUMNS = (
    *REQUIRED_COLUMNS,
    "clinical_impact",
    "partner_owner",
    "configuration_items",
    "contract",
    "knowledge_due_on",
    "description",
)
MAX_ROWS = 2_000
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
# What the import sets: the stage and flags stay the services' business.
IMPORTED_FIELDS = (
    "kind",
    "criticality",
    "clinical_impact",
    "internal_owner",
    "partner_owner",
    "configuration_items",
    "contract",
    "knowledge_due_on",
    "description",
)


@dataclass
class ServiceRow:
    line: int
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # create | update | unchanged
    changed: list[str] = field(default_factory=list)


@dataclass
class ServicePreview:
    rows: list[ServiceRow] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and bool(self.rows) and not any(r.errors for r in self.rows)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        return counts


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(*, filename: str, content: bytes) -> list[list[str]]:
    if len(content) > max_upload_bytes():
        raise ImportFileError(
            f"The file is {megabytes(len(content))} MB; a service inventory may be at most "
            f"{megabytes(max_upload_bytes())} MB."
        )
    name = filename.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(content)
    raise ImportFileError("Upload a .csv or .xlsx file.")


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError("The CSV file is not UTF-8 text.") from error
    first = text.split("\n", 1)[0]
    delimiter = max((";", "\t", ","), key=first.count)
    table = []
    for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
        table.append([c.strip() for c in cells])
        if len(table) > MAX_ROWS + 1:
            raise ImportFileError(f"More than {MAX_ROWS:,} services: split the file.")
    return table


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    check_xlsx_budget(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a damaged file
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    table = []
    try:
        for row in workbook.worksheets[0].iter_rows(
            values_only=True, max_row=MAX_ROWS + 2, max_col=len(COLUMNS) + 5
        ):
            table.append([_text(v) for v in row])
    except Exception as error:  # a part cut short by its declared size, or damaged XML
        raise ImportFileError("The file is not a readable .xlsx workbook.") from error
    finally:
        workbook.close()
    if len(table) > MAX_ROWS + 1:
        raise ImportFileError(f"More than {MAX_ROWS:,} services: split the file.")
    return table


def _choice(text: str, choices: Any, what: str, errors: list[str]) -> Any:
    wanted = text.strip().lower()
    for value, label in choices:
        if wanted in {str(value).lower(), str(label).lower()}:
            return value
    errors.append(f"{what} {text!r} is not one of: {', '.join(str(v) for v, _ in choices)}.")
    return None


def preview_service_import(*, program: Any, user: Any, filename: str, content: bytes) -> ServicePreview:
    """What the file would create and update; nothing is saved. Every row is validated as the form would."""
    from accord.accounts.models import User
    from accord.sla.models import Contract

    preview = ServicePreview()
    try:
        table = read_table(filename=filename, content=content)
    except ImportFileError as error:
        preview.file_error = str(error)
        return preview
    if not table or not any(table[0]):
        preview.file_error = "The file is empty."
        return preview
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        preview.file_error = (
            f"Missing column(s): {', '.join(missing)}. The first row must name the columns "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(COLUMNS[len(REQUIRED_COLUMNS) :])}."
        )
        return preview
    index = {name: header.index(name) for name in COLUMNS if name in header}
    # One query each for the people, contracts and existing services the file may name.
    people = {u.email.lower(): u for u in User.objects.filter(memberships__program=program, is_active=True)}
    contracts = {c.name.lower(): c for c in Contract.objects.visible_to(user).filter(program=program)}
    existing = {s.name.lower(): s for s in Service.objects.filter(program=program)}
    seen: dict[str, int] = {}
    for line, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue

        def cell(column: str, cells: list[str] = cells) -> str:
            position = index.get(column)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        row = ServiceRow(line=line, name=cell("name"))
        errors = row.errors
        if not row.name:
            errors.append("The service has no name.")
        elif row.name.lower() in seen:
            errors.append(f"The service {row.name!r} is also on line {seen[row.name.lower()]}.")
        else:
            seen[row.name.lower()] = line
        values: dict[str, Any] = {"description": cell("description")}
        values["kind"] = _choice(cell("kind"), ServiceKind.choices, "Kind", errors)
        criticality = cell("criticality")
        values["criticality"] = (
            int(criticality) if criticality in {str(c.value) for c in Criticality} else None
        )
        if values["criticality"] is None:
            errors.append(f"Criticality {criticality!r} must be 1, 2, 3 or 4.")
        flag = cell("clinical_impact").lower()
        if flag in TRUE | FALSE:
            values["clinical_impact"] = flag in TRUE
        else:
            errors.append(f"Clinical impact {flag!r} must be yes or no.")
        for column in ("internal_owner", "partner_owner"):
            email = cell(column).lower()
            if not email:
                values[column] = None
                if column == "internal_owner":
                    errors.append("The internal owner (an e-mail address) is required.")
            elif email in people:
                values[column] = people[email]
            else:
                values[column] = None
                errors.append(f"{email} is not a member of {program}.")
        contract_name = cell("contract")
        values["contract"] = contracts.get(contract_name.lower()) if contract_name else None
        if contract_name and values["contract"] is None:
            errors.append(f"No contract named {contract_name!r} in this program.")
        values["configuration_items"] = "\n".join(
            p.strip() for p in cell("configuration_items").split(";") if p.strip()
        )
        due = cell("knowledge_due_on")
        try:
            values["knowledge_due_on"] = dt.date.fromisoformat(due) if due else None
        except ValueError:
            values["knowledge_due_on"] = None
            errors.append(f"Knowledge due date {due!r} is not a date (YYYY-MM-DD).")
        row.values = values
        if not errors:
            _validate(row, program, existing.get(row.name.lower()))
        preview.rows.append(row)
    if not preview.rows and not preview.file_error:
        preview.file_error = "The file holds no services."
    return preview


def _validate(row: ServiceRow, program: Any, current: Service | None) -> None:
    candidate = (
        Service(program=program, name=row.name) if current is None else Service.objects.get(pk=current.pk)
    )
    before = {name: getattr(candidate, name) for name in IMPORTED_FIELDS} if current else {}
    for name, value in row.values.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(exclude=["stage"])
    except ValidationError as error:
        row.errors.extend(
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in error.message_dict.items()
            for message in messages
        )
        return
    if current is None:
        row.outcome = "create"
    else:
        row.changed = [name for name in IMPORTED_FIELDS if before[name] != getattr(candidate, name)]
        row.outcome = "update" if row.changed else "unchanged"


def import_services(*, program: Any, actor: Any, filename: str, content: bytes) -> ServicePreview:
    """Apply the file as previewed, all or nothing: one bad row and nothing is saved."""
    if not can_in_program(actor, Action.ADD, "transition", program.pk):
        raise PermissionDenied("Your role in this program may not import services.")
    preview = preview_service_import(program=program, user=actor, filename=filename, content=content)
    if not preview.ok:
        return preview
    with transaction.atomic():
        for row in preview.rows:
            current = (
                Service.objects.select_for_update().filter(program=program, name__iexact=row.name).first()
            )
            if current is None:
                service = Service(program=program, name=row.name, **row.values)
                save_new_record(instance=service, actor=actor)
                row.outcome = "created"
            elif row.changed:
                before = audit.snapshot(current)
                for name, value in row.values.items():
                    setattr(current, name, value)
                save_changed_record(instance=current, actor=actor, before=before)
                row.outcome = "updated"
    return preview
