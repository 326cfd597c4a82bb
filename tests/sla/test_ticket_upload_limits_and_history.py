"""Ticket uploads: size ceilings on the form, and each ticket's history of changes by import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.sla import services
from accord.sla.choices import ImportStatus, TicketChangeKind
from accord.sla.models import Ticket, TicketChange, TicketEvent, TicketImport
from tests.sla.factories import ContractFactory, events_csv, policy_for, tickets_csv

pytestmark = pytest.mark.django_db

JANUARY = [
    ("INC1", "P2", "2024-01-02T10:00Z", "2024-01-02T10:30Z", "2024-01-02T15:00Z"),
    ("INC2", "P1", "2024-01-03T10:00Z", "", ""),
]


@pytest.fixture
def contract(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    return contract


def upload_url(world, contract) -> str:
    return reverse("sla:import_upload", kwargs={"program_id": world.program.pk, "pk": contract.pk})


def test_a_tickets_file_over_the_size_limit_is_refused_with_the_limit_named(
    world, contract, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.ACCORD_TICKET_UPLOAD_MAX_MB = 0.05  # 50,000 bytes
    big = tickets_csv([(f"INC{i}", "P2", "2024-01-02T10:00Z", "", "") for i in range(2000)])
    assert len(big) > 50_000
    response = client_for("vendor").post(
        upload_url(world, contract),
        {"file": SimpleUploadedFile("desk.csv", big), "format": "generic", "mode": "valid_rows"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "a tickets file may be at most 0.05 MB" in text
    assert not TicketImport.objects.exists() and not list(tmp_path.rglob("*.csv"))


def test_an_events_file_over_the_size_limit_is_refused_too(world, contract, client_for, settings):
    settings.ACCORD_TICKET_UPLOAD_MAX_MB = 0.001
    response = client_for("vendor").post(
        upload_url(world, contract),
        {
            "file": SimpleUploadedFile("desk.csv", tickets_csv(JANUARY[:1])),
            "events_file": SimpleUploadedFile(
                "events.csv",
                events_csv([("INC1", f"2024-01-02T1{i % 10}:00Z", "Awaiting customer") for i in range(100)]),
            ),
            "format": "generic",
            "mode": "valid_rows",
        },
    )
    assert response.status_code == 400
    assert "a state changes file may be at most 0.001 MB" in response.content.decode()


def test_an_upload_is_queued_as_a_task_not_run_in_the_request(
    world, contract, client_for, settings, tmp_path
):
    # Without the commit the task is never enqueued: the request itself parses nothing.
    settings.MEDIA_ROOT = tmp_path
    response = client_for("vendor").post(
        upload_url(world, contract),
        {
            "file": SimpleUploadedFile("desk.csv", tickets_csv(JANUARY)),
            "format": "generic",
            "mode": "valid_rows",
        },
    )
    ticket_import = TicketImport.objects.get()
    assert response.status_code == 302 and ticket_import.status == ImportStatus.PENDING
    assert not Ticket.objects.exists()


def test_a_ticket_history_shows_who_changed_resolved_at_and_from_what(world, contract, client_for):
    services.import_tickets(
        contract=contract,
        source=tickets_csv(JANUARY),
        file_name="jan.csv",
        actor=world.vendor,
        events_source=events_csv([("INC1", "2024-01-02T11:00Z", "Awaiting customer")]),
    )
    moved = [("INC1", "P2", "2024-01-02T10:00Z", "2024-01-02T10:30Z", "2024-01-02T11:00Z"), JANUARY[1]]
    second = services.import_tickets(
        contract=contract,
        source=tickets_csv(moved),
        file_name="fix.csv",
        actor=world.vendor,
        events_source=events_csv([("INC1", "2024-01-02T10:45Z", "In progress")]),
    )
    assert (second.created_count, second.updated_count) == (0, 2)
    assert "1 of them unchanged" in second.message
    ticket = Ticket.objects.get(external_id="INC1")
    change = TicketChange.objects.get(ticket=ticket, kind=TicketChangeKind.UPDATED)
    assert change.ticket_import == second
    assert change.changes["resolved_at"] == ["2024-01-02T15:00:00Z", "2024-01-02T11:00:00Z"]
    # The new event is added beside the stored one (events are removed only on request).
    assert change.changes["events"] == [
        [["2024-01-02T11:00:00Z", "Awaiting customer"]],
        [["2024-01-02T11:00:00Z", "Awaiting customer"], ["2024-01-02T10:45:00Z", "In progress"]],
    ]
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("state", flat=True)) == [
        "Awaiting customer",
        "In progress",
    ]
    # INC2 came back identical: no change row beyond its creation.
    assert list(TicketChange.objects.filter(ticket__external_id="INC2").values_list("kind", flat=True)) == [
        TicketChangeKind.CREATED
    ]
    url = reverse("sla:ticket_history", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    text = client_for("program_manager").get(url, {"id": "INC1"}).content.decode()
    assert "fix.csv" in text and "jan.csv" in text and world.vendor.email in text
    assert "<td>Resolved</td><td>2024-01-02 15:00:00 UTC</td><td>2024-01-02 11:00:00 UTC</td>" in text
    assert "Awaiting customer" in text
    # The import's own audit entry names the actor and the counts, in the trail.
    entry = (
        AuditEntry.objects.filter(object_type="sla.ticketimport", object_id=str(second.pk))
        .order_by("sequence")
        .last()
    )
    assert entry.actor == world.vendor and entry.changes["updated_count"] == [0, 2]
    # The import's page lists the tickets it changed.
    page = client_for("program_manager").get(second.get_absolute_url()).content.decode()
    assert "Tickets this import changed" in page and "INC1" in page and "INC2</a>" not in page


def test_an_outsider_cannot_read_a_ticket_history(world, contract, client_for):
    services.import_tickets(
        contract=contract, source=tickets_csv(JANUARY), file_name="jan.csv", actor=world.vendor
    )
    url = reverse("sla:ticket_history", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    assert client_for("outsider").get(url, {"id": "INC1"}).status_code == 404
    assert client_for("member").get(url, {"id": "NOPE"}).status_code == 404


def test_an_import_whose_process_died_says_so_and_stops_polling(world, contract, client_for):
    ticket_import = services.start_ticket_import(
        contract=contract,
        file_name="big.csv",
        file_format="generic",
        mode="all_or_nothing",
        actor=world.program_manager,
    )
    dead = (
        f"{services.this_worker().rsplit(':', 1)[0]}:{2**22 + 12345}"  # past Linux's pid_max: no such process
    )
    TicketImport.objects.filter(pk=ticket_import.pk).update(status=ImportStatus.RUNNING, worker=dead)
    text = client_for("member").get(ticket_import.get_absolute_url()).content.decode()
    assert "The import stopped before it finished" in text and 'hx-trigger="every 1s"' not in text
    # The next import of the contract records it as failed.
    services.start_ticket_import(
        contract=contract,
        file_name="again.csv",
        file_format="generic",
        mode="all_or_nothing",
        actor=world.program_manager,
    )
    ticket_import.refresh_from_db()
    assert ticket_import.status == ImportStatus.FAILED and "nothing of it was stored" in ticket_import.message
