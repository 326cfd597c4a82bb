"""An export read in many small chunks is stored exactly as when it is read in one: same tickets, events,
change records, errors and line numbers, whatever chunk a duplicate id or a ticket's events fall in."""

from __future__ import annotations

import pytest

from accord.sla import export_chunks, services
from accord.sla.choices import ImportMode, ImportStatus
from accord.sla.chunks import csv_chunks
from accord.sla.models import Ticket, TicketChange, TicketEvent, TicketImport
from tests.sla.factories import ContractFactory, policy_for

pytestmark = pytest.mark.django_db

SMALL = 256  # bytes per chunk: the files below are cut into seven or more chunks
ONE = 1 << 30  # one chunk for the whole file


def _tickets_file() -> tuple[bytes, dict[str, int]]:
    """40 tickets (with a note column the import ignores), and the file line of each id's first row.

    INC02's note holds a line break inside quotes, so every later row's line is one more than its
    row number; INC33 has an unreadable opened_at; INC05 appears again near the end (a duplicate
    of a line several chunks up).
    """
    lines = ["id,priority,opened_at,first_response_at,resolved_at,note"]
    where: dict[str, int] = {}
    line = 2
    rows = [f"INC{i:02d}" for i in range(1, 41)] + ["INC05"]
    for external_id in rows:
        opened = "2024-02-31T09:00Z" if external_id == "INC33" else "2024-01-02T09:00Z"
        note = '"waiting on\nthe vendor"' if external_id == "INC02" else "ok"
        lines.append(f"{external_id},P2,{opened},2024-01-02T09:30Z,,{note}")
        where.setdefault(external_id, line)
        line += 2 if external_id == "INC02" else 1
    where["duplicate INC05"] = line - 1
    return ("\n".join(lines) + "\n").encode(), where


def _events_file() -> tuple[bytes, dict[str, int]]:
    """Two events per ticket in time order (so a ticket's second event is chunks below its first); an event
    of a ticket that is in no line of the file; an unreadable event of INC20; the last event, in the last
    chunk, for INC01 of the tickets file's first chunk; INC07's first event stated twice."""
    rows = [(f"INC{i:02d}", "2024-01-02T10:00Z", "Awaiting customer") for i in range(1, 41)]
    rows += [(f"INC{i:02d}", "2024-01-02T11:00Z", "In progress") for i in range(2, 41)]
    rows.insert(50, ("INC99", "2024-01-02T11:30Z", "Awaiting customer"))
    rows.insert(60, ("INC20", "not a time", "Vendor hold"))
    rows.append(("INC07", "2024-01-02T10:00Z", "Awaiting customer"))  # INC07's first event again
    rows.append(("INC01", "2024-01-02T11:00Z", "In progress"))
    where = {"INC99": 52, "INC20 bad": 62, "INC01 last": len(rows) + 1}
    return ("id,at,state\n" + "".join(",".join(r) + "\n" for r in rows)).encode(), where


def _stored(contract) -> dict[str, object]:
    """Everything an import leaves in the database for a contract, without database ids."""
    tickets = Ticket.objects.filter(contract=contract)
    imports = TicketImport.objects.filter(contract=contract).order_by("pk")
    return {
        "tickets": list(
            tickets.order_by("pk").values_list(
                "external_id",
                "priority",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "vendor_overall_claim",
                "source_format",
            )
        ),
        "events": list(
            TicketEvent.objects.filter(ticket__contract=contract)
            .order_by("ticket__external_id", "seq")
            .values_list("ticket__external_id", "seq", "at", "state")
        ),
        "changes": list(
            TicketChange.objects.filter(ticket__contract=contract)
            .order_by("ticket__external_id", "pk")
            .values_list("ticket__external_id", "kind", "changes")
        ),
        "imports": list(
            imports.values_list(
                "status",
                "message",
                "total_rows",
                "processed_rows",
                "rejected_count",
                "errors",
                "created_count",
                "updated_count",
                "events_added_count",
                "events_removed_count",
                "event_changes",
            )
        ),
    }


def _run(world, monkeypatch, tmp_path, chunk_bytes, steps):
    """A fresh contract, the steps imported into it with `chunk_bytes`, and how many chunks were read."""
    monkeypatch.setattr(export_chunks, "CHUNK_BYTES", chunk_bytes)
    cut: list[int] = []

    def counting(source, what, *, chunk_bytes):
        for chunk in csv_chunks(source, what, chunk_bytes=chunk_bytes):
            cut.append(chunk.index)
            yield chunk

    monkeypatch.setattr(export_chunks, "csv_chunks", counting)
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    for number, (tickets, events, options) in enumerate(steps):
        # Files on disk (read through a mapping), as the upload page stores them.
        tickets_path = tmp_path / f"{chunk_bytes}-{number}-tickets.csv"
        tickets_path.write_bytes(tickets)
        events_path = None
        if events is not None:
            events_path = tmp_path / f"{chunk_bytes}-{number}-events.csv"
            events_path.write_bytes(events)
        services.import_tickets(
            contract=contract,
            source=tickets_path,
            events_source=events_path,
            file_name="desk.csv",
            actor=world.vendor,
            **options,
        )
    return _stored(contract), len(cut)


def test_many_chunks_store_exactly_what_one_chunk_stores(world, monkeypatch, tmp_path):
    tickets, ticket_lines = _tickets_file()
    events, event_lines = _events_file()
    # A re-import of part of the export: INC10-INC40 again, INC10 resolved since, INC20 now with readable
    # events only (so it is added), one event more for INC30 and one fewer for INC31, the stored events
    # of these tickets replaced by the file's.
    again = tickets.decode().splitlines()
    again = [
        again[0],
        *(row for row in again[1:] if row.startswith("INC") and row[:5] >= "INC10" and row != again[-1]),
    ]
    again = [
        row.replace("09:30Z,,", "09:30Z,2024-01-03T09:00Z,") if row.startswith("INC10") else row
        for row in again
    ]
    events_again = events.decode().splitlines()
    dropped = "INC31,2024-01-02T11:00Z,In progress"  # removed from the store by the replacement
    events_again = [
        events_again[0],
        *(
            row
            for row in events_again[1:]
            if "INC10" <= row[:5] <= "INC40" and "not a time" not in row and row != dropped
        ),
        "INC30,2024-01-02T12:00Z,Vendor hold",
    ]
    steps = [
        (tickets, events, {"mode": ImportMode.ALL_OR_NOTHING}),  # rejected: names every bad line
        (tickets, events, {"mode": ImportMode.VALID_ROWS}),
        (
            ("\n".join(again) + "\n").encode(),
            ("\n".join(events_again) + "\n").encode(),
            {"mode": ImportMode.VALID_ROWS, "preview": True},
        ),
        (
            ("\n".join(again) + "\n").encode(),
            ("\n".join(events_again) + "\n").encode(),
            {"mode": ImportMode.VALID_ROWS, "replace_events": True},
        ),
    ]

    whole, whole_chunks = _run(world, monkeypatch, tmp_path, ONE, steps)
    chunked, small_chunks = _run(world, monkeypatch, tmp_path, SMALL, steps)

    assert whole_chunks == 2 * len(steps)  # one per file
    assert small_chunks > 7 * 2 * len(steps)
    assert chunked == whole

    # And what they both stored is right: errors by their true lines in later chunks.
    rejected, stored, preview, replaced = chunked["imports"]
    errors = dict(rejected[5])
    assert set(errors) == {
        ticket_lines["INC33"],
        ticket_lines["duplicate INC05"],
        event_lines["INC99"],
        ticket_lines["INC20"],  # rejected by its unreadable event
    }
    assert errors[ticket_lines["INC33"]].startswith(f"line {ticket_lines['INC33']}: ")
    assert ticket_lines["INC33"] == 35  # 33 rows after the header, one of them two lines long
    assert errors[ticket_lines["duplicate INC05"]] == (
        f"line {ticket_lines['duplicate INC05']}: the same id appears on an earlier line"
    )
    assert (
        errors[event_lines["INC99"]] == f"events line {event_lines['INC99']}: no ticket 'INC99' in the file"
    )
    assert errors[ticket_lines["INC20"]].startswith(
        f"line {ticket_lines['INC20']}: events line {event_lines['INC20 bad']}: "
    )
    assert rejected[0] == ImportStatus.REJECTED and rejected[1].startswith(
        "4 row error(s); nothing was imported"
    )
    assert stored[0] == ImportStatus.DONE and stored[6:8] == (38, 0)  # 40 ids, INC20 and INC33 rejected
    stored_ids = [row[0] for row in chunked["tickets"]]
    assert len(stored_ids) == len(set(stored_ids)) == 39  # and INC20 from the re-import
    # INC01's second event is the events file's last line, many chunks below its first.
    assert [(seq, state) for ticket, seq, _, state in chunked["events"] if ticket == "INC01"] == [
        (0, "Awaiting customer"),
        (1, "In progress"),
    ]
    assert [(seq, state) for ticket, seq, _, state in chunked["events"] if ticket == "INC07"] == [
        (0, "Awaiting customer"),
        (1, "In progress"),
    ]
    assert stored[8] == 76  # two events for each of the 38 tickets, INC07's repeated one once
    assert preview[1].startswith(
        "Preview, nothing was written: 1 ticket(s) would be added, 29 would be updated"
    )
    assert replaced[6:10] == (1, 29, 3, 1)
    assert [state for ticket, _, _, state in chunked["events"] if ticket == "INC30"] == [
        "Awaiting customer",
        "In progress",
        "Vendor hold",
    ]
    assert [state for ticket, _, _, state in chunked["events"] if ticket == "INC31"] == ["Awaiting customer"]


@pytest.mark.django_db(transaction=True)
def test_the_progress_of_a_write_is_seen_by_others_on_postgresql(world, monkeypatch, tmp_path):
    """While the chunks are written in one transaction, the page (another connection) sees how many are
    written. On SQLite one connection writes at a time, so there the page keeps the message of the write."""
    from django.db import connection, connections

    from accord.sla import imports

    monkeypatch.setattr(export_chunks, "CHUNK_BYTES", SMALL)
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    seen: list[tuple[int, str]] = []
    original = imports._apply

    def watched(ticket_import, parsed, **kwargs):
        if kwargs["write"]:
            # What another connection (the polling page) reads now, before this chunk is written.
            other = connections.create_connection(connection.alias)
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT processed_rows, message FROM sla_ticketimport WHERE id = %s",
                        [ticket_import.pk],
                    )
                    seen.append(cursor.fetchone())
            finally:
                other.close()
        return original(ticket_import, parsed, **kwargs)

    monkeypatch.setattr(imports, "_apply", watched)
    tickets, _ = _tickets_file()
    valid = b"\n".join(line for line in tickets.split(b"\n") if b"2024-02-31" not in line)
    path = tmp_path / "tickets.csv"
    path.write_bytes(valid)
    ticket_import = services.import_tickets(
        contract=contract, source=path, file_name="desk.csv", actor=world.vendor, mode=ImportMode.VALID_ROWS
    )

    assert ticket_import.status == ImportStatus.DONE and ticket_import.processed_rows == 40
    assert len(seen) > 3
    writing = "Writing 39 ticket(s) in one transaction: all of them are stored, or none."
    assert seen[0] == (0, writing)
    if connection.vendor == "postgresql":
        written = [done for done, _ in seen[1:]]
        assert written == sorted(written) and 0 < written[0] < written[-1] <= 39
        assert seen[-1][1] == f"{writing} {written[-1]} of them written so far, none visible until all are."
    else:
        assert set(seen) == {(0, writing)}


def test_the_import_gives_its_connection_back_with_its_own_page_cache(world, tmp_path):
    """The larger SQLite page cache is the import's only: the shared connection keeps its own size."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a setting of SQLite connections")
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
    tickets, _ = _tickets_file()
    ticket_import = services.import_tickets(
        contract=contract,
        source=tickets,
        file_name="desk.csv",
        actor=world.vendor,
        mode=ImportMode.VALID_ROWS,
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (after,) = cursor.fetchone()
    assert ticket_import.status == ImportStatus.DONE
    assert after == before != -64 * 1024
