"""A re-import never loses stored events; replacing them is asked for and previewed. Vendor claims are kept."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accord.sla import services
from accord.sla.choices import ImportStatus, TicketChangeKind
from accord.sla.models import Ticket, TicketChange, TicketEvent, TicketImport
from tests.sla.factories import ContractFactory, events_csv, policy_for, tickets_csv

pytestmark = pytest.mark.django_db

TICKETS = [
    (f"INC{i}", "P2", f"2024-01-{i + 1:02d}T09:00Z", f"2024-01-{i + 1:02d}T09:30Z", "") for i in range(1, 11)
]
PAUSES = [
    (ticket_id, f"2024-01-{i + 1:02d}T{hour}:00Z", state)
    for i, (ticket_id, *_) in enumerate(TICKETS, start=1)
    for hour, state in (
        ("10", "Awaiting customer"),
        ("11", "In progress"),
        ("12", "Vendor hold"),
        ("13", "Work"),
    )
]


@pytest.fixture
def contract(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    return contract


def _import(contract, actor, tickets=TICKETS, events=None, **options):
    return services.import_tickets(
        contract=contract,
        source=tickets_csv(tickets),
        file_name="desk.csv",
        actor=actor,
        events_source=events_csv(events) if events is not None else None,
        **options,
    )


def _states(external_id):
    return list(
        TicketEvent.objects.filter(ticket__external_id=external_id)
        .order_by("seq")
        .values_list("state", flat=True)
    )


def test_a_reimport_without_the_events_file_keeps_the_stored_pauses(world, contract):
    _import(contract, world.vendor, events=PAUSES)
    assert TicketEvent.objects.count() == 40
    again = _import(contract, world.vendor)
    assert again.status == ImportStatus.DONE, again.message
    assert (again.created_count, again.updated_count) == (0, 10)
    assert TicketEvent.objects.count() == 40
    assert (again.events_added_count, again.events_removed_count) == (0, 0)
    assert not TicketChange.objects.filter(ticket_import=again).exists(), "nothing changed"


def test_a_reimport_adds_only_the_events_it_does_not_have_yet(world, contract):
    _import(contract, world.vendor, events=PAUSES[:2])
    again = _import(contract, world.vendor, events=[PAUSES[1], PAUSES[2], PAUSES[2]])
    assert (again.events_added_count, again.events_removed_count) == (1, 0)
    assert _states("INC1") == ["Awaiting customer", "In progress", "Vendor hold"]
    [change] = TicketChange.objects.filter(ticket_import=again)
    assert change.kind == TicketChangeKind.UPDATED
    before, after = change.changes["events"]
    assert len(before) == 2 and after[-1] == ["2024-01-02T12:00:00Z", "Vendor hold"]
    assert again.event_changes == [["INC1", 1, 0]]
    assert "1 event(s) added, 0 removed" in again.message


def test_replacing_events_removes_those_the_file_no_longer_states(world, contract):
    _import(contract, world.vendor, events=PAUSES)
    replacement = [("INC1", "2024-01-02T10:00Z", "Awaiting customer"), ("INC1", "2024-01-02T15:00Z", "Done")]
    again = _import(contract, world.vendor, tickets=TICKETS[:1], events=replacement, replace_events=True)
    assert again.status == ImportStatus.DONE, again.message
    assert _states("INC1") == ["Awaiting customer", "Done"]
    assert (again.events_added_count, again.events_removed_count) == (1, 3)
    assert TicketEvent.objects.count() == 40 - 3 + 1, "tickets outside the file keep their events"
    before, after = TicketChange.objects.get(ticket_import=again).changes["events"]
    assert [state for _, state in before] == ["Awaiting customer", "In progress", "Vendor hold", "Work"]
    assert [state for _, state in after] == ["Awaiting customer", "Done"]


def test_replacing_events_without_an_events_file_is_refused_and_deletes_nothing(world, contract):
    _import(contract, world.vendor, events=PAUSES)
    refused = _import(contract, world.vendor, replace_events=True)
    assert refused.status == ImportStatus.REJECTED
    assert "needs the file of state changes" in refused.message
    assert TicketEvent.objects.count() == 40


def test_a_preview_counts_what_would_change_and_writes_nothing(world, contract):
    _import(contract, world.vendor, events=PAUSES)
    resolved = [(*row[:4], "2024-01-20T09:00Z") for row in TICKETS[:2]]
    new = [("INC99", "P1", "2024-01-20T09:00Z", "", "")]
    replacement = [("INC1", "2024-01-02T10:00Z", "Awaiting customer"), ("INC99", "2024-01-20T10:00Z", "Work")]
    preview = _import(
        contract,
        world.vendor,
        tickets=[*resolved, *new],
        events=replacement,
        replace_events=True,
        preview=True,
    )
    assert preview.status == ImportStatus.DONE and preview.preview
    assert (preview.created_count, preview.updated_count) == (1, 2)
    assert (preview.events_added_count, preview.events_removed_count) == (1, 7)
    assert preview.event_changes == [["INC1", 0, 3], ["INC2", 0, 4]], "stored tickets are named"
    assert preview.message.startswith(
        "Preview, nothing was written: 1 ticket(s) would be added, 2 would be updated"
    )
    assert TicketEvent.objects.count() == 40
    assert not Ticket.objects.filter(external_id="INC99").exists()
    assert Ticket.objects.get(external_id="INC1").resolved_at is None
    assert not TicketChange.objects.filter(ticket_import=preview).exists()


def test_the_command_replaces_events_only_when_asked_and_previews(world, contract, tmp_path):
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_bytes(tickets_csv(TICKETS))
    events.write_bytes(events_csv(PAUSES))
    call_command("import_tickets", str(tickets), contract=contract.pk, events=events, stdout=StringIO())
    events.write_bytes(events_csv(PAUSES[:1]))
    out = StringIO()
    call_command(
        "import_tickets",
        str(tickets),
        contract=contract.pk,
        events=events,
        replace_events=True,
        preview=True,
        stdout=out,
    )
    assert "0 event(s) would be added, 39 would be removed" in out.getvalue()
    assert "INC1: 0 added, 3 removed" in out.getvalue()
    assert TicketEvent.objects.count() == 40
    call_command(
        "import_tickets",
        str(tickets),
        contract=contract.pk,
        events=events,
        replace_events=True,
        stdout=out,
    )
    assert TicketEvent.objects.count() == 1
    with pytest.raises(CommandError, match="needs the file of state changes"):
        call_command("import_tickets", str(tickets), contract=contract.pk, replace_events=True, stdout=out)


def test_a_servicenow_import_keeps_the_vendors_made_sla_as_its_overall_claim(world, contract):
    export = (
        b"number,priority,opened_at,incident_state,sys_updated_on,resolved_at,made_sla\n"
        b"INC1,2 - High,2024-01-02 10:00:00,Resolved,2024-01-02 13:00:00,2024-01-02 13:00:00,true\n"
        b"INC2,2 - High,2024-01-02 10:00:00,Resolved,2024-01-05 13:00:00,2024-01-05 13:00:00,false\n"
        b"INC3,2 - High,2024-01-02 10:00:00,New,2024-01-02 10:00:00,,\n"
    )
    done = services.import_tickets(
        contract=contract, source=export, file_name="sn.csv", actor=world.vendor, file_format="servicenow"
    )
    assert done.status == ImportStatus.DONE, done.message
    claims = dict(Ticket.objects.values_list("external_id", "vendor_overall_claim"))
    assert claims == {"INC1": "met", "INC2": "breached", "INC3": ""}
    assert set(Ticket.objects.values_list("vendor_response_claim", "vendor_resolution_claim")) == {("", "")}
    # The vendor changing its verdict is part of the ticket's history.
    changed = export.replace(b"13:00:00,false", b"13:00:00,true")
    again = services.import_tickets(
        contract=contract, source=changed, file_name="sn.csv", actor=world.vendor, file_format="servicenow"
    )
    assert Ticket.objects.get(external_id="INC2").vendor_overall_claim == "met"
    [change] = TicketChange.objects.filter(ticket_import=again)
    assert change.changes == {"vendor_overall_claim": ["breached", "met"]}
    # A generic file states no verdict, so it leaves the stored one alone.
    generic = [("INC2", "P2", "2024-01-02T10:00Z", "", "2024-01-05T13:00Z")]
    _import(contract, world.vendor, tickets=generic)
    assert Ticket.objects.get(external_id="INC2").vendor_overall_claim == "met"


def test_a_jira_import_keeps_the_sla_fields_as_response_and_resolution_claims(world, contract):
    issues = (
        b"Issue key,Priority,Created,Resolved,Time to first response,Time to resolution\n"
        b"SD-1,High,2024-01-02 10:00,2024-01-02 13:00,2h 10m,-1h 5m\n"
        b"SD-2,High,2024-01-02 10:00,,Breached,\n"
    )
    history = b"Issue key,To status,Changed at\nSD-1,In Progress,2024-01-02 10:20\nSD-1,Waiting for customer,2024-01-02 11:00\n"
    done = services.import_tickets(
        contract=contract,
        source=issues,
        events_source=history,
        file_name="jira.csv",
        actor=world.vendor,
        file_format="jira",
    )
    assert done.status == ImportStatus.DONE, done.message
    rows = {
        t.external_id: (
            t.vendor_response_claim,
            t.vendor_resolution_claim,
            t.vendor_overall_claim,
            t.source_format,
        )
        for t in Ticket.objects.all()
    }
    assert rows == {"SD-1": ("met", "breached", "", "jira"), "SD-2": ("breached", "", "", "jira")}
    sd1 = Ticket.objects.get(external_id="SD-1")
    assert sd1.first_response_at == dt.datetime(2024, 1, 2, 10, 20, tzinfo=dt.UTC)
    assert _states("SD-1") == ["In Progress", "Waiting for customer"]
    assert TicketImport.objects.get().get_format_display().startswith("Jira Service Management")


def test_a_day_first_date_format_is_read_and_kept_on_the_import(world, contract):
    done = _import(
        contract,
        world.vendor,
        tickets=[("INC1", "P2", "03/02/2024 10:00", "03/02/2024 10:30", "")],
        date_format="%d/%m/%Y %H:%M",
    )
    assert done.status == ImportStatus.DONE, done.message
    assert done.date_format == "%d/%m/%Y %H:%M"
    assert Ticket.objects.get().opened_at == dt.datetime(2024, 2, 3, 10, tzinfo=dt.UTC)


def _upload(client, world, contract, data, capture):
    url = reverse("sla:import_upload", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    files = {
        key: SimpleUploadedFile(f"{key}.csv", value)
        for key, value in data.items()
        if isinstance(value, bytes)
    }
    fields = {key: value for key, value in data.items() if not isinstance(value, bytes)}
    with capture(execute=True):
        return client.post(url, {"mode": "all_or_nothing", **fields, **files})


def test_the_upload_page_takes_a_day_first_date_format_and_previews_a_replacement(
    world, contract, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("vendor")
    day_first = tickets_csv([("INC1", "P2", "03/02/2024 10:00", "", "")])
    response = _upload(
        client,
        world,
        contract,
        {
            "file": day_first,
            "events_file": events_csv([("INC1", "03/02/2024 11:00", "Awaiting customer")]),
            "format": "generic",
            "date_format": "%d/%m/%Y %H:%M",
        },
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert Ticket.objects.get().opened_at == dt.datetime(2024, 2, 3, 10, tzinfo=dt.UTC)
    # A replacement without its events file is refused on the form, before anything is stored.
    refused = _upload(
        client,
        world,
        contract,
        {"file": day_first, "format": "generic", "date_format": "%d/%m/%Y %H:%M", "replace_events": "on"},
        django_capture_on_commit_callbacks,
    )
    assert refused.status_code == 400 and "needs the file of state changes" in refused.content.decode()
    preview = _upload(
        client,
        world,
        contract,
        {
            "file": day_first,
            "events_file": events_csv([("INC1", "03/02/2024 12:00", "Work")]),
            "format": "generic",
            "date_format": "%d/%m/%Y %H:%M",
            "replace_events": "on",
            "preview": "1",
        },
        django_capture_on_commit_callbacks,
    )
    shown = TicketImport.objects.order_by("pk").last()
    assert shown.preview and shown.replace_events and response.status_code == 302
    assert preview["Location"] == shown.get_absolute_url()
    assert _states("INC1") == ["Awaiting customer"], "a preview writes nothing"
    page = client.get(shown.get_absolute_url()).content.decode()
    assert "Preview of the import of" in page and "1 would be updated" in page
    assert "<td>INC1</td><td>1</td><td>1</td>" in page


def test_a_bad_date_format_is_refused_on_the_upload_page(
    world, contract, client_for, django_capture_on_commit_callbacks
):
    response = _upload(
        client_for("vendor"),
        world,
        contract,
        {"file": tickets_csv(TICKETS[:1]), "format": "jira", "date_format": "dd/mm/yyyy"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 400 and "strftime codes" in response.content.decode()
    assert not TicketImport.objects.exists()


def test_the_jira_sample_is_imported_by_the_command_with_its_history(world, tmp_path):
    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract, text=(samples / "jira-policy.yaml").read_text())
    out = StringIO()
    call_command(
        "import_tickets",
        samples / "jira-service-management.csv",
        contract=contract.pk,
        format="jira",
        events=samples / "jira-service-management-history.csv",
        stdout=out,
    )
    assert "20 ticket(s) added, 0 updated; 42 event(s) added" in out.getvalue()
    sd101 = Ticket.objects.get(contract=contract, external_id="SD-101")
    # 9:15 AM London in November is 09:15 UTC; the first response is the first status change.
    assert sd101.opened_at == dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)
    assert sd101.first_response_at == dt.datetime(2026, 11, 30, 9, 40, tzinfo=dt.UTC)
    assert sd101.priority == "2" and sd101.vendor_response_claim == "met"
    assert TicketEvent.objects.filter(ticket__contract=contract).count() == 42
