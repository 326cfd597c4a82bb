"""Fast bulk writes for imports and results: one multi-row `INSERT … ON CONFLICT … DO UPDATE` statement.

Model instances and `bulk_create` cost tens of microseconds per value, which is minutes for a
million-ticket export. These helpers take ready columns and let the database driver do the rest.
The upsert syntax is the same on SQLite (≥ 3.24) and PostgreSQL, the two supported databases. On
PostgreSQL, `insert` and `upsert(copy=True)` send the rows with COPY (psycopg 3 `cursor.copy`), which
is several times faster than a parameterised statement per row; an upsert copies into a temporary
staging table first and merges it with one `INSERT … SELECT … ON CONFLICT`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, models, transaction

from accord.sla.engine import MISSING
from accord.sla.engine_bridge import epoch_to_datetimes


def instants_for_db(values: np.ndarray) -> list[Any]:
    """Epoch seconds (MISSING for none) as the database driver wants datetimes of a DateTimeField."""
    if connection.vendor != "sqlite":
        return epoch_to_datetimes(values)
    if values.size == 0:
        return []
    # Django stores UTC text 'YYYY-MM-DD HH:MM:SS' in SQLite; the same text keeps range lookups right.
    text = np.char.replace(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "T", " ").astype(
        object
    )
    text[values == MISSING] = None
    return text.tolist()


def instants_for_copy(values: np.ndarray) -> list[str | None]:
    """Epoch seconds (MISSING for none) as PostgreSQL's text input of a timestamptz, for COPY."""
    if values.size == 0:
        return []
    text = np.char.add(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "+00").astype(object)
    text[values == MISSING] = None
    return text.tolist()


def instants_for_write(values: np.ndarray) -> list[Any]:
    """Epoch seconds as `insert` and `upsert(copy=True)` take them on this database."""
    return instants_for_copy(values) if connection.vendor == "postgresql" else instants_for_db(values)


def instant_for_db(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def dates_for_db(values: Iterable[dt.date]) -> list[Any]:
    adapt = connection.ops.adapt_datefield_value
    return [adapt(v) for v in values]


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def upsert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]] | pl.DataFrame,
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    copy: bool = False,
) -> None:
    """Insert `rows` (tuples in the order of `names`); on a `conflict` key clash, update `update`.

    With `copy`, on PostgreSQL the rows go through COPY into a staging table; instants must then be
    text (`instants_for_write`), as COPY reads them. There `rows` may be a polars frame (see `copy_frame`).
    """
    if len(rows) == 0:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in columns_of(model, names))
    clause = ""
    if conflict:
        target = ", ".join(quote(c) for c in columns_of(model, conflict))
        assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns_of(model, update))
        clause = (
            f" ON CONFLICT ({target}) DO UPDATE SET {assignments}"
            if update
            else f" ON CONFLICT ({target}) DO NOTHING"
        )
    if copy and connection.vendor == "postgresql":
        digest = hashlib.sha1(columns.encode()).hexdigest()[:8]
        stage = quote(f"stage_{model._meta.db_table}_{digest}")
        # A savepoint at least: ON COMMIT DROP outside a transaction would drop the table at once.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {stage}")
            if isinstance(rows, pl.DataFrame):  # columns in the order of `names`, as `copy_frame` takes them
                with cursor.cursor.copy(f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(rows.write_csv(include_header=False, null_value="").encode())
            else:
                _copy(cursor, stage, columns, rows)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}{clause}")
        return
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}){clause}", rows)


def insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert `rows` (no conflict expected): COPY on PostgreSQL, one statement per row on SQLite.

    Instants as `instants_for_write` gives them; JSON columns as JSON text.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in columns_of(model, names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, rows)
            return
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def copy_frame(model: type[models.Model], frame: pl.DataFrame) -> None:
    """PostgreSQL only: insert a frame's rows (columns named as the model's fields, instants as text
    PostgreSQL reads) with one COPY in CSV format written by polars, not a Python call per row. Polars
    writes a null as an empty field and an empty string as "", which is how COPY's CSV format reads them."""
    if frame.height == 0:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in columns_of(model, frame.columns))
    data = frame.write_csv(include_header=False, null_value="").encode()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(data)


def _copy(cursor: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
    # Django's cursor wrapper holds psycopg's cursor as `.cursor`; COPY … FROM STDIN in text format.
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
