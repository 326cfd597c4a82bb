"""API for red flags (with their transitions, comments and merges), the risk register and the decision log.

Red flags, risks and decisions are never deleted through the API: flags are closed or merged, risks
closed, and the decision log is a record.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import User
from accord.alignment.models import StakeholderGroup
from accord.benefits.models import Benefit, Initiative, SuccessFactor
from accord.core.api import (
    AccordModelViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.governance import filters, services, states
from accord.governance.models import Decision, RedFlag, RedFlagEvent, Risk
from accord.programs.models import Program

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class RedFlagEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RedFlagEvent
        fields = [
            "id",
            "flag",
            "kind",
            "from_state",
            "to_state",
            "escalation_level",
            "actor",
            "actor_label",
            "at",
            "note",
        ]


class RedFlagSerializer(ValidatedModelSerializer):
    """A red flag. Created by raising it; its state changes only through `POST …/{id}/transition/`."""

    clean_exclude = ("raised_by", "raised_at")
    program = VisibleRelatedField(queryset=Program.objects.all())
    threatens_benefit = VisibleRelatedField(queryset=Benefit.objects.all(), allow_null=True, required=False)
    threatens_success_factor = VisibleRelatedField(
        queryset=SuccessFactor.objects.all(), allow_null=True, required=False
    )
    threatens_initiative = VisibleRelatedField(
        queryset=Initiative.objects.all(), allow_null=True, required=False
    )
    threatens_group = VisibleRelatedField(
        queryset=StakeholderGroup.objects.all(), allow_null=True, required=False
    )
    raised_by_name = serializers.CharField(source="raised_by.full_name", read_only=True)
    risk = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = RedFlag
        fields = [
            "id",
            "program",
            "title",
            "description",
            "severity",
            "visibility",
            "state",
            "raised_by",
            "raised_by_name",
            "raised_at",
            "owner",
            "response_due",
            "resolution",
            "rationale",
            "answered_at",
            "escalation_level",
            "escalated_at",
            "merged_into",
            "threatens_benefit",
            "threatens_success_factor",
            "threatens_group",
            "threatens_initiative",
            "risk",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "state",
            "raised_by",
            "raised_at",
            "owner",
            "response_due",
            "resolution",
            "rationale",
            "answered_at",
            "escalation_level",
            "escalated_at",
            "merged_into",
            "created_at",
            "updated_at",
        ]

    def get_risk(self, flag: RedFlag) -> int | None:
        risk = getattr(flag, "risk", None)
        return risk.pk if risk is not None else None

    def get_allowed_transitions(self, flag: RedFlag) -> list[str]:
        """The states this user may move the flag to now."""
        user = self.context["request"].user
        return [
            t.target
            for t in states.allowed_from(flag.state)
            if services._may_transition(user, flag, t) and not (t.is_reopen and flag.merged_into_id)
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            raise serializers.ValidationError({"program": "A red flag cannot move to another program."})
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> RedFlag:
        return services.raise_red_flag(
            actor=self.context["request"].user, now=timezone.now(), **validated_data
        )

    def update(self, instance: RedFlag, validated_data: dict[str, Any]) -> RedFlag:
        return services.amend_red_flag(flag=instance, actor=self.context["request"].user, data=validated_data)


class RedFlagDetailSerializer(RedFlagSerializer):
    history = serializers.SerializerMethodField()

    class Meta(RedFlagSerializer.Meta):
        fields = [*RedFlagSerializer.Meta.fields, "history"]

    def get_history(self, flag: RedFlag) -> list[dict[str, Any]]:
        from accord.governance.queries import list_flag_history

        return RedFlagEventSerializer(list_flag_history(flag, self.context["request"].user), many=True).data


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField(help_text=f"The next state: one of {', '.join(states.STATES)}.")
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    response_due = serializers.DateField(required=False, allow_null=True)
    resolution = serializers.CharField(required=False, allow_blank=True)
    rationale = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # Only people the requester can see may be named owner; anyone else reads as "does not exist".
        self.fields["owner"].queryset = (
            User.objects.visible_to(request.user) if request else User.objects.none()
        )


class CommentSerializer(serializers.Serializer):
    note = serializers.CharField()


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text="The id of the flag that survives.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        help_text="Why the board must hear of this flag; it reads this on its agenda."
    )


class RedFlagViewSet(AccordModelViewSet):
    """The red-flag register: raise (POST), read, amend a few fields (PATCH), and move along the states."""

    queryset = RedFlag.objects.all()
    serializer_class = RedFlagSerializer
    filterset_class = filters.RedFlagFilterSet
    http_method_names = WRITE_METHODS
    select_related = ("raised_by", "risk")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return RedFlagDetailSerializer
        return super().get_serializer_class()

    def _flag(self, pk: str) -> RedFlag:
        # Not get_object(): the raiser may reopen or comment without the change permission.
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, flag: RedFlag, code: int = status.HTTP_200_OK) -> Response:
        flag = self.get_queryset().get(pk=flag.pk)
        return Response(
            RedFlagDetailSerializer(flag, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=TransitionSerializer, responses=RedFlagDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the flag to `to`; a move the state machine does not allow is a 400 naming the allowed ones."""
        flag = self._flag(pk)
        body = TransitionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        to, note = data.pop("to"), data.pop("note", "")
        fields = {k: v for k, v in data.items() if v not in (None, "")}
        flag = services.transition_red_flag(
            flag=flag, to=to, actor=request.user, note=note, now=timezone.now(), **fields
        )
        return self._respond(flag)

    @extend_schema(request=CommentSerializer, responses=RedFlagDetailSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        flag = self._flag(pk)
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.comment_on_red_flag(
            flag=flag, actor=request.user, note=body.validated_data["note"], now=timezone.now()
        )
        return self._respond(flag, status.HTTP_201_CREATED)

    @extend_schema(request=MergeSerializer, responses=RedFlagDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Close this flag as a duplicate of `into`; both histories are kept."""
        flag = self._flag(pk)
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        into = RedFlag.objects.visible_to(request.user).filter(pk=body.validated_data["into"]).first()
        if into is None:
            raise serializers.ValidationError({"into": "No such red flag, or you cannot see it."})
        services.merge_red_flags(
            duplicate=flag,
            into=into,
            actor=request.user,
            note=body.validated_data["note"],
            now=timezone.now(),
        )
        return self._respond(flag)

    @extend_schema(request=EscalateSerializer, responses=RedFlagDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """Take the flag to the governance board now; it then appears among the board agenda's sources."""
        flag = self._flag(pk)
        body = EscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = services.escalate_red_flag_to_board(
            flag=flag, actor=request.user, reason=body.validated_data["reason"], now=timezone.now()
        )
        return self._respond(flag)


class RiskSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    owner = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Risk
        fields = [
            "id",
            "program",
            "title",
            "cause",
            "consequence",
            "category",
            "likelihood",
            "impact",
            "score",
            "owner",
            "response",
            "actions",
            "review_date",
            "status",
            "visibility",
            "source_flag",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["score", "source_flag", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            raise serializers.ValidationError({"program": "A risk cannot move to another program."})
        return super().validate(attrs)


class RiskViewSet(AccordModelViewSet):
    """The risk register; score = likelihood x impact is computed, never sent."""

    queryset = Risk.objects.all()
    serializer_class = RiskSerializer
    filterset_class = filters.RiskFilterSet
    http_method_names = WRITE_METHODS
    select_related = ("owner",)


class DecisionSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    flags = VisibleRelatedField(queryset=RedFlag.objects.all(), many=True, required=False)
    risks = VisibleRelatedField(queryset=Risk.objects.all(), many=True, required=False)
    benefits = VisibleRelatedField(queryset=Benefit.objects.all(), many=True, required=False)
    groups = VisibleRelatedField(queryset=StakeholderGroup.objects.all(), many=True, required=False)
    initiatives = VisibleRelatedField(queryset=Initiative.objects.all(), many=True, required=False)
    success_factors = VisibleRelatedField(queryset=SuccessFactor.objects.all(), many=True, required=False)

    class Meta:
        model = Decision
        fields = [
            "id",
            "program",
            "title",
            "context",
            "options_considered",
            "decision",
            "rationale",
            "decided_by",
            "decided_on",
            "recorded_by",
            "visibility",
            "flags",
            "risks",
            "benefits",
            "groups",
            "initiatives",
            "success_factors",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_by", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        program = attrs.get("program") or getattr(self.instance, "program", None)
        if self.instance is not None and attrs.get("program", program) != self.instance.program:
            raise serializers.ValidationError({"program": "A decision cannot move to another program."})
        if program is not None:
            names = ("flags", "risks", "benefits", "groups", "initiatives", "success_factors")
            try:
                services.check_decision_links(program, {name: attrs[name] for name in names if name in attrs})
            except ValidationError as error:
                raise serializers.ValidationError(error.message_dict) from error
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Decision:
        return services.create_decision(actor=self.context["request"].user, **validated_data)


class DecisionViewSet(AccordModelViewSet):
    """The decision log the board works from."""

    queryset = Decision.objects.all()
    serializer_class = DecisionSerializer
    filterset_class = filters.DecisionFilterSet
    http_method_names = WRITE_METHODS
    prefetch_related = ("flags", "risks", "benefits", "groups", "initiatives", "success_factors")


ROUTES = [
    ("red-flags", RedFlagViewSet, "red-flag"),
    ("risks", RiskViewSet, "risk"),
    ("decisions", DecisionViewSet, "decision"),
]
