"""Writes for notifications: tell people something happened (in the app and, if they wish, by e-mail),
mark notifications read, and record each person's e-mail choices."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can
from accord.notifications.choices import NotificationKind
from accord.notifications.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)


def _unique_active(recipients: Iterable[Any], actor: Any) -> list[Any]:
    """Each active person once, in the order given, without the person who caused the event."""
    actor_pk = actor.pk if getattr(actor, "is_authenticated", False) else None
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or person.pk in seen or person.pk == actor_pk or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


def email_opted_out(*, people: Iterable[Any], kind: str) -> set[int]:
    """Ids of the people who turned e-mail off for this kind (no preference row means e-mail on)."""
    ids = [p.pk for p in people]
    return set(
        NotificationPreference.objects.filter(person_id__in=ids, kind=kind, email=False).values_list(
            "person_id", flat=True
        )
    )


def absolute_url(url: str) -> str:
    """Links in e-mail need the site's address; `ACCORD_BASE_URL` gives it (paths alone otherwise)."""
    base = getattr(settings, "ACCORD_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def _email_for(notification: Notification, program_name: str) -> EmailMessage:
    paragraphs = [notification.title]
    if notification.body.strip():
        paragraphs.append(notification.body.strip())
    if notification.url:
        paragraphs.append(f"Open it in Accord: {absolute_url(notification.url)}")
    paragraphs.append(
        f"You receive this because you take part in {program_name}. Choose which e-mails "
        "you get under Notifications > E-mail preferences."
    )
    return EmailMessage(
        subject=f"[Accord · {program_name}] {notification.title}",
        body="\n\n".join(paragraphs),
        to=[notification.recipient.email],
    )


def _send_emails(messages: list[EmailMessage]) -> None:
    # Runs after the commit: a mail server that is down must not undo the event nor fail the request.
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Could not send %d notification e-mail(s)", len(messages))


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    about: Any,
    body: str = "",
    url: str = "",
    program: Any,
    actor: Any = None,
) -> list[Notification]:
    """Create one in-app notification per recipient and queue e-mail for those who want it.

    `about` is the record the title and body speak of: only recipients who may see it now are told
    (a person removed from the program, or a partner and an internal record, hears nothing), so the
    text of a notification never carries more than its reader may read. The person who caused the
    event (`actor`) is not told about it. E-mail is sent only once the caller's transaction commits, so
    a rolled-back event never reaches anyone's inbox.
    """
    kind = NotificationKind(kind)
    people = [person for person in _unique_active(recipients, actor) if can(person, Action.VIEW, about)]
    if not people:
        return []
    program_id = getattr(program, "pk", program)
    rows = [
        Notification(
            program_id=program_id, recipient=person, kind=kind, title=title[:200], body=body, url=url
        )
        for person in people
    ]
    for row in rows:
        row.full_clean(exclude=["program", "recipient"])
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        opted_out = email_opted_out(people=people, kind=kind)
        program_name = getattr(program, "name", None)
        if program_name is None:
            from accord.programs.models import Program

            program_name = (
                Program.objects.filter(pk=program_id).values_list("name", flat=True).first() or "Accord"
            )
        messages = [_email_for(n, program_name) for n in created if n.recipient_id not in opted_out]
        if messages:
            transaction.on_commit(lambda: _send_emails(messages))
    return created


def mark_read(
    *,
    person: Any,
    notifications: Iterable[Notification] | None = None,
    all: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """Mark some (or all) of a person's unread notifications read; returns how many changed.

    Notifications of anyone else are ignored, whatever is passed in.
    """
    if notifications is None and not all:
        raise ValueError("Pass the notifications to mark read, or all=True.")
    now = now or timezone.now()
    queryset = Notification.objects.visible_to(person).unread()
    if not all:
        queryset = queryset.filter(pk__in=[n.pk for n in notifications])
    return queryset.update(read_at=now)


def set_email_preferences(*, person: Any, choices: Mapping[str, bool], actor: Any) -> None:
    """Record, per kind, whether the person wants e-mail; unknown kinds are a clear error."""
    if getattr(actor, "pk", None) != person.pk:
        raise PermissionDenied("People choose their own e-mail preferences.")
    with transaction.atomic():
        current = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "email"))
        changes: dict[str, list[bool]] = {}
        for kind, wanted in choices.items():
            kind = NotificationKind(kind)
            before = current.get(kind, True)
            if before == bool(wanted):
                continue
            NotificationPreference.objects.update_or_create(
                person=person, kind=kind, defaults={"email": bool(wanted)}
            )
            changes[f"email:{kind}"] = [before, bool(wanted)]
        if changes:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="notifications.notificationpreference",
                object_id=str(person.pk),
                object_repr=f"E-mail preferences of {person}",
                changes=changes,
            )


def email_preferences(person: Any) -> dict[str, bool]:
    """Every kind with the person's choice (e-mail on unless they turned it off)."""
    stored = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "email"))
    return {kind: stored.get(kind, True) for kind in NotificationKind.values}
