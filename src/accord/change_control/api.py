"""API of change control: action plans and items, change requests with their state actions, windows, the CAB,
the change measures' thresholds, and the per-person iCalendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.views import View
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accord.accounts.models import User
from accord.change_control import ical, queries
from accord.change_control.choices import ChangeState, Decision, PlanStatus, ReviewResult
from accord.change_control.filters import (
    ActionItemFilterSet,
    ActionPlanFilterSet,
    ChangeRequestFilterSet,
    ChangeWindowFilterSet,
    StandardChangeTemplateFilterSet,
)
from accord.change_control.models import (
    ActionItem,
    ActionPlan,
    CabVote,
    ChangeAdvisoryBoard,
    ChangeMeasureThresholds,
    ChangeRequest,
    ChangeWindow,
    PlanApproval,
    StandardChangeTemplate,
)
from accord.change_control.services import boards, changes, feeds, plans, templates
from accord.change_control.services.changes import IllegalMove
from accord.change_control.states import next_states
from accord.change_control.windows import WallTimeError, localise
from accord.core.api import (
    AccordModelViewSet,
    ProgramFilterSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.core.filters import integer_range
from accord.core.permissions import Action, can, can_in_program
from accord.programs.models import Program
from accord.transition.models import Service

# How far back and ahead the calendar feed reaches.
FEED_PAST = dt.timedelta(days=60)
FEED_AHEAD = dt.timedelta(days=365)


class WallOrInstantField(serializers.DateTimeField):
    """An instant with an offset, or a wall-clock time read in the record's own `time_zone` (by `localise_times`)."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value


def localise_times(attrs: dict[str, Any], instance: Any, names: tuple[str, ...]) -> dict[str, Any]:
    zone = attrs.get("time_zone") or getattr(instance, "time_zone", None) or "UTC"
    errors = {}
    for name in names:
        value = attrs.get(name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            try:
                attrs[name] = localise(value, zone)
            except WallTimeError as error:
                errors[name] = [str(error)]
            except Exception:  # an unknown zone: the model's own check names it
                errors.setdefault("time_zone", [f"{zone!r} is not a time zone name."])
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


def illegal_move_response(error: IllegalMove) -> Response:
    return Response(
        {"detail": error.messages[0], "state": error.state, "allowed_next_states": error.allowed},
        status=status.HTTP_400_BAD_REQUEST,
    )


# Change requests


class CabVoteSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.full_name", read_only=True)

    class Meta:
        model = CabVote
        fields = ["id", "member", "member_name", "decision", "note", "emergency", "voted_at"]


class ChangeRequestSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    services = VisibleRelatedField(queryset=Service.objects.all(), many=True, required=False)
    implementer = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    template = VisibleRelatedField(
        queryset=StandardChangeTemplate.objects.all(), allow_null=True, required=False
    )
    planned_start = WallOrInstantField(required=False, allow_null=True)
    planned_end = WallOrInstantField(required=False, allow_null=True)
    reference = serializers.CharField(read_only=True)
    risk_score = serializers.IntegerField(read_only=True)
    allowed_next_states = serializers.SerializerMethodField()
    votes = CabVoteSerializer(many=True, read_only=True)
    clean_exclude = ("number", "requester")

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "program",
            "number",
            "reference",
            "external_reference",
            "title",
            "change_type",
            "template",
            "state",
            "allowed_next_states",
            "description",
            "reason",
            "services",
            "configuration_items",
            "risk_answers",
            "likelihood",
            "impact",
            "risk_score",
            "backout_plan",
            "test_evidence",
            "planned_start",
            "planned_end",
            "time_zone",
            "requester",
            "implementer",
            "submitted_at",
            "decided_at",
            "clinical_signoff_by",
            "clinical_signoff_at",
            "in_freeze",
            "actual_start",
            "actual_end",
            "review_result",
            "incidents_caused",
            "review_notes",
            "reviewed_at",
            "votes",
            "visibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "state",
            "likelihood",
            "impact",
            "requester",
            "submitted_at",
            "decided_at",
            "clinical_signoff_by",
            "clinical_signoff_at",
            "in_freeze",
            "actual_start",
            "actual_end",
            "review_result",
            "incidents_caused",
            "review_notes",
            "reviewed_at",
            "created_at",
            "updated_at",
        ]

    def get_allowed_next_states(self, obj: ChangeRequest) -> list[str]:
        return next_states(obj.state)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            raise serializers.ValidationError({"program": "A change request stays in its program."})
        attrs = localise_times(attrs, self.instance, ("planned_start", "planned_end"))
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> ChangeRequest:
        program = validated_data.pop("program")
        return changes.create_change(program=program, actor=self.context["request"].user, data=validated_data)

    def update(self, instance: ChangeRequest, validated_data: dict[str, Any]) -> ChangeRequest:
        validated_data.pop("program", None)
        return changes.update_draft(change=instance, actor=self.context["request"].user, data=validated_data)


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ChangeState.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    actual_start = serializers.DateTimeField(required=False)
    actual_end = serializers.DateTimeField(required=False)
    result = serializers.ChoiceField(choices=ReviewResult.choices, required=False)
    incidents_caused = serializers.IntegerField(required=False, min_value=0, max_value=100000)


class VoteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConflictSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "reference", "title", "state", "planned_start", "planned_end"]


class ChangeRequestViewSet(AccordModelViewSet):
    """Change requests (RFCs). Edits are allowed while a request is a draft; moves go through `transition`,
    decisions through `vote` (CAB members only) and `clinical-signoff` (named clinical approvers only)."""

    queryset = ChangeRequest.objects.all()
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    select_related = ("requester", "implementer")
    prefetch_related = ("services", "votes__member")

    def _change(self, pk: str | None) -> ChangeRequest:
        # Not get_object(): voters and implementers act without the change permission on the record.
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, change: ChangeRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=change.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=MoveSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the request to `to`; an illegal move is a 400 listing `allowed_next_states`."""
        change = self._change(pk)
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            change = changes.transition_change(
                change=change, actor=request.user, now=timezone.now(), **{"result": "", **data}
            )
        except IllegalMove as error:
            return illegal_move_response(error)
        return self._respond(change)

    @extend_schema(request=VoteSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """A CAB member's vote; the request is approved or rejected when the votes reach the quorum."""
        change = self._change(pk)
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            changes.vote_on_change(
                change=change, actor=request.user, now=timezone.now(), **body.validated_data
            )
        except IllegalMove as error:
            return illegal_move_response(error)
        return self._respond(change, status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], url_path="clinical-signoff")
    def clinical_signoff(self, request: Request, pk: str | None = None) -> Response:
        """A named clinical approver's sign-off, needed (besides the CAB) for a change to a clinical service."""
        change = self._change(pk)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            changes.sign_off_clinically(
                change=change, actor=request.user, now=timezone.now(), **body.validated_data
            )
        except IllegalMove as error:
            return illegal_move_response(error)
        return self._respond(change)

    @extend_schema(responses=ConflictSerializer(many=True))
    @action(detail=True, methods=["get"])
    def conflicts(self, request: Request, pk: str | None = None) -> Response:
        """Other changes on a shared service or configuration item whose windows overlap this one's."""
        change = self._change(pk)
        return Response(ConflictSerializer(queries.conflicts_for(change, request.user), many=True).data)


# Standard-change templates


class StandardChangeTemplateSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    services = VisibleRelatedField(queryset=Service.objects.all(), many=True, required=False)

    class Meta:
        model = StandardChangeTemplate
        fields = [
            "id",
            "program",
            "name",
            "description",
            "services",
            "configuration_items",
            "backout_plan",
            "test_evidence",
            "status",
            "approved_by",
            "approved_at",
            "retired_at",
            "retired_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "approved_by",
            "approved_at",
            "retired_at",
            "retired_reason",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            raise serializers.ValidationError({"program": "A template stays in its program."})
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> StandardChangeTemplate:
        program = validated_data.pop("program")
        return templates.propose_template(
            program=program, actor=self.context["request"].user, data=validated_data
        )

    def update(
        self, instance: StandardChangeTemplate, validated_data: dict[str, Any]
    ) -> StandardChangeTemplate:
        validated_data.pop("program", None)
        return templates.update_template(
            template=instance, actor=self.context["request"].user, data=validated_data
        )


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StandardChangeTemplateViewSet(AccordModelViewSet):
    """Pre-approved standard changes: proposed by the change manager, approved and retired by CAB members
    (`approve`, `retire`). A change request with `change_type` standard names an active one as `template`."""

    queryset = StandardChangeTemplate.objects.all()
    serializer_class = StandardChangeTemplateSerializer
    filterset_class = StandardChangeTemplateFilterSet
    select_related = ("approved_by",)
    prefetch_related = ("services",)

    def _template(self, pk: str | None) -> StandardChangeTemplate:
        # Not get_object(): CAB members approve without the change permission on the record.
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, template: StandardChangeTemplate) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=template.pk)).data)

    @extend_schema(request=None, responses=StandardChangeTemplateSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """A CAB member approves a proposed template; changes raised from it are then pre-approved."""
        template = templates.approve_template(
            template=self._template(pk), actor=request.user, now=timezone.now()
        )
        return self._respond(template)

    @extend_schema(request=RetireSerializer, responses=StandardChangeTemplateSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        """A CAB member retires a template, with the reason; no change is raised from it afterwards."""
        template = self._template(pk)
        body = RetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = templates.retire_template(
            template=template, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._respond(template)


# Windows and the CAB


class ChangeWindowSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    services = VisibleRelatedField(queryset=Service.objects.all(), many=True, required=False)
    starts_at = WallOrInstantField()
    ends_at = WallOrInstantField()

    class Meta:
        model = ChangeWindow
        fields = [
            "id",
            "program",
            "name",
            "kind",
            "starts_at",
            "ends_at",
            "time_zone",
            "services",
            "reason",
            "recurrence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = localise_times(attrs, self.instance, ("starts_at", "ends_at"))
        program = attrs.get("program") or getattr(self.instance, "program", None)
        foreign = [str(s) for s in attrs.get("services", []) if program and s.program_id != program.pk]
        if foreign:
            raise serializers.ValidationError(
                {"services": f"Not services of this program: {', '.join(foreign)}."}
            )
        return super().validate(attrs)


class ChangeWindowViewSet(AccordModelViewSet):
    """Blackout and clinical freeze windows; naive times are read in the window's own time zone."""

    queryset = ChangeWindow.objects.all()
    serializer_class = ChangeWindowSerializer
    filterset_class = ChangeWindowFilterSet
    prefetch_related = ("services",)


class ChangeBoardSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    members = VisibleRelatedField(queryset=User.objects.all(), many=True, required=False)
    emergency_members = VisibleRelatedField(queryset=User.objects.all(), many=True, required=False)
    clinical_approvers = VisibleRelatedField(queryset=User.objects.all(), many=True, required=False)

    class Meta:
        model = ChangeAdvisoryBoard
        fields = [
            "id",
            "program",
            "name",
            "members",
            "emergency_members",
            "clinical_approvers",
            "quorum",
            "emergency_quorum",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        program = attrs.get("program") or getattr(self.instance, "program", None)
        errors = boards.board_problems(
            program_id=program.pk if program else None, data=attrs, board=self.instance
        )
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)

    # Writes go through the page's service (`boards.save_board`: the program's board locked, the seats
    # checked again under the lock, one audit row), not the generic record writes.
    def create(self, validated_data: dict[str, Any]) -> ChangeAdvisoryBoard:
        program = validated_data.pop("program")
        existing = ChangeAdvisoryBoard.objects.filter(program=program).values_list("pk", flat=True).first()
        if existing is not None:
            raise serializers.ValidationError(
                {"program": f"This program has its CAB already (#{existing}): change that one instead."}
            )
        return boards.save_board(program=program, actor=self.context["request"].user, data=validated_data)

    def update(self, instance: ChangeAdvisoryBoard, validated_data: dict[str, Any]) -> ChangeAdvisoryBoard:
        program = validated_data.pop("program", instance.program)
        if program.pk != instance.program_id:
            raise serializers.ValidationError({"program": "A CAB stays with its program."})
        return boards.save_board(program=program, actor=self.context["request"].user, data=validated_data)


class ChangeBoardViewSet(AccordModelViewSet):
    """The program's CAB: its members, emergency members, named clinical approvers and quorums."""

    queryset = ChangeAdvisoryBoard.objects.all()
    serializer_class = ChangeBoardSerializer
    filterset_class = ProgramFilterSet
    prefetch_related = ("members", "emergency_members", "clinical_approvers")


# The change measures' thresholds: one per program, read and written at `?program=<id>` like the alignment
# index, because a program that set none still has thresholds (the defaults) but no row to address by id.


THRESHOLDS = (
    "min_success_rate_percent",
    "max_emergency_share_percent",
    "max_changes_causing_incidents",
    "max_cab_lead_time_days",
)


class ChangeMeasureThresholdsSerializer(serializers.ModelSerializer):
    """The four lines; a PUT gives all four (as the page's form does), a PATCH any of them."""

    is_default = serializers.SerializerMethodField(
        help_text="True while the program has set no thresholds of its own and these are the defaults."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ChangeMeasureThresholds
        fields = ["program", *THRESHOLDS, "is_default", "updated_at"]
        read_only_fields = ["program", "updated_at"]
        # The model's defaults would make the fields optional; a whole replacement names every threshold.
        extra_kwargs = {name: {"required": True} for name in THRESHOLDS}

    def get_is_default(self, obj: ChangeMeasureThresholds) -> bool:
        return obj.pk is None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A misspelt threshold would otherwise be dropped in silence and the answer look like a save.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [f"Not a threshold; the thresholds are {', '.join(THRESHOLDS)}."] for name in unknown}
            )
        return attrs


def _program_param(request: Request) -> Program:
    """The program of `?program=<id>`: a 400 when the id is missing or not one, a 404 when it is not yours."""
    raw = request.query_params.get("program", "")
    low, high = integer_range(Program._meta.pk) or (None, None)
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        raise exceptions.ValidationError({"program": ["Give ?program=<id>, the id of one of your programs."]})
    return get_object_or_404(Program.objects.visible_to(request.user), pk=number)


PROGRAM_PARAM = OpenApiParameter("program", int, required=True, description="The program's id.")


class ChangeMeasureThresholdsView(APIView):
    """The lines past which the program's change measures show red and go on the board's agenda.

    Every member who sees the CAB record reads them (the transition dashboard already shows them); only
    who may change the CAB record moves them, through the same service as the page, with an audit row.
    """

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def _program(self, request: Request, action: str) -> Program:
        program = _program_param(request)
        if not can_in_program(request.user, Action.VIEW, "change_boards", program.pk):
            raise exceptions.NotFound()
        if action != Action.VIEW and not can_in_program(request.user, action, "change_boards", program.pk):
            raise exceptions.PermissionDenied("Your role may not change the change measures' thresholds.")
        return program

    @extend_schema(parameters=[PROGRAM_PARAM], responses=ChangeMeasureThresholdsSerializer)
    def get(self, request: Request) -> Response:
        """The program's thresholds, or the defaults (`is_default`) while it has set none."""
        program = self._program(request, Action.VIEW)
        return Response(ChangeMeasureThresholdsSerializer(queries.thresholds_of(program)).data)

    def _save(self, request: Request, *, partial: bool) -> Response:
        program = self._program(request, Action.CHANGE)
        body = ChangeMeasureThresholdsSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        saved = boards.save_thresholds(program=program, actor=request.user, data=body.validated_data)
        return Response(ChangeMeasureThresholdsSerializer(saved).data)

    @extend_schema(
        parameters=[PROGRAM_PARAM],
        request=ChangeMeasureThresholdsSerializer,
        responses=ChangeMeasureThresholdsSerializer,
    )
    def put(self, request: Request) -> Response:
        """Set all four thresholds (percentages 0-100, counts and days 0 or more); audited."""
        return self._save(request, partial=False)

    @extend_schema(
        parameters=[PROGRAM_PARAM],
        request=ChangeMeasureThresholdsSerializer,
        responses=ChangeMeasureThresholdsSerializer,
    )
    def patch(self, request: Request) -> Response:
        """Move some thresholds; the others keep their value (or default). Audited."""
        return self._save(request, partial=True)


# The action plan


class PlanApprovalSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.full_name", read_only=True)

    class Meta:
        model = PlanApproval
        fields = ["id", "approver", "approver_name", "decision", "conditions", "decided_at"]


class ActionPlanSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    approvals = PlanApprovalSerializer(many=True, read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "program",
            "title",
            "version",
            "horizon_days",
            "starts_on",
            "status",
            "previous",
            "change_note",
            "submitted_at",
            "approved_at",
            "in_effect_at",
            "visibility",
            "items",
            "approvals",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "version",
            "status",
            "previous",
            "submitted_at",
            "approved_at",
            "in_effect_at",
            "created_at",
            "updated_at",
        ]
        # DRF would check (program, version) with the read-only version's default (1); the model's own
        # unique check in `full_clean()` sees the real version.
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if self.instance.status != PlanStatus.DRAFT:
                raise serializers.ValidationError(
                    "Only a draft version is edited; start a new version instead."
                )
            if "program" in attrs and attrs["program"] != self.instance.program:
                raise serializers.ValidationError({"program": "A plan stays in its program."})
        elif "program" in attrs:
            top = ActionPlan.objects.filter(program=attrs["program"]).aggregate(top=models.Max("version"))[
                "top"
            ]
            attrs["version"] = (top or 0) + 1
        return super().validate(attrs)


class PlanDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    conditions = serializers.CharField(required=False, allow_blank=True, default="")


class NewVersionSerializer(serializers.Serializer):
    change_note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionItemSerializer(ValidatedModelSerializer):
    plan = VisibleRelatedField(queryset=ActionPlan.objects.all())
    owner = VisibleRelatedField(queryset=User.objects.all())
    service = VisibleRelatedField(queryset=Service.objects.all(), allow_null=True, required=False)
    depends_on = VisibleRelatedField(queryset=ActionItem.objects.all(), many=True, required=False)
    late = serializers.SerializerMethodField()
    days_moved = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "program",
            "plan",
            "key",
            "what",
            "service",
            "owner",
            "due_on",
            "baseline_due_on",
            "depends_on",
            "status",
            "progress_notes",
            "done_on",
            "late",
            "days_moved",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["program", "baseline_due_on", "created_at", "updated_at"]

    def get_late(self, obj: ActionItem) -> bool:
        return obj.status not in {"done", "cancelled"} and obj.due_on < timezone.localdate()

    def get_days_moved(self, obj: ActionItem) -> int:
        return (obj.due_on - obj.baseline_due_on).days if obj.baseline_due_on else 0

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        plan = attrs.get("plan") or getattr(self.instance, "plan", None)
        if self.instance is not None and "plan" in attrs and attrs["plan"] != self.instance.plan:
            raise serializers.ValidationError({"plan": "An item stays in its plan version."})
        if plan is not None:
            attrs["program"] = plan.program
            strangers = [str(d) for d in attrs.get("depends_on", []) if d.plan_id != plan.pk]
            if strangers:
                raise serializers.ValidationError(
                    {"depends_on": f"Not items of this version: {', '.join(strangers)}."}
                )
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> ActionItem:
        plan = validated_data.pop("plan")
        validated_data.pop("program", None)
        return plans.add_item(plan=plan, actor=self.context["request"].user, data=validated_data)

    def update(self, instance: ActionItem, validated_data: dict[str, Any]) -> ActionItem:
        validated_data.pop("program", None)
        validated_data.pop("plan", None)
        return plans.update_item(item=instance, actor=self.context["request"].user, data=validated_data)


class ActionPlanViewSet(AccordModelViewSet):
    """Versions of the short-term action plan; board members approve each version (`decide`)."""

    queryset = ActionPlan.objects.all()
    serializer_class = ActionPlanSerializer
    filterset_class = ActionPlanFilterSet
    prefetch_related = ("approvals__approver", "items")

    def _plan(self, pk: str | None) -> ActionPlan:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, plan: ActionPlan, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=code)

    @extend_schema(request=None, responses=ActionPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        plan = plans.submit_plan(plan=self._plan(pk), actor=request.user, now=timezone.now())
        return self._respond(plan)

    @extend_schema(request=PlanDecisionSerializer, responses=ActionPlanSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """A board member's approval (with conditions) or rejection of a submitted version."""
        plan = self._plan(pk)
        body = PlanDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plans.decide_on_plan(plan=plan, actor=request.user, now=timezone.now(), **body.validated_data)
        return self._respond(plan, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ActionPlanSerializer)
    @action(detail=True, methods=["post"], url_path="put-in-effect")
    def put_in_effect(self, request: Request, pk: str | None = None) -> Response:
        plan = plans.put_plan_in_effect(plan=self._plan(pk), actor=request.user, now=timezone.now())
        return self._respond(plan)

    @extend_schema(request=NewVersionSerializer, responses=ActionPlanSerializer)
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draft = plans.new_plan_version(
            plan=self._plan(pk), actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._respond(draft, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("with", int, description="The version to compare with (default: the previous)")
        ],
        responses=dict,
    )
    @action(detail=True, methods=["get"])
    def compare(self, request: Request, pk: str | None = None) -> Response:
        """What this version adds, removes and changes against another version of the plan."""
        plan = self._plan(pk)
        other_id = request.query_params.get("with")
        if other_id is not None:
            if not other_id.isdigit() or len(other_id) > 18:
                raise serializers.ValidationError({"with": "An action plan id."})
            other = self.get_queryset().filter(pk=int(other_id), program=plan.program).first()
            if other is None:
                raise Http404
        elif plan.previous_id is not None and can(request.user, Action.VIEW, plan.previous):
            other = plan.previous
        else:
            raise serializers.ValidationError(
                {"with": "This is the first version; say which to compare with."}
            )
        diff = queries.compare_versions(other, plan)
        return Response(
            {
                "from_version": other.version,
                "to_version": plan.version,
                "added": [{"key": i.key, "what": i.what, "due_on": i.due_on} for i in diff["added"]],
                "removed": [{"key": i.key, "what": i.what} for i in diff["removed"]],
                "changed": [
                    {"key": item.key, "changes": [{"field": f, "from": a, "to": b} for f, a, b in fields]}
                    for item, fields in diff["changed"]
                ],
            }
        )

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def slippage(self, request: Request, pk: str | None = None) -> Response:
        """Per owner: items late, and items whose due date moved since it was approved."""
        plan = self._plan(pk)
        rows = queries.slippage(plan, timezone.localdate())
        return Response(
            [
                {
                    "owner": row.owner.pk,
                    "owner_name": str(row.owner),
                    "items": row.items,
                    "on_track": row.on_track,
                    "late": [{"id": i.pk, "key": i.key, "due_on": i.due_on} for i in row.late],
                    "moved": [{"id": i.pk, "key": i.key, "days": days} for i, days in row.moved],
                }
                for row in rows
            ]
        )


class ActionItemViewSet(AccordModelViewSet):
    """Items of the action plan; after approval only progress (status, notes, done date) changes."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilterSet
    select_related = ("plan",)
    prefetch_related = ("depends_on",)


# The iCalendar feed


class ChangeCalendarFeedView(View):
    """The change calendar of one program as the token's owner sees it now; an unknown or revoked token is a 404.

    The token is the credential (calendar clients send no session), so a sign-in is not asked for.
    """

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        reader = feeds.feed_reader(request.GET.get("token", ""), now=now)
        if reader is None:
            raise Http404("No such feed.")
        entries = queries.calendar(
            user=reader.person,
            program=reader.program,
            start=now - FEED_PAST,
            end=now + FEED_AHEAD,
            expand=False,
        )
        body = ical.build_feed(program=reader.program, entries=entries, host=request.get_host(), now=now)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response


ROUTES = [
    ("action-plans", ActionPlanViewSet, "action-plan"),
    ("action-items", ActionItemViewSet, "action-item"),
    ("change-requests", ChangeRequestViewSet, "change-request"),
    ("change-windows", ChangeWindowViewSet, "change-window"),
    ("change-boards", ChangeBoardViewSet, "change-board"),
    ("standard-change-templates", StandardChangeTemplateViewSet, "standard-change-template"),
]
EXTRA_URLS = [
    path("change-calendar.ics", ChangeCalendarFeedView.as_view(), name="change_calendar_feed"),
    path(
        "change-measure-thresholds/", ChangeMeasureThresholdsView.as_view(), name="change-measure-thresholds"
    ),
]
