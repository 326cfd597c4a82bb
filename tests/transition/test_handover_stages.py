"""Handover stages: exit criteria named when missing, sign-offs by both owners, the move and the fall-back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.core.models import AuditEntry
from accord.core.permissions import Role
from accord.transition import services
from accord.transition.choices import HandoverStage
from accord.transition.models import StageChange, StageExitCriteria, StageSignOff
from tests.factories import MembershipFactory, UserFactory
from tests.transition.factories import (
    KnowledgeTemplateFactory,
    ServiceFactory,
    TrainingModuleFactory,
    approved_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    service = ServiceFactory(name="PACS", criticality=1)
    partner = UserFactory(email="lead@partner.example")
    MembershipFactory(program=service.program, person=partner, role=Role.VENDOR)
    service.partner_owner = partner
    service.save()
    return service


@pytest.fixture
def manager(service):
    return MembershipFactory(program=service.program, role=Role.PROGRAM_MANAGER).person


def sign_both(service) -> None:
    services.sign_off_stage(service=service, actor=service.internal_owner)
    services.sign_off_stage(service=service, actor=service.partner_owner)


def test_leaving_a_stage_without_its_criteria_is_refused_naming_each_missing_one(service, manager) -> None:
    KnowledgeTemplateFactory(program=service.program, name="Runbook")
    with pytest.raises(ValidationError) as error:
        services.advance_stage(service=service, actor=manager)
    text = " ".join(error.value.messages)
    assert "Knowledge coverage is 0.0 %; at least 50 % is required." in text
    assert "The internal owner has not signed off this stage." in text
    assert "The partner owner has not signed off this stage." in text
    service.refresh_from_db()
    assert service.stage == HandoverStage.ACQUISITION
    assert not StageChange.objects.exists()


def test_a_service_moves_forward_once_covered_and_signed_off_by_both_owners(service, manager) -> None:
    runbook = KnowledgeTemplateFactory(program=service.program, name="Runbook")
    approved_item(service, runbook)
    sign_both(service)
    services.advance_stage(service=service, actor=manager, now=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC))
    service.refresh_from_db()
    assert service.stage == HandoverStage.SHADOW
    assert service.stage_since == dt.date(2026, 11, 2)
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.fall_back) == ("acquisition", "shadow", False)
    assert AuditEntry.objects.filter(object_type="transition.service", action="transition").exists()


def test_only_the_two_owners_sign_off_and_each_only_once(service, manager) -> None:
    with pytest.raises(PermissionDenied):
        services.sign_off_stage(service=service, actor=manager)
    services.sign_off_stage(service=service, actor=service.internal_owner)
    with pytest.raises(ValidationError, match="already signed off"):
        services.sign_off_stage(service=service, actor=service.internal_owner)


def test_reverse_shadow_needs_training_incidents_and_weeks_of_sla(service, manager) -> None:
    service.stage = HandoverStage.REVERSE_SHADOW
    service.partner_incidents_handled = 2
    service.save()
    TrainingModuleFactory(program=service.program, title="HIPAA privacy", required_roles=[Role.VENDOR])
    sign_both(service)
    with pytest.raises(ValidationError) as error:
        services.advance_stage(service=service, actor=manager)
    text = " ".join(error.value.messages)
    assert "required training is missing or expired: HIPAA privacy" in text
    assert "handled 2 incident(s) in reverse shadow; 5 are required" in text


def test_a_programs_own_criteria_replace_the_defaults(service, manager) -> None:
    StageExitCriteria.objects.create(
        program=service.program, stage=HandoverStage.ACQUISITION, min_coverage_percent=Decimal(0)
    )
    KnowledgeTemplateFactory(program=service.program)
    sign_both(service)
    services.advance_stage(service=service, actor=manager)
    service.refresh_from_db()
    assert service.stage == HandoverStage.SHADOW


def test_falling_back_needs_a_reason_and_voids_the_sign_offs_of_the_stages_left(service, manager) -> None:
    service.stage = HandoverStage.REVERSE_SHADOW
    service.save()
    sign_both(service)
    with pytest.raises(ValidationError, match="Say why"):
        services.fall_back_stage(service=service, actor=manager, reason="  ")
    services.fall_back_stage(service=service, actor=manager, reason="Two P1 incidents mishandled overnight")
    service.refresh_from_db()
    assert service.stage == HandoverStage.SHADOW
    assert not StageSignOff.objects.filter(voided_at__isnull=True).exists()
    change = StageChange.objects.get()
    assert change.fall_back and change.reason == "Two P1 incidents mishandled overnight"


def test_a_stage_move_skips_no_stage_and_the_first_stage_cannot_fall_back(service, manager) -> None:
    with pytest.raises(ValidationError, match="one stage at a time"):
        services.move_stage(service=service, to=HandoverStage.HANDOVER, actor=manager)
    with pytest.raises(ValidationError, match="first stage"):
        services.fall_back_stage(service=service, actor=manager, reason="Why not")


def test_only_a_program_manager_moves_stages(service) -> None:
    with pytest.raises(PermissionDenied):
        services.advance_stage(service=service, actor=service.partner_owner)
