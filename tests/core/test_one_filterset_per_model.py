"""Each model has one FilterSet, declared in its app's `filters.py`, used by the API and the pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accord.core.filters import AccordFilterSet, ProgramFilterSet
from accord.core.registry import accord_apps, optional_module
from accord.governance.models import RedFlag
from tests.governance.factories import raise_flag

# Resources of their own over a model another FilterSet already lists: survey results are aggregates
# (bucketed answers), filtered by what shapes the aggregate, not a second way to list surveys.
AGGREGATE_RESOURCES = {"SurveyResultsFilterSet"}


def _viewsets() -> list[tuple[str, Any]]:
    found = []
    for config in accord_apps():
        module = optional_module(config, "api")
        for _prefix, viewset, _basename in getattr(module, "ROUTES", ()):
            found.append((config.label, viewset))
    return found


def test_every_api_list_filters_with_its_apps_declared_filterset() -> None:
    offenders = []
    for app, viewset in _viewsets():
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None or filterset is ProgramFilterSet:
            continue  # only ?program=, declared once in core
        if not issubclass(filterset, AccordFilterSet) or filterset.__module__ != f"accord.{app}.filters":
            offenders.append(f"{viewset.__name__}: {filterset.__module__}.{filterset.__name__}")
    assert offenders == []


def test_one_filterset_per_model() -> None:
    by_model: dict[Any, set[Any]] = {}
    for _app, viewset in _viewsets():
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None or filterset is ProgramFilterSet:
            continue
        if filterset.__name__ in AGGREGATE_RESOURCES:
            continue
        by_model.setdefault(filterset._meta.model, set()).add(filterset)
    assert {m.__name__: len(f) for m, f in by_model.items() if len(f) > 1} == {}


def test_the_red_flag_page_and_api_select_the_same_flags(world: Any, client_for: Any, api_for: Any) -> None:
    raise_flag(world, title="Orders lost", severity="critical")
    raise_flag(world, title="Printer jam", severity="low")
    closed = raise_flag(world, title="Old outage", severity="critical")
    RedFlag.objects.filter(pk=closed.pk).update(state="closed")
    query = "state=open&severity=critical"
    api = api_for("program_manager").get(f"/api/red-flags/?program={world.program.pk}&{query}")
    assert [row["title"] for row in api.json()["results"]] == ["Orders lost"]
    url = reverse("governance:red_flag_list", kwargs={"program_id": world.program.pk})
    page = client_for("program_manager").get(f"{url}?{query}").content.decode()
    assert "Orders lost" in page and "Printer jam" not in page and "Old outage" not in page


def test_whose_flags_means_the_same_on_the_page_and_in_the_api(
    world: Any, client_for: Any, api_for: Any
) -> None:
    raise_flag(world, by="vendor", title="Interface queue stuck")
    raise_flag(world, by="member", title="Ward printers offline")
    api = api_for("vendor").get(f"/api/red-flags/?program={world.program.pk}&mine=raised")
    assert [row["title"] for row in api.json()["results"]] == ["Interface queue stuck"]
    url = reverse("governance:red_flag_list", kwargs={"program_id": world.program.pk})
    page = client_for("vendor").get(f"{url}?mine=raised").content.decode()
    assert "Interface queue stuck" in page and "Ward printers offline" not in page
