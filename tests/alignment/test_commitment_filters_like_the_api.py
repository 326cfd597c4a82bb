"""The commitment list filters through the API's CommitmentFilterSet: the same query string lists the same
commitments on the page and in /api/commitments/, `attention=late|soon` included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.core.permissions import Visibility
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory


@pytest.fixture
def commitments(world: Any) -> dict[str, Any]:
    today = timezone.localdate()
    nursing = StakeholderGroupFactory(program=world.program, name="Nursing", visibility=Visibility.SHARED)
    pharmacy = StakeholderGroupFactory(program=world.program, name="Pharmacy", visibility=Visibility.SHARED)
    CommitmentFactory(group=nursing, what="Overdue", due_date=today - dt.timedelta(days=3))
    CommitmentFactory(
        group=nursing, what="Marked late", due_date=today + dt.timedelta(days=20), status="late"
    )
    CommitmentFactory(
        group=pharmacy, what="Due soon", due_date=today + dt.timedelta(days=3), status="on_track"
    )
    CommitmentFactory(group=pharmacy, what="Far off", due_date=today + dt.timedelta(days=30))
    CommitmentFactory(group=pharmacy, what="Done", due_date=today - dt.timedelta(days=9), status="done")
    return {"nursing": nursing, "pharmacy": pharmacy}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Overdue", "Marked late", "Due soon", "Far off", "Done"}),
        ("?attention=late", {"Overdue", "Marked late"}),
        ("?attention=soon", {"Due soon"}),
        ("?status=on_track", {"Due soon"}),
        ("?group={pharmacy}", {"Due soon", "Far off", "Done"}),
        ("?group={pharmacy}&attention=late", set()),
        ("?group={nursing}&attention=late", {"Overdue", "Marked late"}),
    ],
)
def test_the_commitment_list_and_the_api_list_the_same_commitments_for_a_query(
    world: Any, commitments: dict[str, Any], client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    query = query.format(**{name: group.pk for name, group in commitments.items()})
    page = client_for("program_manager").get(f"/programs/{world.program.pk}/alignment/commitments/{query}")
    assert page.status_code == 200
    assert {c.what for c in page.context["commitments"]} == expected
    joined = f"{query}&program={world.program.pk}" if query else f"?program={world.program.pk}"
    api = api_for("program_manager").get(f"/api/commitments/{joined}")
    assert api.status_code == 200
    assert {row["what"] for row in api.json()["results"]} == expected


def test_an_unknown_attention_is_refused_by_the_api(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").get(
        f"/api/commitments/?program={world.program.pk}&attention=someday"
    )
    assert response.status_code == 400 and "attention" in response.json()


def test_an_unknown_status_is_refused_on_the_page_with_the_error_and_no_rows(
    world: Any, commitments: dict[str, Any], client_for: Any
) -> None:
    client = client_for("program_manager")
    url = f"/programs/{world.program.pk}/alignment/commitments/"
    response = client.get(url + "?status=pending")
    assert response.status_code == 400
    html = response.content.decode()
    assert "status: Select a valid choice. pending is not one of the available choices." in html
    assert list(response.context["commitments"]) == []
    assert 'aria-label="Filter commitments"' in html  # the form is still there to correct the value

    good = client.get(url + "?status=done")
    assert good.status_code == 200
    assert [c.what for c in good.context["commitments"]] == ["Done"]
