"""Stored tickets into the SLA engine and its results back, a whole table at a time.

A contract's recompute reads each table with one SQL query straight into polars columns (instants as
epoch seconds computed by the database), and writes the results in bulk: PostgreSQL's COPY into a
temporary table then one `INSERT … SELECT … ON CONFLICT`, SQLite's executemany of the same upsert.
Model instances and per-value datetime conversion cost seconds per hundred thousand tickets; these
paths keep a million stored tickets well within a minute.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from django.db import connection

from accord.sla import bulk
from accord.sla.engine import MISSING, EventArrays, TicketArrays
from accord.sla.models import SlaResult, Ticket, TicketEvent

# Rows per executemany call on SQLite: large enough to amortise the call, small enough to bound memory.
SQLITE_WRITE_CHUNK = 50_000
SQLITE_READ_BLOCK = 100_000
SQLITE_WRITE_CACHE_KIB = 512 * 1024


def _epoch_sql(column: str) -> str:
    """SQL for a DateTimeField column as whole epoch seconds (NULL stays NULL), floored like the engine."""
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM {column}))::bigint"
    # Django stores SQLite instants as UTC text; strftime('%s') reads them as UTC and drops fractions.
    # '%%' because the query has parameters: Django turns '%s' into a placeholder and '%%' into '%'.
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _read_frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """One query into a DataFrame: PostgreSQL streams it as CSV through COPY, SQLite hands rows over."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            query = raw.mogrify(sql, params)
            buffer = io.BytesIO()
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            if buffer.tell() == 0:
                return pl.DataFrame(schema=schema)
            buffer.seek(0)
            return pl.read_csv(
                buffer, has_header=False, new_columns=list(schema), schema_overrides=schema, quote_char='"'
            )
        cursor.execute(sql, params)
        # In blocks, so that only one block of Python row tuples is alive at a time (3M events as
        # tuples would be a gigabyte); the columns are gathered in polars.
        parts = [pl.DataFrame(schema=schema)]
        while rows := cursor.fetchmany(SQLITE_READ_BLOCK):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(parts, rechunk=True)


def load_tickets(contract_pk: int) -> tuple[np.ndarray, TicketArrays]:
    """The contract's tickets (ordered by pk) as engine arrays; their ids are the database pks as text."""
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    sql = (
        f"SELECT {quote('id')}, {quote('priority')}, {_epoch_sql(quote('opened_at'))}, "
        f"{_epoch_sql(quote('first_response_at'))}, {_epoch_sql(quote('resolved_at'))} "
        f"FROM {table} WHERE {quote('contract_id')} = %s ORDER BY {quote('id')}"
    )
    schema = {
        "pk": pl.Int64,
        "priority": pl.String,
        "opened_at": pl.Int64,
        "first_response_at": pl.Int64,
        "resolved_at": pl.Int64,
    }
    frame = _read_frame(sql, [contract_pk], schema)
    pks = frame["pk"].to_numpy()

    def instants(name: str) -> np.ndarray:
        return frame[name].fill_null(int(MISSING)).to_numpy().astype(np.int64, copy=False)

    tickets = TicketArrays(
        ids=frame["pk"].cast(pl.String).rename("id"),
        priority=frame["priority"].fill_null(""),
        opened_at=instants("opened_at"),
        first_response_at=instants("first_response_at"),
        resolved_at=instants("resolved_at"),
    )
    return pks, tickets


def load_events(contract_pk: int) -> EventArrays | None:
    """The contract's state events, per ticket in stored order (seq), ids as in `load_tickets`."""
    quote = connection.ops.quote_name
    events, tickets = quote(TicketEvent._meta.db_table), quote(Ticket._meta.db_table)
    sql = (
        f"SELECT e.{quote('ticket_id')}, {_epoch_sql('e.' + quote('at'))}, e.{quote('state')} "
        f"FROM {events} e JOIN {tickets} t ON t.{quote('id')} = e.{quote('ticket_id')} "
        f"WHERE t.{quote('contract_id')} = %s ORDER BY e.{quote('ticket_id')}, e.{quote('seq')}"
    )
    frame = _read_frame(sql, [contract_pk], {"ticket": pl.Int64, "at": pl.Int64, "state": pl.String})
    if frame.height == 0:
        return None
    return EventArrays(
        ticket_id=frame["ticket"].cast(pl.String).rename("id"),
        at=frame["at"].to_numpy().astype(np.int64, copy=False),
        state=frame["state"].fill_null(""),
    )


def local_dates(instants: np.ndarray, tz: str) -> np.ndarray:
    """Each instant's local calendar date in `tz`, as datetime64[D], without Python objects."""
    if len(instants) == 0:
        return np.empty(0, dtype="datetime64[D]")
    series = pl.from_epoch(pl.Series("at", instants, dtype=pl.Int64), time_unit="s")
    days = series.dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.date().to_physical()
    return days.to_numpy().astype("datetime64[D]")


# Columns of a results frame, in SlaResult field order (RESULT_COLUMNS in services).
_INSTANT_COLUMNS = ("as_of", "response_due", "resolution_due", "created_at", "updated_at")


def write_results(frame: pl.DataFrame, *, names: Sequence[str], update: Sequence[str]) -> None:
    """Upsert result rows by (ticket, version). `frame` has the columns `names`, instants as epoch
    seconds (MISSING for none), `period_start` as a Date and `effective` as a Boolean. Runs inside the
    caller's transaction, so the rows land with the audit row and job state, or not at all.

    A ticket has one effective result: a row written as effective makes the ticket's effective
    results under other versions comparisons. Only those rows are touched (marking every result of
    the contract not effective first, then effective again, rewrote each row and its indexes twice).
    """
    if frame.height == 0:
        return
    quote = connection.ops.quote_name
    table = quote(SlaResult._meta.db_table)
    columns = bulk.columns_of(SlaResult, names)
    column_list = ", ".join(quote(c) for c in columns)
    conflict = ", ".join(quote(c) for c in bulk.columns_of(SlaResult, ["ticket", "version"]))
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in bulk.columns_of(SlaResult, update))
    instants = [
        pl.when(pl.col(name) == int(MISSING))
        .then(None)
        .otherwise(pl.col(name))
        .cast(pl.Int64)
        .pipe(lambda e: pl.from_epoch(e, time_unit="s"))
        .dt.strftime("%Y-%m-%d %H:%M:%S" + ("+00" if connection.vendor == "postgresql" else ""))
        .alias(name)
        for name in _INSTANT_COLUMNS
        if name in frame.columns
    ]
    text = frame.with_columns(*instants, pl.col("period_start").dt.strftime("%Y-%m-%d")).select(names)
    if connection.vendor == "postgresql":
        staging = quote("sla_result_staging")
        with connection.cursor() as cursor:
            raw = cursor.cursor
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {column_list} FROM {table} WITH NO DATA"
            )
            payload = text.write_csv(include_header=False, null_value="\\N", quote_style="non_numeric")
            with raw.copy(f"COPY {staging} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                copy.write(payload.encode())
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
            )
            ticket, version, effective = (quote(c) for c in ("ticket_id", "version_id", "effective"))
            cursor.execute(
                f"UPDATE {table} r SET {effective} = FALSE FROM {staging} s "
                f"WHERE s.{effective} AND r.{quote('contract_id')} = s.{quote('contract_id')} "
                f"AND r.{effective} AND r.{ticket} = s.{ticket} AND r.{version} <> s.{version}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        return
    # Columns with one value for every row (program, contract, instants of this run) are written into
    # the statement once instead of bound per row: fewer values for SQLite to bind and Python to build.
    fixed = {
        name: text[name][0]
        for name in _SAME_FOR_EVERY_ROW
        if name in text.columns and text[name].n_unique() == 1 and text[name][0] is not None
    }
    values = ", ".join(_sql_literal(fixed[name]) if name in fixed else "%s" for name in names)
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({values}) ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
    bound = text.select([name for name in names if name not in fixed])
    with connection.cursor() as cursor:
        # A result row touches half a dozen indexes in different orders; with SQLite's default 2 MiB
        # page cache a million rows thrash it (most of the write's time). A larger cache for this
        # write only, given back afterwards.
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_WRITE_CACHE_KIB}")
        try:
            for start in range(0, bound.height, SQLITE_WRITE_CHUNK):
                cursor.executemany(sql, bound.slice(start, SQLITE_WRITE_CHUNK).rows())
            _supersede_sqlite(cursor, frame)
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _supersede_sqlite(cursor: Any, frame: pl.DataFrame) -> None:
    """Effective rows supersede the ticket's others, on SQLite: per contract and version, the tickets written as effective go to SQLite
    as one JSON array (read by json_each in C, not bound one value at a time)."""
    quote = connection.ops.quote_name
    table = quote(SlaResult._meta.db_table)
    written = frame.filter(pl.col("effective")).select("contract", "version", "ticket")
    for (contract_pk, version_pk), group in written.group_by(["contract", "version"], maintain_order=True):
        cursor.execute(
            f"UPDATE {table} SET {quote('effective')} = 0 WHERE {quote('contract_id')} = %s "
            f"AND {quote('effective')} AND {quote('version_id')} <> %s "
            f"AND {quote('ticket_id')} IN (SELECT value FROM json_each(%s))",
            [int(contract_pk), int(version_pk), json.dumps(group["ticket"].to_list())],
        )


_SAME_FOR_EVERY_ROW = ("program", "contract", "version", "as_of", "created_at", "updated_at")


def _sql_literal(value: Any) -> str:
    """An int, or text made by this module (digits, '-', ':', ' '), as an SQL literal."""
    if isinstance(value, int):
        return str(int(value))
    text = str(value)
    if not all(c.isdigit() or c in "-: " for c in text):
        raise ValueError(f"not a literal this module writes: {text!r}")
    return f"'{text}'"


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp() // 1)
