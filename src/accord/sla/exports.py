"""CSV and XLSX exports of SLA reports and results, safe to open in a spreadsheet.

A cell that starts with =, +, -, @ (or a tab or carriage return) would be run as a formula by Excel
or LibreOffice; such text cells get a leading apostrophe. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from accord.sla.models import SlaResult
from accord.sla.queries import PARTY_FIELDS, SlaReport

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

REPORT_HEADERS = [
    "period_start",
    "period",
    "priority",
    "clock",
    "tickets",
    "met",
    "breached",
    "open",
    "attainment_percent",
    "target_percent",
    "shortfall_percent",
    "service_credit_percent",
    "service_credit",
    "currency",
    "period_status",
    "provisional",
    "settled_for_vendor",
    "period_credit",
    "period_credit_cap",
]
RESULT_HEADERS = [
    "ticket",
    "priority",
    "period_start",
    "version",
    "as_of",
    "response_status",
    "response_elapsed_s",
    "response_due",
    "resolution_status",
    "resolution_elapsed_s",
    "resolution_due",
    "paused_s",
    *(f"paused_{party}_s" for party in PARTY_FIELDS),
    "error",
    "time_zone",
]


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet cell that cannot run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def report_rows(report: SlaReport) -> Iterator[list[Any]]:
    periods = {p.start: p for p in report.periods}
    for row in report.rows:
        period = periods[row.period_start]
        yield [
            row.period_start.isoformat(),
            period.label,
            row.priority,
            row.clock,
            row.tickets,
            row.met,
            row.breached,
            row.running,
            row.attainment,
            row.target,
            row.shortfall,
            row.credit_percent,
            row.credit,
            report.contract.currency,
            "closed" if period.closed else "open",
            "yes" if period.provisional else "no",
            row.settled_for_vendor,
            period.credit,
            period.credit_cap,
        ]


def local_instant(value: dt.datetime | None, zone: str) -> str | None:
    """An instant in the contract's (its policy's) time zone, with its offset, as the contract reads it."""
    return value.astimezone(ZoneInfo(zone)).isoformat() if value else None


def result_rows(results: Iterable[SlaResult]) -> Iterator[list[Any]]:
    zones: dict[int, str] = {}
    for r in results:
        zone = zones.setdefault(r.version_id, r.version.spec.get("timezone", "UTC"))
        yield [
            r.ticket.external_id,
            r.priority,
            r.period_start.isoformat(),
            r.version.number,
            r.as_of.isoformat(),
            r.response_status,
            r.response_elapsed_s,
            local_instant(r.response_due, zone),
            r.resolution_status,
            r.resolution_elapsed_s,
            local_instant(r.resolution_due, zone),
            r.paused_s,
            *(getattr(r, column) for column in PARTY_FIELDS.values()),
            r.error,
            zone,
        ]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks (for a streaming response), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([neutralise(_plain(v)) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
