"""The bulk write of a recompute: rows updated in place (same ids), one effective row per ticket, only the
superseded rows turned into comparisons, and disputes and their settled credits kept across recomputes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.sla import disputes, services
from accord.sla.choices import Clock, DisputeOutcome
from accord.sla.models import SlaResult
from accord.sla.queries import build_report
from tests.sla.factories import (
    POLICY_24X7_LENIENT,
    AttainmentTargetFactory,
    ContractFactory,
    TicketFactory,
    policy_for,
)

pytestmark = pytest.mark.django_db
AS_OF = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def contract(world):
    """Ten January tickets (P2, 8 h to resolve round the clock), two of them resolved in 10 h."""
    contract = ContractFactory(program=world.program, vendor=world.vendor_org, period_fee=Decimal("10000.00"))
    policy_for(contract)
    AttainmentTargetFactory(
        contract=contract, priority="P2", clock=Clock.RESOLUTION, target_percent=Decimal("90")
    )
    for day in range(1, 11):
        opened = dt.datetime(2024, 1, day, 8, tzinfo=dt.UTC)
        TicketFactory(
            contract=contract,
            external_id=f"JAN{day}",
            opened_at=opened,
            first_response_at=opened + dt.timedelta(minutes=20),
            resolved_at=opened + dt.timedelta(hours=10 if day in (3, 7) else 6),
        )
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    return contract


def rows(contract):
    """(ticket, version number) -> (result id, effective, as_of) of every stored result."""
    return {
        (r.ticket.external_id, r.version.number): (r.pk, r.effective, r.as_of)
        for r in SlaResult.objects.filter(contract=contract).select_related("ticket", "version")
    }


def test_a_recompute_updates_each_row_in_place_and_keeps_its_id(contract, world):
    before = rows(contract)
    later = AS_OF + dt.timedelta(days=2)
    services.compute_results(contract=contract, as_of=later, actor=world.program_manager)
    after = rows(contract)
    assert after.keys() == before.keys() and len(after) == 10
    assert {key: pk for key, (pk, _, _) in after.items()} == {key: pk for key, (pk, _, _) in before.items()}
    assert {as_of for _, _, as_of in after.values()} == {later}
    assert all(effective for _, effective, _ in after.values())


def test_only_the_rows_a_back_dated_version_supersedes_become_comparisons(contract, world):
    first = SlaResult.objects.filter(contract=contract).first().version
    lenient = services.create_policy_version(
        policy=first.policy,
        yaml_text=POLICY_24X7_LENIENT,
        effective_from=dt.date(2024, 1, 6),
        actor=world.program_manager,
    )
    own = {(f"JAN{day}", 1 if day < 6 else 2) for day in range(1, 11)}
    # A comparison under the new version: the tickets it is in force for (opened from 6 January) take
    # their row under it as the effective one, and their version 1 rows become comparisons; before,
    # both rows stayed effective and the report counted those tickets twice.
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager, version=lenient)
    compared = rows(contract)
    assert len(compared) == 20
    assert {key for key, (_, effective, _) in compared.items() if effective} == own

    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    after = rows(contract)
    assert {key: pk for key, (pk, _, _) in after.items()} == {key: pk for key, (pk, _, _) in compared.items()}
    assert {key for key, (_, effective, _) in after.items() if effective} == own
    resolution = next(r for r in build_report(contract).rows if r.clock == Clock.RESOLUTION)
    assert resolution.met + resolution.breached == 10
    assert SlaResult.objects.filter(contract=contract, effective=True).count() == 10


def test_a_settled_dispute_and_its_credit_survive_a_recompute(contract, world):
    ticket = contract.tickets.get(external_id="JAN3")
    dispute = disputes.raise_dispute(
        ticket=ticket,
        clock="resolution",
        reason="The customer was away for 3 h",
        actor=world.vendor,
        now=AS_OF,
    )
    disputes.answer_dispute(
        dispute=dispute, answer="No pause recorded", actor=world.program_manager, now=AS_OF
    )
    disputes.settle_dispute(
        dispute=dispute,
        outcome=DisputeOutcome.VENDOR,
        note="In the call log",
        actor=world.program_manager,
        now=AS_OF,
    )
    settled = next(r for r in build_report(contract).rows if r.clock == Clock.RESOLUTION)
    assert (settled.met, settled.breached, settled.settled_for_vendor) == (9, 1, 1)

    services.compute_results(
        contract=contract, as_of=AS_OF + dt.timedelta(days=1), actor=world.program_manager
    )

    dispute.refresh_from_db()
    assert dispute.outcome == DisputeOutcome.VENDOR
    january = next(r for r in build_report(contract).rows if r.clock == Clock.RESOLUTION)
    assert (january.met, january.breached, january.settled_for_vendor) == (9, 1, 1)
    assert january.credit == settled.credit
