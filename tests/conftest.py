"""Fixtures shared by the whole suite: fast hashing, a clean cache, personas, API clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests import template_database
from tests.personas import World, build_world


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
