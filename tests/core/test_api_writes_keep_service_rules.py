"""A field a service sets under its rules (a state, a date it records, an owner it checks) is not written by
the API's generic create or update, which would skip those rules.

Every service module is read for the fields it assigns on a record of a known model (`flag.state = …`,
where `flag: RedFlag` or `flag = RedFlag.objects…`, and `update_record(instance=flag, data={"state": …})`).
Every API route that writes through the generic audited create or update (`ValidatedModelSerializer`'s or
DRF's own `create`/`update`) must then have those fields read-only: they change through the action that
applies the rule (`…/transition/`, `…/attest/`), or the serializer writes through the service itself.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rest_framework import mixins, serializers

import accord
from accord.core.api import ValidatedModelSerializer
from accord.core.registry import accord_apps, optional_module

SOURCE = Path(accord.__file__).parent
GENERIC_WRITES = {
    ValidatedModelSerializer.create,
    ValidatedModelSerializer.update,
    serializers.ModelSerializer.create,
    serializers.ModelSerializer.update,
}
# Service-set fields a generic route may still write, each with the reason it is safe. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {}


def _service_modules() -> Iterator[Path]:
    yield from sorted(SOURCE.glob("*/services.py"))
    yield from sorted(SOURCE.glob("*/services/*.py"))


def _model_name(node: ast.expr | None) -> str | None:
    """`RedFlag` from an annotation `RedFlag`, `"RedFlag"` or `RedFlag | None`."""
    if isinstance(node, ast.Name) and node.id[:1].isupper():
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value[:1].isupper():
        return node.value.split(" ")[0]
    if isinstance(node, ast.BinOp):
        return _model_name(node.left) or _model_name(node.right)
    return None


def _built_from(value: ast.expr) -> str | None:
    """`RedFlag` from `RedFlag(...)` or `RedFlag.objects.select_for_update().get(...)`."""
    node: ast.expr = value
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) and node.id[:1].isupper() else None


def _typed_names(function: ast.FunctionDef) -> dict[str, str]:
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    names = {a.arg: m for a in arguments if (m := _model_name(a.annotation))}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            model = _built_from(node.value)
            if model:
                names.setdefault(node.targets[0].id, model)
    return names


def _assigned_fields(function: ast.FunctionDef, names: dict[str, str]) -> Iterator[tuple[str, str]]:
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            targets = [
                t
                for target in node.targets
                for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            ]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in names
                ):
                    yield names[target.value.id], target.attr
        elif isinstance(node, ast.Call):
            keywords = {k.arg: k.value for k in node.keywords}
            instance, data = keywords.get("instance"), keywords.get("data")
            if isinstance(instance, ast.Name) and instance.id in names and isinstance(data, ast.Dict):
                for key in data.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        yield names[instance.id], key.value


def service_set_fields() -> dict[tuple[str, str], set[str]]:
    """(model name, field) -> the service functions that set it."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in _service_modules():
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, ast.FunctionDef):
                for pair in _assigned_fields(function, _typed_names(function)):
                    found.setdefault(pair, set()).add(f"{path.relative_to(SOURCE)}:{function.name}")
    return found


def _generic_routes() -> Iterator[tuple[str, str, type[serializers.ModelSerializer]]]:
    """(route, method, serializer) for every API write that goes through a generic create or update."""
    for config in accord_apps():
        module = optional_module(config, "api")
        for prefix, viewset, _ in getattr(module, "ROUTES", ()):
            serializer = viewset.serializer_class
            if not (inspect.isclass(serializer) and issubclass(serializer, serializers.ModelSerializer)):
                continue
            methods = set(viewset.http_method_names)
            own_create = {"create", "perform_create"} & set(vars(viewset))
            creates = issubclass(viewset, mixins.CreateModelMixin) and "post" in methods and not own_create
            if creates and serializer.create in GENERIC_WRITES:
                yield f"/api/{prefix}/", "POST", serializer
            updates = issubclass(viewset, mixins.UpdateModelMixin) and {"put", "patch"} & methods
            if updates and "perform_update" not in vars(viewset) and serializer.update in GENERIC_WRITES:
                yield f"/api/{prefix}/{{id}}/", "PUT/PATCH", serializer


def _writable(serializer: type[serializers.ModelSerializer]) -> Iterator[str]:
    for name, field in serializer(context={}).fields.items():
        if not field.read_only:
            yield field.source or name


def test_the_service_reader_finds_fields_services_set_under_rules() -> None:
    found = service_set_fields()
    # A state moved by a transition, an owner named at triage, an attestation and a status rule.
    assert {("RedFlag", "state"), ("RedFlag", "owner"), ("TrainingRecord", "attested")} <= set(found)
    assert {("Commitment", "status"), ("Commitment", "done_on"), ("Commitment", "dropped_reason")} <= set(
        found
    )
    assert any(pair[0] == "MeetingAction" and pair[1] == "done_on" for pair in found)


def test_no_generic_api_write_takes_a_field_a_service_sets_under_its_rules() -> None:
    found = service_set_fields()
    routes = list(_generic_routes())
    assert routes, "no generic API writes found: the route reader is broken"
    offending = sorted(
        f"{method} {route} {serializer.Meta.model.__name__}.{field} (set by {', '.join(sorted(found[key]))})"
        for route, method, serializer in routes
        for field in _writable(serializer)
        if (key := (serializer.Meta.model.__name__, field)) in found and key not in ALLOWED
    )
    assert not offending, (
        "Make these read-only (changed through an action that applies the rule) or write through the "
        "service:\n" + "\n".join(offending)
    )


def test_the_check_would_catch_a_generic_commitment_create(monkeypatch: Any) -> None:
    """The rule's own reproduction: a commitment serializer that creates through the generic path."""
    from accord.alignment.api import CommitmentSerializer

    monkeypatch.delattr(CommitmentSerializer, "create")
    found = service_set_fields()
    generic = [
        s for route, method, s in _generic_routes() if route == "/api/commitments/" and method == "POST"
    ]
    assert generic == [CommitmentSerializer]
    assert ("Commitment", "status") in found and "status" in set(_writable(CommitmentSerializer))
