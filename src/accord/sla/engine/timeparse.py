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
_FIRST_SECOND = int(dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC).timestamp())
_END_SECOND = int(dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp())
_ISO_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
_OFFSET_RE = r"([Zz]|[+-]\d{2}(?::?\d{2})?)$"


def parse_instant_column(
    texts: pl.Series,
    timezone: str,
    *,
    column: str,
    date_format: str | None = None,
    missing_tokens: Sequence[str] = ("",),
    jira_dates: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse `texts` into (epoch seconds, errors).

    Missing cells (null or one of `missing_tokens` after stripping) give MISSING and no error;
    bad cells give MISSING and a reason naming `column` in `errors` (an object array of str/None).
    With `jira_dates` (and no `date_format`), cells that are not ISO 8601 may also be in Jira's
    default export shape, '03/Dec/26 9:15 AM' (see `_parse_jira`).
    """
    texts = texts.cast(pl.String)
    if len(texts) == 0:  # a header-only file: nothing to parse (and no buffer to view)
        if date_format is not None:
            _parse_with_format(texts, date_format)  # still refuse an unusable pattern
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    tokens = list(missing_tokens)
    impossible = np.zeros(len(texts), dtype=bool)
    if date_format is None:
        # Clean cells take the fast path as they are; only the others are stripped and re-examined.
        missing = (texts.is_null() | texts.is_in(tokens)).to_numpy()
        wall, naive, bad, impossible, general = _parse_iso_uniform(texts)
        rest = np.flatnonzero(general & ~missing)
        if rest.size:
            others = texts.gather(rest).str.strip_chars()
            missing[rest] = (others.is_null() | others.is_in(tokens)).to_numpy()
            wall[rest], naive[rest], bad[rest], impossible[rest] = _parse_iso_general(others)
            if jira_dates:
                retry = np.flatnonzero(bad[rest] & ~impossible[rest] & ~missing[rest])
                if retry.size:
                    rows = rest[retry]
                    jira_wall, jira_bad, jira_impossible = _parse_jira(others.gather(retry))
                    wall[rows], naive[rows] = jira_wall, True
                    bad[rows], impossible[rows] = jira_bad, jira_impossible
        reason = "is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])"
        if jira_dates:
            reason = "is neither ISO 8601 (YYYY-MM-DDTHH:MM[:SS][±HH:MM]) nor Jira's dd/Mon/yy h:mm AM"
    else:
        stripped = texts.str.strip_chars()
        missing = (stripped.is_null() | stripped.is_in(tokens)).to_numpy()
        wall, naive, bad = _parse_with_format(stripped, date_format)
        reason = f"does not match the date format {date_format!r}"
    bad &= ~missing
    values = wall  # the decoders' own fresh array: overwritten in place, not copied
    values[bad | missing] = MISSING
    errors = np.full(len(texts), None, dtype=object)

    candidates = ~bad & ~missing
    years_ok = (values >= _FIRST_SECOND) & (values < _END_SECOND)
    out_of_range = candidates & ~years_ok
    if out_of_range.any():
        values[out_of_range] = MISSING

    to_localise = candidates & years_ok & naive
    skipped = np.zeros(len(texts), dtype=bool)
    if to_localise.all():  # the usual naive column: convert it whole, no gathers
        zone = zone_table(timezone, values)
        values, exists = zone.from_wall(values)
        skipped = ~exists
    elif to_localise.any():
        zone = zone_table(timezone, values[to_localise])
        instants, exists = zone.from_wall(values[to_localise])
        values[to_localise] = np.where(exists, instants, MISSING)
        skipped[to_localise] = ~exists

    failed = np.flatnonzero(bad | out_of_range | skipped)
    if failed.size:
        # Only the failing cells become Python strings: a few among millions, usually.
        raw = dict(zip(failed.tolist(), texts.gather(failed).str.strip_chars().to_list(), strict=True))
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


_FIXED_WIDTH = 25  # 'YYYY-MM-DDTHH:MM:SS+HH:MM'

# The shapes one export writes for every cell, by byte length: naive, UTC ('Z'), offset ('±HH:MM').
_UNIFORM_SHAPES = {19: "naive", 20: "zulu", 25: "offset"}


def _parse_iso_uniform(
    texts: pl.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`_parse_iso_fixed`'s results, faster when most cells have one full shape.

    The shape is chosen once per column from its commonest byte length: 'YYYY-MM-DD[T ]HH:MM:SS'
    (19), then 'Z' (20) or '±HH:MM' (25). Cells of that length are decoded from one buffer with
    byte-sized arithmetic, every byte checked (so no non-ASCII cell can pass); the cells of
    another length or shape, or of a year outside the month tables, go to `_parse_iso_fixed`,
    whose verdicts stand for them.
    """
    size = len(texts)
    lengths = texts.str.len_bytes().fill_null(0).to_numpy()
    counts = np.bincount(lengths, minlength=_FIXED_WIDTH + 1) if size else np.zeros(1, dtype=np.int64)
    width = int(counts.argmax())
    if width not in _UNIFORM_SHAPES or counts[width] < 0.5 * size:
        return _parse_iso_fixed(texts)
    rows = None if counts[width] == size else np.flatnonzero(lengths == width)
    cells = texts if rows is None else texts.gather(rows)
    accepted, wall, real, aware = _decode_uniform(cells, width)
    if rows is None and accepted.all():
        return wall, np.full(size, not aware), ~real, ~real, np.zeros(size, dtype=bool)
    if rows is None:
        rows = np.arange(size)
    result_wall = np.zeros(size, dtype=np.int64)
    naive = np.ones(size, dtype=bool)
    bad = np.zeros(size, dtype=bool)
    done = rows[accepted]
    result_wall[done], naive[done], bad[done] = wall[accepted], not aware, ~real[accepted]
    impossible = bad.copy()
    general = np.zeros(size, dtype=bool)
    rest = np.ones(size, dtype=bool)
    rest[done] = False
    rest = np.flatnonzero(rest)
    if rest.size:
        rest_wall, rest_naive, rest_bad, rest_impossible, rest_general = _parse_iso_fixed(texts.gather(rest))
        result_wall[rest], naive[rest], bad[rest] = rest_wall, rest_naive, rest_bad
        impossible[rest], general[rest] = rest_impossible, rest_general
    return result_wall, naive, bad, impossible, general


def _byte_matrix(cells: pl.Series, width: int) -> np.ndarray | bytes:
    """The bytes of cells that are all `width` bytes long, row after row.

    Read as fixed-size byte arrays: one copy, into an array numpy views in place, where joining
    the cells into one string and taking it out as Python bytes made two."""
    matrix = cells.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, width)).to_numpy()
    if matrix.dtype == np.uint8 and matrix.flags.c_contiguous:
        return matrix
    return cells.str.join("").cast(pl.Binary).item()  # (not expected: no nulls reach here)


def _decode_uniform(cells: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(accepted, wall-or-UTC seconds, real, aware) of cells that are all `width` bytes long.

    Accepted: every byte is what the shape wants and the year is in the month tables; real: the
    date, time of day and offset exist (only meaningful where accepted).
    """
    size = len(cells)
    buffer = _byte_matrix(cells, width) if size else b""

    def byte_at(position: int) -> np.ndarray:
        return np.ndarray((size,), np.uint8, buffer, offset=position, strides=(width,))

    def pair_at(position: int) -> np.ndarray:
        """The two digits at `position` as 0-99, 255 where they are not two digits.

        Byte arithmetic in uint8 (a non-digit wraps past 9): a table lookup would first widen
        the 2-byte keys to an 8-byte index array, the largest temporary of the whole decode."""
        tens = byte_at(position) - np.uint8(48)
        units = byte_at(position + 1) - np.uint8(48)
        not_digits = tens > 9
        not_digits |= units > 9
        tens *= np.uint8(10)
        tens += units
        np.putmask(tens, not_digits, np.uint8(255))
        return tens

    century, year_in_century = pair_at(0), pair_at(2)
    month, day, hour, minute, second = pair_at(5), pair_at(8), pair_at(11), pair_at(14), pair_at(17)
    separator = byte_at(10)
    shaped = (
        (century <= 99)
        & (year_in_century <= 99)
        & (month != 255)
        & (day != 255)
        & (hour != 255)
        & (minute != 255)
        & (second != 255)
        & (byte_at(4) == ord("-"))
        & (byte_at(7) == ord("-"))
        & ((separator == ord("T")) | (separator == ord(" ")))
        & (byte_at(13) == ord(":"))
        & (byte_at(16) == ord(":"))
    )
    # In-place arithmetic in narrow types: each full-column temporary is fresh memory.
    year = century.astype(np.int32)
    year *= 100
    year += year_in_century
    accepted = shaped & (year >= _TABLE_FIRST_YEAR) & (year <= _TABLE_LAST_YEAR)
    month_index = year  # the year is not needed after this
    month_index -= _TABLE_FIRST_YEAR
    month_index *= 12
    month_index += month
    month_index -= 1
    np.putmask(month_index, ~(accepted & (month >= 1) & (month <= 12)), 0)
    # One intp index for both table lookups (an int32 one would be widened for each).
    month_index = month_index.astype(np.intp)
    real = (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= _MONTH_LENGTH_BYTES[month_index])
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    time_of_day = hour.astype(np.int32)
    time_of_day *= 3600
    minutes = minute.astype(np.int32)
    minutes *= 60
    time_of_day += minutes
    time_of_day += second
    days = _MONTH_START_DAYS.take(month_index)
    days += day
    days -= 1
    wall = days.astype(np.int64)
    wall *= 86400
    wall += time_of_day
    shape = _UNIFORM_SHAPES[width]
    if shape == "zulu":
        zulu = byte_at(19)
        accepted &= (zulu == ord("Z")) | (zulu == ord("z"))
    elif shape == "offset":
        sign = byte_at(19)
        offset_hours, offset_minutes = pair_at(20), pair_at(23)
        accepted &= (
            ((sign == ord("+")) | (sign == ord("-")))
            & (offset_hours != 255)
            & (offset_minutes != 255)
            & (byte_at(22) == ord(":"))
        )
        real &= (offset_hours <= 23) & (offset_minutes <= 59)
        offset = offset_hours.astype(np.int32)
        offset *= 3600
        minutes = offset_minutes.astype(np.int32)
        minutes *= 60
        offset += minutes
        np.negative(offset, out=offset, where=sign == ord("-"))
        wall -= offset
    return accepted, wall, real, shape != "naive"


def _parse_iso_fixed(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode 'YYYY-MM-DD[T ]HH:MM[:SS]' + ('' | 'Z' | '±HH' | '±HHMM' | '±HH:MM') from raw bytes.

    Returns (wall-or-UTC seconds, naive, bad, impossible, general): `impossible` marks well-formed
    cells naming no real moment ('2026-02-30', '25:00', '+25:00'), `general` the cells of another
    shape (fractions of a second, blanks, malformed), left to `_parse_iso_general`. Decoding the
    common shapes from bytes in bulk is what makes millions of timestamps cheap.
    """
    size = len(texts)
    lengths = texts.str.len_bytes().fill_null(0).to_numpy().astype(np.int64)
    # One ASCII string per row at a fixed stride, joined into one buffer: no Python object per row.
    # Longer or non-ASCII cells are blanked here; they fall to the general parser. When nearly all
    # cells have one length (one export, one shape), the stride is that length and the few others
    # are left to the general parser too; otherwise every cell is padded to the longest.
    fits = (lengths <= _FIXED_WIDTH) & (lengths == texts.str.len_chars().fill_null(0).to_numpy())
    filled = fits & (lengths > 0)
    counts = np.bincount(lengths[filled], minlength=_FIXED_WIDTH + 1)
    stride = int(counts.argmax())
    if stride > 0 and counts[stride] >= 0.9 * counts.sum():
        fits = filled & (lengths == stride)
        rows = (
            texts
            if counts[stride] == size
            else pl.select(
                pl.when(pl.lit(pl.Series(fits))).then(texts).otherwise(pl.lit(" " * stride))
            ).to_series()
        )
    else:
        stride = max(int(lengths[fits].max()) if fits.any() else 0, 1)
        rows = pl.select(
            pl.when(pl.lit(pl.Series(fits)))
            .then(texts.fill_null(""))
            .otherwise(pl.lit(""))
            .str.pad_end(stride)
        ).to_series()
    # Bytes past a row's own length are only read where `lengths` says they belong to it; the tail
    # keeps reads past the last row inside the buffer.
    buffer = (rows.str.join("").cast(pl.Binary).item() if size else b"") + b" " * (_FIXED_WIDTH + 1)
    lengths = np.where(fits, lengths, 0)

    def byte_at(position: int) -> np.ndarray:
        return np.ndarray((size,), np.uint8, buffer, offset=position, strides=(stride,))

    def pair_at(position: int) -> np.ndarray:
        """Value of the two digits at `position` of every row, -1 where they are not two digits."""
        pairs = np.ndarray((size,), "<u2", buffer, offset=position, strides=(stride,))
        return _PAIR_VALUE[pairs]

    century, year_in_century = pair_at(0), pair_at(2)
    month, day, hour, minute = pair_at(5), pair_at(8), pair_at(11), pair_at(14)
    year = century.astype(np.int32) * 100 + year_in_century
    shaped = (
        (lengths >= 16)
        & (century >= 0)
        & (year_in_century >= 0)
        & (month >= 0)
        & (day >= 0)
        & (hour >= 0)
        & (minute >= 0)
        & (byte_at(4) == ord("-"))
        & (byte_at(7) == ord("-"))
        & ((byte_at(10) == ord("T")) | (byte_at(10) == ord(" ")))
        & (byte_at(13) == ord(":"))
    )
    seconds_pair = pair_at(17)
    has_seconds = (lengths >= 19) & (byte_at(16) == ord(":")) & (seconds_pair >= 0)
    second = np.where(has_seconds, seconds_pair, 0)
    suffix = lengths - np.where(has_seconds, 19, 16)
    in_table = (year >= _TABLE_FIRST_YEAR) & (year <= _TABLE_LAST_YEAR)
    if (suffix > 0).any():
        # The offset starts right after the seconds, or right after the minutes when there are none.
        sign_byte = np.where(has_seconds, byte_at(19), byte_at(16))
        hours = np.where(has_seconds, pair_at(20), pair_at(17))
        compact_minutes = np.where(has_seconds, pair_at(22), pair_at(19))
        colon = np.where(has_seconds, byte_at(22), byte_at(19)) == ord(":")
        colon_minutes = np.where(has_seconds, pair_at(23), pair_at(20))

        signed = (sign_byte == ord("+")) | (sign_byte == ord("-"))
        zulu = (suffix == 1) & ((sign_byte == ord("Z")) | (sign_byte == ord("z")))
        offset_hours = signed & (suffix >= 3) & (hours >= 0)
        short_offset = offset_hours & (suffix == 3)
        compact_offset = offset_hours & (suffix == 5) & (compact_minutes >= 0)
        colon_offset = offset_hours & (suffix == 6) & colon & (colon_minutes >= 0)
        minutes = np.where(compact_offset, compact_minutes, np.where(colon_offset, colon_minutes, 0))
        aware = zulu | short_offset | compact_offset | colon_offset
        offset_ok = ~aware | zulu | ((hours <= 23) & (minutes <= 59))
        # int16 digits: widen before multiplying (NumPy keeps int16 * int in int16).
        offset_seconds = hours.astype(np.int64) * 3600 + minutes.astype(np.int64) * 60
        offset = np.where(aware & ~zulu, np.where(sign_byte == ord("-"), -1, 1) * offset_seconds, 0)
    else:  # no cell has anything after its seconds (or minutes): all naive, no offsets to read
        aware = np.zeros(size, dtype=bool)
        offset_ok = np.ones(size, dtype=bool)
        offset = np.zeros(size, dtype=np.int64)
    fixed = shaped & in_table & ((suffix == 0) | aware)

    month_ok = (month >= 1) & (month <= 12)
    month_index = np.where(fixed & month_ok, (year - _TABLE_FIRST_YEAR) * 12 + month - 1, 0)
    real = (
        month_ok
        & (day >= 1)
        & (day <= _MONTH_LENGTH[month_index])
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
        & offset_ok
    )
    wall = (
        (_MONTH_START[month_index] + day.astype(np.int64) - 1) * 86400
        + hour.astype(np.int64) * 3600
        + minute.astype(np.int64) * 60
        + second.astype(np.int64)
        - offset
    )
    bad = fixed & ~real
    return wall, ~aware, bad, bad.copy(), ~fixed


def _pair_table() -> np.ndarray:
    table = np.full(1 << 16, -1, dtype=np.int16)
    for tens in range(10):
        for units in range(10):
            table[(48 + tens) | ((48 + units) << 8)] = tens * 10 + units  # little-endian pair
    return table


def _month_tables() -> tuple[np.ndarray, np.ndarray]:
    years = np.repeat(np.arange(_TABLE_FIRST_YEAR, _TABLE_LAST_YEAR + 1), 12)
    months = np.tile(np.arange(1, 13), _TABLE_LAST_YEAR - _TABLE_FIRST_YEAR + 1)
    return days_from_civil(years, months, np.ones_like(years)), days_in_month(years, months)


_PAIR_VALUE = _pair_table()
_TABLE_FIRST_YEAR, _TABLE_LAST_YEAR = 1900, 2299  # other years go to the general parser
_MONTH_START, _MONTH_LENGTH = _month_tables()
_MONTH_START_DAYS, _MONTH_LENGTH_BYTES = _MONTH_START.astype(np.int32), _MONTH_LENGTH.astype(np.uint8)


def _real_moment(
    year: np.ndarray,
    month: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    minute: np.ndarray,
    second: np.ndarray,
) -> np.ndarray:
    month_ok = (month >= 1) & (month <= 12)
    return (
        month_ok
        & (day >= 1)
        & (day <= days_in_month(year, np.where(month_ok, month, 1)))
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )


def _wall_seconds(
    year: np.ndarray,
    month: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    minute: np.ndarray,
    second: np.ndarray,
) -> np.ndarray:
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second


def _parse_iso_general(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-or-UTC seconds, naive, bad, impossible) by regular expression, for the ISO shapes the
    fixed-width decoder leaves out."""
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
    valid = shaped & _real_moment(year, month, day, hour, minute, second)
    wall = _wall_seconds(year, month, day, hour, minute, second)

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


_JIRA_RE = r"^(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _parse_jira(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wall seconds, bad, impossible) of Jira's default export shape 'dd/Mon/yy h:mm[:ss] AM'.

    English month abbreviations; a two-digit year is 20yy below 69 and 19yy from 69 (as strptime's
    %y); with AM/PM the hour is 1-12 (12 AM is midnight), without it 0-23. Always naive: Jira
    writes times in the exporting user's zone, which the policy's zone stands for.
    """
    parts = texts.str.extract_groups(_JIRA_RE).struct.unnest()
    parts.columns = ["day", "month", "year", "hour", "minute", "second", "half"]

    def number(name: str) -> np.ndarray:
        return parts[name].str.to_integer(strict=False).fill_null(0).to_numpy().astype(np.int64)

    shaped = parts["day"].is_not_null().to_numpy()
    month = (
        parts["month"]
        .str.to_lowercase()
        .replace_strict(list(_MONTHS), list(range(1, 13)), default=0, return_dtype=pl.Int64)
        .fill_null(0)
        .to_numpy()
        .astype(np.int64)
    )
    year, day, hour, minute, second = (number(n) for n in ("year", "day", "hour", "minute", "second"))
    two_digit = parts["year"].str.len_bytes().fill_null(0).to_numpy() == 2
    year = np.where(two_digit, np.where(year < 69, 2000 + year, 1900 + year), year)
    half = parts["half"].str.to_lowercase().fill_null("").to_numpy()
    twelve_hour = half != ""
    hour_ok = np.where(twelve_hour, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(twelve_hour, hour % 12 + np.where(half == "pm", 12, 0), hour)
    real = (
        shaped & hour_ok & (month >= 1) & _real_moment(year, np.maximum(month, 1), day, hour, minute, second)
    )
    wall = _wall_seconds(year, np.maximum(month, 1), day, hour, minute, second)
    return wall, ~real, shaped & ~real


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
