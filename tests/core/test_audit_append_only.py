"""On PostgreSQL the database itself refuses to change or delete audit entries; on SQLite the migration adds nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accord.core import services
from accord.core.audit import lifting_append_only, verify_chain
from accord.core.models import AuditChainHead, AuditEntry
from tests.personas import World

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
TABLE = AuditEntry._meta.db_table


def _raw(sql: str, params: list[object]) -> None:
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # a savepoint, so the test goes on after a refusal
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET object_repr = 'nothing to see' WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
    ids=["update", "delete"],
)
@pytest.mark.postgres_only
@requires_postgres
def test_raw_sql_cannot_update_or_delete_an_audit_entry_on_postgresql(world: World, sql: str) -> None:
    entry = AuditEntry.objects.order_by("sequence").first()
    with pytest.raises(DatabaseError, match="Cannot update or delete rows from core_auditentry"):
        _raw(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr
    assert verify_chain() == (AuditEntry.objects.count(), None)


@pytest.mark.postgres_only
@requires_postgres
def test_the_chain_head_stays_updatable_and_appending_still_works_on_postgresql(world: World) -> None:
    _raw(f"UPDATE {AuditChainHead._meta.db_table} SET sequence = sequence WHERE id = 1", [])
    before = AuditEntry.objects.count()
    services.update_record(instance=world.program, actor=world.program_manager, data={"phase": "go_live"})
    assert AuditEntry.objects.count() == before + 1


@pytest.mark.postgres_only
@requires_postgres
def test_only_an_explicit_lift_lets_this_connection_change_a_row_on_postgresql(world: World) -> None:
    entry = AuditEntry.objects.order_by("sequence").first()
    with lifting_append_only():
        _raw(f"UPDATE {TABLE} SET object_repr = 'nothing to see' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError):
        _raw(f"UPDATE {TABLE} SET object_repr = 'again' WHERE id = %s", [entry.pk])


def test_the_trigger_migration_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ACCORD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "sqlmigrate", "core", "0003"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Create trigger audit_append_only" in result.stdout
    assert "-- (no-op)" in result.stdout and "CREATE TRIGGER" not in result.stdout


@pytest.mark.django_db
@pytest.mark.postgres_only
@requires_postgres
def test_the_trigger_migration_creates_the_trigger_on_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("sqlmigrate", "core", "0003")
    sql = capsys.readouterr().out
    assert re.search(r"CREATE\s+TRIGGER pgtrigger_audit_append_only_\w+\s+BEFORE UPDATE OR DELETE ON", sql), (
        sql
    )
