"""The SLA engine's fast path for timestamp columns of one shape gives exactly the verdicts of the
general fixed-width decoder, cell by cell: same instants, same errors, for clean cells, impossible
dates and times, wrong separators, non-ASCII bytes, years outside the tables, DST gaps and folds,
and columns where the odd cell has another shape."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from accord.sla.engine import timeparse

ZONE = "America/Chicago"


def _mutations(rng: np.random.Generator, base: list[str], count: int) -> list[str]:
    """Cells of the same length as `base`'s, with one byte changed or a field out of range."""
    replacements = [*"0123456789-:T tZz+/.Ab", "é"]
    cells = []
    for _ in range(count):
        text = list(base[int(rng.integers(len(base)))])
        position = int(rng.integers(len(text) - 1))
        replacement = replacements[int(rng.integers(len(replacements)))]
        # A two-byte character in place of two ASCII ones keeps the byte length (not the text's).
        text[position : position + (2 if replacement == "é" else 1)] = [replacement]
        cells.append("".join(text))
    return cells


def _column(rng: np.random.Generator, width_shape: str, size: int) -> list[str | None]:
    instants = rng.integers(1_600_000_000, 1_900_000_000, size)
    walls = np.datetime_as_string(instants.astype("datetime64[s]"), unit="s").tolist()
    if width_shape == "zulu":
        walls = [w + ("Z" if i % 3 else "z") for i, w in enumerate(walls)]
    elif width_shape == "offset":
        offsets = ["-05:00", "-06:00", "+05:30", "+00:00", "+14:00", "-12:00"]
        walls = [w + offsets[i % len(offsets)] for i, w in enumerate(walls)]
    cells: list[str | None] = [w.replace("T", " ") if i % 7 == 0 else w for i, w in enumerate(walls)]
    cells += _mutations(rng, walls, size // 4)
    fixed_cases = {
        "naive": [
            "2026-02-29T10:00:00",
            "2024-02-29T10:00:00",
            "2026-13-01T10:00:00",
            "2026-00-10T10:00:00",
            "2026-04-31T10:00:00",
            "2026-04-00T10:00:00",
            "2026-04-10T24:00:00",
            "2026-04-10T23:60:00",
            "2026-04-10T23:59:60",
            "1899-12-31T23:59:59",
            "2300-01-01T00:00:00",
            "1969-12-31T23:59:59",
            "2026-03-08T02:30:00",  # skipped in Chicago
            "2026-11-01T01:30:00",  # repeated in Chicago
            "2026-04-10t10:00:00",
            "2026/04/10T10:00:00",
            "+026-04-10T10:00:00",
            " 2026-04-10T10:00:0",
            "2026-04-10T10:00:0é"[:19],
        ],
        "zulu": ["2026-04-10T10:00:00Q", "2026-04-10T10:00:00+", "2026-02-30T10:00:00Z"],
        "offset": [
            "2026-04-10T10:00:00+24:00",
            "2026-04-10T10:00:00+05:60",
            "2026-04-10T10:00:00*05:00",
            "2026-04-10T10:00:00+0500 ",
            "2026-04-10T10:00:00-05-00",
            "2026-04-10T10:00+05:00:00",
        ],
    }[width_shape]
    # Cells of other shapes and lengths, left to the general decoders.
    others = ["", "?", None, "  2026-04-10T10:00:00  ", "2026-04-10T10:00", "2026-04-10T10:00:00.250", "junk"]
    cells += fixed_cases + others
    order = rng.permutation(len(cells))
    return [cells[i] for i in order]


@pytest.mark.parametrize("shape", ["naive", "zulu", "offset"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_shape_columns_parse_exactly_as_the_general_decoder_does(
    shape: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = pl.Series(_column(np.random.default_rng(seed), shape, 4000), dtype=pl.String)
    values, errors = timeparse.parse_instant_column(texts, ZONE, column="at", missing_tokens=("", "?"))
    monkeypatch.setattr(timeparse, "_parse_iso_uniform", timeparse._parse_iso_fixed)
    expected_values, expected_errors = timeparse.parse_instant_column(
        texts, ZONE, column="at", missing_tokens=("", "?")
    )
    assert values.tolist() == expected_values.tolist()
    assert errors.tolist() == expected_errors.tolist()
    assert sum(e is not None for e in errors) > 100  # the mutations did make bad cells


def test_the_fast_path_is_taken_for_a_column_of_one_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(texts: pl.Series) -> object:
        raise AssertionError("the general decoder should not see a clean one-shape column")

    monkeypatch.setattr(timeparse, "_parse_iso_fixed", refuse)
    values, errors = timeparse.parse_instant_column(
        pl.Series(["2026-03-09T08:00:00", "2026-11-01T01:30:00"]), ZONE, column="at"
    )
    # 01:30 on the night the clocks go back is the earlier (CDT) one, as Python's fold=0.
    chicago = ZoneInfo(ZONE)
    expected = [dt.datetime(2026, 3, 9, 8, tzinfo=chicago), dt.datetime(2026, 11, 1, 1, 30, tzinfo=chicago)]
    assert values.tolist() == [int(moment.timestamp()) for moment in expected]
    assert errors.tolist() == [None, None]
