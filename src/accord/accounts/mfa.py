"""Who must sign in with a second factor (TOTP): partners' staff and platform administrators.

Everyone may set one up; for these people it is mandatory, because a partner's account reaches a
hospital's records from outside the hospital, and an administrator's reaches everything.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Q

from accord.accounts.models import OrganisationKind, User
from accord.core.permissions import PARTNER_ROLES

PARTNER_ORGANISATION_KINDS = frozenset({OrganisationKind.VENDOR, OrganisationKind.OUTSOURCER,
                                        OrganisationKind.CONSULTANCY})
# Recovery codes are a fallback for a second factor, not one of their own.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
MFA_REQUIRED_MESSAGE = ("Your account must use two-factor authentication: set up an authenticator app "
                        "(Profile → Two-factor authentication) before you continue.")


def requires_mfa(user: Any) -> bool:
    """Platform administrators, and anyone from a vendor, outsourcer or consultancy or holding a vendor or
    consultant role in any program."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    partner = Q(organisation__kind__in=PARTNER_ORGANISATION_KINDS) | Q(memberships__role__in=PARTNER_ROLES)
    return User.objects.filter(pk=user.pk).filter(partner).exists()


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def lacks_required_mfa(user: Any) -> bool:
    return requires_mfa(user) and not has_second_factor(user)
