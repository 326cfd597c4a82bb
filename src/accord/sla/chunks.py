"""A CSV file cut into chunks of whole records, each chunk a small CSV of its own with the file's header.

The import reads a million-row export chunk by chunk, so its memory is bounded by the chunk, not the
file. Each chunk is cut on a record boundary: a line break outside quotes (in RFC 4180 CSV a quote
inside a quoted cell is doubled, so a line break ends a record exactly when the quotes before it, from
the record's start, are even in number). Every chunk knows the file line of its first record, so the
readers' line numbers (2 for a chunk's first record, as for a whole file) are turned back into the
lines an editor shows.
"""

from __future__ import annotations

import io
import mmap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accord.sla.engine.readers import InputError, Source

NEWLINE, QUOTE = 10, 34


@dataclass(frozen=True)
class CsvChunk:
    """The header and some whole records of a file, and where they are in it."""

    source: io.BytesIO  # named like the file, so the readers' messages name the file
    line_offset: int  # add to a reader's line number (2 = the chunk's first record) for the file's line
    index: int  # 0 for the first chunk


def _record_end(data: np.ndarray) -> int:
    """Index just past the last record boundary (an unquoted line break) in `data`, which starts at a
    record's start; 0 when there is none."""
    breaks = np.flatnonzero(data == NEWLINE)
    if breaks.size == 0:
        return 0
    quotes_before = np.cumsum(data == QUOTE, dtype=np.int64)[breaks]
    outside = breaks[(quotes_before & 1) == 0]
    return int(outside[-1]) + 1 if outside.size else 0


def csv_chunks(source: Source, what: str, *, chunk_bytes: int) -> Iterator[CsvChunk]:
    """The file as chunks of about `chunk_bytes` (a record longer than that makes its chunk longer).

    A path is mapped and read a chunk at a time; bytes and open files are cut the same way. A file
    with nothing but a header (or nothing at all) is one chunk, for the reader to accept or refuse.
    """
    if isinstance(source, str | Path):
        name = str(source)
        try:
            with Path(source).open("rb") as handle:
                if Path(source).stat().st_size == 0:
                    yield _chunk(b"", name, 0, 0)
                    return
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    yield from _cut(view, name, chunk_bytes)
        except OSError as exc:
            raise InputError(f"{what} file {name!r}: {exc.strerror or exc}") from exc
        return
    if isinstance(source, bytes):
        yield from _cut(source, what, chunk_bytes)
        return
    data = source.read()
    yield from _cut(
        data.encode() if isinstance(data, str) else data, getattr(source, "name", what), chunk_bytes
    )


def _chunk(data: bytes, name: str, line_offset: int, index: int) -> CsvChunk:
    buffer = io.BytesIO(data)
    buffer.name = name  # type: ignore[misc]  # the readers name the file by its `name`
    return CsvChunk(source=buffer, line_offset=line_offset, index=index)


def _cut(view: bytes | mmap.mmap, name: str, chunk_bytes: int) -> Iterator[CsvChunk]:
    size = len(view)
    whole = np.frombuffer(view, dtype=np.uint8) if size else np.empty(0, dtype=np.uint8)
    try:
        header_end = _header_end(whole)
        if header_end == 0 or header_end >= size:
            yield _chunk(bytes(view[:size]), name, 0, 0)
            return
        header = bytes(view[:header_end])
        start, lines_before, index = header_end, 1, 0
        while start < size:
            stop = min(size, start + chunk_bytes)
            end = start + _record_end(whole[start:stop]) if stop < size else size
            while end == start:  # one record longer than a chunk: take more of the file
                stop = min(size, stop + chunk_bytes)
                end = start + _record_end(whole[start:stop]) if stop < size else size
            body = bytes(view[start:end])
            # The chunk's first record is file line lines_before + 1; the reader calls it line 2.
            yield _chunk(header + body, name, lines_before - 1, index)
            lines_before += body.count(b"\n")
            start, index = end, index + 1
    finally:
        del whole  # release the mapping's buffer before it is closed


def _header_end(whole: np.ndarray) -> int:
    """Index just past the header record: its first unquoted line break (0 when the file has none)."""
    limit = min(whole.size, 1 << 16)
    while limit:
        part = whole[:limit]
        breaks = np.flatnonzero(part == NEWLINE)
        outside = breaks[(np.cumsum(part == QUOTE, dtype=np.int64)[breaks] & 1) == 0]
        if outside.size:
            return int(outside[0]) + 1
        if limit == whole.size:
            return 0
        limit = min(whole.size, limit * 4)
    return 0
