"""API for governance meetings: CRUD on meetings with their agenda items and actions nested (read-only),
and `POST /api/meetings/{id}/draft-agenda/`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import User
from accord.core.api import (
    AccordModelViewSet,
    AccordReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.core.permissions import Action, can_in_program
from accord.meetings import filters, services
from accord.meetings.models import AgendaItem, Meeting, MeetingAction
from accord.programs.models import Program


class MeetingActionSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)

    class Meta:
        model = MeetingAction
        fields = ["id", "description", "owner", "owner_name", "due_date", "status", "done_on"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    source_type = serializers.CharField(source="source_type.model", read_only=True, default=None)
    actions = MeetingActionSerializer(many=True, read_only=True)
    decisions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "order",
            "title",
            "kind",
            "source_type",
            "source_id",
            "source_label",
            "source_url",
            "notes",
            "discussion",
            "visibility",
            "decisions",
            "actions",
        ]
        read_only_fields = fields


class MeetingSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    attendees = VisibleRelatedField(queryset=User.objects.all(), many=True, required=False)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "program",
            "body",
            "title",
            "scheduled_at",
            "location",
            "attendees",
            "status",
            "visibility",
            "agenda_items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        program = attrs.get("program") or getattr(self.instance, "program", None)
        attendees = attrs.get("attendees") or []
        outsiders = [p for p in attendees if program and not p.memberships.filter(program=program).exists()]
        if outsiders:
            raise serializers.ValidationError({"attendees": "Attendees must be members of the program."})
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            raise serializers.ValidationError({"program": "A meeting cannot move to another program."})
        return super().validate(attrs)


class MeetingViewSet(AccordModelViewSet):
    """Meetings of your programs, each with its agenda, minutes and actions as you may see them."""

    queryset = Meeting.objects.order_by("-scheduled_at", "-pk")
    # Meetings are never deleted: their minutes are the record of what the body saw and decided.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    serializer_class = MeetingSerializer
    filterset_class = filters.MeetingFilterSet
    select_related = ("program",)

    def get_queryset(self) -> Any:
        user = self.request.user
        items = (
            AgendaItem.objects.visible_to(user)
            .order_by("order", "pk")
            .select_related("source_type")
            .prefetch_related(
                "decisions",
                Prefetch(
                    "actions",
                    queryset=MeetingAction.objects.visible_to(user)
                    .select_related("owner")
                    .order_by("due_date", "pk"),
                ),
            )
        )
        return super().get_queryset().prefetch_related("attendees", Prefetch("agenda_items", queryset=items))

    @extend_schema(request=None, responses=AgendaItemSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="draft-agenda")
    def draft_agenda(self, request: Request, pk: Any = None) -> Response:
        meeting = self.get_object()
        self.check_object_permissions(request, meeting)
        created = services.draft_agenda(meeting=meeting, actor=request.user, now=timezone.now())
        return Response(AgendaItemSerializer(created, many=True).data, status=201 if created else 200)


class CommitmentFromActionSerializer(serializers.Serializer):
    """What a stakeholder group promises in answer to a minute's action; blanks take the action's own."""

    group = serializers.IntegerField()
    what = serializers.CharField(max_length=300, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    decision = serializers.IntegerField(required=False, allow_null=True)


class MeetingActionViewSet(AccordReadOnlyViewSet):
    """Actions from the minutes you may see; `POST …/{id}/commitment/` makes one a group's commitment."""

    queryset = MeetingAction.objects.all()
    serializer_class = MeetingActionSerializer
    filterset_class = filters.MeetingActionFilterSet
    select_related = ("owner",)

    @extend_schema(request=CommitmentFromActionSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def commitment(self, request: Request, pk: Any = None) -> Response:
        meeting_action = get_object_or_404(self.get_queryset(), pk=pk)
        if not can_in_program(request.user, Action.ADD, "commitments", meeting_action.program_id):
            raise exceptions.PermissionDenied("Your role in this program may not commit a stakeholder group.")
        payload = CommitmentFromActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        commitment_model = MeetingAction._meta.get_field("commitments").related_model
        group_model = commitment_model._meta.get_field("group").related_model
        # Linked records resolve only among those the caller may see in the action's program (else 400).
        group = (
            group_model.objects.visible_to(request.user)
            .filter(program_id=meeting_action.program_id, pk=data["group"])
            .first()
        )
        if group is None:
            raise serializers.ValidationError({"group": "No such stakeholder group in this program."})
        decision = None
        if data.get("decision"):
            decision = (
                meeting_action.agenda_item.decisions.visible_to(request.user)
                .filter(pk=data["decision"])
                .first()
            )
            if decision is None:
                raise serializers.ValidationError(
                    {"decision": "No such decision on this action's agenda item."}
                )
        owner = None
        if data.get("owner"):
            owner = User.objects.filter(
                pk=data["owner"], memberships__program_id=meeting_action.program_id
            ).first()
            if owner is None:
                raise serializers.ValidationError({"owner": "The owner must be a member of the program."})
        commitment = services.turn_action_into_commitment(
            action=meeting_action,
            group=group,
            actor=request.user,
            what=data.get("what") or "",
            due_date=data.get("due_date"),
            owner=owner,
            decision=decision,
        )
        return Response(
            {
                "id": commitment.pk,
                "group": commitment.group_id,
                "what": commitment.what,
                "due_date": commitment.due_date,
                "owner": commitment.owner_id,
                "benefit": commitment.benefit_id,
                "origin_action": commitment.origin_action_id,
                "origin_decision": commitment.origin_decision_id,
            },
            status=201,
        )


ROUTES = [
    ("meetings", MeetingViewSet, "meeting"),
    ("meeting-actions", MeetingActionViewSet, "meeting-action"),
]
