"""SLA disputes: disagreements listed with the deciding rule; raised, answered, settled; credits follow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.core.models import AuditEntry
from accord.notifications.models import Notification
from accord.sla import disputes, services
from accord.sla.choices import Clock, DisputeOutcome, DisputeSide, DisputeStatus, VendorClaim
from accord.sla.queries import build_report, list_disagreements
from tests.sla.factories import AttainmentTargetFactory, ContractFactory, TicketFactory, policy_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def contract(world):
    """January 2024, P2 (8 h to resolve, round the clock): 8 of 10 resolved in time, 2 in 10 h (80 %)."""
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, period_fee=Decimal("10000.00"))
    policy_for(contract)
    AttainmentTargetFactory(
        contract=contract, priority="P2", clock=Clock.RESOLUTION, target_percent=Decimal("90")
    )
    for day in range(1, 11):
        opened = dt.datetime(2024, 1, day, 8, tzinfo=dt.UTC)
        late = day in (3, 7)
        TicketFactory(
            contract=contract,
            external_id=f"JAN{day}",
            opened_at=opened,
            first_response_at=opened + dt.timedelta(minutes=20),
            resolved_at=opened + dt.timedelta(hours=10 if late else 6),
            # The vendor's tool says JAN3 was resolved in time (a pause it counted, say); JAN5 it owns up to.
            vendor_resolution_claim=VendorClaim.MET if day == 3 else VendorClaim.BREACHED if day == 5 else "",
            vendor_overall_claim=VendorClaim.MET if day == 7 else "",
        )
    services.compute_results(contract=contract, as_of=NOW, actor=world.program_manager)
    return contract


def test_each_disagreement_lists_both_verdicts_and_the_rule_that_decides_it(contract) -> None:
    found = {(d.external_id, d.clock): d for d in list_disagreements(contract)}
    assert set(found) == {("JAN3", "resolution"), ("JAN5", "resolution"), ("JAN7", "overall")}
    jan3 = found["JAN3", "resolution"]
    assert (jan3.vendor_claim, jan3.measured, jan3.elapsed_s, jan3.target) == ("met", "breached", 36000, "8h")
    assert jan3.rule.startswith("Policy version 1, P2: resolution within 8h, round the clock, UTC")
    assert "paused while Awaiting customer" in jan3.rule
    assert found["JAN5", "resolution"].measured == "met"


def test_a_dispute_settled_for_the_vendor_counts_the_clock_as_met_in_the_credits(contract, world) -> None:
    before = build_report(contract)
    assert before.credit_total == Decimal("500.00")
    ticket = contract.tickets.get(external_id="JAN3")
    dispute = disputes.raise_dispute(
        ticket=ticket, clock="resolution", reason="The customer was away for 3 h", actor=world.vendor, now=NOW
    )
    assert dispute.raised_side == DisputeSide.VENDOR and dispute.vendor_claim == "met"
    assert dispute.measured_status == "breached" and "resolution within 8h" in dispute.rule
    disputes.answer_dispute(
        dispute=dispute, answer="No pause was recorded", actor=world.program_manager, now=NOW
    )
    disputes.settle_dispute(
        dispute=dispute,
        outcome=DisputeOutcome.VENDOR,
        note="The pause is in the call log",
        actor=world.program_manager,
        now=NOW,
    )
    january = next(r for r in build_report(contract).rows if r.clock == Clock.RESOLUTION)
    assert (january.met, january.breached, january.settled_for_vendor) == (9, 1, 1)
    assert january.attainment == Decimal("90.00") and january.credit == Decimal("0.00")
    actions = list(
        AuditEntry.objects.filter(object_type__endswith="sladispute")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "transition", "transition"]


def test_a_dispute_settled_for_the_hospital_keeps_the_breach(contract, world) -> None:
    dispute = disputes.raise_dispute(
        ticket=contract.tickets.get(external_id="JAN7"),
        clock="overall",
        reason="Met",
        actor=world.vendor,
        now=NOW,
    )
    disputes.settle_dispute(
        dispute=dispute,
        outcome=DisputeOutcome.HOSPITAL,
        note="No evidence",
        actor=world.program_manager,
        now=NOW,
    )
    assert build_report(contract).credit_total == Decimal("500.00")


def test_illegal_moves_are_refused_with_a_clear_error(contract, world) -> None:
    dispute = disputes.raise_dispute(
        ticket=contract.tickets.get(external_id="JAN3"),
        clock="resolution",
        reason="Paused",
        actor=world.vendor,
        now=NOW,
    )
    with pytest.raises(PermissionDenied, match="the other party answers"):
        disputes.answer_dispute(dispute=dispute, answer="Me again", actor=world.vendor, now=NOW)
    with pytest.raises(PermissionDenied):
        disputes.settle_dispute(dispute=dispute, outcome="vendor", note="Mine", actor=world.vendor, now=NOW)
    disputes.settle_dispute(
        dispute=dispute, outcome="hospital", note="Agreed", actor=world.program_manager, now=NOW
    )
    with pytest.raises(ValidationError, match="is settled; it cannot become answered"):
        disputes.answer_dispute(dispute=dispute, answer="Late", actor=world.program_manager, now=NOW)
    with pytest.raises(ValidationError, match="already disputed"):
        disputes.raise_dispute(
            ticket=dispute.ticket, clock="resolution", reason="Again", actor=world.program_manager, now=NOW
        )
    with pytest.raises(ValidationError, match="Choose one of"):
        disputes.settle_dispute(
            dispute=dispute, outcome="both", note="x", actor=world.program_manager, now=NOW
        )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED and dispute.outcome == "hospital"


def test_roles_that_may_not_raise_disputes_are_refused(contract, world) -> None:
    ticket = contract.tickets.get(external_id="JAN3")
    for persona in ("board_member", "consultant", "auditor", "member"):
        with pytest.raises(PermissionDenied):
            disputes.raise_dispute(
                ticket=ticket, clock="resolution", reason="x", actor=world.people[persona], now=NOW
            )


def test_the_people_involved_are_notified(contract, world) -> None:
    dispute = disputes.raise_dispute(
        ticket=contract.tickets.get(external_id="JAN3"),
        clock="resolution",
        reason="Paused",
        actor=world.vendor,
        now=NOW,
    )
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        "program_manager@example.org"
    }
    disputes.answer_dispute(dispute=dispute, answer="No pause", actor=world.program_manager, now=NOW)
    told = Notification.objects.filter(recipient=world.vendor).values_list("title", flat=True)
    assert list(told) == ["SLA dispute on ticket JAN3 answered"]


def test_the_api_raises_answers_and_settles_a_dispute_and_refuses_an_illegal_move(
    contract, world, api_for
) -> None:
    ticket = contract.tickets.get(external_id="JAN3")
    vendor, manager = api_for("vendor"), api_for("program_manager")
    raised = vendor.post(
        "/api/sla-disputes/", {"ticket": ticket.pk, "clock": "resolution", "reason": "Paused"}, format="json"
    )
    assert raised.status_code == 201, raised.content
    body = raised.json()
    assert (body["ticket_external_id"], body["vendor_claim"], body["measured_status"]) == (
        "JAN3",
        "met",
        "breached",
    )
    url = f"/api/sla-disputes/{body['id']}/"
    assert vendor.post(f"{url}answer/", {"answer": "Me"}, format="json").status_code == 403
    assert manager.post(f"{url}answer/", {"answer": "No pause"}, format="json").json()["status"] == "answered"
    settled = manager.post(f"{url}settle/", {"outcome": "vendor", "note": "Call log"}, format="json")
    assert settled.json()["outcome"] == "vendor"
    again = manager.post(f"{url}settle/", {"outcome": "hospital", "note": "Changed my mind"}, format="json")
    assert again.status_code == 400 and "is settled" in again.content.decode()
    assert vendor.delete(url).status_code == 405
    assert [d["id"] for d in vendor.get("/api/sla-disputes/", {"status": "settled"}).json()["results"]] == [
        body["id"]
    ]


def test_the_dispute_pages_show_the_rule_and_take_the_answer(contract, world, client_for) -> None:
    dispute = disputes.raise_dispute(
        ticket=contract.tickets.get(external_id="JAN3"),
        clock="resolution",
        reason="Paused",
        actor=world.vendor,
        now=NOW,
    )
    manager = client_for("program_manager")
    page = manager.get(dispute.get_absolute_url()).content.decode()
    assert "resolution within 8h" in page and "Answer" in page
    assert (
        "Answer"
        not in client_for("vendor").get(dispute.get_absolute_url()).content.decode().split("</h1>", 1)[1]
    )
    response = manager.post(f"{dispute.get_absolute_url()}answer/", {"answer": "No pause was recorded"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ANSWERED and dispute.answer == "No pause was recorded"


def test_the_report_lists_disagreements_with_a_link_to_dispute_them(contract, world, client_for) -> None:
    url = f"/programs/{world.program.pk}/sla/{contract.pk}/report/"
    page = client_for("vendor").get(url).content.decode()
    assert "differs from Accord" in page and "JAN3" in page and "Raise a dispute" in page


def test_the_report_and_dispute_pages_run_a_bounded_number_of_queries(
    contract, world, client_for, django_assert_max_num_queries
) -> None:
    for day in (3, 7):
        disputes.raise_dispute(
            ticket=contract.tickets.get(external_id=f"JAN{day}"),
            clock="resolution" if day == 3 else "overall",
            reason="Paused",
            actor=world.vendor,
            now=NOW,
        )
    client = client_for("program_manager")
    report = f"/programs/{world.program.pk}/sla/{contract.pk}/report/"
    listing = f"/programs/{world.program.pk}/sla/{contract.pk}/disputes/"
    client.get(report)
    with django_assert_max_num_queries(30):
        assert client.get(report).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(listing).status_code == 200
