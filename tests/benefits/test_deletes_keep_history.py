"""API deletes of benefits records: a KPI or benefit with measurements and an initiative a decision names are
refused with a reason and kept; a legitimate delete audits what it takes with it and the references it clears."""

from __future__ import annotations

from typing import Any

import pytest

from accord.benefits.models import Benefit, Initiative, Kpi, Measurement, ObjectiveLink, SuccessFactor
from accord.core.models import AuditAction, AuditEntry
from tests.alignment.factories import CommitmentFactory
from tests.api_helpers import api, refusal
from tests.benefits.factories import (
    BenefitFactory,
    InitiativeFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
)
from tests.governance.factories import make_decision

pytestmark = pytest.mark.django_db


def audited(action: str, model: type, pk: int) -> dict[str, Any] | None:
    entry = AuditEntry.objects.filter(
        action=action, object_type=model._meta.label_lower, object_id=str(pk)
    ).first()
    return entry.changes if entry else None


def test_a_kpi_with_measurements_is_refused_and_keeps_them(world: Any) -> None:
    reading = MeasurementFactory(kpi__benefit__program=world.program)
    message = refusal(api(world.program_manager).delete(f"/api/kpis/{reading.kpi_id}/"))
    assert "its measurements are results" in message
    assert Measurement.objects.filter(pk=reading.pk).exists()


def test_a_benefit_whose_kpis_were_measured_is_refused_with_abandon_instead(world: Any) -> None:
    reading = MeasurementFactory(kpi__benefit__program=world.program)
    benefit = reading.kpi.benefit
    message = refusal(api(world.program_manager).delete(f"/api/benefits/{benefit.pk}/"))
    assert "Mark it abandoned with a reason instead" in message
    assert Kpi.objects.filter(pk=reading.kpi_id).exists() and Benefit.objects.filter(pk=benefit.pk).exists()


def test_an_initiative_a_decision_names_is_refused(world: Any) -> None:
    initiative = InitiativeFactory(program=world.program)
    make_decision(world, initiatives=[initiative])
    message = refusal(api(world.program_manager).delete(f"/api/initiatives/{initiative.pk}/"))
    assert "a decision in the decision log concerns it" in message
    assert Initiative.objects.filter(pk=initiative.pk).exists()


def test_deleting_an_unmeasured_benefit_audits_its_kpi_and_the_commitment_it_unlinks(world: Any) -> None:
    benefit = BenefitFactory(program=world.program)
    kpi = KpiFactory(benefit=benefit)
    commitment = CommitmentFactory(program=world.program, group__program=world.program, benefit=benefit)
    response = api(world.program_manager).delete(f"/api/benefits/{benefit.pk}/")
    assert response.status_code == 204, response.content
    assert audited(AuditAction.DELETE, Kpi, kpi.pk)["name"] == [kpi.name, None]
    assert audited(AuditAction.UPDATE, type(commitment), commitment.pk) == {"benefit": [benefit.pk, None]}
    commitment.refresh_from_db()
    assert commitment.benefit_id is None


def test_deleting_an_objective_audits_its_links(world: Any) -> None:
    cause = ObjectiveFactory(program=world.program)
    effect = ObjectiveFactory(program=world.program)
    link = ObjectiveLink.objects.create(program=world.program, cause=cause, effect=effect)
    response = api(world.program_manager).delete(f"/api/objectives/{cause.pk}/")
    assert response.status_code == 204, response.content
    assert not ObjectiveLink.objects.filter(pk=link.pk).exists()
    assert audited(AuditAction.DELETE, ObjectiveLink, link.pk)["effect"] == [effect.pk, None]


def test_a_success_factor_a_decision_names_is_refused(world: Any) -> None:
    factor = SuccessFactor.objects.create(program=world.program, name="Bedside scanner coverage")
    make_decision(world, success_factors=[factor])
    message = refusal(api(world.program_manager).delete(f"/api/success-factors/{factor.pk}/"))
    assert "a decision in the decision log concerns it" in message
    assert SuccessFactor.objects.filter(pk=factor.pk).exists()
