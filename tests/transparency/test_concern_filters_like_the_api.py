"""The concern list filters through the API's ConcernFilterSet: the same `?state=` lists the same concerns on
the page and in /api/concerns/, and the program home's open-concern figure links to it and matches."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from accord.transparency import services

DAY = dt.date(2026, 3, 9)


@pytest.fixture
def concerns(world: Any) -> None:
    made = {}
    for subject, by in [
        ("Night shift cover", world.member),
        ("Training during leave", world.stakeholder_lead),
        ("Vendor attitude", world.vendor),
        ("Parking", world.member),
    ]:
        made[subject], _code = services.submit_concern(
            program=world.program, actor=by, subject=subject, body="It worries us.", today=DAY
        )
    services.transition_concern(
        concern=made["Training during leave"], to="triaged", actor=world.program_manager
    )
    services.transition_concern(concern=made["Parking"], to="closed", actor=world.program_manager)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?state=open", {"Night shift cover", "Training during leave", "Vendor attitude"}),
        ("?state=triaged", {"Training during leave"}),
        ("?state=closed", {"Parking"}),
        ("", {"Night shift cover", "Training during leave", "Vendor attitude", "Parking"}),
    ],
)
def test_the_concern_list_and_the_api_list_the_same_concerns_for_a_state(
    world: Any, concerns: None, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    page = client_for("program_manager").get(
        reverse("transparency:concern_list", kwargs={"program_id": world.program.pk}) + query
    )
    assert page.status_code == 200
    assert {c.subject for c in page.context["concerns"]} == expected
    joined = f"{query}&program={world.program.pk}" if query else f"?program={world.program.pk}"
    api = api_for("program_manager").get(f"/api/concerns/{joined}")
    assert api.status_code == 200
    assert {row["subject"] for row in api.json()["results"]} == expected


def test_the_homes_open_concern_figure_links_to_the_list_showing_as_many(
    world: Any, concerns: None, client_for: Any
) -> None:
    client = client_for("board_member")
    home = client.get(f"/programs/{world.program.pk}/").content.decode()
    url, count = re.search(r'<a href="([^"]+\?state=open)">(\d+) open anonymous concerns</a>', home).groups()
    assert int(count) == 3
    assert len(client.get(url).context["concerns"]) == 3


def test_an_unknown_state_is_refused_on_the_page_with_the_error_and_no_rows(
    world: Any, concerns: None, client_for: Any
) -> None:
    client = client_for("program_manager")
    url = reverse("transparency:concern_list", kwargs={"program_id": world.program.pk})
    response = client.get(url + "?state=pending")
    assert response.status_code == 400
    html = response.content.decode()
    assert "state: Select a valid choice. pending is not one of the available choices." in html
    assert list(response.context["concerns"]) == []

    good = client.get(url + "?state=closed")
    assert good.status_code == 200
    assert [c.subject for c in good.context["concerns"]] == ["Parking"]
