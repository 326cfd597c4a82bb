"""The notification FilterSet, used by the API and by the inbox page."""

from __future__ import annotations

from django_filters import rest_framework as filters

from accord.core.filters import ProgramFilterSet
from accord.notifications.models import Notification


class NotificationFilterSet(ProgramFilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)"
    )

    class Meta:
        model = Notification
        fields = ["program", "kind", "unread"]
