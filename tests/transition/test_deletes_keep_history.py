"""API deletes of transition records: a service whose handover has history, approved knowledge, a module people
completed and an attested completion are refused with a reason and kept; a service without history goes with its
draft knowledge, each row audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.admin.sites import site

from accord.transition import services
from accord.transition.models import KnowledgeItem, Service, StageSignOff, TrainingModule, TrainingRecord
from accord.transparency.models import Assignment
from tests.api_helpers import api, deleted_ids, refusal
from tests.factories import UserFactory
from tests.transition.factories import (
    KnowledgeItemFactory,
    KnowledgeTemplateFactory,
    ServiceFactory,
    TrainingModuleFactory,
    approved_item,
)

pytestmark = pytest.mark.django_db


def test_a_service_with_a_stage_sign_off_is_refused_and_keeps_it(world: Any) -> None:
    service = ServiceFactory(program=world.program, internal_owner=world.member)
    services.sign_off_stage(service=service, actor=world.member)
    message = refusal(api(world.program_manager).delete(f"/api/services/{service.pk}/"))
    assert "sign-offs on record" in message
    assert StageSignOff.objects.filter(service=service).count() == 1


def test_approved_knowledge_is_refused_with_supersede_instead(world: Any) -> None:
    service = ServiceFactory(program=world.program, internal_owner=world.member)
    item = approved_item(service, KnowledgeTemplateFactory(program=world.program))
    message = refusal(api(world.program_manager).delete(f"/api/knowledge-items/{item.pk}/"))
    assert "Write a new version that supersedes it instead" in message
    assert KnowledgeItem.objects.filter(pk=item.pk).exists()


def test_a_service_without_history_goes_with_its_draft_knowledge_audited(world: Any) -> None:
    service = ServiceFactory(program=world.program, internal_owner=world.member)
    draft = KnowledgeItemFactory(service=service, template=KnowledgeTemplateFactory(program=world.program))
    response = api(world.program_manager).delete(f"/api/services/{service.pk}/")
    assert response.status_code == 204, response.content
    assert str(service.pk) in deleted_ids(Service)
    assert str(draft.pk) in deleted_ids(KnowledgeItem)


def test_a_module_people_completed_is_refused_and_keeps_their_completions(world: Any) -> None:
    module = TrainingModuleFactory(program=world.program)
    services.record_training(
        module=module, person=world.vendor, completed_on=dt.date(2026, 10, 1), actor=world.program_manager
    )
    message = refusal(api(world.program_manager).delete(f"/api/training-modules/{module.pk}/"))
    assert "people's completions of it are on record" in message
    assert TrainingModule.objects.filter(pk=module.pk).exists()
    assert TrainingRecord.objects.filter(module=module).count() == 1


def test_an_attested_completion_is_refused(world: Any) -> None:
    module = TrainingModuleFactory(program=world.program)
    record = services.record_training(
        module=module, person=world.vendor, completed_on=dt.date(2026, 10, 1), actor=world.program_manager
    )
    services.attest_training(record=record, actor=world.vendor)
    message = refusal(api(world.program_manager).delete(f"/api/training-records/{record.pk}/"))
    assert "attested this completion themselves" in message
    assert TrainingRecord.objects.filter(pk=record.pk, attested=True).exists()


def test_the_admin_shows_a_completed_module_as_protected_with_the_reason(world: Any, rf: Any) -> None:
    module = TrainingModuleFactory(program=world.program, title="Downtime procedures")
    services.record_training(
        module=module, person=world.vendor, completed_on=dt.date(2026, 10, 1), actor=world.program_manager
    )
    request = rf.post("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    admin = site._registry[TrainingModule]
    *_, protected = admin.get_deleted_objects([module], request)
    assert protected == [
        "Downtime procedures: people's completions of it are on record. Keep the module; clear its required "
        "roles and organisations to stop asking for it."
    ]
    unused = TrainingModuleFactory(program=world.program, title="Badge access")
    assert admin.get_deleted_objects([unused], request)[3] == []


def test_a_service_whose_approved_knowledge_would_go_with_it_is_refused_naming_that_knowledge(
    world: Any,
) -> None:
    service = ServiceFactory(program=world.program, internal_owner=world.member)
    item = approved_item(service, KnowledgeTemplateFactory(program=world.program))
    message = refusal(api(world.program_manager).delete(f"/api/services/{service.pk}/"))
    assert f"its knowledge item \u201c{item}\u201d would go with it" in message
    assert "supersedes it instead" in message
    assert KnowledgeItem.objects.filter(pk=item.pk).exists()
    assert str(service.pk) not in deleted_ids(Service)


def test_a_service_someone_is_assigned_to_is_refused_naming_the_assignment(world: Any) -> None:
    service = ServiceFactory(program=world.program, internal_owner=world.member)
    Assignment.objects.create(
        program=world.program,
        service=service,
        person=world.member,
        role_on_service="Primary support",
        starts_on=dt.date(2026, 1, 5),
    )
    message = refusal(api(world.program_manager).delete(f"/api/services/{service.pk}/"))
    assert "assignments still refer to it" in message and "remove or move those first" in message
    assert Service.objects.filter(pk=service.pk).exists()
