"""Fixtures shared by the whole suite: fast hashing, a clean cache, personas, API clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.personas import World, build_world


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any) -> None:
    # Argon2 is the production hasher; tests create hundreds of people and need no brute-force resistance.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
