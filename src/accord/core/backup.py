"""Backing up and restoring the whole database: SQLite's online backup, or pg_dump/pg_restore on PostgreSQL.

The PostgreSQL tools get the connection through PG* environment variables, so the password never
appears on a command line (where `ps` would show it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
# Tables a freshly migrated database already fills; rows anywhere else mean it holds someone's data.
BOOKKEEPING_APPS = frozenset({"contenttypes", "auth", "sessions", "admin"})


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def vendor() -> str:
    return connection.vendor


def sqlite_path() -> Path:
    if connection.is_in_memory_db():
        raise BackupError("The database is in memory; there is nothing on disk to back up or restore.")
    return Path(connection.settings_dict["NAME"])


def pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database (taken from DATABASE_URL by the settings)."""
    db = connection.settings_dict
    env = {**os.environ}
    for variable, value in [
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ]:
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    for option, variable in [
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
    ]:
        value = (db.get("OPTIONS") or {}).get(option)
        if value:
            env[variable] = str(value)
    return env


def _run_pg_tool(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} is not on PATH; install the PostgreSQL client tools of the server's version."
        )
    return subprocess.run(
        [executable, "--no-password", *args], env=pg_environment(), capture_output=True, text=True
    )


def back_up(target: Path) -> None:
    """Write a consistent copy of the live database to `target` (written aside, then moved into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if vendor() == "sqlite":
            source = sqlite3.connect(f"file:{sqlite_path()}?mode=ro", uri=True)
            try:
                copy = sqlite3.connect(partial)
                with copy:
                    source.backup(copy)
                copy.close()
            finally:
                source.close()
        elif vendor() == "postgresql":
            result = _run_pg_tool("pg_dump", "--format=custom", f"--file={partial}")
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise BackupError(f"Backups of {vendor()} databases are not supported.")
        check_backup(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def check_backup(path: Path) -> None:
    """Refuse a file that is not a complete Accord backup for this kind of database."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as handle:
        header = handle.read(16)
    if vendor() == "sqlite":
        if header != SQLITE_HEADER:
            raise BackupError(
                f"{path} is not a SQLite database (a PostgreSQL backup needs a PostgreSQL server)."
            )
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
                tables = {
                    name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} cannot be read as SQLite: {error}") from error
        if integrity != "ok":
            raise BackupError(f"{path} fails SQLite's integrity check: {integrity}")
        missing = {"django_migrations", "core_auditentry", "core_auditchainhead"} - tables
        if missing:
            raise BackupError(f"{path} is not an Accord database (no {', '.join(sorted(missing))}).")
    elif vendor() == "postgresql":
        if not header.startswith(PG_CUSTOM_HEADER):
            raise BackupError(f"{path} is not a pg_dump custom-format archive.")
        listing = _run_pg_tool("pg_restore", "--list", str(path))
        if listing.returncode != 0:
            raise BackupError(f"{path} cannot be read by pg_restore: {listing.stderr.strip()}")
        if "TABLE DATA public core_auditentry" not in listing.stdout:
            raise BackupError(f"{path} is not a backup of an Accord database (no audit trail in it).")


def populated_tables() -> list[str]:
    """Tables of the live database holding rows beyond what migrating an empty database writes."""
    existing = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models():
        table = model._meta.db_table
        if model._meta.app_label in BOOKKEEPING_APPS or not model._meta.managed or table not in existing:
            continue
        try:
            if model._base_manager.exists():
                found.append(table)
        except DatabaseError:
            continue
    return found


def restore(source: Path, *, force: bool) -> None:
    """Replace the live database's contents with a backup. The caller verifies the audit trail after."""
    check_backup(source)
    populated = populated_tables()
    if populated and not force:
        raise BackupError(
            f"The database is not empty ({len(populated)} tables hold rows, e.g. {', '.join(populated[:3])}); "
            "restoring would replace them. Use --force to do so."
        )
    if vendor() == "sqlite":
        target = sqlite_path()
        connections.close_all()
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            live = sqlite3.connect(target, timeout=20)
            with live:
                backup_db.backup(live)
            live.close()
        finally:
            backup_db.close()
    else:
        connections.close_all()
        # --clean drops each object before recreating it; the data is loaded before the append-only
        # trigger is recreated, so the trigger never sees the restore. One transaction: all or nothing.
        result = _run_pg_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed; the database was left as it was: {result.stderr.strip()}")


def default_backup_name(now: Any) -> str:
    suffix = "sqlite3" if vendor() == "sqlite" else "dump"
    return f"accord-{now:%Y%m%d-%H%M%S}.{suffix}"
