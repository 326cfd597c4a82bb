"""Health check, security headers and the production deploy check."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_200_after_a_database_round_trip() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    from accord.core import views

    class DeadCursor:
        def __enter__(self) -> DeadCursor:
            raise OperationalError("could not connect to server")

        def __exit__(self, *args: object) -> None:
            return None

    monkeypatch.setattr(views.connection, "cursor", lambda: DeadCursor())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_unsafe_inline() -> None:
    response = Client().get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_deploy_check_reports_nothing_in_production(tmp_path: object) -> None:
    env = {
        **os.environ,
        "ACCORD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "accord.example.org",
        "ACCORD_VAR_DIR": str(tmp_path),
        "ACCORD_AUDIT_KEY": secrets.token_hex(32),
    }
    env.pop("DEBUG", None)
    env.pop("ACCORD_AUDIT_KEYS", None)
    env.pop(
        "DJANGO_ALLOW_ASYNC_UNSAFE", None
    )  # set by the browser tests in this process, never in production
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: object) -> None:
    env = {**os.environ, "ACCORD_ENV": "production", "ACCORD_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


HEALTH_PROBE = """
import sys
from pathlib import Path

import django

django.setup()
from django.test import Client

database = Path(sys.argv[1])
client = Client()
first = client.get("/healthz")
for suffix in ("", "-wal", "-shm"):
    Path(f"{database}{suffix}").unlink(missing_ok=True)
second = client.get("/healthz")
print(first.status_code, second.status_code, second.json()["database"], database.exists())
"""


def _probe_health(tmp_path: Path, prepare: str) -> list[str]:
    """Asks /healthz of a file-based SQLite database in a fresh process, deletes the file, asks again."""
    import sqlite3

    database = tmp_path / "accord.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(prepare)
    env = {
        **os.environ,
        "ACCORD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
    }
    env.pop("ALLOWED_HOSTS", None)
    result = subprocess.run(
        [sys.executable, "-c", HEALTH_PROBE, str(database)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_healthz_answers_503_once_the_sqlite_file_is_deleted_and_does_not_recreate_it(tmp_path: Path) -> None:
    prepare = (
        "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT);"
        "INSERT INTO django_migrations (app, name, applied) VALUES ('core', '0001_initial', '2026-01-01');"
    )
    assert _probe_health(tmp_path, prepare) == ["200", "503", "missing", "False"]


def test_healthz_answers_503_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    """An empty file (say, one an older Accord recreated) has no tables: not healthy."""
    import sqlite3

    database = tmp_path / "accord.sqlite3"
    sqlite3.connect(database).close()
    env = {
        **os.environ,
        "ACCORD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
    }
    env.pop("ALLOWED_HOSTS", None)
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.json()['database'])"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["503", "OperationalError"], result.stderr
