"""Between the pure SLA engine and the database: row validation of imports, reporting periods, arrays.

Everything here works on whole columns (polars/numpy), so a million-row export is checked in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.sla.choices import ReportingFrequency, TicketFormat
from accord.sla.engine import (
    MISSING,
    EventArrays,
    TicketArrays,
    read_events,
    read_generic_tickets,
    read_jira,
    read_servicenow,
)
from accord.sla.engine.readers import Source

MAX_ID_LENGTH = 100
MAX_PRIORITY_LENGTH = 40
MAX_STATE_LENGTH = 100
_TRUNCATE = {
    ReportingFrequency.WEEKLY: "1w",
    ReportingFrequency.MONTHLY: "1mo",
    ReportingFrequency.QUARTERLY: "1q",
}


@dataclass(eq=False)
class ParsedExport:
    """A ticket export after reading and row checks: `ticket_error[i]` is None for rows that may be stored."""

    tickets: TicketArrays
    events: EventArrays
    ticket_error: np.ndarray  # object: None or "line N: reason"
    event_ticket: np.ndarray  # int64 index into tickets per event, -1 for events of no ticket in the file
    unknown_event_errors: list[tuple[int, str]]

    @property
    def valid(self) -> np.ndarray:
        return np.equal(self.ticket_error, None)

    def row_errors(self) -> list[tuple[int, str]]:
        """(line, message) for every rejected ticket and every event naming no ticket of the file."""
        bad = np.flatnonzero(~self.valid)
        rows = [(int(self.tickets.line[i]), str(self.ticket_error[i])) for i in bad]
        return sorted(rows + self.unknown_event_errors)


def read_export(
    source: Source,
    *,
    file_format: str,
    timezone: str,
    events_source: Source | None = None,
    date_format: str | None = None,
) -> ParsedExport:
    """Read a tickets file (and an optional events file) and check every row. Raises InputError."""
    if file_format == TicketFormat.SERVICENOW:
        tickets, derived = read_servicenow(source, timezone=timezone, date_format=date_format)
        parts = [derived]
    elif file_format == "jira":  # Jira Service Management: the events file is its status history
        tickets, history = read_jira(
            source, timezone=timezone, date_format=date_format, history=events_source
        )
        return check_rows(tickets, history)
    else:
        tickets = read_generic_tickets(source, timezone=timezone, date_format=date_format)
        parts = []
    if events_source is not None:
        parts.append(read_events(events_source, timezone=timezone, date_format=date_format))
    events = EventArrays.concat(parts)
    return check_rows(tickets, events)


def check_rows(
    tickets: TicketArrays, events: EventArrays, *, earlier: np.ndarray | None = None
) -> ParsedExport:
    """Attach events to tickets and give each ticket that cannot be stored its first reason.

    For a chunk of a file read in parts, `earlier` marks the rows whose id was on a line of an earlier
    chunk: they are duplicates, and the events of that id belong to the earlier row.
    """
    size = len(tickets)
    ids = tickets.ids
    reasons: list[tuple[np.ndarray, np.ndarray | str]] = []
    read_error = np.not_equal(tickets.error, None)
    reasons.append((read_error, tickets.error))
    no_id = (ids.is_null() | (ids.str.strip_chars() == "")).fill_null(True).to_numpy()
    reasons.append((no_id, "missing id"))
    reasons.append(
        (
            ~no_id & (ids.str.len_chars().fill_null(0) > MAX_ID_LENGTH).to_numpy(),
            f"id longer than {MAX_ID_LENGTH} characters",
        )
    )
    duplicate = ~no_id & ~ids.is_first_distinct().to_numpy()
    if earlier is not None:
        duplicate |= ~no_id & earlier
    reasons.append((duplicate, "the same id appears on an earlier line"))
    priority = tickets.priority
    no_priority = (priority.is_null() | (priority.str.strip_chars() == "")).fill_null(True).to_numpy()
    reasons.append((no_priority, "missing priority"))
    reasons.append(
        (
            ~no_priority & (priority.str.len_chars().fill_null(0) > MAX_PRIORITY_LENGTH).to_numpy(),
            f"priority longer than {MAX_PRIORITY_LENGTH} characters",
        )
    )
    opened, responded, resolved = tickets.opened_at, tickets.first_response_at, tickets.resolved_at
    reasons.append(((opened == MISSING) & ~read_error, "missing opened_at"))
    has_opened = opened != MISSING
    reasons.append(
        (has_opened & (responded != MISSING) & (responded < opened), "first_response_at is before opened_at")
    )
    reasons.append(
        (has_opened & (resolved != MISSING) & (resolved < opened), "resolved_at is before opened_at")
    )

    # Events: matched to the first ticket row with their id; an unreadable event rejects its ticket.
    index = (
        pl.DataFrame({"id": ids})
        .with_row_index("ticket")
        .filter(pl.col("id").is_not_null() & pl.col("id").is_first_distinct())
    )
    if earlier is not None:
        index = index.filter(~pl.Series(earlier).gather(index["ticket"]))
    frame = pl.DataFrame({"id": events.ticket_id, "line": events.line}).with_row_index("row")
    joined = frame.join(index, on="id", how="left", maintain_order="left")
    event_ticket = joined["ticket"].fill_null(-1).to_numpy().astype(np.int64)
    event_error = events.error.copy()
    long_state = (events.state.str.len_chars().fill_null(0) > MAX_STATE_LENGTH).to_numpy()
    event_error[long_state & np.equal(event_error, None)] = f"state longer than {MAX_STATE_LENGTH} characters"
    bad_event = np.flatnonzero(np.not_equal(event_error, None) & (event_ticket >= 0))
    event_reason = np.full(size, None, dtype=object)
    for row in bad_event[::-1]:  # reversed, so the first bad event of a ticket wins
        line = int(events.line[row])
        event_reason[event_ticket[row]] = (
            f"events line {line}: {event_error[row]}" if line else str(event_error[row])
        )
    reasons.append((np.not_equal(event_reason, None), event_reason))

    error = np.full(size, None, dtype=object)
    for mask, reason in reversed(reasons):
        if not mask.any():
            continue
        error[mask] = reason[mask] if isinstance(reason, np.ndarray) else reason
    failing = np.flatnonzero(np.not_equal(error, None))
    for i in failing:
        line = int(tickets.line[i])
        error[i] = f"line {line}: {error[i]}" if line else f"ticket {ids[int(i)]!r}: {error[i]}"

    unknown = np.flatnonzero(event_ticket < 0)
    unknown_errors = [
        (
            int(events.line[r]),
            f"events line {int(events.line[r])}: no ticket {events.ticket_id[int(r)]!r} in the file",
        )
        for r in unknown
    ]
    return ParsedExport(
        tickets=tickets,
        events=events,
        ticket_error=error,
        event_ticket=event_ticket,
        unknown_event_errors=unknown_errors,
    )


def period_start_series(instants: np.ndarray, *, timezone: str, frequency: str) -> pl.Series:
    """First day of the reporting period (Monday, 1st of month, 1st of quarter) of each instant, locally,
    as a polars Date column (no Python date per ticket)."""
    if len(instants) == 0:
        return pl.Series("period_start", [], dtype=pl.Date)
    local = pl.from_epoch(pl.Series("period_start", instants, dtype=pl.Int64), time_unit="s")
    dates = local.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.date()
    return dates.dt.truncate(_TRUNCATE[ReportingFrequency(frequency)])


def period_starts(instants: np.ndarray, *, timezone: str, frequency: str) -> list[dt.date]:
    """`period_start_series` as Python dates."""
    return period_start_series(instants, timezone=timezone, frequency=frequency).to_list()


def period_end(start: dt.date, frequency: str) -> dt.date:
    """The last day of the period that starts on `start`."""
    if frequency == ReportingFrequency.WEEKLY:
        return start + dt.timedelta(days=6)
    months = 3 if frequency == ReportingFrequency.QUARTERLY else 1
    month = start.month - 1 + months
    following = dt.date(start.year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period_label(start: dt.date, frequency: str) -> str:
    if frequency == ReportingFrequency.WEEKLY:
        return f"Week of {start:%d %b %Y}"
    if frequency == ReportingFrequency.QUARTERLY:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start:%b %Y}"


def epoch_to_datetimes(values: np.ndarray) -> list[dt.datetime | None]:
    """Aware UTC datetimes (None for MISSING) for the database."""
    utc = dt.UTC
    epoch = dt.datetime(1970, 1, 1, tzinfo=utc)
    return [None if v == MISSING else epoch + dt.timedelta(seconds=int(v)) for v in values.tolist()]
