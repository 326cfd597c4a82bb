"""Vectorised parsing of timestamp columns into int64 UTC epoch seconds, with a reason per bad cell.

ISO 8601 is the default: 'YYYY-MM-DD[T ]HH:MM[:SS[.fff]]' with an optional 'Z' or '±HH[:MM]'.
A naive time is local to the policy's time zone: where it occurs twice (the hour repeated when
DST ends) the earlier instant is taken, as Python's fold=0 does; where it never occurs (the hour
skipped when DST starts) the cell is an error, because no correct clock could have written it.
With `date_format` (a strftime pattern such as '%d-%m-%Y %H:%M') that pattern is used instead.
Fractions of a second are dropped: the engine counts whole seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from .zones import MISSING, days_from_civil, days_in_month, zone_table

FIRST_YEAR = 1970
LAST_YEAR = 2199
_ISO_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
_OFFSET_RE = r"([Zz]|[+-]\d{2}(?::?\d{2})?)$"


def parse_instant_column(
    texts: pl.Series,
    timezone: str,
    *,
    column: str,
    date_format: str | None = None,
    missing_tokens: Sequence[str] = ("",),
) -> tuple[np.ndarray, np.ndarray]:
    """Parse `texts` into (epoch seconds, errors).

    Missing cells (null or one of `missing_tokens` after stripping) give MISSING and no error;
    bad cells give MISSING and a reason naming `column` in `errors` (an object array of str/None).
    """
    stripped = texts.cast(pl.String).str.strip_chars()
    missing = (stripped.is_null() | stripped.is_in(list(missing_tokens))).to_numpy()
    impossible = np.zeros(len(texts), dtype=bool)
    if date_format is None:
        wall, naive, bad, impossible = _parse_iso(stripped)
        reason = "is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])"
    else:
        wall, naive, bad = _parse_with_format(stripped, date_format)
        reason = f"does not match the date format {date_format!r}"
    bad &= ~missing
    values = np.where(bad | missing, MISSING, wall)
    errors = np.full(len(texts), None, dtype=object)

    candidates = ~bad & ~missing
    years_ok = np.ones(len(texts), dtype=bool)
    if candidates.any():
        year = _year_of_seconds(values)
        years_ok = ~candidates | ((year >= FIRST_YEAR) & (year <= LAST_YEAR))
    out_of_range = candidates & ~years_ok
    values[out_of_range] = MISSING

    to_localise = candidates & years_ok & naive
    skipped = np.zeros(len(texts), dtype=bool)
    if to_localise.any():
        zone = zone_table(timezone, values[to_localise])
        instants, exists = zone.from_wall(values[to_localise])
        values[to_localise] = np.where(exists, instants, MISSING)
        skipped[to_localise] = ~exists

    raw = stripped.to_numpy() if (bad.any() or out_of_range.any() or skipped.any()) else None
    if raw is not None:
        for index in np.flatnonzero(bad):
            detail = "is not a real date, time of day or UTC offset" if impossible[index] else reason
            errors[index] = f"{column} {raw[index]!r} {detail}"
        for index in np.flatnonzero(out_of_range):
            errors[index] = f"{column} {raw[index]!r} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}"
        for index in np.flatnonzero(skipped):
            errors[index] = (
                f"{column} {raw[index]!r} does not exist in {timezone}: "
                "the clocks skipped it when daylight-saving time began; give the UTC offset"
            )
        values[bad | out_of_range | skipped] = MISSING
    return values, errors


def _year_of_seconds(seconds: np.ndarray) -> np.ndarray:
    return seconds.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970


def _parse_iso(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-or-UTC seconds, naive mask, bad mask, impossible mask) for ISO 8601 strings.

    `impossible` marks well-formed strings naming no real moment ('2026-02-30', '25:00', '+25:00').
    """
    size = len(texts)
    shaped = texts.str.contains(_ISO_RE).fill_null(False).to_numpy()
    frame = pl.DataFrame({"s": texts}).select(
        year=pl.col("s").str.slice(0, 4).str.to_integer(strict=False),
        month=pl.col("s").str.slice(5, 2).str.to_integer(strict=False),
        day=pl.col("s").str.slice(8, 2).str.to_integer(strict=False),
        hour=pl.col("s").str.slice(11, 2).str.to_integer(strict=False),
        minute=pl.col("s").str.slice(14, 2).str.to_integer(strict=False),
        has_seconds=pl.col("s").str.slice(16, 1) == ":",
        second=pl.col("s").str.slice(17, 2).str.to_integer(strict=False),
        tail_length=pl.col("s").str.len_bytes(),
    )

    def column(name: str) -> np.ndarray:
        return frame[name].fill_null(0).to_numpy().astype(np.int64)

    year, month, day, hour, minute = (column(n) for n in ("year", "month", "day", "hour", "minute"))
    has_seconds = frame["has_seconds"].fill_null(False).to_numpy()
    second = np.where(has_seconds, column("second"), 0)
    length = column("tail_length")
    valid = (
        shaped
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days_in_month(year, month))
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    wall = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second

    # Only strings longer than 'YYYY-MM-DDTHH:MM:SS' (or ...HH:MM) can carry a fraction or an offset.
    plain_length = np.where(has_seconds, 19, 16)
    naive = np.ones(size, dtype=bool)
    with_tail = np.flatnonzero(shaped & (length > plain_length))
    if with_tail.size:
        offsets = texts.gather(with_tail).str.extract(_OFFSET_RE, 1)
        parts = pl.DataFrame({"o": offsets}).select(
            present=pl.col("o").is_not_null(),
            zulu=pl.col("o").str.to_uppercase() == "Z",
            negative=pl.col("o").str.slice(0, 1) == "-",
            hours=pl.col("o").str.slice(1, 2).str.to_integer(strict=False),
            minutes=pl.when(pl.col("o").str.len_bytes() > 3)
            .then(pl.col("o").str.slice(-2, 2).str.to_integer(strict=False))
            .otherwise(0),
        )
        present = parts["present"].to_numpy()
        zulu = parts["zulu"].fill_null(False).to_numpy()
        hours = parts["hours"].fill_null(0).to_numpy().astype(np.int64)
        minutes = parts["minutes"].fill_null(0).to_numpy().astype(np.int64)
        sign = np.where(parts["negative"].fill_null(False).to_numpy(), -1, 1)
        offset = np.where(zulu, 0, sign * (hours * 3600 + minutes * 60))
        offset_ok = zulu | ((hours <= 23) & (minutes <= 59))
        aware_rows = with_tail[present]
        naive[aware_rows] = False
        wall[aware_rows] -= offset[present]
        valid[with_tail[present & ~offset_ok]] = False
    return wall, naive, ~valid, shaped & ~valid


def _parse_with_format(texts: pl.Series, date_format: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wall-or-UTC seconds, naive mask, bad mask) for a strftime pattern."""
    try:
        parsed = texts.str.to_datetime(date_format, strict=False, time_unit="us")
    except pl.exceptions.PolarsError as exc:
        raise ValueError(f"unusable date format {date_format!r}: {exc}") from exc
    dtype = parsed.dtype
    aware = isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    bad = parsed.is_null().to_numpy()
    wall = parsed.dt.epoch("s").fill_null(0).to_numpy().astype(np.int64)
    return wall, np.full(len(texts), not aware), bad


def parse_instant(text: str, timezone: str) -> int:
    """One instant (e.g. --as-of), with the same rules; raises ValueError with the reason."""
    values, errors = parse_instant_column(pl.Series([text]), timezone, column="instant")
    if errors[0] is not None:
        raise ValueError(errors[0].removeprefix("instant "))
    if values[0] == MISSING:
        raise ValueError("an instant is required")
    return int(values[0])


def epoch_seconds(moment: dt.datetime | None) -> int:
    """An aware datetime as epoch seconds (MISSING for None); naive datetimes are refused."""
    if moment is None:
        return int(MISSING)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; give an aware datetime")
    return int(moment.timestamp() // 1)
