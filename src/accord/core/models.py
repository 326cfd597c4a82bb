"""Base models every domain app builds on, and the hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q

from accord.core.permissions import (
    PARTNER_ROLES,
    Action,
    Visibility,
    can_in_program,
    program_ids_where,
    role_in,
    roles_by_program,
    sees_internal,
)
from accord.core.validation import _LOADED, MemberLinksMixin

# The explicit `visibility_path` of a record every member of its program sees (subject to the role
# table only): no shared/internal field anywhere on its way to the program.
EVERY_MEMBER = None


class _Undeclared:
    """Marks a model that has not said how it is seen; the system check and `visibility_lookup` refuse it."""

    def __repr__(self) -> str:
        return "<visibility undeclared>"


UNDECLARED: Any = _Undeclared()


def member_program_ids(user: Any) -> list[int]:
    """Programs the user belongs to now; a person removed from a program sees nothing of it."""
    return list(roles_by_program(user))


def visibility_condition(model: type[ProgramScopedModel], user: Any, action: str) -> Q | None:
    """The one filter behind every list, count, export and related-field choice of a program-scoped model.

    Built from what the model declares (`access_area`, `visibility_path`, `visibility_unset_is_shared`,
    `personal_access`), so no app writes its own. None means the user may see no row at all.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Q()
    full, shared = program_ids_where(user, action, model.access_area)
    condition = Q(program_id__in=full) if full else None
    if shared:
        path = model.visibility_lookup()
        shared_rows = Q(program_id__in=shared)
        if path is not None:
            is_shared = Q(**{path: Visibility.SHARED})
            if model.visibility_unset_is_shared and "__" in path:
                is_shared |= Q(**{f"{path.rsplit('__', 1)[0]}__isnull": True})
            shared_rows &= is_shared
        condition = shared_rows if condition is None else condition | shared_rows
    personal = [field for field, actions in model.personal_access.items() if action in actions]
    if personal:
        member_of = member_program_ids(user)
        if member_of:
            for field in personal:
                mine = Q(**{field: user}, program_id__in=member_of)
                condition = mine if condition is None else condition | mine
    return condition


def _owner_cannot_see(person: Any) -> str:
    return f"{person} cannot see hospital-internal records; share the record first or choose someone from the hospital."


def check_owners_see(
    *,
    program_id: int | None,
    visibility: str,
    owners: Mapping[str, Any],
    message: Callable[[Any], str] = _owner_cannot_see,
) -> None:
    """The one rule: whoever a record names as answerable for it must be able to see it.

    `owners` maps the field to report to a person, or to several people (a group's visibility to the
    owners of its commitments). A vendor or consultant member never sees hospital-internal records, so
    an internal record they would own is refused with a ValidationError naming each field. A person
    who is not (or no longer) a member is left to the membership rule (`member_fields`). One query.
    """
    if visibility != Visibility.INTERNAL or program_id is None:
        return
    named: dict[str, list[Any]] = {}
    for field, value in owners.items():
        people = [value] if value is None or isinstance(value, models.Model) else list(value)
        people = [person for person in people if person is not None]
        if people:
            named[field] = people
    if not named:
        return
    partners = set(
        get_user_model()
        .objects.filter(
            pk__in={person.pk for people in named.values() for person in people},
            memberships__program_id=program_id,
            memberships__role__in=PARTNER_ROLES,
        )
        .values_list("pk", flat=True)
    )
    errors = {
        field: [message(person) for person in people if person.pk in partners]
        for field, people in named.items()
    }
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


class ProgramScopedQuerySet(models.QuerySet):
    """Querysets of records that belong to one program; every list starts from `visible_to`."""

    def visible_to(self, user: Any, action: str = Action.VIEW) -> ProgramScopedQuerySet:
        condition = visibility_condition(self.model, user, action)
        return self.none() if condition is None else self.filter(condition)

    def for_audience(self, audience: str) -> ProgramScopedQuerySet:
        """What an audience sees: everything for the hospital, shared records only for partners.

        For figures computed without a person at hand (stored snapshots, digests), by the same
        declaration as `visible_to`.
        """
        path = self.model.visibility_lookup()
        if audience == Visibility.INTERNAL or path is None:
            return self
        is_shared = Q(**{path: Visibility.SHARED})
        if self.model.visibility_unset_is_shared and "__" in path:
            is_shared |= Q(**{f"{path.rsplit('__', 1)[0]}__isnull": True})
        return self.filter(is_shared)


class ProgramScopedModel(MemberLinksMixin, models.Model):
    """A record that belongs to exactly one program; access follows the program role table.

    Each model declares, once, how it is seen: its `access_area` in the roles table, the path to the
    field that makes it shared or internal, and the people who see it because it is theirs. The
    queryset filter (`visible_to`) and the row check (`permits`) are both built from that declaration.
    """

    access_area: ClassVar[str] = "program"
    # Django lookup from this record to the shared/internal field ("benefit__visibility" on a KPI), or
    # EVERY_MEMBER. Every concrete model must say which, unless it carries its own `visibility` field:
    # a model that forgot would otherwise be shown to every member, partners included.
    visibility_path: ClassVar[str | None] = UNDECLARED
    # When the path crosses an empty nullable link, the record is program-wide and counts as shared.
    visibility_unset_is_shared: ClassVar[bool] = False
    # field -> actions: the person named there may do these while they are a member of the program
    # (whoever raised a flag reads and comments on it; an action's owner reports it done).
    personal_access: ClassVar[dict[str, tuple[str, ...]]] = {}
    # The person fields that name who is answerable for the record (owner, assignee): each must be able to
    # see it, so a partner never owns an internal record (`check_owners_see`, asked by `full_clean()`).
    # None means undeclared; tests/core/test_owner_fields.py requires every model with a visibility and
    # a person field to declare it (an empty tuple when no person field names an owner).
    owner_fields: ClassVar[tuple[str, ...] | None] = None

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def declares_visibility(cls) -> bool:
        """True when the model says how it is seen: a `visibility_path` (or EVERY_MEMBER), or its own field."""
        return cls.visibility_path is not UNDECLARED or any(
            f.name == "visibility" for f in cls._meta.concrete_fields
        )

    @classmethod
    def visibility_lookup(cls) -> str | None:
        if cls.visibility_path is not UNDECLARED:
            return cls.visibility_path
        if any(f.name == "visibility" for f in cls._meta.concrete_fields):
            return "visibility"
        # Fail closed: guessing "every member" would show partners what may be internal.
        raise ImproperlyConfigured(
            f"{cls.__name__} declares no visibility_path (a lookup to a visibility field, or EVERY_MEMBER)."
        )

    def clean_fields(self, exclude: Iterable[str] | None = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skip = set(exclude or ()) | set(errors)
        if self.owner_fields and "program" not in errors and "visibility" not in errors:
            try:
                self.check_owners_see(exclude=skip)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def check_owners_see(self, *, exclude: Iterable[str] = ()) -> None:
        """`check_owners_see` for this record's `owner_fields`, reported on the field the edit changed.

        A new or changed owner is named on its own field; an owner kept while the record turns internal
        is named on `visibility` (when the edit can show it there, else on the record as a whole).
        """
        exclude = set(exclude)
        loaded = getattr(self, _LOADED, {}) if not self._state.adding else {}
        has_visibility = any(f.name == "visibility" for f in self._meta.concrete_fields)
        owners: dict[str, list[Any]] = {}
        for name in self.owner_fields or ():
            person_id = getattr(self, self._meta.get_field(name).attname)
            if person_id is None:
                continue
            kept = name in loaded and loaded[name] == person_id
            if name not in exclude and not (kept and has_visibility and "visibility" not in exclude):
                key = name
            elif has_visibility and "visibility" not in exclude:
                key = "visibility"
            else:
                key = NON_FIELD_ERRORS
            owners.setdefault(key, []).append((name, getattr(self, name)))
        if not owners:
            return
        errors: dict[str, list[str]] = {}
        visibility = self.visibility_value()
        for key, named in owners.items():
            for name, person in named:
                try:
                    check_owners_see(
                        program_id=self.program_id,
                        visibility=visibility,
                        owners={key: person},
                        message=lambda person, name=name, key=key: self.owner_cannot_see(person, name, key),
                    )
                except ValidationError as error:
                    errors.setdefault(key, []).extend(error.message_dict[key])
        if errors:
            raise ValidationError(errors)

    def owner_cannot_see(self, person: Any, field: str, reported_on: str) -> str:
        """The refusal's words; a model may say it in its own terms (a red flag does)."""
        label = self._meta.verbose_name
        what = self._meta.get_field(field).verbose_name
        if reported_on == field:
            return f"{person} cannot see hospital-internal {label}s; share the {label} first or choose someone from the hospital."
        return (
            f"The {label}'s {what}, {person}, cannot see hospital-internal {label}s; keep it shared or give "
            f"the {what} to someone from the hospital first."
        )

    def visibility_value(self) -> str:
        """Shared or internal, following `visibility_path` on this row (no query when links are cached)."""
        path = self.visibility_lookup()
        if path is None:
            return Visibility.SHARED
        target: Any = self
        *links, field = path.split("__")
        for link in links:
            if getattr(target, f"{link}_id", None) is None:
                return Visibility.SHARED if self.visibility_unset_is_shared else Visibility.INTERNAL
            target = getattr(target, link)
        return getattr(target, field)

    def permits(self, user: Any, action: str) -> bool:
        """Row-level check mirroring `visible_to`, without a query (roles are cached on the user)."""
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_superuser:
            return True
        role = role_in(user, self.program_id)
        if role is None:
            return False
        for field, actions in self.personal_access.items():
            if action in actions and getattr(self, f"{field}_id", None) == user.pk:
                return True
        if not can_in_program(user, action, self.access_area, self.program_id):
            return False
        return sees_internal(role) or self.visibility_value() == Visibility.SHARED

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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
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
        max_length=32,
        help_text="Which ACCORD_AUDIT_KEYS key sealed the entry ('legacy-sha256': unkeyed, before keys).",
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


def program_model() -> type[models.Model]:
    """The program model, as core's own foreign keys resolve it: core names no app above it in an import."""
    return AuditEntry._meta.get_field("program").related_model


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
