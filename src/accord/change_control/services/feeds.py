"""Per-person secret tokens for the change-calendar feed: issued once, kept only as a hash, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accord.change_control.models import CalendarFeedToken
from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can_in_program


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed_token(*, program: Any, actor: Any, now: dt.datetime) -> str:
    """A new secret for the actor's feed of this program (shown once); any earlier one stops working."""
    if not can_in_program(actor, Action.VIEW, "changes", program.pk):
        raise PermissionDenied("You do not see this program's changes.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _revoke(program=program, person=actor, now=now)
        row = CalendarFeedToken.objects.create(
            program=program, person=actor, token_hash=hash_token(token), hint=token[:6], created_at=now
        )
        audit.record(
            actor=actor,
            action=AuditAction.EVENT,
            program_id=program.pk,
            object_type="change_control.calendarfeedtoken",
            object_id=str(row.pk),
            object_repr=str(row),
            changes={"feed_token": [None, "issued"]},
            at=now,
        )
    return token


def _revoke(*, program: Any, person: Any, now: dt.datetime) -> int:
    return CalendarFeedToken.objects.filter(program=program, person=person, revoked_at__isnull=True).update(
        revoked_at=now
    )


def revoke_feed_token(*, program: Any, actor: Any, now: dt.datetime) -> bool:
    """Stop the actor's feed URL for this program at once; True when there was one to stop."""
    with transaction.atomic():
        revoked = _revoke(program=program, person=actor, now=now)
        if revoked:
            audit.record(
                actor=actor,
                action=AuditAction.EVENT,
                program_id=program.pk,
                object_type="change_control.calendarfeedtoken",
                changes={"feed_token": ["issued", "revoked"]},
                at=now,
            )
    return bool(revoked)


def feed_reader(token: str, *, now: dt.datetime) -> CalendarFeedToken | None:
    """The live token row for a presented secret, or None; the reader must still be able to see changes."""
    if not token or len(token) > 200:
        return None
    row = (
        CalendarFeedToken.objects.select_related("person", "program")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.person.is_active:
        return None
    if not can_in_program(row.person, Action.VIEW, "changes", row.program_id):
        return None
    CalendarFeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row
