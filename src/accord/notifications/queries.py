"""Reads for a person's inbox: the unread count and the list, each in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.notifications.models import Notification


def count_unread(user: Any) -> int:
    return Notification.objects.visible_to(user).unread().count()


def list_notifications(*, user: Any) -> QuerySet[Notification]:
    """The person's notifications, newest first, with their program's name for display; the inbox narrows
    them with the API's `NotificationFilterSet`."""
    return Notification.objects.visible_to(user).select_related("program").order_by("-created_at", "-pk")
