"""A CSV file cut into chunks of whole records, each chunk a small CSV of its own with the file's header.

The import reads a million-row export chunk by chunk, so its memory is bounded by the chunk, not the
file. Each chunk is cut on a record boundary: a line break outside quotes (in RFC 4180 CSV a quote
inside a quoted cell is doubled, so a line break ends a record exactly when the quotes before it, from
the record's start, are even in number). The file is read a chunk at a time. Every chunk knows the file line of its first record, so the
readers' line numbers (2 for a chunk's first record, as for a whole file) are turned back into the
lines an editor shows.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from accord.sla.engine.readers import InputError, Source

NEWLINE, QUOTE = 10, 34


@dataclass(frozen=True)
class CsvChunk:
    """The header and some whole records of a file, and where they are in it."""

    source: io.BytesIO  # named like the file, so the readers' messages name the file
    line_offset: int  # add to a reader's line number (2 = the chunk's first record) for the file's line
    index: int  # 0 for the first chunk


def csv_chunks(source: Source, what: str, *, chunk_bytes: int) -> Iterator[CsvChunk]:
    """The file as chunks of about `chunk_bytes` (a record longer than that makes its chunk longer).

    A path is read a chunk at a time (never mapped or read whole: memory stays bounded by the chunk);
    bytes and open files are cut the same way. A file with nothing but a header (or nothing at all)
    is one chunk, for the reader to accept or refuse.
    """
    if isinstance(source, str | Path):
        name = str(source)
        try:
            with Path(source).open("rb") as handle:
                yield from _cut(handle, name, chunk_bytes)
        except OSError as exc:
            raise InputError(f"{what} file {name!r}: {exc.strerror or exc}") from exc
        return
    if isinstance(source, bytes):
        yield from _cut(io.BytesIO(source), what, chunk_bytes)
        return
    data = source.read()
    yield from _cut(
        io.BytesIO(data.encode() if isinstance(data, str) else data),
        getattr(source, "name", what),
        chunk_bytes,
    )


def _chunk(data: bytes, name: str, line_offset: int, index: int) -> CsvChunk:
    buffer = io.BytesIO(data)
    buffer.name = name  # type: ignore[misc]  # the readers name the file by its `name`
    return CsvChunk(source=buffer, line_offset=line_offset, index=index)


def _cut(handle: BinaryIO, name: str, chunk_bytes: int) -> Iterator[CsvChunk]:
    def fill(pending: bytes, want: int) -> tuple[bytes, bool]:
        """`pending` with the file's next bytes up to `want` in all, and whether the file has ended."""
        parts, size = [pending], len(pending)
        while size < want:
            more = handle.read(want - size)
            if not more:
                return b"".join(parts), True
            parts.append(more)
            size += len(more)
        return b"".join(parts), False

    pending, ended = fill(b"", chunk_bytes)
    header_end = _header_end(pending)
    while header_end == 0 and not ended:  # a header longer than a chunk
        pending, ended = fill(pending, len(pending) + chunk_bytes)
        header_end = _header_end(pending)
    if header_end == 0:  # nothing but a header without a line break, or nothing at all
        yield _chunk(pending, name, 0, 0)
        return
    header, pending = pending[:header_end], pending[header_end:]
    lines_before, index = 1, 0
    while True:
        if not ended:
            pending, ended = fill(pending, chunk_bytes)
        end = len(pending) if ended else _record_end(pending)
        while end == 0 and not ended:  # one record longer than a chunk: take more of the file
            pending, ended = fill(pending, len(pending) + chunk_bytes)
            end = len(pending) if ended else _record_end(pending)
        if end or index == 0:  # a header-only file is one chunk without records
            body = pending[:end]
            # The chunk's first record is file line lines_before + 1; the reader calls it line 2.
            yield _chunk(header + body, name, lines_before - 1, index)
            lines_before += body.count(b"\n")
            pending, index = pending[end:], index + 1
        if ended and not pending:
            return


def _record_end(data: bytes) -> int:
    """Index just past the last record boundary (an unquoted line break) in `data`, which starts at a
    record's start; 0 when there is none."""
    array = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(array == NEWLINE)
    if breaks.size == 0:
        return 0
    quotes_before = np.cumsum(array == QUOTE, dtype=np.int64)[breaks]
    outside = breaks[(quotes_before & 1) == 0]
    return int(outside[-1]) + 1 if outside.size else 0


def _header_end(data: bytes) -> int:
    """Index just past the header record: its first unquoted line break (0 when `data` has none)."""
    array = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(array == NEWLINE)
    outside = breaks[(np.cumsum(array == QUOTE, dtype=np.int64)[breaks] & 1) == 0]
    return int(outside[0]) + 1 if outside.size else 0
