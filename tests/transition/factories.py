"""Factories for the transition app's tests."""

from __future__ import annotations

from typing import Any

import factory

from accord.core.permissions import Role
from accord.transition.choices import (
    Criticality,
    HandoverStage,
    KnowledgeKind,
    KnowledgeStatus,
    ServiceKind,
    TrainingKind,
)
from accord.transition.models import KnowledgeItem, KnowledgeTemplate, Service, TrainingModule
from tests.factories import MembershipFactory, ProgramFactory, UserFactory


def _member(service: Service, role: str) -> object:
    person = UserFactory()
    MembershipFactory(program=service.program, person=person, role=role)
    return person


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service of the program; its internal owner is made a member of the program unless given."""

    class Meta:
        model = Service

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    kind = ServiceKind.APPLICATION
    criticality = Criticality.MEDIUM
    clinical_impact = False
    internal_owner = factory.LazyAttribute(lambda service: _member(service, Role.MEMBER))
    partner_owner = None
    configuration_items = "app-server-01\ndb-server-01"
    stage = HandoverStage.ACQUISITION


class KnowledgeTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeTemplate

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Runbook {n}")
    kind = KnowledgeKind.RUNBOOK
    required_sections = "Purpose\nProcedure"
    required_for_kinds = factory.LazyFunction(list)


def knowledge_content(template: KnowledgeTemplate) -> str:
    """Markdown with a heading for each section the template requires."""
    return "\n\n".join(f"## {section}\n\nWritten down." for section in template.section_list)


class KnowledgeItemFactory(factory.django.DjangoModelFactory):
    """A draft item; approval goes through the services in tests (see `approved_item`)."""

    class Meta:
        model = KnowledgeItem

    service = factory.SubFactory(ServiceFactory)
    program = factory.SelfAttribute("service.program")
    template = factory.SubFactory(KnowledgeTemplateFactory, program=factory.SelfAttribute("..program"))
    title = factory.Sequence(lambda n: f"Knowledge {n}")
    author = factory.SelfAttribute("service.internal_owner")
    content = factory.LazyAttribute(lambda item: knowledge_content(item.template))
    status = KnowledgeStatus.DRAFT


def approved_item(service: Service, template: KnowledgeTemplate, *, author: Any = None) -> KnowledgeItem:
    """An item taken through review and approval by the service's internal owner, as in real use."""
    from accord.transition import services

    item = KnowledgeItemFactory(service=service, template=template, author=author or service.internal_owner)
    services.submit_for_review(item=item, actor=item.author)
    return services.approve_knowledge_item(item=item, actor=service.internal_owner)


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"HIPAA privacy {n}")
    kind = TrainingKind.PRIVACY
    required_roles = factory.LazyFunction(lambda: [Role.VENDOR])
    validity_months = 12
