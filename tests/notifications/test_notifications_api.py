"""The notifications API: your own list, the unread filter, mark one or all read, nobody else's (404)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.notifications.factories import NotificationFactory


def test_list_shows_own_notifications_and_filters_unread(world: Any, api_for: Any) -> None:
    NotificationFactory(program=world.program, recipient=world.member, title="Unread one")
    NotificationFactory(
        program=world.program, recipient=world.member, title="Read one", read_at="2026-01-05T10:00:00Z"
    )
    NotificationFactory(program=world.program, recipient=world.vendor, title="Not yours")
    api = api_for("member")
    titles = [row["title"] for row in api.get(reverse("notification-list")).json()["results"]]
    assert sorted(titles) == ["Read one", "Unread one"]
    unread = api.get(reverse("notification-list") + "?unread=true").json()["results"]
    assert [row["title"] for row in unread] == ["Unread one"]


def test_read_marks_one_and_another_persons_is_not_found(world: Any, api_for: Any) -> None:
    mine = NotificationFactory(program=world.program, recipient=world.member)
    theirs = NotificationFactory(program=world.program, recipient=world.vendor)
    api = api_for("member")
    body = api.post(reverse("notification-read", kwargs={"pk": mine.pk})).json()
    assert body["is_read"] is True and body["read_at"]
    assert api.post(reverse("notification-read", kwargs={"pk": theirs.pk})).status_code == 404
    assert api.get(reverse("notification-detail", kwargs={"pk": theirs.pk})).status_code == 404


def test_read_all_reports_how_many_changed(world: Any, api_for: Any) -> None:
    NotificationFactory.create_batch(3, program=world.program, recipient=world.member)
    api = api_for("member")
    assert api.post(reverse("notification-read-all")).json() == {"marked_read": 3}
    assert api.post(reverse("notification-read-all")).json() == {"marked_read": 0}
