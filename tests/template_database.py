"""Each test database is a copy of one database the migrations built, instead of a replay per xdist worker.

Replaying the migrations costs about 20 s of CPU (Django re-renders the model states after nearly every
operation), and every worker paid it for its own database, on SQLite and again on PostgreSQL. Now the
migrations run once, in a process of their own, into a template keyed by the content of every migration
and of the lockfiles (third-party apps migrate too); each worker copies it (SQLite's backup API, or
PostgreSQL's CREATE DATABASE … TEMPLATE). The tests still run on the schema and data the migrations make,
data migrations included; `makemigrations --check` (make check-migrations) still compares them with the
models. On SQLite the template outlives the run in the temporary directory, so a second run with the same
migrations starts at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.gettempdir()) / "accord-test-databases"


def migrations_digest() -> str:
    digest = hashlib.sha256()
    sources = sorted((REPO / "src" / "accord").glob("*/migrations/*.py"))
    sources += [REPO / "requirements.lock", REPO / "pyproject.toml"]
    for path in sources:
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def locked(name: str) -> Iterator[None]:
    """One worker builds a template while the others wait for it."""
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def migrate_into(database_url: str, *, served: bool = False) -> None:
    """Migrate with the settings the tests run with (e.g. no database cache table), or, `served`, with those
    of a server (the tests that drive the real commands in subprocesses)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "accord.settings"}
    env.pop("ACCORD_TESTING", None)
    if not served:
        env["ACCORD_TESTING"] = "1"
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "--verbosity", "0"], env=env, check=True
    )


def forget_old_files() -> None:
    """Templates of older migrations and copies left by killed runs, once they are a day old."""
    import time

    for path in [*WORK.glob("*.sqlite3*"), *WORK.glob("*.lock")]:
        if time.time() - path.stat().st_mtime > 24 * 3600:
            path.unlink(missing_ok=True)


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def sqlite_template(*, served: bool = False) -> Path:
    """The SQLite database the migrations built (once per content of the migrations)."""
    digest = migrations_digest()
    template = WORK / f"sqlite{'-served' if served else ''}-{digest}.sqlite3"
    with locked(template.stem):
        if not template.exists():
            forget_old_files()
            building = template.with_suffix(f".{os.getpid()}.building")
            building.unlink(missing_ok=True)
            migrate_into(f"sqlite:///{building}", served=served)
            building.rename(template)
    return template


def copy_sqlite(template: Path, copy: Path) -> None:
    for stale in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(template) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()


def prepare_sqlite(settings_dict: dict[str, Any]) -> Callable[[], None]:
    copy = WORK / f"run-{os.getppid()}-{worker_name()}.sqlite3"
    copy_sqlite(sqlite_template(), copy)
    settings_dict.setdefault("TEST", {})["NAME"] = str(copy)

    def remove() -> None:
        for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            path.unlink(missing_ok=True)

    return remove


def postgres_url(settings_dict: dict[str, Any], name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{name}"


def run_on_server(settings_dict: dict[str, Any], *statements: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(postgres_url(settings_dict, "postgres"), autocommit=True) as connection:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            cursor = connection.execute(statement)
            if cursor.description:
                rows += cursor.fetchall()
        return rows


def copy_postgres(settings_dict: dict[str, Any], template: str, copy: str, *, served: bool = False) -> None:
    """Create database `copy` from `template`, which the migrations build first if it does not exist yet."""

    def run(*statements: str) -> list[tuple[Any, ...]]:
        return run_on_server(settings_dict, *statements)

    with locked(f"postgres-{settings_dict.get('HOST')}-{settings_dict.get('PORT')}-{template}"):
        if not run(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
            run(f'CREATE DATABASE "{template}"')
            try:
                migrate_into(postgres_url(settings_dict, template), served=served)
            except BaseException:
                run(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                raise
        # Inside the lock: CREATE DATABASE refuses a template another session is copying.
        run(
            f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
            f'CREATE DATABASE "{copy}" TEMPLATE "{template}"',
        )


def prepare_postgres(settings_dict: dict[str, Any]) -> Callable[[], None]:
    template = f"test_{settings_dict['NAME']}_template_{migrations_digest()}"
    # pytest-django has already given each worker its own test database name (…_gw0, …_gw1).
    copy = settings_dict.get("TEST", {}).get("NAME") or f"test_{settings_dict['NAME']}"

    def run(*statements: str) -> list[tuple[Any, ...]]:
        return run_on_server(settings_dict, *statements)

    copy_postgres(settings_dict, template, copy)
    settings_dict.setdefault("TEST", {})["NAME"] = copy

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        run(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')

    return remove


def served_postgres_template() -> str:
    # One for the server, whichever worker asks first (a worker's own database name would make one each).
    return f"accord_served_template_{migrations_digest()}"


def prepare(settings_dict: dict[str, Any]) -> Callable[[], None] | None:
    """Make this worker's test database a copy of the template; the returned function removes it."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return prepare_sqlite(settings_dict)
    if engine == "django.db.backends.postgresql":
        return prepare_postgres(settings_dict)
    return None
