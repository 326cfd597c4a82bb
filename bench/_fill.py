"""Filling a benchmark's database fast, past the ORM: a polars frame (columns named as the table's) into a
model's table with one COPY on PostgreSQL or executemany batches on SQLite. Imported by the benchmarks' child
processes (`python -c`, run from the repository root) once Django is set up."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import connection


def store(model: Any, frame: pl.DataFrame) -> None:
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            payload = frame.write_csv(include_header=False, null_value="\\N", quote_style="non_numeric")
            with cursor.cursor.copy(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            ) as copy:
                copy.write(payload.encode())
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * frame.width)})"
            for offset in range(0, frame.height, 100_000):
                cursor.executemany(sql, frame.slice(offset, 100_000).rows())
