"""In-app notifications for one person, and each person's choice of e-mail per kind of event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef

from accord.core.models import EVERY_MEMBER, ProgramScopedModel, ProgramScopedQuerySet
from accord.core.permissions import Action, role_in
from accord.notifications.choices import NotificationKind


class NotificationQuerySet(ProgramScopedQuerySet):
    def visible_to(self, user: Any, action: str = Action.VIEW) -> NotificationQuerySet:
        """A person's own notifications of the programs they are in, and nobody else's: not even a superuser
        reads another's inbox, and a person removed from a program reads nothing of it any more."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if action not in (Action.VIEW, Action.CHANGE):
            return self.none()
        from accord.programs.models import Membership

        # A subquery, not the cached roles: the badge on every page stays one query.
        member = Membership.objects.filter(program_id=OuterRef("program_id"), person=user)
        return self.filter(Exists(member), recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(ProgramScopedModel):
    """Something that happened in a program that one person should know about.

    Access is by recipient, not by program role: a person sees their own notifications while they are
    in the program, and never anyone else's. What they were told stays in the table for the audit.
    """

    access_area = "notifications"
    # The inbox is narrowed by recipient in its own queryset; no shared/internal of its own.
    visibility_path = EVERY_MEMBER

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(
        max_length=500, blank=True, help_text="Where the notification leads (a path in Accord)."
    )
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The unread badge and the inbox both look up one person's rows, newest first.
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def permits(self, user: Any, action: str) -> bool:
        return (
            getattr(user, "is_authenticated", False)
            and user.pk == self.recipient_id
            and action in (Action.VIEW, Action.CHANGE)
            and role_in(user, self.program_id) is not None
        )


class NotificationPreferenceQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = Action.VIEW) -> NotificationPreferenceQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(person=user)


class NotificationPreference(models.Model):
    """Whether one person wants e-mail for one kind of notification; no row means yes.

    A personal setting, like a person's name, so it belongs to the person and not to a program.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField(default=True, help_text="Send an e-mail as well as the in-app notification.")

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        ordering = ["person", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_notification_preference_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()} by e-mail {'on' if self.email else 'off'}"

    def permits(self, user: Any, action: str) -> bool:
        return getattr(user, "is_authenticated", False) and user.pk == self.person_id

    def audit_program_id(self) -> None:
        return None
