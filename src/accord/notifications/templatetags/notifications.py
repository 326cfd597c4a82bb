"""The unread count for the header badge, computed once per request."""

from __future__ import annotations

from typing import Any

from django import template

from accord.notifications.queries import count_unread

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    if request is None:
        return count_unread(user)
    if not hasattr(request, "_accord_unread_notifications"):
        request._accord_unread_notifications = count_unread(user)
    return request._accord_unread_notifications
