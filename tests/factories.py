"""factory_boy factories for the foundation models; apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from accord.accounts.models import Organisation, OrganisationKind, User
from accord.core.permissions import Role, forget_roles
from accord.programs.models import Membership, Program, ProgramKind, ProgramPhase

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.HOSPITAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    title = "Analyst"
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password(PASSWORD)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    kind = ProgramKind.EMR_DEPLOYMENT
    phase = ProgramPhase.BUILD


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    person = factory.SubFactory(UserFactory)
    role = Role.MEMBER

    @factory.post_generation
    def forget_cached_roles(self, create: bool, extracted: object, **kwargs: object) -> None:
        # A person object held by a test caches its roles; a request would load them afresh.
        forget_roles(self.person)
