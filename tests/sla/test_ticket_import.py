"""Ticket imports: upsert by id, all-or-nothing versus valid rows, the commands, the upload page."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accord.sla import services
from accord.sla.choices import ImportMode, ImportStatus
from accord.sla.models import SlaResult, Ticket, TicketEvent, TicketImport
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


def test_reimporting_an_overlapping_export_adds_nothing_twice(world, contract):
    first = services.import_tickets(
        contract=contract,
        source=tickets_csv(JANUARY),
        file_name="jan.csv",
        actor=world.vendor,
        events_source=events_csv(
            [("INC1", "2024-01-02T11:00Z", "Awaiting customer"), ("INC1", "2024-01-02T12:00Z", "In progress")]
        ),
    )
    overlap = [
        ("INC2", "P1", "2024-01-03T10:00Z", "2024-01-03T10:10Z", "2024-01-03T12:00Z"),
        ("INC3", "P2", "2024-01-04T10:00Z", "", ""),
    ]
    second = services.import_tickets(
        contract=contract,
        source=tickets_csv([JANUARY[0], *overlap]),
        file_name="jan-feb.csv",
        actor=world.vendor,
        events_source=events_csv([("INC1", "2024-01-02T11:00Z", "Vendor hold")]),
    )
    assert (first.created_count, first.updated_count) == (2, 0)
    assert (second.created_count, second.updated_count) == (1, 2)
    assert sorted(Ticket.objects.filter(contract=contract).values_list("external_id", flat=True)) == [
        "INC1",
        "INC2",
        "INC3",
    ]
    assert Ticket.objects.get(external_id="INC2").resolved_at == dt.datetime(2024, 1, 3, 12, tzinfo=dt.UTC)
    # The re-import adds its event beside the stored ones: events are only removed on request.
    assert list(TicketEvent.objects.filter(ticket__external_id="INC1").values_list("state", flat=True)) == [
        "Awaiting customer",
        "In progress",
        "Vendor hold",
    ]


def test_all_or_nothing_rejects_the_file_and_names_each_bad_line(world, contract):
    rows = [*JANUARY, ("INC9", "P2", "yesterday", "", ""), ("INC1", "P2", "2024-01-05T10:00Z", "", "")]
    ticket_import = services.import_tickets(
        contract=contract,
        source=tickets_csv(rows),
        file_name="bad.csv",
        actor=world.program_manager,
        mode=ImportMode.ALL_OR_NOTHING,
    )
    assert ticket_import.status == ImportStatus.REJECTED
    assert Ticket.objects.filter(contract=contract).count() == 0
    lines = {line: message for line, message in ticket_import.errors}
    assert set(lines) == {4, 5}
    assert "yesterday" in lines[4]
    assert "same id appears on an earlier line" in lines[5]
    assert "nothing was imported" in ticket_import.message


def test_valid_rows_mode_stores_the_valid_rows_and_reports_the_others(world, contract):
    rows = [*JANUARY, ("INC9", "P2", "2024-01-05T10:00Z", "2024-01-04T10:00Z", "")]
    ticket_import = services.import_tickets(
        contract=contract,
        source=tickets_csv(rows),
        file_name="mixed.csv",
        actor=world.program_manager,
        mode=ImportMode.VALID_ROWS,
    )
    assert ticket_import.status == ImportStatus.DONE
    assert (ticket_import.created_count, ticket_import.rejected_count) == (2, 1)
    assert ticket_import.errors == [[4, "line 4: first_response_at is before opened_at"]]
    assert not Ticket.objects.filter(external_id="INC9").exists()


def test_a_file_without_the_required_columns_is_rejected_with_a_clear_reason(world, contract):
    ticket_import = services.import_tickets(
        contract=contract, source=b"number,title\n1,x\n", file_name="x.csv", actor=world.program_manager
    )
    assert ticket_import.status == ImportStatus.REJECTED
    assert "lacks column(s) id, priority, opened_at" in ticket_import.message


def test_a_servicenow_export_is_imported_with_its_state_changes(world, contract):
    export = (
        b"number,priority,opened_at,incident_state,sys_updated_on,resolved_at\n"
        b"INC0001,2 - High,2024-01-02 10:00:00,New,2024-01-02 10:00:00,\n"
        b"INC0001,2 - High,2024-01-02 10:00:00,In Progress,2024-01-02 10:20:00,\n"
        b"INC0001,2 - High,2024-01-02 10:00:00,Resolved,2024-01-02 13:00:00,2024-01-02 13:00:00\n"
    )
    ticket_import = services.import_tickets(
        contract=contract,
        source=export,
        file_name="sn.csv",
        actor=world.program_manager,
        file_format="servicenow",
    )
    assert ticket_import.status == ImportStatus.DONE, ticket_import.message
    ticket = Ticket.objects.get(external_id="INC0001")
    assert ticket.priority == "2"
    assert ticket.first_response_at == dt.datetime(2024, 1, 2, 10, 20, tzinfo=dt.UTC)
    assert ticket.events.count() == 3


def test_the_import_tickets_command_upserts_and_computes(world, contract, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(tickets_csv(JANUARY))
    out = StringIO()
    call_command("import_tickets", str(path), contract=contract.pk, compute=True, stdout=out)
    call_command("import_tickets", str(path), contract=contract.pk, stdout=out)
    text = out.getvalue()
    assert "2 ticket(s) added, 0 updated" in text
    assert "0 ticket(s) added, 2 updated" in text
    assert "Computed 2 SLA result(s)" in text
    assert SlaResult.objects.filter(contract=contract).count() == 2


def test_the_import_tickets_command_fails_on_a_rejected_file(world, contract, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(tickets_csv([("INC1", "P2", "not a date", "", "")]))
    err = StringIO()
    with pytest.raises(CommandError, match="Rejected"):
        call_command("import_tickets", str(path), contract=contract.pk, stderr=err)
    assert "line 2" in err.getvalue()


def test_the_sla_command_hands_its_arguments_to_the_engine_cli(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("timezone: UTC\ntargets:\n  P1: {response: 1h, resolution: 4h, calendar: 24x7}\n")
    tickets = tmp_path / "t.csv"
    tickets.write_bytes(
        tickets_csv([("A", "P1", "2024-01-01T00:00Z", "2024-01-01T00:30Z", "2024-01-01T05:00Z")])
    )
    out = tmp_path / "out.csv"
    call_command(
        "sla",
        "compute",
        "--policy",
        str(policy),
        "--tickets",
        str(tickets),
        "--as-of",
        "2024-01-02T00:00Z",
        "--out",
        str(out),
    )
    assert out.read_text().splitlines()[1].startswith("A,P1,1800,18000,0,")
    with pytest.raises(CommandError, match="status 1"):
        call_command(
            "sla",
            "compute",
            "--policy",
            str(tmp_path / "missing.yaml"),
            "--tickets",
            str(tickets),
            "--as-of",
            "2024-01-02T00:00Z",
            "--out",
            str(out),
        )


def test_the_upload_page_queues_the_import_as_a_task_and_shows_progress(
    world, contract, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    # The suite's task backend runs the queued task at once, on commit: the same path as `accord db_worker`.
    settings.MEDIA_ROOT = tmp_path
    url = reverse("sla:import_upload", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("vendor").post(
            url,
            {
                "file": SimpleUploadedFile("desk.csv", tickets_csv(JANUARY)),
                "format": "generic",
                "mode": "valid_rows",
            },
        )
    ticket_import = TicketImport.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket_import.get_absolute_url()
    assert ticket_import.status == ImportStatus.DONE
    assert not list(tmp_path.rglob("*.csv")), "the stored upload is removed once read"
    assert SlaResult.objects.filter(contract=contract).count() == 2, "the report follows the upload"
    page = client_for("vendor").get(ticket_import.get_absolute_url(), HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert 'value="100"' in text and "2 ticket(s) added" in text and "hx-trigger" not in text


def test_a_running_import_page_polls_for_progress(world, contract, client_for):
    ticket_import = services.start_ticket_import(
        contract=contract,
        file_name="big.csv",
        file_format="generic",
        mode="all_or_nothing",
        actor=world.program_manager,
    )
    TicketImport.objects.filter(pk=ticket_import.pk).update(
        status=ImportStatus.RUNNING, total_rows=200, processed_rows=50
    )
    text = client_for("member").get(ticket_import.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in text and "X-Accord-Background" in text
    assert 'value="25"' in text and "50 of 200 rows" in text
