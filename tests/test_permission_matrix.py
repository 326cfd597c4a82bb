"""Every persona against every endpoint; a URL, or a method a URL accepts, without a matrix row fails the suite."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import models, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.views.generic import RedirectView
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

import tests
from accord.core.permissions import forget_roles
from tests.matrix import Endpoint
from tests.personas import PERSONAS, World, build_world

# URL names that belong to third-party packages, tested by their authors, or that are not pages.
THIRD_PARTY_PREFIXES = ("admin:", "account_", "mfa_", "socialaccount", "api-root", "usersessions")


def matrix_modules() -> list[Any]:
    modules = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            modules.append(importlib.import_module(f"tests.{module_info.name}.matrix"))
        except ModuleNotFoundError as error:
            if error.name == f"tests.{module_info.name}.matrix":
                continue
            raise
    return modules


ENDPOINTS = [endpoint for module in matrix_modules() for endpoint in module.ENDPOINTS]
# Builders of records many rows share (a CAB with changes and a plan in effect, a contract with a computed
# ticket): each app's matrix may name them in SHARED; they run once in the module's world, not once a case.
SHARED = [build for module in matrix_modules() for build in getattr(module, "SHARED", [])]


# Methods that never change anything and need no row of their own: HEAD answers as GET does, OPTIONS
# describes the endpoint.
UNCHECKED_METHODS = {"head", "options", "trace"}


def url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Callable]]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}{pattern.name}"
            if not name.startswith(THIRD_PARTY_PREFIXES):
                yield name, pattern.callback


def url_names() -> set[str]:
    return {name for name, _ in url_patterns()}


def reads_a_form(function: Callable, depth: int = 2) -> bool:
    """Whether a function, or a function of its own module it calls, handles POST data."""
    source = inspect.getsource(function)
    if 'request.method == "POST"' in source or "request.POST" in source or "request.FILES" in source:
        return True
    helpers = [function.__globals__.get(name) for name in function.__code__.co_names]
    return depth > 0 and any(
        inspect.isfunction(helper)
        and helper.__module__ == function.__module__
        and reads_a_form(helper, depth - 1)
        for helper in helpers
    )


def function_view_methods(view: Callable) -> set[str]:
    """A function view's methods: those of its `require_http_methods` decorator; else GET, and POST when it
    handles a form (an undecorated view answers every method, so one that writes on POST needs a POST row)."""
    layer: Callable | None = view
    innermost = view
    while layer is not None:
        if layer.__closure__:
            nonlocals = inspect.getclosurevars(layer).nonlocals
            allowed = nonlocals.get("request_method_list")
            if allowed is not None:
                return {method.lower() for method in allowed}
            wrapped_class = nonlocals.get("cls")
            if inspect.isclass(wrapped_class) and hasattr(wrapped_class, "dispatch"):
                # A class view behind a function (allauth's provider views): its handlers, or, when it
                # only defines dispatch, every method, so GET and POST.
                handlers = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(wrapped_class, m)}
                return handlers or {"get", "post"}
        innermost, layer = layer, getattr(layer, "__wrapped__", None)
    return {"get", "post"} if reads_a_form(innermost) else {"get"}


def accepted_methods(view: Callable) -> set[str]:
    """The HTTP methods a URL's view answers with something other than 405."""
    if hasattr(
        view, "actions"
    ):  # a DRF viewset route: the actions the router mapped, if the viewset allows them
        methods = {method for method in view.actions if method in view.cls.http_method_names}
    elif hasattr(view, "view_class"):  # a Django or DRF class-based view: the handlers it defines
        view_class = view.view_class
        if issubclass(view_class, RedirectView):
            return {"get"}  # redirects whatever the method; it reads and writes nothing
        methods = {method for method in view_class.http_method_names if hasattr(view_class, method)}
    else:
        methods = function_view_methods(view)
    return methods - UNCHECKED_METHODS


def test_every_method_of_every_endpoint_has_a_row_in_the_permission_matrix() -> None:
    covered = {(endpoint.name, endpoint.method) for endpoint in ENDPOINTS}
    missing = sorted(
        {
            f"{method.upper()} {name}"
            for name, view in url_patterns()
            for method in accepted_methods(view)
            if (name, method) not in covered
        }
    )
    assert not missing, f"Methods without a permission-matrix row: {missing}"


def derivable(view: Callable) -> bool:
    """Whether `accepted_methods` can read the view: any class-based view, and Accord's function views (a
    third-party function view may build and call a class view inside, which no closure shows)."""
    return hasattr(view, "cls") or hasattr(view, "view_class") or view.__module__.startswith("accord.")


def test_matrix_rows_name_methods_their_endpoints_accept() -> None:
    views = dict(url_patterns())
    accepted = {(name, method) for name, view in url_patterns() for method in accepted_methods(view)}
    accepted |= {
        (name, endpoint.method)
        for endpoint in ENDPOINTS
        for name in [endpoint.name]
        if name in views and not derivable(views[name])
    }
    # A row expecting 405 asserts that a method is refused; that is a row for a method not accepted, on purpose.
    unknown = sorted(
        {
            f"{e.method.upper()} {e.name}"
            for e in ENDPOINTS
            if (e.name, e.method) not in accepted and 405 not in e.expect.values()
        }
    )
    assert not unknown, f"Matrix rows for methods their endpoints do not accept: {unknown}"


def test_every_endpoint_has_a_row_in_the_permission_matrix() -> None:
    covered = {endpoint.name for endpoint in ENDPOINTS}
    missing = url_names() - covered
    assert not missing, f"Endpoints without a permission-matrix row: {sorted(missing)}"


def test_matrix_rows_name_real_endpoints() -> None:
    unknown = {endpoint.name for endpoint in ENDPOINTS} - url_names()
    assert not unknown, f"Matrix rows for endpoints that do not exist: {sorted(unknown)}"


def current_representation(url: str, reader: Any) -> dict[str, Any]:
    """The record behind an API detail URL as its serializer writes it (read by `reader`): a PUT body that
    changes nothing."""
    match = resolve(url.split("?")[0])
    if not hasattr(match.func, "actions"):
        # A record at a fixed address rather than a viewset's detail (a program's singleton at
        # `?program=<id>`): what its GET answers the reader is its whole representation.
        client = APIClient()
        client.force_authenticate(reader)
        return dict(client.get(url).json())
    request = Request(APIRequestFactory().get(url))
    request.user = reader
    view = match.func.cls(action="update", kwargs=match.kwargs, request=request, format_kwarg=None)
    lookup = view.lookup_url_kwarg or view.lookup_field
    instance = view.queryset.model._default_manager.get(**{view.lookup_field: match.kwargs[lookup]})
    return dict(view.get_serializer_class()(instance, context=view.get_serializer_context()).data)


CASES = [(endpoint, persona) for endpoint in ENDPOINTS for persona in PERSONAS]


@pytest.fixture(scope="module")
def matrix_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The personas' world, built once per module (per xdist worker) inside a transaction rolled back at the
    end; each case then runs in its own savepoint (the `db` fixture), so what a case writes is undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        for build in SHARED:
            build(world)
        world.shared = dict(world.extra)
        yield world
        transaction.set_rollback(True)


def shared_records(value: Any) -> Iterator[models.Model]:
    if isinstance(value, models.Model):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from shared_records(item)


@pytest.fixture
def world(matrix_world: World, db: Any) -> World:
    # Records a case made (cached in `extra`) and roles cached on the people died with its savepoint. The
    # shared records outlive it, read again so that no case sees what an earlier one did to them in memory.
    matrix_world.extra.clear()
    matrix_world.extra.update(matrix_world.shared)
    for record in shared_records(matrix_world.shared):
        record.refresh_from_db()
    for person in matrix_world.people.values():
        if person is not None:
            forget_roles(person)
    return matrix_world


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
    if endpoint.api and endpoint.method == "put":
        data = {**current_representation(url, world.program_manager), **(data or {})}
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
