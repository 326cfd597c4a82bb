"""Fixtures shared by the whole suite: fast hashing, a clean cache, personas, API clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests import template_database
from tests.personas import World, build_world

# Fixtures through which a test reaches the database (pytest-django's, and the live server on top of them).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run the tests that reach the database; the others already ran on SQLite.

    `make test` runs the whole suite on SQLite, then again on PostgreSQL to catch what differs between the two:
    SQL, constraints, locking, triggers, types. A test that never opens a connection (the SLA engine's
    arithmetic, parsers, settings checks) gives the same answer on both, so the second run leaves it out.
    """
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    reaching, elsewhere = [], []
    for item in items:
        reaches = (
            item.get_closest_marker("django_db")
            or item.get_closest_marker("postgres_only")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (reaching if reaches else elsewhere).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = reaching


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, request: Any) -> None:
    """This worker's test database is a copy of one the migrations built once (tests/template_database.py)."""
    from django.conf import settings

    if request.config.getvalue("nomigrations"):
        return
    remove = template_database.prepare(settings.DATABASES["default"])
    if remove is not None:
        request.addfinalizer(remove)


@pytest.fixture(scope="session")
def django_db_keepdb() -> bool:
    # The copy is the test database: Django takes it as it is (its migrate finds nothing left to apply)
    # instead of dropping and rebuilding it; the copy is removed when the session ends.
    return True


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Argon2 is the production hasher; tests create hundreds of people and need no brute-force resistance.
    # For the whole session, so that module-wide worlds (the demo seeds 45 people) hash fast too.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once() -> Iterator[None]:
    # Django's test client builds the middleware chain afresh for every client, and WhiteNoise's constructor
    # lists and stats every static file the finders know (swagger-ui, chart.js, htmx: about 80 ms). A server
    # builds it once per process, so the suite does too: the first listing is kept, keyed by what it read.
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    list_files = WhiteNoiseMiddleware.add_files_from_finders
    listed: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (self.static_prefix, repr(settings.STATICFILES_DIRS), tuple(settings.STATICFILES_FINDERS))
        if key not in listed:
            before = dict(self.files)
            list_files(self)
            listed[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders  # type: ignore[method-assign]
    try:
        yield
    finally:
        WhiteNoiseMiddleware.add_files_from_finders = list_files  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated() -> None:
    cache.clear()


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo as `accord demo` seeds it (its output is the value), built once for the module inside a
    transaction rolled back at the module's end; each test runs in a savepoint within it."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World) -> Any:
    """A logged-in browser client for a persona (None for anonymous)."""

    def make(persona: str) -> Client:
        client = Client()
        person = world.people.get(persona)
        if person is not None:
            client.force_login(person)
        return client

    return make


@pytest.fixture
def api_for(world: World) -> Any:
    def make(persona: str) -> APIClient:
        client = APIClient()
        person = world.people.get(persona)
        if person is not None:
            client.force_authenticate(person)
        return client

    return make
