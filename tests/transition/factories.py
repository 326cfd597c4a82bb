"""Factories for the transition app's tests."""

from __future__ import annotations

import factory

from accord.core.permissions import Role
from accord.transition.choices import Criticality, HandoverStage, ServiceKind
from accord.transition.models import Service
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
