"""factory_boy factories for the foundation models; apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

from typing import Any

import factory

from accord.accounts.models import Organisation, OrganisationKind, User
from accord.core.permissions import Role, forget_roles
from accord.programs.models import Membership, Program, ProgramKind, ProgramPhase
from accord.programs.services import create_program

PASSWORD = "correct-horse-battery-staple"
# The authenticator-app secret of every test person who must use two-factor authentication.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(person: User) -> None:
    """A real TOTP authenticator, as if the person had scanned the QR code; codes come from `totp_code()`."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(person, TOTP_SECRET)


def give_totp_when_required(person: User) -> None:
    # The rule is the application's (partners' staff, platform administrators); the fixtures follow it so
    # that force-logged-in people are what a real sign-in would give.
    from accord.accounts.mfa import requires_mfa

    if requires_mfa(person):
        give_totp(person)


def totp_code() -> str:
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    # allauth accepts only the current window: a code made in a window's last seconds can be stale by the time
    # the server checks it (the browser journeys failed on that once), so wait for a fresh window.
    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD))


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

    @factory.post_generation
    def totp(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is not False:
            give_totp_when_required(self)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    kind = ProgramKind.EMR_DEPLOYMENT
    phase = ProgramPhase.BUILD

    @classmethod
    def _create(cls, model_class: type[Program], *args: Any, **kwargs: Any) -> Program:
        # Through the service, as in production: every app gives the new program its defaults.
        return create_program(actor="accord (test set-up)", check=False, manager=None, **kwargs)


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
        if create:
            give_totp_when_required(self.person)
