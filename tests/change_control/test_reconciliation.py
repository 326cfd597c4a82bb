"""Adherence reconciliation on the real-shaped ServiceNow exports in docs/samples, the SLA tickets and the
change records: what was done without approval, outside its window, or never reviewed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.change_control import reconciliation
from accord.change_control.choices import ChangeState, ChangeType, FindingKind, FindingSource
from accord.change_control.models import ReconciliationFinding
from accord.change_control.windows import localise
from accord.governance.models import RedFlag
from accord.sla.models import Ticket
from tests.change_control.factories import T0, bring_to, cab_for, draft_change
from tests.sla.factories import ContractFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
CHANGES = (SAMPLES / "servicenow-change-export.csv").read_bytes()
INCIDENTS = (SAMPLES / "servicenow-incident-export.csv").read_bytes()
ZONE = "America/Chicago"
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def chicago(text: str) -> dt.datetime:
    return localise(dt.datetime.fromisoformat(text), ZONE)


@pytest.fixture
def approved(world: Any) -> dict[str, Any]:
    """The hospital approved CHG0030101, CHG0030102, CHG0030107 and CHG0030113 (the emergency), not 0030118 or 0030121."""
    cab_for(
        world.program,
        members=[world.board_member, world.stakeholder_lead],
        emergency_members=[world.board_member],
    )
    setup = {
        "requester": world.vendor,
        "manager": world.program_manager,
        "voters": [world.board_member, world.stakeholder_lead],
    }
    made = {}
    for number, start, end, kind in [
        ("CHG0030101", "2026-11-07 22:00", "2026-11-08 00:00", ChangeType.NORMAL),
        ("CHG0030102", "2026-11-09 20:00", "2026-11-09 21:00", ChangeType.STANDARD),
        ("CHG0030107", "2026-11-12 21:00", "2026-11-12 23:00", ChangeType.NORMAL),
        ("CHG0030113", "2026-11-14 03:00", "2026-11-14 04:00", ChangeType.EMERGENCY),
    ]:
        change = draft_change(
            world.program,
            world.vendor,
            external_reference=number.lower(),
            change_type=kind,
            planned_start=chicago(start),
            planned_end=chicago(end),
            time_zone=ZONE,
        )
        made[number] = bring_to(change, ChangeState.APPROVED, **setup)
    return made


def findings() -> dict[tuple[str, str], ReconciliationFinding]:
    return {(f.kind, f.external_reference): f for f in ReconciliationFinding.objects.all()}


def test_the_change_export_shows_unapproved_work_and_work_outside_its_window(
    world: Any, approved: dict
) -> None:
    result = reconciliation.reconcile(
        program=world.program, actor=world.program_manager, now=NOW, content=CHANGES, time_zone=ZONE
    )
    assert (result.format, result.rows) == (FindingSource.SERVICENOW_CHANGES, 8)
    assert set(findings()) == {
        # Done with approval "Not Yet Requested" and "Requested": never approved here.
        (FindingKind.UNAPPROVED_CHANGE, "CHG0030118"),
        (FindingKind.UNAPPROVED_CHANGE, "CHG0030121"),
        # Approved for 21:00-23:00 Chicago time, carried out from 01:10 the next morning.
        (FindingKind.OUTSIDE_WINDOW, "CHG0030107"),
    }
    late = findings()[(FindingKind.OUTSIDE_WINDOW, "CHG0030107")]
    assert late.change == approved["CHG0030107"]
    assert late.occurred_at == dt.datetime(2026, 11, 13, 7, 10, tzinfo=dt.UTC)
    assert "fw-core-02" in findings()[(FindingKind.UNAPPROVED_CHANGE, "CHG0030118")].summary


def test_the_same_export_read_in_utc_moves_every_time_by_the_zone_offset(world: Any, approved: dict) -> None:
    # Read as UTC, CHG0030101's work (22:05 to 23:40) falls before its window (04:00 to 06:00 UTC).
    reconciliation.reconcile(program=world.program, actor=world.program_manager, now=NOW, content=CHANGES)
    assert (FindingKind.OUTSIDE_WINDOW, "CHG0030101") in findings()


def test_the_incident_export_shows_incidents_caused_by_unapproved_changes(world: Any, approved: dict) -> None:
    reconciliation.reconcile(
        program=world.program, actor=world.program_manager, now=NOW, content=INCIDENTS, time_zone=ZONE
    )
    assert set(findings()) == {(FindingKind.UNAPPROVED_CAUSE, "INC0104478")}
    assert "caused by CHG0030118" in findings()[(FindingKind.UNAPPROVED_CAUSE, "INC0104478")].summary


def test_change_tickets_among_the_sla_tickets_are_reconciled_too(world: Any, approved: dict) -> None:
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    for external_id in ("CHG0030101", "CHG0030150", "INC0009999"):
        Ticket.objects.create(
            program=world.program, contract=contract, external_id=external_id, priority="P3", opened_at=T0
        )
    reconciliation.reconcile(program=world.program, actor=world.program_manager, now=NOW)
    [finding] = ReconciliationFinding.objects.all()
    assert (finding.kind, finding.external_reference, finding.source) == (
        FindingKind.UNAPPROVED_CHANGE,
        "CHG0030150",
        FindingSource.SLA_TICKETS,
    )


def test_an_emergency_change_carried_out_and_not_reviewed_is_found(world: Any, approved: dict) -> None:
    emergency = approved["CHG0030113"]
    bring_to(
        emergency,
        ChangeState.IMPLEMENTED,
        requester=world.vendor,
        manager=world.program_manager,
        voters=[world.board_member],
    )
    reconciliation.reconcile(program=world.program, actor=world.program_manager, now=NOW)
    [finding] = ReconciliationFinding.objects.all()
    assert finding.kind == FindingKind.EMERGENCY_NOT_REVIEWED and finding.change == emergency


def test_reading_the_export_twice_lists_each_problem_once(world: Any, approved: dict) -> None:
    for _ in range(2):
        result = reconciliation.reconcile(
            program=world.program, actor=world.program_manager, now=NOW, content=CHANGES, time_zone=ZONE
        )
    assert ReconciliationFinding.objects.count() == 3 and result.new == 0


def test_a_file_with_a_bad_date_stores_nothing_and_names_the_line(world: Any, approved: dict) -> None:
    broken = CHANGES.replace(b'"2026-11-15 19:30:00"', b'"15/11/2026 7.30pm"')
    with pytest.raises(ValidationError) as caught:
        reconciliation.reconcile(
            program=world.program, actor=world.program_manager, now=NOW, content=broken, time_zone=ZONE
        )
    assert any("line 6: work_start" in message for message in caught.value.messages)
    assert not ReconciliationFinding.objects.exists()


def test_a_file_that_is_not_a_servicenow_export_is_refused_with_the_columns_it_needs(world: Any) -> None:
    with pytest.raises(ValidationError, match="Not a ServiceNow change or incident export"):
        reconciliation.reconcile(
            program=world.program, actor=world.program_manager, now=NOW, content=b"id,when\n1,2\n"
        )


def test_a_finding_raises_one_red_flag_in_one_click(world: Any, approved: dict) -> None:
    reconciliation.reconcile(
        program=world.program, actor=world.program_manager, now=NOW, content=CHANGES, time_zone=ZONE
    )
    finding = findings()[(FindingKind.UNAPPROVED_CHANGE, "CHG0030118")]
    flag = reconciliation.raise_flag_for_finding(finding=finding, actor=world.program_manager, now=NOW)
    assert RedFlag.objects.get(pk=flag.pk).title.startswith("Change control: change without an approved")
    assert "CHG0030118" in flag.description
    with pytest.raises(ValidationError, match="already been raised"):
        reconciliation.raise_flag_for_finding(finding=finding, actor=world.board_member, now=NOW)
    assert RedFlag.objects.count() == 1


def test_the_page_runs_an_upload_and_offers_the_flag(world: Any, approved: dict, client_for: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("vendor")
    url = f"/programs/{world.program.pk}/changes/reconciliation/"
    upload = SimpleUploadedFile("change_request.csv", CHANGES, content_type="text/csv")
    response = client.post(url, {"file": upload, "time_zone": ZONE})
    assert response.status_code == 302
    page = client_for("program_manager").get(url).content.decode()
    assert "CHG0030118" in page and "Raise a red flag" in page
