"""The knowledge list and /api/knowledge-items/ filter through the same FilterSet: the same items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from accord.core.permissions import Visibility
from accord.transition import services
from accord.transition.models import KnowledgeItem
from tests.personas import World
from tests.transition.factories import KnowledgeItemFactory, KnowledgeTemplateFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world: World) -> dict[str, Any]:
    pacs = ServiceFactory(
        program=world.program, name="PACS", internal_owner=world.member, partner_owner=world.vendor
    )
    email = ServiceFactory(program=world.program, name="Email", internal_owner=world.member)
    runbook = KnowledgeTemplateFactory(program=world.program, name="Runbook")
    sop = KnowledgeTemplateFactory(program=world.program, name="SOP")
    KnowledgeItemFactory(service=pacs, template=runbook, title="PACS runbook", author=world.vendor)
    in_review = KnowledgeItemFactory(service=pacs, template=sop, title="PACS SOP", author=world.vendor)
    services.submit_for_review(item=in_review, actor=world.vendor)
    KnowledgeItemFactory(service=email, template=runbook, title="Email runbook")
    KnowledgeItemFactory(
        service=pacs, template=runbook, title="PACS vendor contacts", visibility=Visibility.INTERNAL
    )
    # Review dates are set on approval; put two in place directly, as the review cycle would have.
    KnowledgeItem.objects.filter(title="PACS runbook").update(review_due_on=dt.date(2026, 1, 15))
    KnowledgeItem.objects.filter(title="Email runbook").update(review_due_on=dt.date(2026, 6, 1))
    return {"pacs": pacs, "runbook": runbook}


def test_the_knowledge_list_and_the_api_select_the_same_items(
    items: dict[str, Any], world: World, client_for: Any, api_for: Any
) -> None:
    url = reverse("transition:knowledge_list", kwargs={"program_id": world.program.pk})
    cases = [
        ("program_manager", "", {"PACS runbook", "PACS SOP", "Email runbook", "PACS vendor contacts"}),
        ("vendor", "", {"PACS runbook", "PACS SOP", "Email runbook"}),
        ("program_manager", "status=in_review", {"PACS SOP"}),
        (
            "program_manager",
            f"service={items['pacs'].pk}",
            {"PACS runbook", "PACS SOP", "PACS vendor contacts"},
        ),
        ("vendor", f"service={items['pacs'].pk}&template={items['runbook'].pk}", {"PACS runbook"}),
        ("vendor", "review_due_before=2026-03-01", {"PACS runbook"}),
    ]
    for persona, query, expected in cases:
        page = client_for(persona).get(f"{url}?{query}")
        assert page.status_code == 200, query
        on_page = {item.title for item in page.context["items"]}
        api = api_for(persona).get(f"/api/knowledge-items/?program={world.program.pk}&{query}")
        in_api = {row["title"] for row in api.json()["results"]}
        assert on_page == in_api == expected, (persona, query)
        html = page.content.decode()
        assert all(title in html for title in expected)


def test_a_knowledge_status_that_does_not_exist_is_a_400_naming_the_error(
    items: dict[str, Any], world: World, client_for: Any, api_for: Any
) -> None:
    url = reverse("transition:knowledge_list", kwargs={"program_id": world.program.pk})
    page = client_for("member").get(f"{url}?status=forgotten")
    assert page.status_code == 400 and list(page.context["items"]) == []
    assert "Select a valid choice" in page.content.decode()
    assert api_for("member").get("/api/knowledge-items/?status=forgotten").status_code == 400


def test_the_knowledge_list_keeps_its_query_budget_as_items_grow(
    items: dict[str, Any], world: World, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    url = reverse("transition:knowledge_list", kwargs={"program_id": world.program.pk})
    client = client_for("vendor")
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for n in range(10):
        KnowledgeItemFactory(service=items["pacs"], template=items["runbook"], title=f"Runbook {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
