"""Reads for a person's inbox: the unread count and the list, each in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.notifications.models import Notification


def count_unread(user: Any) -> int:
    return Notification.objects.visible_to(user).unread().count()


def list_notifications(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's notifications, newest first, with their program's name for display."""
    notifications = Notification.objects.visible_to(user).select_related("program")
    if unread_only:
        notifications = notifications.unread()
    return notifications.order_by("-created_at", "-pk")
