"""The training matrix and /api/training-modules/ narrow the modules through the same FilterSet."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.transition.choices import TrainingKind
from tests.personas import World
from tests.transition.factories import TrainingModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def modules(world: World) -> None:
    TrainingModuleFactory(program=world.program, title="HIPAA privacy", kind=TrainingKind.PRIVACY)
    TrainingModuleFactory(program=world.program, title="Phishing", kind=TrainingKind.SECURITY)
    TrainingModuleFactory(program=world.program, title="Passwords", kind=TrainingKind.SECURITY)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"HIPAA privacy", "Phishing", "Passwords"}),
        ("kind=security", {"Phishing", "Passwords"}),
        ("kind=privacy", {"HIPAA privacy"}),
        ("kind=clinical_workflow", set()),
    ],
)
def test_the_training_matrix_and_the_modules_api_select_the_same_modules(
    modules: None, world: World, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    url = reverse("transition:training_matrix", kwargs={"program_id": world.program.pk})
    page = client_for("vendor").get(f"{url}?{query}")
    assert page.status_code == 200
    on_page = {module.title for module in page.context["matrix"].modules}
    api = api_for("vendor").get(f"/api/training-modules/?program={world.program.pk}&{query}")
    assert on_page == {row["title"] for row in api.json()["results"]} == expected
    # Each person's row has one cell per module shown, no more.
    assert all(len(row["cells"]) == len(expected) for row in page.context["matrix"].rows)


def test_a_module_kind_that_does_not_exist_is_a_400_on_the_page_and_in_the_api(
    modules: None, world: World, client_for: Any, api_for: Any
) -> None:
    url = reverse("transition:training_matrix", kwargs={"program_id": world.program.pk})
    page = client_for("program_manager").get(f"{url}?kind=juggling")
    assert page.status_code == 400 and page.context["matrix"].modules == []
    assert "Select a valid choice" in page.content.decode()
    assert api_for("program_manager").get("/api/training-modules/?kind=juggling").status_code == 400
