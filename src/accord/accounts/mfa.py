"""Who must sign in with a second factor (TOTP): partners' staff and platform administrators.

Everyone may set one up; for these people it is mandatory, because a partner's account reaches a
hospital's records from outside the hospital, and an administrator's reaches everything.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from accord.accounts.models import Organisation, OrganisationKind
from accord.core.permissions import PARTNER_ROLES, roles_by_program

PARTNER_ORGANISATION_KINDS = frozenset(
    {OrganisationKind.VENDOR, OrganisationKind.OUTSOURCER, OrganisationKind.CONSULTANCY}
)
# Recovery codes are a fallback for a second factor, not one of their own.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
MFA_REQUIRED_MESSAGE = (
    "Your account must use two-factor authentication: set up an authenticator app "
    "(Profile → Two-factor authentication) before you continue."
)


def requires_mfa(user: Any, *, organisation_kind: str | None = None) -> bool:
    """Platform administrators, and anyone from a vendor, outsourcer or consultancy or holding a vendor or
    consultant role in any program. `organisation_kind` saves a query when the caller knows it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    # The roles are loaded once per user object and shared with every permission check of the request.
    if PARTNER_ROLES & set(roles_by_program(user).values()):
        return True
    if organisation_kind is None:
        organisation_kind = organisation_kind_of(user)
    return organisation_kind in PARTNER_ORGANISATION_KINDS


def organisation_kind_of(user: Any) -> str:
    if not user.organisation_id:
        return ""
    return Organisation.objects.filter(pk=user.organisation_id).values_list("kind", flat=True).first() or ""


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def lacks_required_mfa(user: Any) -> bool:
    return requires_mfa(user) and not has_second_factor(user)
