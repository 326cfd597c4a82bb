"""Base models every domain app builds on, and the hash-chained audit trail."""

from __future__ import annotations

from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from accord.core.permissions import (
    Action,
    Visibility,
    can_in_program,
    program_ids_where,
    role_in,
    sees_internal,
)
from accord.core.validation import MemberLinksMixin


class ProgramScopedQuerySet(models.QuerySet):
    """Querysets of records that belong to one program; every list starts from `visible_to`."""

    def visible_to(self, user: Any, action: str = Action.VIEW) -> ProgramScopedQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        area = self.model.access_area
        full, shared = program_ids_where(user, action, area)
        condition = Q(program_id__in=full)
        if shared:
            if self.model.has_visibility():
                condition |= Q(program_id__in=shared, visibility=Visibility.SHARED)
            else:
                condition |= Q(program_id__in=shared)
        return self.filter(condition) if (full or shared) else self.none()

    def for_program(self, program: Any) -> ProgramScopedQuerySet:
        return self.filter(program=program)


class ProgramScopedModel(MemberLinksMixin, models.Model):
    """A record that belongs to exactly one program; access follows the program role table."""

    access_area: ClassVar[str] = "program"

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def has_visibility(cls) -> bool:
        return any(f.name == "visibility" for f in cls._meta.concrete_fields)

    def permits(self, user: Any, action: str) -> bool:
        """Row-level check mirroring `visible_to`, without a query (roles are cached on the user)."""
        if getattr(user, "is_superuser", False):
            return True
        role = role_in(user, self.program_id)
        if role is None or not can_in_program(user, action, self.access_area, self.program_id):
            return False
        return sees_internal(role) or not self.has_visibility() or self.visibility == Visibility.SHARED

    def audit_program_id(self) -> int | None:
        return self.program_id


class VisibilityField(models.CharField):
    """Shared with partners or hospital-internal; internal records never reach vendors or consultants."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("choices", Visibility.choices)
        kwargs.setdefault("default", Visibility.INTERNAL)
        kwargs.setdefault("help_text", "Internal records are never shown to vendor or consultant members.")
        super().__init__(*args, **kwargs)


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    LOGOUT_EVERYWHERE = "logout_everywhere", "Logged out everywhere"
    PERMISSION = "permission", "Permission change"
    TRANSITION = "transition", "State change"
    EVENT = "event", "Event"


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: str = Action.VIEW) -> AuditEntryQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        full, _shared = program_ids_where(user, action, "audit")
        condition = Q(program_id__in=full)
        # Person, organisation and login entries belong to no program; platform auditors read them.
        if action == Action.VIEW and getattr(user, "is_platform_auditor", False):
            condition |= Q(program__isnull=True)
        return self.filter(condition)


class AuditEntry(models.Model):
    """One append-only row of the audit trail; each row's hash covers its content and its predecessor's.

    The foreign keys carry no database constraint so that the trail outlives the people and records
    it describes; names are copied into the row for the same reason.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True, db_index=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(
        max_length=32, help_text="Which ACCORD_AUDIT_KEYS key sealed the entry ('legacy-sha256': unkeyed, before keys).",
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["program", "-sequence"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        verbose_name_plural = "audit entries"
        # On PostgreSQL the database itself refuses to change or delete a row, whoever connects
        # (re-sealing and restores lift it explicitly); pgtrigger skips this on SQLite.
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_allow_append", False):
            raise PermissionError("Audit entries are append-only.")
        kwargs.pop("_allow_append", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are append-only.")


class AuditChainHead(models.Model):
    """The last sequence number and hash of the chain; locked while appending so writers queue.

    Keeping the head separately also exposes the deletion of the newest entries, which a chain
    alone could not show.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.sequence}"
