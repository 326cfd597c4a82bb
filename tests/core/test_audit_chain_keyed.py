"""The audit chain is sealed with a key kept outside the database: database access alone cannot forge it."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accord.core import services
from accord.core.audit import (
    GENESIS_HASH,
    LEGACY_KEY_ID,
    ChainBroken,
    canonical,
    compute_hash,
    entry_payload,
    lifting_append_only,
    reseal_chain,
    verify_chain,
)
from accord.core.models import AuditAction, AuditChainHead, AuditEntry
from tests.personas import World, build_world

OLD_KEY = ("2025", "o" * 40)
NEW_KEY = ("2026", "n" * 40)


@pytest.fixture
def world_under_old_key(settings: Any, db: Any) -> World:
    """The personas' world with the whole trail so far sealed by the 2025 key."""
    settings.ACCORD_AUDIT_KEYS = [OLD_KEY]
    return build_world()


def _write_some_history(world: World) -> None:
    for phase in ["go_live", "stabilisation", "optimisation"]:
        services.update_record(instance=world.program, actor=world.program_manager, data={"phase": phase})


def _rewrite_chain_from(
    sequence: int, seal: Callable[[str, dict[str, Any]], str], *, key_id: str | None = None
) -> None:
    """What an attacker with write access does: edit entries from `sequence` on and recompute every seal
    after them, head included, with whatever they can compute."""
    entries = list(AuditEntry.objects.filter(sequence__gte=sequence).order_by("sequence"))
    previous = entries[0].previous_hash
    with lifting_append_only():
        for entry in entries:
            if key_id is not None:
                entry.key_id = key_id
            entry.previous_hash = previous
            entry.entry_hash = seal(previous, entry_payload(entry))
            AuditEntry.objects.filter(pk=entry.pk).update(
                key_id=entry.key_id, previous_hash=entry.previous_hash, entry_hash=entry.entry_hash
            )
            previous = entry.entry_hash
    AuditChainHead.objects.filter(id=1).update(entry_hash=previous)


def _plain_sha256(previous: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous}\n{canonical(payload)}".encode()).hexdigest()


def test_new_entries_are_sealed_with_hmac_under_the_first_listed_key(world: World, settings: Any) -> None:
    settings.ACCORD_AUDIT_KEYS = [NEW_KEY, OLD_KEY]
    _write_some_history(world)
    entry = AuditEntry.objects.latest("sequence")
    assert entry.key_id == "2026"
    expected = hmac.new(
        NEW_KEY[1].encode(),
        f"{entry.previous_hash}\n{canonical(entry_payload(entry))}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert entry.entry_hash == expected


def test_a_row_edited_and_the_following_hashes_recomputed_with_plain_sha256_is_reported(world: World) -> None:
    _write_some_history(world)
    target = AuditEntry.objects.order_by("sequence")[2]
    assert AuditEntry.objects.filter(sequence__gt=target.sequence).exists()
    with lifting_append_only():
        AuditEntry.objects.filter(pk=target.pk).update(object_repr="nothing to see")
    _rewrite_chain_from(target.sequence, _plain_sha256)
    with pytest.raises(
        CommandError, match=rf"entry #{target.sequence} \(id {target.pk}\): content was altered"
    ):
        call_command("audit", "verify")


def test_relabelling_forged_rows_as_unkeyed_legacy_entries_is_reported(world: World) -> None:
    _write_some_history(world)
    target = AuditEntry.objects.order_by("sequence")[2]
    _rewrite_chain_from(target.sequence, _plain_sha256, key_id=LEGACY_KEY_ID)
    _checked, problem = verify_chain()
    assert problem is not None and problem.sequence == target.sequence
    # Even where unkeyed entries are accepted (before re-sealing), none may follow a keyed one.
    _checked, problem = verify_chain(accept_legacy=True)
    assert problem is not None and problem.sequence == target.sequence


def test_a_chain_recomputed_with_the_wrong_key_is_reported(world: World) -> None:
    _write_some_history(world)
    target = AuditEntry.objects.order_by("sequence")[1]
    with lifting_append_only():
        AuditEntry.objects.filter(pk=target.pk).update(object_repr="nothing to see")
    wrong = b"an attacker's guess at the key, 40 chars"
    _rewrite_chain_from(target.sequence, lambda previous, payload: compute_hash(previous, payload, wrong))
    _checked, problem = verify_chain()
    assert problem is not None
    assert (problem.sequence, problem.entry_id) == (target.sequence, target.pk)
    assert "content was altered" in problem.reason


def test_entries_sealed_with_an_older_listed_key_still_verify_after_rotation(
    world_under_old_key: World, settings: Any
) -> None:
    world = world_under_old_key
    _write_some_history(world)
    settings.ACCORD_AUDIT_KEYS = [NEW_KEY, OLD_KEY]
    services.update_record(instance=world.program, actor=world.program_manager, data={"phase": "build"})
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {"2025", "2026"}
    assert verify_chain() == (AuditEntry.objects.count(), None)


def test_an_entry_sealed_with_a_key_no_longer_listed_is_reported(
    world_under_old_key: World, settings: Any
) -> None:
    world = world_under_old_key
    _write_some_history(world)
    settings.ACCORD_AUDIT_KEYS = [NEW_KEY]
    _checked, problem = verify_chain()
    assert problem is not None and problem.sequence == 1
    assert problem.reason == "sealed with key '2025', which is not in ACCORD_AUDIT_KEYS (retired or unknown)"


def test_reseal_moves_every_entry_to_the_new_key_so_the_old_one_can_be_retired(
    world_under_old_key: World, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world = world_under_old_key
    _write_some_history(world)
    count = AuditEntry.objects.count()
    settings.ACCORD_AUDIT_KEYS = [NEW_KEY, OLD_KEY]
    call_command("audit", "reseal")
    assert f"Audit trail re-sealed: {count} entries." in capsys.readouterr().out
    settings.ACCORD_AUDIT_KEYS = [NEW_KEY]
    assert verify_chain() == (count + 1, None)
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {"2026"}
    last = AuditEntry.objects.latest("sequence")
    assert (last.action, last.object_repr, last.changes) == (
        AuditAction.EVENT,
        "Audit trail re-sealed",
        {"resealed": [1, count], "key_id": "2026"},
    )


def _downgrade_to_legacy() -> None:
    """The trail as the unkeyed version of Accord wrote it."""
    _rewrite_chain_from(1, _plain_sha256, key_id=LEGACY_KEY_ID)


def test_unkeyed_entries_from_before_the_upgrade_are_reported_until_resealed(world: World) -> None:
    _write_some_history(world)
    _downgrade_to_legacy()
    with pytest.raises(
        CommandError, match=r"entry #1 \(id \d+\): sealed with the old unkeyed SHA-256 scheme"
    ):
        call_command("audit", "verify")
    count = reseal_chain()
    assert count == AuditEntry.objects.count() - 1
    assert verify_chain() == (count + 1, None)
    assert AuditEntry.objects.order_by("sequence").first().previous_hash == GENESIS_HASH


def test_reseal_refuses_an_unkeyed_trail_that_was_edited_and_changes_nothing(world: World) -> None:
    _write_some_history(world)
    _downgrade_to_legacy()
    target = AuditEntry.objects.order_by("sequence")[1]
    with lifting_append_only():
        AuditEntry.objects.filter(pk=target.pk).update(object_repr="nothing to see")
    before = list(AuditEntry.objects.values_list("entry_hash", flat=True))
    with pytest.raises(ChainBroken, match=rf"entry #{target.sequence}"):
        reseal_chain()
    with pytest.raises(CommandError, match="Nothing was re-sealed"):
        call_command("audit", "reseal")
    assert list(AuditEntry.objects.values_list("entry_hash", flat=True)) == before


def _deploy_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ACCORD_ENV": "production",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "accord.example.org",
        "ACCORD_VAR_DIR": str(tmp_path),
        **extra,
    }
    for name in (
        "DEBUG",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        *(n for n in ("ACCORD_AUDIT_KEY", "ACCORD_AUDIT_KEYS") if n not in extra),
    ):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", "check", "--deploy", "--fail-level", "ERROR"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_deploy_check_fails_in_production_without_an_audit_key(tmp_path: Path) -> None:
    result = _deploy_check(tmp_path)
    assert result.returncode != 0
    assert "accord.E001" in result.stderr and "No audit key" in result.stderr


def test_the_deploy_check_rejects_a_short_audit_key_and_accepts_a_listed_one(tmp_path: Path) -> None:
    assert "accord.E004" in _deploy_check(tmp_path, ACCORD_AUDIT_KEY="short").stderr
    result = _deploy_check(tmp_path, ACCORD_AUDIT_KEYS=f"2026:{'k' * 40},2025:{'j' * 40}")
    assert result.returncode == 0, result.stdout + result.stderr
