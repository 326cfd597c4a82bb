"""The inbox page filters through the API's NotificationFilterSet: the same query string lists the same rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.notifications.choices import NotificationKind
from tests.notifications.factories import NotificationFactory


@pytest.fixture
def inbox(world: Any) -> None:
    NotificationFactory(program=world.program, recipient=world.member, title="Unread flag raised")
    NotificationFactory(
        program=world.program, recipient=world.member, title="Read flag raised", read_at=timezone.now()
    )
    NotificationFactory(
        program=world.program,
        recipient=world.member,
        title="Unread mention",
        kind=NotificationKind.MENTION,
    )
    NotificationFactory(program=world.program, recipient=world.vendor, title="Someone else's news")


def page_titles(client: Any, query: str) -> set[str]:
    html = client.get(reverse("notifications:notification_list") + query).content.decode()
    return {
        title
        for title in re.findall(r"(Unread flag raised|Read flag raised|Unread mention|else's news)", html)
    }


def api_titles(api: Any, query: str) -> set[str]:
    response = api.get("/api/notifications/" + query)
    assert response.status_code == 200
    return {row["title"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Unread flag raised", "Read flag raised", "Unread mention"}),
        ("?unread=1", {"Unread flag raised", "Unread mention"}),
        ("?unread=true", {"Unread flag raised", "Unread mention"}),
        ("?unread=false", {"Read flag raised"}),
        ("?kind=mention", {"Unread mention"}),
        ("?unread=true&kind=red_flag_raised", {"Unread flag raised"}),
    ],
)
def test_the_inbox_and_the_api_list_the_same_notifications_for_a_query(
    world: Any, inbox: None, client_for: Any, api_for: Any, query: str, expected: set[str]
) -> None:
    assert page_titles(client_for("member"), query) == expected
    assert api_titles(api_for("member"), query) == expected


def test_the_inbox_offers_unread_only_with_the_same_parameter_the_api_takes(
    world: Any, inbox: None, client_for: Any
) -> None:
    html = (
        client_for("member").get(reverse("notifications:notification_list") + "?unread=true").content.decode()
    )
    assert "Show all" in html and "Nothing unread" not in html


def test_an_unknown_kind_is_refused_on_the_inbox_with_the_error_and_no_rows(
    world: Any, inbox: None, client_for: Any
) -> None:
    client = client_for("member")
    response = client.get(reverse("notifications:notification_list") + "?kind=gossip")
    assert response.status_code == 400
    html = response.content.decode()
    assert "kind: Select a valid choice. gossip is not one of the available choices." in html
    assert list(response.context["page"]) == []
    assert page_titles(client, "?kind=mention") == {"Unread mention"}
