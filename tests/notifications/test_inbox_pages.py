"""The inbox pages: only your own notifications, mark read (plain and htmx), preferences, the header badge."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accord.notifications.choices import NotificationKind
from accord.notifications.models import Notification, NotificationPreference
from tests.notifications.factories import NotificationFactory


def test_inbox_lists_only_the_persons_own_notifications(world: Any, client_for: Any) -> None:
    NotificationFactory(program=world.program, recipient=world.member, title="Triage the interface backlog")
    NotificationFactory(program=world.program, recipient=world.vendor, title="Vendor-only news")
    response = client_for("member").get(reverse("notifications:notification_list"))
    assert response.status_code == 200
    assert "Triage the interface backlog" in response.content.decode()
    assert "Vendor-only news" not in response.content.decode()


def test_marking_another_persons_notification_read_is_404(world: Any, client_for: Any) -> None:
    theirs = NotificationFactory(program=world.program, recipient=world.vendor)
    response = client_for("member").post(reverse("notifications:notification_read", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_with_htmx_returns_the_row_and_refreshes_the_badge(world: Any, client_for: Any) -> None:
    mine = NotificationFactory(
        program=world.program, recipient=world.member, title="Decision needed on order sets"
    )
    response = client_for("member").post(
        reverse("notifications:notification_read", kwargs={"pk": mine.pk}), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    html = response.content.decode()
    assert "Decision needed on order sets" in html and "Mark read" not in html
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_open_marks_read_and_follows_the_link_inside_accord_only(world: Any, client_for: Any) -> None:
    mine = NotificationFactory(program=world.program, recipient=world.member)
    client = client_for("member")
    url = reverse("notifications:notification_read", kwargs={"pk": mine.pk})
    assert client.post(url, {"next": "/programs/"})["Location"] == "/programs/"
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == reverse(
        "notifications:notification_list"
    )


def test_mark_all_read_empties_the_unread_count(world: Any, client_for: Any) -> None:
    NotificationFactory.create_batch(3, program=world.program, recipient=world.member)
    other = NotificationFactory(program=world.program, recipient=world.vendor)
    client = client_for("member")
    client.post(reverse("notifications:notification_read_all"))
    assert not Notification.objects.filter(recipient=world.member, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert "0 unread" in client.get(reverse("notifications:notification_list")).content.decode()


def test_badge_shows_the_unread_count_and_is_marked_as_background_polling(
    world: Any, client_for: Any
) -> None:
    NotificationFactory.create_batch(2, program=world.program, recipient=world.member)
    NotificationFactory(program=world.program, recipient=world.member, read_at="2026-01-05T10:00:00Z")
    NotificationFactory(program=world.program, recipient=world.vendor)
    html = client_for("member").get(reverse("notifications:badge")).content.decode()
    assert "Notifications, 2 unread" in html
    assert '<span class="badge red" aria-hidden="true">2</span>' in html
    assert "X-Accord-Background" in html and "every 60s" in html


def test_badge_poll_after_sign_out_answers_401_instead_of_a_login_page(client: Any) -> None:
    response = client.get(reverse("notifications:badge"), HTTP_X_ACCORD_BACKGROUND="1")
    assert response.status_code == 401


def test_badge_count_takes_the_same_queries_whatever_the_inbox_size(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("member")
    client.get(reverse("notifications:badge"))  # warm the session
    for size in (2, 40):
        NotificationFactory.create_batch(size, program=world.program, recipient=world.member)
        with django_assert_max_num_queries(4):
            client.get(reverse("notifications:badge"))


def test_inbox_query_count_does_not_grow_with_the_number_of_notifications(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("member")
    client.get(reverse("notifications:notification_list"))
    for size in (3, 45):
        NotificationFactory.create_batch(size, program=world.program, recipient=world.member)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("notifications:notification_list"))
        assert response.status_code == 200


def test_preferences_form_turns_email_off_for_one_kind(world: Any, client_for: Any) -> None:
    client = client_for("member")
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "A red flag was escalated to you" in page
    wanted = {kind: "on" for kind in NotificationKind.values if kind != NotificationKind.MENTION}
    response = client.post(reverse("notifications:preferences"), wanted)
    assert response.status_code == 302
    assert list(NotificationPreference.objects.filter(person=world.member).values_list("kind", "email")) == [
        (NotificationKind.MENTION, False)
    ]
