"""Writing and verifying the keyed, hash-chained audit trail.

Entries are written by services inside their own transaction, so a write that rolls back leaves no
entry and an entry never describes a write that did not happen. Each entry is sealed with
HMAC-SHA256 over its content and its predecessor's seal, under a key kept outside the database
(`ACCORD_AUDIT_KEYS`): someone who can write to the database but does not hold the key cannot forge
a chain that verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pgtrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from accord.core.models import AuditAction, AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
# Entries written before the chain was keyed: plain SHA-256, which anyone can recompute. `verify`
# reports them until `accord audit reseal` has sealed them with a key.
LEGACY_KEY_ID = "legacy-sha256"
APPEND_ONLY_TRIGGER = "core.AuditEntry:audit_append_only"


def audit_keys() -> dict[str, bytes]:
    """Every key trusted for verifying, by id, in the configured order (the first one signs)."""
    return {key_id: key.encode() for key_id, key in getattr(settings, "ACCORD_AUDIT_KEYS", [])}


def signing_key() -> tuple[str, bytes]:
    keys = audit_keys()
    if not keys:
        raise ImproperlyConfigured(
            "No audit key: set ACCORD_AUDIT_KEY (or ACCORD_AUDIT_KEYS) in the environment."
        )
    key_id = next(iter(keys))
    if key_id == LEGACY_KEY_ID:
        raise ImproperlyConfigured(
            f"'{LEGACY_KEY_ID}' is reserved for unkeyed entries; choose another key id."
        )
    return key_id, keys[key_id]


@contextlib.contextmanager
def lifting_append_only() -> Iterator[None]:
    """Lets this thread change audit rows on PostgreSQL (re-sealing only); a no-op on SQLite."""
    with pgtrigger.ignore(APPEND_ONLY_TRIGGER):
        yield


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
            ids = (
                [o.pk for o in prefetched]
                if prefetched is not None
                else list(getattr(instance, field.name).values_list("pk", flat=True))
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
        # The key id is sealed too, so an entry cannot be relabelled as unkeyed (legacy entries
        # keep the payload they were hashed with).
        **({"key_id": entry.key_id} if entry.key_id != LEGACY_KEY_ID else {}),
    }


def compute_hash(previous_hash: str, payload: dict[str, Any], key: bytes | None = None) -> str:
    """The entry's seal: HMAC-SHA256 under `key`, or plain SHA-256 (the legacy scheme) without one."""
    message = f"{previous_hash}\n{canonical(payload)}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(entry: AuditEntry, previous_hash: str, key_id: str, key: bytes) -> None:
    entry.key_id = key_id
    entry.previous_hash = previous_hash
    entry.entry_hash = compute_hash(previous_hash, entry_payload(entry), key)


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
    key_id, key = signing_key()
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
        )
        seal(entry, head.entry_hash, key_id, key)
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


def check_entry(
    entry: AuditEntry, previous_hash: str, keys: dict[str, bytes], *, accept_legacy: bool
) -> str | None:
    """Why this entry does not verify after `previous_hash`, or None."""
    if entry.previous_hash != previous_hash:
        return "does not follow its predecessor's hash"
    if entry.key_id == LEGACY_KEY_ID:
        if not accept_legacy:
            return "sealed with the old unkeyed SHA-256 scheme; run `accord audit reseal` to key the trail"
        key = None
    elif entry.key_id in keys:
        key = keys[entry.key_id]
    else:
        return f"sealed with key '{entry.key_id}', which is not in ACCORD_AUDIT_KEYS (retired or unknown)"
    if not hmac.compare_digest(compute_hash(previous_hash, entry_payload(entry), key), entry.entry_hash):
        return "content was altered after it was written, or it was sealed with another key"
    return None


def verify_chain(*, accept_legacy: bool = False) -> tuple[int, ChainProblem | None]:
    """Walk the whole chain; return the number of entries checked and the first problem, if any.

    With `accept_legacy`, unkeyed entries pass if their SHA-256 is right and no keyed entry precedes
    them; only re-sealing uses it, since anyone can recompute an unkeyed chain.
    """
    keys = audit_keys()
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    keyed_seen = False
    for entry in iter_chain():
        if entry.sequence != expected_sequence:
            return checked, ChainProblem(
                expected_sequence,
                None,
                f"missing (deleted); the chain jumps from #{expected_sequence - 1} to #{entry.sequence}",
            )
        reason = check_entry(entry, previous_hash, keys, accept_legacy=accept_legacy and not keyed_seen)
        if reason is not None:
            return checked, ChainProblem(entry.sequence, entry.pk, reason)
        keyed_seen = keyed_seen or entry.key_id != LEGACY_KEY_ID
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_sequence = head.sequence if head else 0
    if head_sequence != checked:
        return checked, ChainProblem(
            checked + 1,
            None,
            f"missing (deleted); the trail should end at #{head_sequence}, it ends at #{checked}",
        )
    if head and head_sequence and head.entry_hash != previous_hash:
        return checked, ChainProblem(checked, None, "the last entry does not match the recorded chain head")
    return checked, None


class ChainBroken(Exception):
    def __init__(self, problem: ChainProblem, checked: int) -> None:
        super().__init__(f"Audit trail is broken at {problem} ({checked} entries before it are intact).")
        self.problem = problem


def reseal_chain(*, actor: Any = "system", batch: int = 2000) -> int:
    """Seal every entry again with the current signing key; returns the number of entries re-sealed.

    Used once after upgrading from the unkeyed chain, and to retire a key after rotation. It refuses
    to run on a chain that does not verify (unkeyed entries are checked with plain SHA-256), so it
    never launders an edit into a valid seal. The re-sealing itself is recorded as the last entry.
    """
    key_id, key = signing_key()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        checked, problem = verify_chain(accept_legacy=True)
        if problem is not None:
            raise ChainBroken(problem, checked)
        previous_hash = GENESIS_HASH
        pending: list[AuditEntry] = []
        with lifting_append_only():
            for entry in iter_chain(batch):
                seal(entry, previous_hash, key_id, key)
                previous_hash = entry.entry_hash
                pending.append(entry)
                if len(pending) >= batch:
                    AuditEntry.objects.bulk_update(pending, ["key_id", "previous_hash", "entry_hash"])
                    pending = []
            if pending:
                AuditEntry.objects.bulk_update(pending, ["key_id", "previous_hash", "entry_hash"])
        head.entry_hash = previous_hash
        head.save(update_fields=["entry_hash"])
        if checked:
            record(
                actor=actor,
                action=AuditAction.EVENT,
                object_type="core.auditentry",
                object_repr="Audit trail re-sealed",
                changes={"resealed": [1, checked], "key_id": key_id},
            )
    return checked


__all__ = [
    "AuditAction",
    "ChainBroken",
    "ChainProblem",
    "diff",
    "record",
    "reseal_chain",
    "snapshot",
    "to_json_value",
    "verify_chain",
]
