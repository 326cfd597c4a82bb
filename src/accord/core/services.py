"""Audited generic writes: the plain create, update and delete that every CRUD screen and API use.

Writes with business rules get a service of their own in their app; those call `audit.record` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

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


def deletion_problem(instance: models.Model) -> str | None:
    """Why `instance` may not be deleted (a sentence saying what to do instead), or None.

    A model whose rows can become history others rely on declares `deletion_problem(self)`; this is the
    one place every delete (API, pages, admin) asks it.
    """
    ask = getattr(instance, "deletion_problem", None)
    return ask() if ask is not None else None


def _collected(collector: Collector) -> list[models.Model]:
    """Every row the collector will delete, read whole, in a stable order (model, then id)."""
    pks: dict[type[models.Model], set[Any]] = {}
    for model, found in collector.data.items():
        pks.setdefault(model, set()).update(row.pk for row in found)
    for queryset in collector.fast_deletes:
        # Rows of an automatic many-to-many table are the parent's id lists, already in its own audit entry.
        if not queryset.model._meta.auto_created:
            pks.setdefault(queryset.model, set()).update(queryset.values_list("pk", flat=True))
    rows: list[models.Model] = []
    for model in sorted(pks, key=lambda m: m._meta.label):
        if model._meta.auto_created:
            continue
        # The collector reads only the keys it needs; the audit row needs every value (and its many-to-many
        # id lists): a query or two per model, not per row.
        many = [field.name for field in model._meta.many_to_many]
        rows.extend(model._base_manager.filter(pk__in=pks[model]).prefetch_related(*many).order_by("pk"))
    return rows


def _refusal(instance: models.Model, message: str) -> ValidationError:
    return ValidationError(f"This {instance._meta.verbose_name} cannot be deleted: {message}")


def delete_record(*, instance: models.Model, actor: Any, check: bool = True) -> None:
    """Delete one record and everything that goes with it, each with an audit entry keeping its values.

    Refused with a ValidationError, deleting nothing, when the record (or a dependant that would go with it)
    declares a `deletion_problem`, or when a protected reference still points at it. The rule for
    dependants: each row the delete cascades to gets a DELETE entry of its own, and each row whose
    reference is cleared (SET_NULL) an UPDATE entry, in the same transaction as the parent's.
    """
    if check and not can(actor, Action.DELETE, instance):
        raise PermissionDenied(f"You may not delete this {instance._meta.verbose_name}.")
    with transaction.atomic():
        problem = deletion_problem(instance)
        if problem:
            raise _refusal(instance, problem)
        collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
        try:
            collector.collect([instance])
        except (ProtectedError, RestrictedError) as error:
            kept = sorted({str(row) for row in error.args[1]})[:5]
            kinds = sorted({str(row._meta.verbose_name_plural) for row in error.args[1]})
            raise _refusal(
                instance,
                f"{', '.join(kinds)} still refer to it ({'; '.join(kept)}); remove or move those first.",
            ) from error
        dependants = [row for row in _collected(collector) if row != instance]
        for row in dependants:
            problem = deletion_problem(row)
            if problem:
                raise _refusal(
                    instance, f"its {row._meta.verbose_name} \u201c{row}\u201d would go with it. {problem}"
                )
        for row in (instance, *dependants):
            audit.record(
                actor=actor,
                action=AuditAction.DELETE,
                instance=row,
                object_id=str(row.pk),
                changes=audit.diff(audit.snapshot(row), {}),
            )
        for (field, value), found in collector.field_updates.items():
            for batch in found:
                rows = batch.all() if isinstance(batch, models.QuerySet) else batch
                for row in rows:
                    before = getattr(row, field.attname)
                    if before != value:
                        audit.record(
                            actor=actor,
                            action=AuditAction.UPDATE,
                            instance=row,
                            changes={field.name: [before, value]},
                        )
        collector.delete()
