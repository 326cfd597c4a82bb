"""A ticket export read and checked chunk by chunk, so that memory is bounded by a chunk, not the file.

A generic export (tickets file and events file) is read in three passes, each over one chunk at a time
(see `accord.sla.chunks`):

1. the tickets file: each chunk is read and checked on its own, and its ids are compared with those of
   the earlier chunks (a repeated id is a duplicate of the line that had it first). Only the ids of the
   whole file stay in memory (which chunk each first appears in), to place events;
2. the events file: each chunk is read and every event put with the tickets chunk that holds its
   ticket's first line (an event three chunks down the file may be for a ticket of the first chunk);
   an event whose ticket is on no line of the tickets file is a row error, as for a whole file;
3. each tickets chunk with its events: the row checks of `check_rows` (an unreadable event rejects its
   ticket), so the rows, their reasons and their line numbers are those of reading the file whole.

Between passes the read chunks wait in a temporary directory (pickled columns), so the file is parsed
once. ServiceNow and Jira exports are read whole (one chunk): an incident's rows may be anywhere in a
ServiceNow export, and a Jira issue's response is derived from its whole status history.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from accord.sla.choices import TicketFormat
from accord.sla.chunks import csv_chunks
from accord.sla.engine import EventArrays, read_events, read_generic_tickets
from accord.sla.engine.readers import Source
from accord.sla.engine_bridge import ParsedExport, check_rows, read_export

CHUNK_BYTES = 4 << 20  # about 50,000 tickets or 100,000 events of a generic export per chunk


def _no_progress(message: str) -> None:
    return None


@dataclass(eq=False)
class CheckedExport:
    """An export after its row checks: the counts and first errors of the whole file, its chunks to follow."""

    total: int = 0  # ticket rows
    rejected: int = 0  # ticket rows that cannot be stored
    error_count: int = 0  # rejected tickets and events of no ticket in the file
    first_errors: list[tuple[int, str]] = field(default_factory=list)  # the first ones by line
    chunk_count: int = 0
    _spill: Path | None = None
    _whole: ParsedExport | None = None

    @property
    def valid(self) -> int:
        return self.total - self.rejected

    def chunks(self) -> Iterator[ParsedExport]:
        """Each chunk's checked rows, in file order."""
        if self._whole is not None:
            yield self._whole
            return
        for index in range(self.chunk_count):
            yield _load(self._spill / f"checked-{index}.pickle")

    def _add_errors(self, errors: list[tuple[int, str]], keep: int) -> None:
        self.error_count += len(errors)
        self.first_errors = heapq.nsmallest(keep, [*self.first_errors, *errors])


def _dump(value: object, path: Path) -> None:
    with path.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path) -> object:
    with path.open("rb") as handle:
        return pickle.load(handle)  # our own spill file, written by this process


@contextmanager
def read_checked_export(
    source: Source,
    *,
    file_format: str,
    timezone: str,
    events_source: Source | None = None,
    date_format: str | None = None,
    keep_errors: int = 200,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[str], None] = _no_progress,
) -> Iterator[CheckedExport]:
    """Read and check an export: `with read_checked_export(...) as export:`, its chunks readable inside.

    Raises InputError (or ValueError) on entering for a file that cannot be used at all.
    """
    if file_format != TicketFormat.GENERIC:
        parsed = read_export(
            source,
            file_format=file_format,
            timezone=timezone,
            events_source=events_source,
            date_format=date_format,
        )
        export = CheckedExport(total=len(parsed.tickets), rejected=int((~parsed.valid).sum()), chunk_count=1)
        export._whole = parsed
        export._add_errors(parsed.row_errors(), keep_errors)
        yield export
        return
    with tempfile.TemporaryDirectory(prefix="accord-import-") as directory:
        spill = Path(directory)
        export = CheckedExport(_spill=spill)
        first_chunk = _read_tickets(
            source,
            spill,
            export,
            timezone=timezone,
            date_format=date_format,
            chunk_bytes=chunk_bytes,
            progress=progress,
        )
        events_by_chunk: dict[int, int] = {}
        if events_source is not None:
            events_by_chunk = _read_events(
                events_source,
                spill,
                export,
                first_chunk,
                timezone=timezone,
                date_format=date_format,
                chunk_bytes=chunk_bytes,
                keep_errors=keep_errors,
                progress=progress,
            )
        del first_chunk
        for index in range(export.chunk_count):
            progress(f"Checking the rows: part {index + 1} of {export.chunk_count}…")
            tickets, earlier = _load(spill / f"tickets-{index}.pickle")
            parts = [
                _load(spill / f"events-{index}-{j}.pickle") for j in range(events_by_chunk.get(index, 0))
            ]
            parsed = check_rows(tickets, EventArrays.concat(parts), earlier=earlier)
            export.rejected += int((~parsed.valid).sum())
            export._add_errors(parsed.row_errors(), keep_errors)
            _dump(parsed, spill / f"checked-{index}.pickle")
            (spill / f"tickets-{index}.pickle").unlink()
            for j in range(events_by_chunk.get(index, 0)):
                (spill / f"events-{index}-{j}.pickle").unlink()
        yield export


def _read_tickets(
    source: Source,
    spill: Path,
    export: CheckedExport,
    *,
    timezone: str,
    date_format: str | None,
    chunk_bytes: int,
    progress: Callable[[str], None],
) -> pl.DataFrame:
    """Pass 1: read each tickets chunk, mark ids seen in an earlier chunk; returns id -> first chunk."""
    firsts: list[pl.DataFrame] = []
    seen = pl.Series("id", [], dtype=pl.String)
    for chunk in csv_chunks(source, "tickets", chunk_bytes=chunk_bytes):
        tickets = read_generic_tickets(chunk.source, timezone=timezone, date_format=date_format)
        tickets.line = tickets.line + chunk.line_offset
        ids = tickets.ids
        earlier = (
            ids.is_in(seen.implode()).fill_null(False).to_numpy()
            if len(seen)
            else np.zeros(len(ids), dtype=bool)
        )
        new = pl.DataFrame({"id": ids}).filter(
            pl.col("id").is_not_null() & pl.col("id").is_first_distinct() & ~pl.Series(earlier)
        )
        firsts.append(new.with_columns(chunk=pl.lit(chunk.index, dtype=pl.Int32)))
        seen = pl.concat([seen, new["id"]])
        _dump((tickets, earlier), spill / f"tickets-{chunk.index}.pickle")
        export.total += len(tickets)
        export.chunk_count = chunk.index + 1
        progress(f"Reading the tickets file: {export.total} row(s) so far…")
    del seen
    return (
        pl.concat(firsts)
        if firsts
        else pl.DataFrame({"id": [], "chunk": []}, schema={"id": pl.String, "chunk": pl.Int32})
    )


def _read_events(
    source: Source,
    spill: Path,
    export: CheckedExport,
    first_chunk: pl.DataFrame,
    *,
    timezone: str,
    date_format: str | None,
    chunk_bytes: int,
    keep_errors: int,
    progress: Callable[[str], None],
) -> dict[int, int]:
    """Pass 2: read each events chunk and file its events under their ticket's chunk; returns, per tickets
    chunk, how many parts of events it has. Events of no ticket in the file are row errors."""
    parts: dict[int, int] = {}
    read = 0
    # The ids sorted once: each chunk's events are then looked up by binary search, not by a join that
    # would hash the whole file's ids again for every chunk.
    by_id = first_chunk.sort("id")
    keys, chunk_of = by_id["id"], by_id["chunk"].to_numpy()
    del by_id
    for chunk in csv_chunks(source, "events", chunk_bytes=chunk_bytes):
        events = read_events(chunk.source, timezone=timezone, date_format=date_format)
        events.line = events.line + chunk.line_offset
        read += len(events)
        owner = _owners(events.ticket_id, keys, chunk_of)
        unknown = np.flatnonzero(owner < 0)
        export._add_errors(
            [
                (
                    int(events.line[r]),
                    f"events line {int(events.line[r])}: no ticket {events.ticket_id[int(r)]!r} in the file",
                )
                for r in unknown
            ],
            keep_errors,
        )
        order = np.argsort(owner, kind="stable")  # grouped by chunk, file order within each
        sorted_owner = owner[order]
        for index in np.unique(sorted_owner[sorted_owner >= 0]).tolist():
            lo, hi = np.searchsorted(sorted_owner, [index, index + 1])
            rows = order[lo:hi]
            part = EventArrays(
                ticket_id=events.ticket_id.gather(rows),
                at=events.at[rows],
                state=events.state.gather(rows),
                line=events.line[rows],
                error=events.error[rows],
            )
            _dump(part, spill / f"events-{index}-{parts.get(index, 0)}.pickle")
            parts[index] = parts.get(index, 0) + 1
        progress(f"Reading the events file: {read} row(s) so far…")
    return parts


def _owners(ids: pl.Series, keys: pl.Series, chunk_of: np.ndarray) -> np.ndarray:
    """For each id, the chunk of `keys` (sorted ids) holding it, -1 when none (or the id is null)."""
    if len(keys) == 0 or len(ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    probe = ids.fill_null("")
    at = np.minimum(keys.search_sorted(probe, side="left").to_numpy(), len(keys) - 1)
    found = (keys.gather(at) == probe).fill_null(False).to_numpy() & ids.is_not_null().to_numpy()
    return np.where(found, chunk_of[at], -1).astype(np.int64)


__all__ = ["CHUNK_BYTES", "CheckedExport", "read_checked_export"]
