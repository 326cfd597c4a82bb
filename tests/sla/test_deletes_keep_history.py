"""API deletes of SLA contracts: a contract SLAs were measured against is refused with a reason and keeps its
tickets; one nothing was measured against yet goes with its targets and policies, each audited."""

from __future__ import annotations

from typing import Any

import pytest

from accord.sla import services
from accord.sla.models import AttainmentTarget, Contract, SlaPolicy, SlaPolicyVersion, Ticket
from tests.api_helpers import api, deleted_ids
from tests.sla.factories import AttainmentTargetFactory, ContractFactory, policy_for, tickets_csv

pytestmark = pytest.mark.django_db


def test_a_contract_with_imported_tickets_is_refused_and_keeps_them(world: Any) -> None:
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    services.import_tickets(
        contract=contract,
        source=tickets_csv([("INC1", "P2", "2024-01-02T10:00Z", "", "")]),
        file_name="a.csv",
        actor=world.program_manager,
    )
    response = api(world.program_manager).delete(f"/api/contracts/{contract.pk}/")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["non_field_errors"])
    assert "SLAs were measured against it" in message and "Give it an end date instead" in message
    assert Contract.objects.filter(pk=contract.pk).exists()
    assert Ticket.objects.filter(contract=contract).count() == 1


def test_deleting_an_unmeasured_contract_audits_its_targets_and_policies(world: Any) -> None:
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    target = AttainmentTargetFactory(contract=contract, program=world.program)
    version = policy_for(contract)
    response = api(world.program_manager).delete(f"/api/contracts/{contract.pk}/")
    assert response.status_code == 204, response.content
    assert str(contract.pk) in deleted_ids(Contract)
    assert str(target.pk) in deleted_ids(AttainmentTarget)
    assert str(version.policy_id) in deleted_ids(SlaPolicy)
    assert str(version.pk) in deleted_ids(SlaPolicyVersion)
    assert not SlaPolicyVersion.objects.filter(pk=version.pk).exists()
