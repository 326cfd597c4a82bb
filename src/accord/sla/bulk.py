"""Fast bulk writes for imports and results: one multi-row `INSERT … ON CONFLICT … DO UPDATE` statement.

Model instances and `bulk_create` cost tens of microseconds per value, which is minutes for a
million-ticket export. These helpers take ready columns and let the database driver do the rest.
The upsert syntax is the same on SQLite (≥ 3.24) and PostgreSQL, the two supported databases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection, models

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
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Insert `rows` (tuples in the order of `names`); on a `conflict` key clash, update `update`."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in columns_of(model, names))
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    if conflict:
        target = ", ".join(quote(c) for c in columns_of(model, conflict))
        assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns_of(model, update))
        sql += (
            f" ON CONFLICT ({target}) DO UPDATE SET {assignments}"
            if update
            else f" ON CONFLICT ({target}) DO NOTHING"
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
