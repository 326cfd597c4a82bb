"""Ticket and event inputs: the array containers `compute` takes, and readers for CSV files.

Readers never drop a row: a cell they cannot read becomes a per-row reason in `error` (without
the line number, which `compute` adds from `line`), so the ticket still gets its result row.
A file that cannot be used at all (missing, not CSV, missing a required column) raises
`InputError`.
"""

from __future__ import annotations

import io
import mmap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from .timeparse import epoch_seconds, parse_instant_column
from .zones import MISSING

CLAIM_MET = "met"
CLAIM_BREACHED = "breached"
CLAIM_KINDS = ("response", "resolution", "overall")
TICKET_COLUMNS = ("id", "priority", "opened_at", "first_response_at", "resolved_at")
EVENT_COLUMNS = ("id", "at", "state")
SERVICENOW_MISSING = ("", "?")

Source = str | Path | BinaryIO | bytes


class InputError(ValueError):
    """A tickets or events file that cannot be used at all."""


def _as_series(values: Sequence[str | None] | pl.Series | np.ndarray, name: str) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.cast(pl.String).alias(name)
    return pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)


def _as_instants(values: Sequence[int] | np.ndarray, size: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.int64)
    if array.shape != (size,):
        raise ValueError(f"{name} has {array.size} values for {size} rows")
    return array


def _no_errors(size: int) -> np.ndarray:
    return np.full(size, None, dtype=object)


@dataclass(eq=False)
class TicketArrays:
    """Tickets as columns. Instants are int64 UTC epoch seconds with MISSING for none.

    `line` is the input line of each ticket (0 when it did not come from a file) and `error` a
    reason the row could not be read (None when it could).
    """

    ids: pl.Series
    priority: pl.Series
    opened_at: np.ndarray
    first_response_at: np.ndarray
    resolved_at: np.ndarray
    line: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    error: np.ndarray = field(default_factory=lambda: _no_errors(0))
    vendor_claim: dict[str, np.ndarray] = field(default_factory=dict)
    """What the vendor's own tool says of each clock: CLAIM_KINDS -> object array of
    'met' / 'breached' / None (no claim); kinds the export does not carry are all None."""

    def __post_init__(self) -> None:
        self.ids = _as_series(self.ids, "id")
        size = len(self.ids)
        claims = {
            kind: np.asarray(self.vendor_claim.get(kind, _no_errors(size)), dtype=object)
            for kind in CLAIM_KINDS
        }
        for kind, values in claims.items():
            if values.shape != (size,):
                raise ValueError(f"vendor_claim[{kind!r}] has {values.size} values for {size} tickets")
        self.vendor_claim = claims
        self.priority = _as_series(self.priority, "priority")
        if len(self.priority) != size:
            raise ValueError(f"priority has {len(self.priority)} values for {size} tickets")
        self.opened_at = _as_instants(self.opened_at, size, "opened_at")
        self.first_response_at = _as_instants(self.first_response_at, size, "first_response_at")
        self.resolved_at = _as_instants(self.resolved_at, size, "resolved_at")
        if len(self.line) == 0 and size:
            self.line = np.zeros(size, dtype=np.int64)
        self.line = _as_instants(self.line, size, "line")
        if len(self.error) == 0 and size:
            self.error = _no_errors(size)
        if len(self.error) != size:
            raise ValueError(f"error has {len(self.error)} values for {size} tickets")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_columns(
        cls,
        *,
        ids: Sequence[str],
        priority: Sequence[str],
        opened_at: Sequence[datetime | None],
        first_response_at: Sequence[datetime | None],
        resolved_at: Sequence[datetime | None],
    ) -> TicketArrays:
        """Tickets from Python values (e.g. a queryset's values_list); datetimes must be aware."""
        return cls(
            ids=_as_series(ids, "id"),
            priority=_as_series(priority, "priority"),
            opened_at=np.array([epoch_seconds(t) for t in opened_at], dtype=np.int64),
            first_response_at=np.array([epoch_seconds(t) for t in first_response_at], dtype=np.int64),
            resolved_at=np.array([epoch_seconds(t) for t in resolved_at], dtype=np.int64),
        )


@dataclass(eq=False)
class EventArrays:
    """State changes: ticket id, instant (int64 epoch seconds), state; row order is file order."""

    ticket_id: pl.Series
    at: np.ndarray
    state: pl.Series
    line: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    error: np.ndarray = field(default_factory=lambda: _no_errors(0))

    def __post_init__(self) -> None:
        self.ticket_id = _as_series(self.ticket_id, "id")
        size = len(self.ticket_id)
        self.state = _as_series(self.state, "state")
        if len(self.state) != size:
            raise ValueError(f"state has {len(self.state)} values for {size} events")
        self.at = _as_instants(self.at, size, "at")
        if len(self.line) == 0 and size:
            self.line = np.zeros(size, dtype=np.int64)
        self.line = _as_instants(self.line, size, "line")
        if len(self.error) == 0 and size:
            self.error = _no_errors(size)
        if len(self.error) != size:
            raise ValueError(f"error has {len(self.error)} values for {size} events")

    def __len__(self) -> int:
        return len(self.ticket_id)

    @classmethod
    def from_columns(
        cls, *, ticket_ids: Sequence[str], at: Sequence[datetime], states: Sequence[str]
    ) -> EventArrays:
        """Events from Python values; datetimes must be aware. Ties keep the given order."""
        return cls(
            ticket_id=_as_series(ticket_ids, "id"),
            at=np.array([epoch_seconds(t) for t in at], dtype=np.int64),
            state=_as_series(states, "state"),
        )

    @classmethod
    def concat(cls, parts: Sequence[EventArrays]) -> EventArrays:
        """Events of several sources, each source's rows after the previous source's."""
        if not parts:
            return cls(
                ticket_id=pl.Series("id", [], dtype=pl.String),
                at=np.empty(0, np.int64),
                state=pl.Series("state", [], dtype=pl.String),
            )
        return cls(
            ticket_id=pl.concat([p.ticket_id for p in parts]),
            at=np.concatenate([p.at for p in parts]),
            state=pl.concat([p.state for p in parts]),
            line=np.concatenate([p.line for p in parts]),
            error=np.concatenate([p.error for p in parts]),
        )


def _read_bytes(source: Source, what: str) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, what
    if isinstance(source, str | Path):
        try:
            return Path(source).read_bytes(), str(source)
        except OSError as exc:
            raise InputError(f"{what} file {str(source)!r}: {exc.strerror or exc}") from exc
    data = source.read()
    return (data.encode() if isinstance(data, str) else data), getattr(source, "name", what)


_MAPPED_FROM = 1 << 20  # files at least this large are read in place (mapped), not copied into memory
_CHUNK = 1 << 24
_PROBE = 1 << 12
# Only a quoted cell can hold a line break, so in a file without quotes row i is on line i + 2.
_UNQUOTED = -1


def _mapped_lines(path: Path, what: str) -> int | None:
    """For a large file: its lines as `_read_csv` counts them (None if it is small or blank, for the
    in-memory path to deal with), counted over a read-only mapping without copying it; _UNQUOTED
    when the file has no quote character at all."""
    try:
        if path.stat().st_size < _MAPPED_FROM:
            return None
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            if not view[:_PROBE].strip():
                return None  # whitespace at its start: let the in-memory path judge it
            if view.find(b'"') < 0:  # one memchr pass instead of counting every line break
                return _UNQUOTED
            data = np.frombuffer(view, dtype=np.uint8)
            newlines = sum(
                int(np.count_nonzero(data[i : i + _CHUNK] == 10)) for i in range(0, data.size, _CHUNK)
            )
            newlines += 0 if data[-1] == 10 else 1
            del data  # release the buffer before the mapping closes
            return newlines
    except OSError as exc:
        raise InputError(f"{what} file {str(path)!r}: {exc.strerror or exc}") from exc


def _read_csv(source: Source, what: str) -> tuple[pl.DataFrame, np.ndarray, str]:
    """All cells as strings (null when empty), lower-cased header, and each row's first line."""
    mapped = _mapped_lines(Path(source), what) if isinstance(source, str | Path) else None
    if mapped is not None:
        name, csv_input, newlines = str(source), str(source), mapped
    else:
        data, name = _read_bytes(source, what)
        if not data.strip():
            raise InputError(f"{name}: the {what} file is empty")
        csv_input = io.BytesIO(data)
        newlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) if b'"' in data else _UNQUOTED
    try:
        frame = pl.read_csv(csv_input, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{name}: not a readable CSV file: {str(exc).splitlines()[0]}") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    size = frame.height
    if newlines in (_UNQUOTED, size + 1) or size == 0:
        lines = np.arange(2, size + 2, dtype=np.int64)
    else:
        # Quoted cells hold line breaks: count them so that reported lines match an editor's.
        embedded = (
            frame.select(
                pl.sum_horizontal(
                    pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in frame.columns
                )
            )
            .to_series()
            .to_numpy()
            .astype(np.int64)
        )
        lines = 2 + np.arange(size, dtype=np.int64) + np.concatenate(([0], np.cumsum(embedded)[:-1]))
    blank = frame.select(pl.all_horizontal(pl.all().is_null())).to_series().to_numpy()
    if blank.any():
        frame = frame.filter(~pl.Series(blank))
        lines = lines[~blank]
    return frame, lines, name


def _require(frame: pl.DataFrame, columns: Sequence[str], name: str, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name}: the {what} file lacks column(s) {', '.join(missing)}; "
            f"its header must include {','.join(columns)} (found {','.join(frame.columns) or 'nothing'})"
        )


def _first_error(*columns: np.ndarray) -> np.ndarray:
    result = _no_errors(len(columns[0]))
    for errors in reversed(columns):
        present = np.not_equal(errors, None)
        result[present] = errors[present]
    return result


def read_generic_tickets(source: Source, *, timezone: str, date_format: str | None = None) -> TicketArrays:
    """Tickets from a CSV with header id,priority,opened_at,first_response_at,resolved_at."""
    frame, lines, name = _read_csv(source, "tickets")
    _require(frame, TICKET_COLUMNS, name, "tickets")
    instants = {
        column: parse_instant_column(frame[column], timezone, column=column, date_format=date_format)
        for column in ("opened_at", "first_response_at", "resolved_at")
    }
    return TicketArrays(
        ids=frame["id"].str.strip_chars(),
        priority=frame["priority"].str.strip_chars(),
        opened_at=instants["opened_at"][0],
        first_response_at=instants["first_response_at"][0],
        resolved_at=instants["resolved_at"][0],
        line=lines,
        error=_first_error(*(errors for _, errors in instants.values())),
    )


def read_events(source: Source, *, timezone: str, date_format: str | None = None) -> EventArrays:
    """State changes from a CSV with header id,at,state."""
    frame, lines, name = _read_csv(source, "events")
    _require(frame, EVENT_COLUMNS, name, "events")
    at, errors = parse_instant_column(frame["at"], timezone, column="at", date_format=date_format)
    state = frame["state"].str.strip_chars()
    no_time = (at == MISSING) & np.equal(errors, None)
    errors[no_time] = "missing at"
    no_state = (state.is_null() | (state == "")).fill_null(True).to_numpy() & np.equal(errors, None)
    errors[no_state] = "missing state"
    return EventArrays(ticket_id=frame["id"].str.strip_chars(), at=at, state=state, line=lines, error=errors)


_SERVICENOW_ALIASES = {
    "number": "number",
    "priority": "priority",
    "opened_at": "opened_at",
    "opened": "opened_at",
    "resolved_at": "resolved_at",
    "resolved": "resolved_at",
    "incident_state": "incident_state",
    "incident state": "incident_state",
    "sys_updated_at": "sys_updated_at",
    "sys_updated_on": "sys_updated_at",
    "updated": "sys_updated_at",
    "made_sla": "made_sla",
    "made sla": "made_sla",
}


def _servicenow_columns(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    renames: dict[str, str] = {}
    for column in frame.columns:
        target = _SERVICENOW_ALIASES.get(column)
        if (
            target
            and target not in renames.values()
            and target not in frame.columns[: frame.columns.index(column)]
        ):
            renames[column] = target
    frame = frame.rename({k: v for k, v in renames.items() if k != v})
    if "incident_state" not in frame.columns and "state" in frame.columns:
        frame = frame.rename({"state": "incident_state"})
    _require(
        frame,
        ("number", "priority", "opened_at", "incident_state", "sys_updated_at"),
        name,
        "ServiceNow export",
    )
    for optional in ("resolved_at", "made_sla"):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
    return frame


def _object_array(series: pl.Series) -> np.ndarray:
    """str/None object array of a string column (polars gives None for nulls)."""
    return np.array(series.to_list(), dtype=object)


def _boolean_claims(cells: pl.Series) -> pl.Series:
    """ServiceNow's made_sla (true/false, 1/0, yes/no) as 'met' / 'breached' / null."""
    text = cells.str.strip_chars().str.to_lowercase()
    return (
        pl.select(
            pl.when(text.is_in(["true", "1", "yes"]))
            .then(pl.lit(CLAIM_MET))
            .when(text.is_in(["false", "0", "no"]))
            .then(pl.lit(CLAIM_BREACHED))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        .to_series()
        .alias("made_sla")
    )


def read_servicenow(
    source: Source, *, timezone: str, date_format: str | None = None
) -> tuple[TicketArrays, EventArrays]:
    """Incidents and their state changes from a ServiceNow incident export.

    One row per incident or many (an audit-style export: each row the incident's state at
    sys_updated_at). Per incident: the priority, opened_at and resolved_at of its latest row that
    has them; the response is the first row whose state is no longer New; the resolution is
    resolved_at, else the first Resolved or Closed state. Every row with a state and a time is
    also an event. `?` and empty cells are missing. Each incident's line is its first row's.
    A made_sla column (true/false), when exported, is the vendor's overall claim ("met" or
    "breached", from the incident's latest row that has it).
    """
    frame, lines, name = _read_csv(source, "tickets")
    frame = _servicenow_columns(frame, name)
    cells = {
        c: frame[c].str.strip_chars().replace(list(SERVICENOW_MISSING), [None] * len(SERVICENOW_MISSING))
        for c in ("number", "priority", "incident_state")
    }
    parsed = {
        c: parse_instant_column(
            frame[c], timezone, column=c, date_format=date_format, missing_tokens=SERVICENOW_MISSING
        )
        for c in ("opened_at", "resolved_at", "sys_updated_at")
    }
    row_error = _first_error(*(errors for _, errors in parsed.values()))
    error_text = (
        np.array(
            [None if e is None else f"{e} (line {line})" for e, line in zip(row_error, lines, strict=True)],
            dtype=object,
        )
        if np.not_equal(row_error, None).any()
        else row_error
    )

    def instants(column: str) -> pl.Series:
        values = parsed[column][0]
        return pl.Series(column, values).set(pl.Series(values == MISSING), None)

    rows = pl.DataFrame(
        {
            "number": cells["number"],
            "priority": cells["priority"],
            "state": cells["incident_state"],
            "opened_at": instants("opened_at"),
            "resolved_at": instants("resolved_at"),
            "updated": instants("sys_updated_at"),
            "line": lines,
            "error": pl.Series("error", error_text.tolist(), dtype=pl.String),
            "made_sla": _boolean_claims(frame["made_sla"]),
        }
    ).with_row_index("row")
    # A row without a number cannot be grouped: it stands for an incident of its own (an error).
    rows = rows.with_columns(key=pl.coalesce(pl.col("number"), pl.format("\u0000row{}", pl.col("row"))))
    order = rows.filter(pl.col("key").is_first_distinct()).select("key", group=pl.int_range(pl.len()))
    rows = rows.join(order, on="key", how="left").sort(["group", "updated", "row"], nulls_last=False)
    state = pl.col("state").str.to_lowercase()
    timed_state = pl.col("state").is_not_null() & pl.col("updated").is_not_null() & pl.col("error").is_null()
    incidents = (
        rows.group_by("group", maintain_order=True)
        .agg(
            number=pl.col("number").first(),
            line=pl.col("line").min(),
            priority=pl.col("priority").drop_nulls().last(),
            opened_at=pl.col("opened_at").drop_nulls().last(),
            resolved_column=pl.col("resolved_at").drop_nulls().last(),
            resolved_state=pl.col("updated")
            .filter(timed_state & state.is_in(["resolved", "closed"]))
            .first(),
            responded=pl.col("updated").filter(timed_state & (state != "new")).first(),
            error=pl.col("error").drop_nulls().first(),
            made_sla=pl.col("made_sla").drop_nulls().last(),
        )
        .sort("group")
    )
    no_number = incidents["number"].is_null().to_numpy()
    error = incidents["error"].to_numpy().astype(object)
    error[no_number & np.equal(error, None)] = "missing number"
    priority = incidents["priority"]
    priority = priority.str.extract(r"^\s*(\d+)", 1).fill_null(priority)

    def as_array(series: pl.Series) -> np.ndarray:
        return series.fill_null(MISSING).to_numpy().astype(np.int64)

    tickets = TicketArrays(
        ids=incidents["number"].fill_null(""),
        priority=priority,
        opened_at=as_array(incidents["opened_at"]),
        first_response_at=as_array(incidents["responded"]),
        resolved_at=as_array(incidents["resolved_column"].fill_null(incidents["resolved_state"])),
        line=incidents["line"].to_numpy().astype(np.int64),
        error=error,
        vendor_claim={"overall": _object_array(incidents["made_sla"])},
    )
    event_rows = rows.filter(timed_state & pl.col("number").is_not_null()).sort("row")
    events = EventArrays(
        ticket_id=event_rows["number"],
        at=event_rows["updated"].to_numpy().astype(np.int64),
        state=event_rows["state"],
        line=event_rows["line"].to_numpy().astype(np.int64),
    )
    return tickets, events


# --- Jira Service Management ---------------------------------------------------------------------

JIRA_DEFAULT_PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
"""Jira's default priority names to the policy priorities 1-5, used when no mapping is given and
the name is not itself one of the policy's priorities."""

JIRA_RESOLVED_STATUSES = ("resolved", "closed", "done")

_JIRA_ALIASES = {
    "issue key": "key",
    "key": "key",
    "issue id": "issue_id",
    "priority": "priority",
    "created": "created",
    "resolved": "resolved",
    "resolution date": "resolved",
    "resolutiondate": "resolved",
    "status": "status",
    "date of first response": "first_response",
    "custom field (date of first response)": "first_response",
    "time to first response": "claim_response",
    "custom field (time to first response)": "claim_response",
    "time to resolution": "claim_resolution",
    "custom field (time to resolution)": "claim_resolution",
}
_JIRA_HISTORY_ALIASES = {
    "issue key": "key",
    "key": "key",
    "id": "key",
    "from status": "from",
    "from": "from",
    "to status": "to",
    "to": "to",
    "status": "to",
    "state": "to",
    "changed at": "at",
    "changed": "at",
    "change date": "at",
    "date": "at",
    "at": "at",
}
# The vendor's column names, for messages.
_JIRA_LABELS = {"created": "Created", "resolved": "Resolved", "first_response": "Date of First Response"}


def _rename_aliases(frame: pl.DataFrame, aliases: dict[str, str]) -> pl.DataFrame:
    """The recognised columns under their canonical names (the first column of each wins)."""
    chosen: dict[str, str] = {}
    for column in frame.columns:
        target = aliases.get(column)
        if target and target not in chosen:
            chosen[target] = column
    return frame.select(pl.col(column).alias(target) for target, column in chosen.items())


def _optional(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _sla_field_claims(cells: pl.Series) -> np.ndarray:
    """A JSM SLA field ('-2h 5m' remaining, '3h 20m', 'Breached', 'Met') as 'met' / 'breached' / None.

    A negative remaining time or a breach word is a breach; a non-negative remaining time or a
    met word is met (not breached as of the export); anything else, or nothing, is no claim.
    """
    text = cells.str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")
    duration = r"^\d+(\.\d+)?\s*(w|d|h|m|s)\b|^\d+:\d{2}"
    claim = pl.select(
        pl.when(text.is_in(["met", "ok", "success", "succeeded", "within sla", "not breached"]))
        .then(pl.lit(CLAIM_MET))
        .when(text.is_in(["breached", "failed", "missed", "sla breached"]))
        .then(pl.lit(CLAIM_BREACHED))
        .when(text.str.contains(r"^-\s*\d"))
        .then(pl.lit(CLAIM_BREACHED))
        .when(text.str.contains(duration))
        .then(pl.lit(CLAIM_MET))
        .otherwise(pl.lit(None, dtype=pl.String))
    ).to_series()
    return _object_array(claim)


def _overall_claim(response: np.ndarray, resolution: np.ndarray) -> np.ndarray:
    breached = (response == CLAIM_BREACHED) | (resolution == CLAIM_BREACHED)
    met = (response == CLAIM_MET) | (resolution == CLAIM_MET)
    overall = _no_errors(len(response))
    overall[met] = CLAIM_MET
    overall[breached] = CLAIM_BREACHED
    return overall


def map_priorities(
    priority: pl.Series, mapping: dict[str, str] | None, policy_priorities: Sequence[str] = ()
) -> pl.Series:
    """Vendor priority names to policy priorities: a name that is a policy priority stays; else the
    mapping (names compared case-insensitively; JIRA_DEFAULT_PRIORITIES when None); else as given."""
    table = JIRA_DEFAULT_PRIORITIES if mapping is None else mapping
    lookup = {name.strip().lower(): value for name, value in table.items()}
    keep = priority.is_in(list(policy_priorities)).fill_null(False)
    mapped = priority.str.to_lowercase().replace_strict(
        list(lookup), list(lookup.values()), default=None, return_dtype=pl.String
    )
    return (
        pl.select(
            pl.when(pl.lit(keep)).then(pl.lit(priority)).otherwise(pl.lit(mapped).fill_null(pl.lit(priority)))
        )
        .to_series()
        .alias("priority")
    )


def read_jira_history(source: Source, *, timezone: str, date_format: str | None = None) -> EventArrays:
    """Status changes from a Jira status-history CSV: Issue key, [From status,] To status, Changed at.

    The generic events header (id,at,state) is accepted too. Each row is an event: the issue
    entered `To status` at `Changed at`. Rows are never dropped; unreadable ones carry a reason.
    """
    frame, lines, name = _read_csv(source, "events")
    frame = _rename_aliases(frame, _JIRA_HISTORY_ALIASES)
    _require(frame, ("key", "to", "at"), name, "Jira status history")
    at, errors = parse_instant_column(
        frame["at"], timezone, column="Changed at", date_format=date_format, jira_dates=True
    )
    state = frame["to"].str.strip_chars()
    errors[(at == MISSING) & np.equal(errors, None)] = "missing Changed at"
    no_state = (state.is_null() | (state == "")).fill_null(True).to_numpy() & np.equal(errors, None)
    errors[no_state] = "missing To status"
    return EventArrays(ticket_id=frame["key"].str.strip_chars(), at=at, state=state, line=lines, error=errors)


def read_jira(
    source: Source,
    *,
    timezone: str,
    date_format: str | None = None,
    history: Source | EventArrays | None = None,
    priority_map: dict[str, str] | None = None,
    policy_priorities: Sequence[str] = (),
) -> tuple[TicketArrays, EventArrays]:
    """Issues from a Jira Service Management CSV export, and their status changes from `history`.

    Columns (any order, case-insensitive, others ignored): Issue key, Priority, Created (required);
    Resolved, Date of First Response, Time to first response, Time to resolution, Issue id, Status.
    Times are ISO 8601 or Jira's '03/Dec/26 9:15 AM' (or `date_format`), local to `timezone`
    unless they carry an offset. Per issue: the response is Date of First Response, else its
    first status change at or after Created; the resolution is Resolved, else its first change
    to Resolved, Closed or Done. The history's rows are also the events (pauses). The SLA fields
    become the vendor's claims. Returns (tickets, events).
    """
    frame, lines, name = _read_csv(source, "tickets")
    frame = _rename_aliases(frame, _JIRA_ALIASES)
    _require(frame, ("key", "priority", "created"), name, "Jira Service Management export")
    frame = _optional(frame, "resolved", "first_response", "claim_response", "claim_resolution")
    parsed = {
        column: parse_instant_column(
            frame[column], timezone, column=label, date_format=date_format, jira_dates=True
        )
        for column, label in _JIRA_LABELS.items()
    }
    keys = frame["key"].str.strip_chars().alias("id")
    priority = map_priorities(frame["priority"].str.strip_chars(), priority_map, policy_priorities)
    created, first_response, resolved = (
        parsed["created"][0],
        parsed["first_response"][0],
        parsed["resolved"][0],
    )

    if isinstance(history, EventArrays):
        events = history
    elif history is not None:
        events = read_jira_history(history, timezone=timezone, date_format=date_format)
    else:
        events = EventArrays.concat([])
    if len(events) and len(keys):
        readable = np.equal(events.error, None)
        changes = pl.DataFrame(
            {"id": events.ticket_id, "at": events.at, "to": events.state.str.to_lowercase()}
        ).filter(pl.Series(readable))
        opened = pl.DataFrame({"id": keys, "created": created}).filter(
            pl.col("id").is_first_distinct() & (pl.col("created") != MISSING)
        )
        derived = (
            changes.join(opened, on="id", how="inner")
            .filter(pl.col("at") >= pl.col("created"))
            .group_by("id")
            .agg(
                responded=pl.col("at").min(),
                resolved_state=pl.col("at").filter(pl.col("to").is_in(list(JIRA_RESOLVED_STATUSES))).min(),
            )
        )
        per_issue = pl.DataFrame({"id": keys}).join(derived, on="id", how="left", maintain_order="left")
        responded = per_issue["responded"].fill_null(MISSING).to_numpy().astype(np.int64)
        resolved_state = per_issue["resolved_state"].fill_null(MISSING).to_numpy().astype(np.int64)
        first_response = np.where(first_response == MISSING, responded, first_response)
        resolved = np.where(resolved == MISSING, resolved_state, resolved)

    claim_response = _sla_field_claims(frame["claim_response"])
    claim_resolution = _sla_field_claims(frame["claim_resolution"])
    tickets = TicketArrays(
        ids=keys,
        priority=priority,
        opened_at=created,
        first_response_at=first_response,
        resolved_at=resolved,
        line=lines,
        error=_first_error(*(errors for _, errors in parsed.values())),
        vendor_claim={
            "response": claim_response,
            "resolution": claim_resolution,
            "overall": _overall_claim(claim_response, claim_resolution),
        },
    )
    return tickets, events
