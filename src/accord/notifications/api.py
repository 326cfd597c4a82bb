"""API for a person's own notifications: list (`?unread=true`, `?program=`), mark one or all read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.core.api import AccordReadOnlyViewSet
from accord.notifications import filters, services
from accord.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "program",
            "program_name",
            "kind",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


ReadAllResult = inline_serializer(
    "NotificationsMarkedRead", fields={"marked_read": serializers.IntegerField()}
)


class NotificationViewSet(AccordReadOnlyViewSet):
    """Your own notifications, newest first; nobody else's are ever listed or found (404)."""

    queryset = Notification.objects.order_by("-created_at", "-pk")
    serializer_class = NotificationSerializer
    filterset_class = filters.NotificationFilterSet
    select_related = ("program",)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = self.get_object()
        services.mark_read(person=request.user, notifications=[notification])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=ReadAllResult)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked_read": services.mark_read(person=request.user, all=True)})


ROUTES = [("notifications", NotificationViewSet, "notification")]
