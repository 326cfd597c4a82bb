"""Writes on people and organisations that carry rules beyond a plain audited save."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from rest_framework.authtoken.models import Token

from accord.accounts.models import Organisation, User
from accord.core import audit
from accord.core import services as core_services
from accord.core.models import AuditAction
from accord.core.permissions import Action, can


def log_out_everywhere(*, person: User, actor: Any, remote_addr: str | None = None) -> None:
    """End every session of `person` on every device, by changing the value their sessions are bound to,
    and revoke their API token: a script's token is a session too."""
    with transaction.atomic():
        User.objects.filter(pk=person.pk).update(session_generation=F("session_generation") + 1)
        person.refresh_from_db(fields=["session_generation"])
        revoked = Token.objects.filter(user=person).delete()[0]
        audit.record(
            actor=actor,
            action=AuditAction.LOGOUT_EVERYWHERE,
            instance=person,
            remote_addr=remote_addr,
            changes={"api_token": ["issued", "revoked"]} if revoked else None,
        )


def revoke_api_tokens(*, person: User, actor: Any, reason: str, remote_addr: str | None = None) -> None:
    """Revoke the person's API token (after a password change or reset: whoever knew the old password may
    have issued one)."""
    with transaction.atomic():
        if Token.objects.filter(user=person).delete()[0]:
            audit.record(
                actor=actor,
                action=AuditAction.EVENT,
                instance=person,
                remote_addr=remote_addr,
                changes={"api_token": ["issued", f"revoked: {reason}"]},
            )


def create_person(
    *,
    actor: Any,
    email: str,
    full_name: str,
    title: str = "",
    organisation: Any = None,
    password: str | None = None,
    password_hash: str | None = None,
    check: bool = True,
) -> User:
    """Add a person; without a password they set one through the password-reset e-mail.

    `password_hash` is a password already hashed with `make_password`, for callers that give many people one
    password (the demo).
    """
    person = User(email=email, full_name=full_name, title=title, organisation=organisation)
    if check and not can(actor, Action.ADD, person):
        raise PermissionDenied("Only program managers add people.")
    with transaction.atomic():
        if password:
            person.set_password(password)
        elif password_hash:
            person.password = password_hash
        else:
            person.set_unusable_password()
        core_services.save_new_record(instance=person, actor=actor)
        record_own_email_address(person=person)
    return person


def record_own_email_address(*, person: User) -> None:
    """Make the account's e-mail address its one confirmed address in allauth's table.

    The address on the account is where password resets go, so it is the confirmed one by definition;
    allauth's e-mail change then keeps it in force until a new address is confirmed by its link, and an
    address an administrator replaced stops receiving anything for this account.
    """
    email = person.email.lower()
    EmailAddress.objects.filter(user=person).exclude(email__iexact=email).filter(verified=True).delete()
    EmailAddress.objects.filter(user=person).exclude(email__iexact=email).update(primary=False)
    updated = EmailAddress.objects.filter(user=person, email__iexact=email).update(
        verified=True, primary=True
    )
    if not updated:
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)


# What a person may change on their own account without anyone else; everything else that identifies
# them or carries access (e-mail, organisation, active, staff and superuser flags) is a platform
# administrator's, except the e-mail address, which its owner changes through a link sent to the new one.
SELF_SERVICE_FIELDS = frozenset({"full_name", "title"})


def is_platform_administrator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def update_person(*, person: User, actor: Any, data: Mapping[str, Any]) -> User:
    """Change a person's account: names by the person, e-mail, organisation and access by an administrator."""
    stored = User.objects.get(pk=person.pk)
    changed = {name for name, value in data.items() if getattr(stored, name) != value}
    if not is_platform_administrator(actor):
        if getattr(actor, "pk", None) != person.pk:
            raise PermissionDenied(
                "Only the person themselves or a platform administrator changes an account."
            )
        if "email" in changed:
            raise PermissionDenied(
                "Change your e-mail address from your profile: a confirmation link is sent to "
                "the new address."
            )
        if changed - SELF_SERVICE_FIELDS:
            raise PermissionDenied("Your organisation and access are changed by a platform administrator.")
    with transaction.atomic():
        person = core_services.update_record(instance=person, actor=actor, data=data, check=False)
        if "email" in changed:
            record_own_email_address(person=person)
    return person


def record_email_change(
    *, person: User, actor: Any, old: str | None, new: str, remote_addr: str | None = None
) -> None:
    """Audit an e-mail change confirmed through the link sent to the new address (allauth made the change)."""
    with transaction.atomic():
        record_own_email_address(person=person)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=person,
            changes={"email": [old, new]},
            remote_addr=remote_addr,
        )


def update_organisation(*, organisation: Organisation, actor: Any, data: Mapping[str, Any]) -> Organisation:
    """Change an organisation; its kind (hospital side or partner) is a platform administrator's to change,
    because it decides whether its people must use two-factor authentication."""
    stored = Organisation.objects.get(pk=organisation.pk)
    if "kind" in data and data["kind"] != stored.kind and not is_platform_administrator(actor):
        raise PermissionDenied("An organisation's kind is changed by a platform administrator.")
    return core_services.update_record(instance=organisation, actor=actor, data=data)


def find_person_for_single_sign_on(*, emails: list[str]) -> User | None:
    """The active person whose account e-mail is one the identity provider verified, if exactly one is."""
    if not emails:
        return None
    condition = Q()
    for email in emails:
        condition |= Q(email__iexact=email)
    people = list(User.objects.filter(condition, is_active=True)[:2])
    return people[0] if len(people) == 1 else None


def link_single_sign_on(*, person: User, sociallogin: Any, request: Any = None) -> None:
    """Remember the identity provider's account for this person, so later sign-ins find it directly."""
    from accord.core.signals import client_address

    with transaction.atomic():
        sociallogin.connect(request, person)
        audit.record(
            actor=person,
            action=AuditAction.EVENT,
            instance=person,
            remote_addr=client_address(request),
            changes={"single_sign_on": [None, f"{sociallogin.account.provider}:{sociallogin.account.uid}"]},
        )


def issue_api_token(*, person: User, actor: Any, replace: bool = False) -> Token:
    """The person's API token, created if they have none (or replaced when asked)."""
    with transaction.atomic():
        existing = Token.objects.filter(user=person).first()
        if existing is not None and not replace:
            return existing
        if existing is not None:
            existing.delete()
        token = Token.objects.create(user=person)
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            instance=person,
            changes={"api_token": ["replaced" if existing else None, "issued"]},
        )
    return token
