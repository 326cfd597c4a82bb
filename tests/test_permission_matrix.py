"""Every persona against every endpoint; a URL without a matrix row fails the suite."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

import tests
from tests.matrix import Endpoint
from tests.personas import PERSONAS, World

# URL names that belong to third-party packages, tested by their authors, or that are not pages.
THIRD_PARTY_PREFIXES = ("admin:", "account_", "mfa_", "socialaccount", "api-root", "usersessions")


def collect_endpoints() -> list[Endpoint]:
    endpoints: list[Endpoint] = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.matrix")
        except ModuleNotFoundError as error:
            if error.name == f"tests.{module_info.name}.matrix":
                continue
            raise
        endpoints.extend(module.ENDPOINTS)
    return endpoints


ENDPOINTS = collect_endpoints()


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return {n for n in names if not n.startswith(THIRD_PARTY_PREFIXES)}


def test_every_endpoint_has_a_row_in_the_permission_matrix() -> None:
    covered = {endpoint.name for endpoint in ENDPOINTS}
    missing = url_names() - covered
    assert not missing, f"Endpoints without a permission-matrix row: {sorted(missing)}"


def test_matrix_rows_name_real_endpoints() -> None:
    unknown = {endpoint.name for endpoint in ENDPOINTS} - url_names()
    assert not unknown, f"Matrix rows for endpoints that do not exist: {sorted(unknown)}"


CASES = [(endpoint, persona) for endpoint in ENDPOINTS for persona in PERSONAS]


@pytest.mark.parametrize(("endpoint", "persona"), CASES, ids=[f"{e.id} as {p}" for e, p in CASES])
def test_permission_matrix(endpoint: Endpoint, persona: str, world: World) -> None:
    url = reverse(endpoint.name, kwargs=endpoint.kwargs(world)) + endpoint.query
    person = world.people.get(persona)
    client: Any = APIClient()
    if person is not None:
        if endpoint.api:
            client.force_authenticate(person)
        else:
            client.force_login(person)
    data = endpoint.data(world) if endpoint.data else None
    send = getattr(client, endpoint.method)
    if endpoint.api:
        response = send(url, data, format=endpoint.format) if data is not None else send(url)
    else:
        response = send(url, data, format="multipart") if data is not None else send(url)
    expected = endpoint.expect[persona]
    assert response.status_code == expected, (
        f"{endpoint.id} as {persona}: expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )
