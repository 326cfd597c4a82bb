"""Audited generic writes: the plain create, update and delete that every CRUD screen and API use.

Writes with business rules get a service of their own in their app; those call `audit.record` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Action, can

M = TypeVar("M", bound=models.Model)


def _split_many_to_many(model: type[models.Model], data: Mapping[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in data.items() if k not in m2m_names}
    related = {k: v for k, v in data.items() if k in m2m_names}
    return plain, related


def save_new_record(
    *,
    instance: M,
    actor: Any,
    related: Mapping[str, Iterable[Any]] | None = None,
    at: dt.datetime | None = None,
) -> M:
    """Validate, insert and audit one record a service has built: the one "full_clean, save, audit CREATE".

    Runs inside the caller's transaction when there is one, so the row and its audit entry land together.
    Permission checks stay with the caller, which knows what the write means.
    """
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        for name, values in (related or {}).items():
            getattr(instance, name).set(values)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=instance,
            changes=audit.diff({}, audit.snapshot(instance)),
            at=at,
        )
    return instance


def save_changed_record(
    *,
    instance: M,
    actor: Any,
    before: Mapping[str, Any],
    action: str = AuditAction.UPDATE,
    at: dt.datetime | None = None,
) -> M:
    """Validate and save a record a service has changed, and audit what changed since `before` (its
    `audit.snapshot` as read): the one "full_clean, save, audit the diff" of updates and transitions.

    Runs inside the caller's transaction when there is one; permission checks stay with the caller.
    """
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        audit.record(
            actor=actor,
            action=action,
            instance=instance,
            changes=audit.diff(before, audit.snapshot(instance)),
            at=at,
        )
    return instance


def create_record(*, model: type[M], actor: Any, data: Mapping[str, Any], check: bool = True) -> M:
    """Validate and create one record, with its audit entry, in one transaction."""
    plain, related = _split_many_to_many(model, data)
    instance = model(**plain)
    if check and not can(actor, Action.ADD, instance):
        raise PermissionDenied(f"You may not add {model._meta.verbose_name} records here.")
    return save_new_record(instance=instance, actor=actor, related=related)


def update_record(*, instance: M, actor: Any, data: Mapping[str, Any], check: bool = True) -> M:
    """Apply field changes to one record after validation; records only the fields that changed."""
    if check and not can(actor, Action.CHANGE, instance):
        raise PermissionDenied(f"You may not change this {instance._meta.verbose_name}.")
    model = instance._meta.model
    plain, related = _split_many_to_many(model, data)
    with transaction.atomic():
        # The stored row, not the instance: a bound ModelForm has already copied its input onto the instance.
        before = audit.snapshot(model.objects.get(pk=instance.pk))
        for name, value in plain.items():
            setattr(instance, name, value)
        instance.full_clean()
        if check and not can(actor, Action.CHANGE, instance):
            # e.g. moving a record into a program where the actor has no rights
            raise PermissionDenied(f"You may not change this {instance._meta.verbose_name} that way.")
        instance.save()
        for name, values in related.items():
            getattr(instance, name).set(values)
        changes = audit.diff(before, audit.snapshot(instance))
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, instance=instance, changes=changes)
    return instance


def delete_record(*, instance: models.Model, actor: Any, check: bool = True) -> None:
    """Delete one record; the audit entry keeps every value it had."""
    if check and not can(actor, Action.DELETE, instance):
        raise PermissionDenied(f"You may not delete this {instance._meta.verbose_name}.")
    with transaction.atomic():
        before = audit.snapshot(instance)
        pk = instance.pk
        audit.record(
            actor=actor,
            action=AuditAction.DELETE,
            instance=instance,
            object_id=str(pk),
            changes=audit.diff(before, {}),
        )
        instance.delete()
