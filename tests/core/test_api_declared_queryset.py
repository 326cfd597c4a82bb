"""A viewset's declared queryset is where its list starts: visibility narrows it, never replaces it."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIRequestFactory, force_authenticate

from accord.core.permissions import Visibility
from accord.governance.api import RedFlagViewSet
from accord.governance.models import RedFlag
from tests.governance.factories import raise_flag


class CriticalFlagViewSet(RedFlagViewSet):
    queryset = RedFlag.objects.filter(severity="critical").order_by("title")


def _listed(user: Any) -> list[str]:
    request = APIRequestFactory().get("/api/critical-flags/")
    force_authenticate(request, user=user)
    response = CriticalFlagViewSet.as_view({"get": "list"})(request)
    assert response.status_code == 200
    return [row["title"] for row in response.data["results"]]


def test_a_declared_filter_and_order_hold_and_visibility_narrows_them(world: Any) -> None:
    raise_flag(world, title="B: interface down", severity="critical")
    raise_flag(world, title="A: orders lost", severity="critical")
    raise_flag(world, title="C: internal outage", severity="critical", visibility=Visibility.INTERNAL)
    raise_flag(world, title="Slow printer", severity="low")
    assert _listed(world.program_manager) == ["A: orders lost", "B: interface down", "C: internal outage"]
    # The vendor sees the shared critical flags only: the declared filter and visibility together.
    assert _listed(world.vendor) == ["A: orders lost", "B: interface down"]
