"""Writing and verifying the hash-chained audit trail.

Entries are written by services inside their own transaction, so a write that rolls back leaves no
entry and an entry never describes a write that did not happen.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accord.core.models import AuditAction, AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


def to_json_value(value: Any) -> Any:
    """A JSON-safe, stable representation of a field value for the trail."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


# Fields that change on every save and say nothing a reader of the trail needs.
NOISE_FIELDS = frozenset({"updated_at", "created_at", "password", "last_login"})


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values of a record: concrete fields by attname, many-to-many as id lists."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in NOISE_FIELDS:
            continue
        key = field.name
        values[key] = to_json_value(getattr(instance, field.attname))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            prefetched = getattr(instance, "_prefetched_objects_cache", {}).get(field.name)
            ids = [o.pk for o in prefetched] if prefetched is not None else list(
                getattr(instance, field.name).values_list("pk", flat=True)
            )
            values[field.name] = sorted(ids)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [before, after] for every field whose value changed."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """Everything an entry says, in a form that hashes identically on SQLite and PostgreSQL."""
    at = entry.at.astimezone(dt.UTC) if timezone.is_aware(entry.at) else entry.at
    return {
        "sequence": entry.sequence,
        "at": at.isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "program": entry.program_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "remote_addr": entry.remote_addr,
    }


def compute_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical(payload)}".encode()).hexdigest()


def object_type_of(instance: models.Model | type[models.Model]) -> str:
    return instance._meta.label_lower


def record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    program_id: int | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    remote_addr: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    if instance is not None:
        object_type = object_type or object_type_of(instance)
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or str(instance)[:300]
        if program_id is None:
            getter = getattr(instance, "audit_program_id", None)
            program_id = getter() if getter else None
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        now = at or timezone.now()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            at=now,
            actor=actor_obj,
            actor_label=(actor_obj.email if actor_obj else (actor if isinstance(actor, str) else "system")),
            program_id=program_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:300],
            changes=json.loads(canonical(to_json_value(changes or {}))),
            remote_addr=remote_addr,
            previous_hash=head.entry_hash,
        )
        entry.entry_hash = compute_hash(head.entry_hash, entry_payload(entry))
        entry.save()
        head.sequence = entry.sequence
        head.entry_hash = entry.entry_hash
        head.save(update_fields=["sequence", "entry_hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry #{self.sequence}" + (f" (id {self.entry_id})" if self.entry_id else "")
        return f"{where}: {self.reason}"


def iter_chain(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(sequence__gt=last).order_by("sequence")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].sequence


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the whole chain; return the number of entries checked and the first problem, if any."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for entry in iter_chain():
        if entry.sequence != expected_sequence:
            return checked, ChainProblem(
                expected_sequence, None,
                f"missing (deleted); the chain jumps from #{expected_sequence - 1} to #{entry.sequence}",
            )
        if entry.previous_hash != previous_hash:
            return checked, ChainProblem(entry.sequence, entry.pk, "does not follow its predecessor's hash")
        if compute_hash(previous_hash, entry_payload(entry)) != entry.entry_hash:
            return checked, ChainProblem(entry.sequence, entry.pk, "content was altered after it was written")
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_sequence = head.sequence if head else 0
    if head_sequence != checked:
        return checked, ChainProblem(
            checked + 1, None, f"missing (deleted); the trail should end at #{head_sequence}, it ends at #{checked}"
        )
    if head and head_sequence and head.entry_hash != previous_hash:
        return checked, ChainProblem(checked, None, "the last entry does not match the recorded chain head")
    return checked, None


__all__ = ["AuditAction", "ChainProblem", "diff", "record", "snapshot", "to_json_value", "verify_chain"]
