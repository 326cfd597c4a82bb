""" "My actions" filters through the API's MeetingActionFilterSet: the same status lists the same actions on the
page and in /api/meeting-actions/?owner=<me>; the program home's open figure links to it and matches."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from accord.governance import services as governance
from accord.meetings import services
from tests.meetings.factories import MeetingFactory

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def actions(world: Any) -> None:
    meeting = MeetingFactory(program=world.program, title="Board meeting March")
    governance.raise_red_flag(
        program=world.program,
        actor=world.consultant,
        title="Low engagement",
        description="Few attend.",
        now=NOW,
    )
    [item] = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    made = {}
    for description, owner in [
        ("Name six physician champions", world.stakeholder_lead),
        ("Book the training rooms", world.stakeholder_lead),
        ("Send the roster", world.stakeholder_lead),
        ("Someone else's action", world.member),
    ]:
        made[description] = services.add_action(
            item=item,
            actor=world.program_manager,
            owner=owner,
            description=description,
            due_date=dt.date(2026, 3, 20),
        )
    services.complete_action(
        action=made["Send the roster"], actor=world.stakeholder_lead, done_on=dt.date(2026, 3, 12)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=open", {"Name six physician champions", "Book the training rooms"}),
        ("?status=done", {"Send the roster"}),
        ("?status=", {"Name six physician champions", "Book the training rooms", "Send the roster"}),
    ],
)
def test_my_actions_and_the_api_list_the_same_actions_for_a_status(
    world: Any, actions: None, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    page = client_for("stakeholder_lead").get(
        reverse("meetings:my_actions", kwargs={"program_id": world.program.pk}) + query
    )
    assert page.status_code == 200
    assert {a.description for a in page.context["actions"]} == expected
    api = api_for("stakeholder_lead").get(
        f"/api/meeting-actions/{query}&program={world.program.pk}&owner={world.stakeholder_lead.pk}"
    )
    assert api.status_code == 200
    assert {row["description"] for row in api.json()["results"]} == expected


def test_the_homes_open_actions_figure_links_to_my_actions_showing_as_many(
    world: Any, actions: None, client_for: Any
) -> None:
    client = client_for("stakeholder_lead")
    home = client.get(f"/programs/{world.program.pk}/").content.decode()
    url, count = re.search(r'<a href="([^"]+\?status=open)">(\d+) open</a>', home).groups()
    assert int(count) == 2
    assert len(client.get(url).context["actions"]) == 2


def test_an_unknown_status_is_refused_on_my_actions_with_the_error_and_no_rows(
    world: Any, actions: None, client_for: Any
) -> None:
    client = client_for("stakeholder_lead")
    url = reverse("meetings:my_actions", kwargs={"program_id": world.program.pk})
    response = client.get(url + "?status=pending")
    assert response.status_code == 400
    html = response.content.decode()
    assert "status: Select a valid choice. pending is not one of the available choices." in html
    assert list(response.context["actions"]) == []

    good = client.get(url + "?status=done")
    assert good.status_code == 200
    assert [a.description for a in good.context["actions"]] == ["Send the roster"]
