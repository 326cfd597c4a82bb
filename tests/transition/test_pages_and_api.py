"""The transition pages and API as people use them: what they show, what they refuse, in bounded queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.core.permissions import Visibility
from accord.transition import services
from accord.transition.choices import KnowledgeStatus
from tests.personas import World
from tests.transition.factories import (
    KnowledgeItemFactory,
    KnowledgeTemplateFactory,
    ServiceFactory,
    TrainingModuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pacs(world: World) -> Any:
    return ServiceFactory(
        program=world.program,
        name="PACS",
        criticality=1,
        internal_owner=world.member,
        partner_owner=world.vendor,
    )


def test_the_dashboard_shows_stages_coverage_training_and_stays_within_budget(
    world: World, pacs: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    template = KnowledgeTemplateFactory(program=world.program, name="Runbook")
    for number in range(8):
        service = ServiceFactory(program=world.program, name=f"Service {number}")
        KnowledgeItemFactory(service=service, template=template)
    TrainingModuleFactory(program=world.program, title="HIPAA privacy")
    client = client_for("program_manager")
    url = reverse("transition:dashboard", args=[world.program.pk])
    client.get(url)  # session and caches warm
    with django_assert_max_num_queries(25):
        response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Services by handover stage" in text and "PACS" in text
    assert "Weighted program coverage" in text and "Training completion" in text


def test_a_knowledge_page_shows_markdown_without_running_the_partners_script(
    world: World, pacs: Any, client_for: Any
) -> None:
    item = KnowledgeItemFactory(
        service=pacs,
        author=world.vendor,
        content="## Purpose\n\n<script>alert('x')</script> **bold**",
    )
    response = client_for("member").get(item.get_absolute_url())
    text = response.content.decode()
    assert "<strong>bold</strong>" in text
    assert "<script>alert('x')</script>" not in text and "&lt;script&gt;" in text


def test_the_partner_writes_knowledge_but_only_the_internal_owner_approves_it(
    world: World, pacs: Any, api_for: Any
) -> None:
    template = KnowledgeTemplateFactory(program=world.program, required_sections="Purpose")
    vendor = api_for("vendor")
    created = vendor.post(
        "/api/knowledge-items/",
        {
            "program": world.program.pk,
            "service": pacs.pk,
            "template": template.pk,
            "title": "PACS runbook",
            "content": "## Purpose\n\nKeep images flowing.",
            "visibility": "shared",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["author"] == world.vendor.pk and created.json()["status"] == "draft"
    review = f"/api/knowledge-items/{created.json()['id']}/review/"
    assert vendor.post(review, {"action": "submit"}, format="json").json()["status"] == "in_review"
    assert vendor.post(review, {"action": "approve"}, format="json").status_code == 403
    assert api_for("program_manager").post(review, {"action": "approve"}, format="json").status_code == 403
    approved = api_for("member").post(review, {"action": "approve"}, format="json")
    assert (
        approved.json()["status"] == KnowledgeStatus.APPROVED
        and approved.json()["approved_by"] == world.member.pk
    )


def test_submitting_knowledge_without_the_templates_sections_names_them(world: World, pacs: Any) -> None:
    template = KnowledgeTemplateFactory(program=world.program, required_sections="Purpose\nRecovery")
    item = KnowledgeItemFactory(service=pacs, template=template, content="## Purpose\n\nText.")
    with pytest.raises(ValidationError, match="Recovery"):
        services.submit_for_review(item=item, actor=item.author)


def test_the_api_filters_by_program_and_refuses_a_stage_move_naming_the_missing_criteria(
    world: World, pacs: Any, api_for: Any
) -> None:
    ServiceFactory(program=world.other_program, name="Elsewhere")
    manager = api_for("program_manager")
    listed = manager.get(f"/api/services/?program={world.program.pk}").json()
    assert [s["name"] for s in listed["results"]] == ["PACS"]
    response = manager.post(f"/api/services/{pacs.pk}/stage/", {"to": "shadow"}, format="json")
    assert response.status_code == 400
    body = str(response.json())
    assert "The internal owner has not signed off this stage." in body


def test_the_partner_does_not_see_an_internal_service_or_its_knowledge(world: World, api_for: Any) -> None:
    secret = ServiceFactory(program=world.program, name="Payroll", visibility=Visibility.INTERNAL)
    KnowledgeItemFactory(service=secret, visibility=Visibility.INTERNAL)
    vendor = api_for("vendor")
    assert vendor.get(f"/api/services/{secret.pk}/").status_code == 404
    assert vendor.get("/api/knowledge-items/").json()["results"] == []


def test_a_vendor_records_their_own_training_through_the_api(world: World, api_for: Any) -> None:
    module = TrainingModuleFactory(program=world.program, validity_months=12)
    response = api_for("vendor").post(
        "/api/training-records/", {"module": module.pk, "completed_on": "2026-11-02"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"] == world.vendor.pk and response.json()["attested"] is True
    assert response.json()["expires_on"] == str(dt.date(2027, 11, 2))


def sample_tile(*, program: Any, user: Any) -> dict[str, Any]:
    return {"title": f"Changes in {program.name}", "template": "transition/_coverage_tile_for_tests.html"}


def test_another_app_adds_a_tile_to_the_dashboard_through_the_hook(
    world: World, client_for: Any, monkeypatch: Any, settings: Any, tmp_path: Any
) -> None:
    from django.apps import apps

    (tmp_path / "transition").mkdir()
    (tmp_path / "transition" / "_coverage_tile_for_tests.html").write_text("<p>Tile for {{ tile.title }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0].get("DIRS", [])]}
    ]
    config = apps.get_app_config("transition")
    monkeypatch.setattr(
        config,
        "accord_transition_dashboard_tiles",
        ("tests.transition.test_pages_and_api.sample_tile",),
        raising=False,
    )
    response = client_for("member").get(reverse("transition:dashboard", args=[world.program.pk]))
    assert "Tile for Changes in Program A" in response.content.decode()
