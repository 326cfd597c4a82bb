"""Contracts, policy validation and versioning: old results keep their version; comparisons under another."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.core.services import create_record
from accord.sla import services
from accord.sla.models import Contract, SlaPolicyVersion, SlaResult
from accord.sla.queries import build_report
from tests.sla.factories import POLICY_24X7, POLICY_24X7_LENIENT, ContractFactory, policy_for, tickets_csv

pytestmark = pytest.mark.django_db
AS_OF = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)


def test_a_contract_cannot_end_before_it_starts(world):
    with pytest.raises(ValidationError) as error:
        create_record(
            model=Contract,
            actor=world.program_manager,
            data={
                "program": world.program,
                "vendor": world.vendor_org,
                "name": "Backwards",
                "start_date": dt.date(2025, 1, 1),
                "end_date": dt.date(2024, 1, 1),
                "reporting_frequency": "monthly",
            },
        )
    assert "end_date" in error.value.message_dict


def test_an_invalid_policy_is_a_field_error_naming_the_offending_entry(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    bad = POLICY_24X7.replace("timezone: UTC", "timezone: Mars/Olympus")
    with pytest.raises(ValidationError) as error:
        services.create_policy(
            contract=contract,
            name="SLA",
            yaml_text=bad,
            effective_from=dt.date(2024, 1, 1),
            actor=world.program_manager,
        )
    assert "Mars/Olympus" in error.value.message_dict["source_text"][0]
    assert "timezone" in error.value.message_dict["source_text"][0]


def test_the_policy_page_shows_the_validation_error_and_saves_nothing(world, client_for):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    policy_for(contract)
    url = reverse("sla:policy_edit", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").post(
        url,
        {
            "effective_from": "2024-06-01",
            "source_text": POLICY_24X7.replace("resolution: 4h", "resolution: 4d"),
        },
    )
    assert response.status_code == 400
    assert "days are ambiguous in business time" in response.content.decode()
    assert SlaPolicyVersion.objects.filter(policy__contract=contract).count() == 1


def test_a_policy_can_be_imported_from_a_yaml_file_and_exported_again(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    url = reverse("sla:policy_edit", kwargs={"program_id": world.program.pk, "pk": contract.pk})
    response = client_for("program_manager").post(
        url,
        {
            "name": "Desk SLA",
            "effective_from": "2024-01-01",
            "yaml_file": SimpleUploadedFile("policy.yaml", POLICY_24X7.encode()),
        },
    )
    assert response.status_code == 302
    version = SlaPolicyVersion.objects.get(policy__contract=contract)
    exported = client_for("vendor").get(
        reverse(
            "sla:policy_export",
            kwargs={"program_id": world.program.pk, "pk": contract.pk, "version_pk": version.pk},
        )
    )
    assert exported.content.decode() == POLICY_24X7
    assert version.spec["targets"]["P2"]["resolution"] == "8h"


def _contract_with_late_ticket(world):
    """A P2 ticket resolved after 12 hours in March: breached under 8h, met under the lenient 16h."""
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    first = policy_for(contract)
    services.import_tickets(
        contract=contract,
        file_name="t.csv",
        actor=world.program_manager,
        source=tickets_csv(
            [
                ("INC1", "P2", "2024-03-04T08:00Z", "2024-03-04T08:30Z", "2024-03-04T20:00Z"),
                ("INC2", "P2", "2024-09-02T08:00Z", "2024-09-02T08:30Z", "2024-09-02T20:00Z"),
            ]
        ),
    )
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)
    return contract, first


def test_a_new_version_applies_from_its_date_and_last_quarters_results_keep_their_version(world):
    contract, first = _contract_with_late_ticket(world)
    second = services.create_policy_version(
        policy=first.policy,
        yaml_text=POLICY_24X7_LENIENT,
        effective_from=dt.date(2024, 7, 1),
        actor=world.program_manager,
    )
    assert second.number == 2
    march = SlaResult.objects.get(ticket__external_id="INC1", version=first)
    assert march.resolution_status == "breached"

    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager)

    effective = {
        r.ticket.external_id: (r.version.number, r.resolution_status)
        for r in SlaResult.objects.filter(effective=True).select_related("ticket", "version")
    }
    assert effective == {"INC1": (1, "breached"), "INC2": (2, "met")}
    # The September ticket's result under version 1 is kept, as a comparison, not silently rewritten.
    assert SlaResult.objects.get(ticket__external_id="INC2", version=first).effective is False


def test_a_report_can_be_recomputed_under_another_version_to_compare(world):
    contract, first = _contract_with_late_ticket(world)
    lenient = services.create_policy_version(
        policy=first.policy,
        yaml_text=POLICY_24X7_LENIENT,
        effective_from=dt.date(2024, 7, 1),
        actor=world.program_manager,
    )
    services.compute_results(contract=contract, as_of=AS_OF, actor=world.program_manager, version=lenient)

    own = build_report(contract)
    compared = build_report(contract, lenient)
    march_own = next(r for r in own.rows if r.period_start == dt.date(2024, 3, 1) and r.clock == "resolution")
    march_lenient = next(
        r for r in compared.rows if r.period_start == dt.date(2024, 3, 1) and r.clock == "resolution"
    )
    assert (march_own.met, march_own.breached) == (0, 1)
    assert (march_lenient.met, march_lenient.breached) == (1, 0)
    assert SlaResult.objects.get(ticket__external_id="INC1", version=lenient).effective is False


def test_a_version_that_computed_results_cannot_be_replaced(world):
    _contract, first = _contract_with_late_ticket(world)
    with pytest.raises(ValidationError) as error:
        services.create_policy_version(
            policy=first.policy,
            yaml_text=POLICY_24X7_LENIENT,
            effective_from=first.effective_from,
            actor=world.program_manager,
        )
    assert "has computed results" in error.value.message_dict["effective_from"][0]
    first.refresh_from_db()
    assert "resolution: 8h" in first.source_text


def test_a_version_without_results_is_corrected_in_place(world):
    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    first = policy_for(contract)
    again = services.create_policy_version(
        policy=first.policy,
        yaml_text=POLICY_24X7_LENIENT,
        effective_from=first.effective_from,
        actor=world.program_manager,
    )
    assert again.pk == first.pk and "16h" in again.source_text


def test_only_the_program_manager_may_make_a_policy_version(world):
    from django.core.exceptions import PermissionDenied

    contract = ContractFactory(program=world.program, vendor=world.vendor_org)
    first = policy_for(contract)
    with pytest.raises(PermissionDenied):
        services.create_policy_version(
            policy=first.policy, yaml_text=POLICY_24X7, effective_from=dt.date(2025, 1, 1), actor=world.vendor
        )
