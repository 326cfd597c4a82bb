"""`accord backup` and `accord restore` bring back every row of every table, and the audit trail verifies.

Each test drives the real commands in subprocesses against its own database: a SQLite file always, and a
fresh PostgreSQL database when the suite runs on PostgreSQL (`python -m tests.postgres_cluster pytest …`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import template_database

SNAPSHOT = """
import json
from django.db import connection
snapshot = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        snapshot[table] = sorted(json.dumps(row, default=str) for row in cursor.fetchall())
print(json.dumps(snapshot))
"""

# What happens between the backup and the restore: records changed and deleted, the trail grows.
CHANGE = """
from accord.core.audit import record
from accord.programs.models import Membership, Program
Program.objects.update(description="Changed after the backup")
Membership.objects.filter(pk__in=list(Membership.objects.values_list("pk", flat=True)[:5])).delete()
record(actor="test", action="event", object_repr="written after the backup")
"""

on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class Accord:
    """The `accord` command against one database."""

    def __init__(self, database_url: str, var_dir: Path) -> None:
        self.database_url = database_url
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ACCORD_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "accord.settings",
        }
        for name in ("ACCORD_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "ACCORD_AUDIT_KEY", "ACCORD_AUDIT_KEYS"):
            self.env.pop(name, None)

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "accord.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check:
            assert result.returncode == 0, f"accord {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def migrate(self) -> None:
        """The database as `accord migrate` leaves it: a copy of one the real command built once for the run
        (replaying the migrations costs about 20 s of CPU per test)."""
        if self.database_url.startswith("sqlite:///"):
            template = template_database.sqlite_template(served=True)
            template_database.copy_sqlite(template, Path(self.database_url.removeprefix("sqlite:///")))
        else:
            from django.conf import settings

            server = settings.DATABASES["default"]
            template = template_database.served_postgres_template()
            name = self.database_url.rsplit("/", 1)[1]
            template_database.copy_postgres(server, template, name, served=True)

    def snapshot(self) -> dict[str, list[str]]:
        return json.loads(self("shell", "-c", SNAPSHOT).stdout.strip().splitlines()[-1])


@pytest.fixture
def sqlite_accord(tmp_path: Path) -> Accord:
    return Accord(f"sqlite:///{tmp_path / 'accord.sqlite3'}", tmp_path)


@pytest.fixture
def postgres_accord(tmp_path: Path) -> Iterator[Accord]:
    """A database of its own on the suite's PostgreSQL server (never the test database)."""
    import psycopg

    if not on_postgres:
        pytest.skip("needs PostgreSQL: run under python -m tests.postgres_cluster")
    server_url = os.environ["DATABASE_URL"]
    name = f"accord_backup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Accord(server_url.rsplit("/", 1)[0] + f"/{name}", tmp_path)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _round_trip(accord: Accord, backup: Path) -> None:
    accord.migrate()
    accord("demo")
    before = accord.snapshot()
    assert len(before["core_auditentry"]) > 100 and before["programs_program"]

    assert "Backed up to" in accord("backup", str(backup)).stdout
    accord("shell", "-c", CHANGE)
    changed = accord.snapshot()
    assert changed != before and len(changed["core_auditentry"]) == len(before["core_auditentry"]) + 1

    refused = accord("restore", str(backup), check=False)
    assert refused.returncode != 0 and "The database is not empty" in refused.stderr
    assert accord.snapshot() == changed

    restored = accord("restore", str(backup), "--force")
    assert f"Audit trail intact: {len(before['core_auditentry'])} entries verified." in restored.stdout
    after = accord.snapshot()
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    assert after == before


def test_a_sqlite_backup_restores_every_row_and_the_trail_verifies(
    sqlite_accord: Accord, tmp_path: Path
) -> None:
    _round_trip(sqlite_accord, tmp_path / "backup.sqlite3")


@pytest.mark.postgres_only
def test_a_postgresql_backup_restores_every_row_and_the_trail_verifies(
    postgres_accord: Accord, tmp_path: Path
) -> None:
    """pg_restore --clean recreates the append-only audit table and its trigger; the trigger stays in force."""
    _round_trip(postgres_accord, tmp_path / "backup.dump")
    blocked = postgres_accord("dbshell", "--", "-c", "DELETE FROM core_auditentry", check=False)
    assert "Cannot update or delete rows from core_auditentry" in blocked.stderr


@pytest.mark.postgres_only
def test_demo_reset_empties_the_append_only_audit_table_on_postgresql(postgres_accord: Accord) -> None:
    postgres_accord.migrate()
    postgres_accord("demo")
    postgres_accord("shell", "-c", CHANGE)
    postgres_accord("demo", "--reset")
    assert "Audit trail intact" in postgres_accord("audit", "verify").stdout
    assert "written after the backup" not in json.dumps(postgres_accord.snapshot()["core_auditentry"])


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    sqlite_accord: Accord, tmp_path: Path
) -> None:
    sqlite_accord.migrate()
    not_a_backup = tmp_path / "notes.sqlite3"
    not_a_backup.write_text("meeting notes")
    result = sqlite_accord("restore", str(not_a_backup), "--force", check=False)
    assert result.returncode != 0 and "is not a SQLite database" in result.stderr
    missing = sqlite_accord("restore", str(tmp_path / "nowhere.sqlite3"), check=False)
    assert "No backup file at" in missing.stderr
    assert sqlite_accord("audit", "verify").returncode == 0


def test_a_backup_restores_into_an_empty_database_without_force(
    sqlite_accord: Accord, tmp_path: Path
) -> None:
    sqlite_accord.migrate()
    sqlite_accord("shell", "-c", CHANGE.replace("Membership.objects", "Membership.objects.none()"))
    backup = tmp_path / "backup.sqlite3"
    sqlite_accord("backup", str(backup))
    fresh = Accord(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path)
    assert "Audit trail intact: 1 entries verified." in fresh("restore", str(backup)).stdout
