"""Writes on people and organisations that carry rules beyond a plain audited save."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from rest_framework.authtoken.models import Token

from accord.accounts.models import User
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can


def log_out_everywhere(*, person: User, actor: Any, remote_addr: str | None = None) -> None:
    """End every session of `person` on every device, by changing the value their sessions are bound to."""
    with transaction.atomic():
        User.objects.filter(pk=person.pk).update(session_generation=F("session_generation") + 1)
        person.refresh_from_db(fields=["session_generation"])
        audit.record(actor=actor, action=AuditAction.LOGOUT_EVERYWHERE, instance=person, remote_addr=remote_addr)


def create_person(*, actor: Any, email: str, full_name: str, title: str = "", organisation: Any = None,
                  password: str | None = None, check: bool = True) -> User:
    """Add a person; without a password they set one through the password-reset e-mail."""
    person = User(email=email, full_name=full_name, title=title, organisation=organisation)
    if check and not can(actor, Action.ADD, person):
        raise PermissionDenied("Only program managers add people.")
    with transaction.atomic():
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.full_clean()
        person.save()
        audit.record(actor=actor, action=AuditAction.CREATE, instance=person,
                     changes=audit.diff({}, audit.snapshot(person)))
    return person


def issue_api_token(*, person: User, actor: Any, replace: bool = False) -> Token:
    """The person's API token, created if they have none (or replaced when asked)."""
    with transaction.atomic():
        existing = Token.objects.filter(user=person).first()
        if existing is not None and not replace:
            return existing
        if existing is not None:
            existing.delete()
        token = Token.objects.create(user=person)
        audit.record(actor=actor, action=AuditAction.EVENT, instance=person,
                     changes={"api_token": ["replaced" if existing else None, "issued"]})
    return token
