"""API for stakeholder groups, readiness, impacts, strategy versions, endorsements, commitments and the
read-only alignment index."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accord.accounts.models import Organisation
from accord.alignment import filters, queries, services
from accord.alignment.choices import DECISIONS, CommitmentStatus
from accord.alignment.models import (
    Commitment,
    Endorsement,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.core.api import (
    AccordModelViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.core.permissions import Action, audience_in, can_in_program
from accord.core.validation import validate_people
from accord.programs.models import Program


def _user_model() -> Any:
    return StakeholderGroup._meta.get_field("lead").related_model


# --- Stakeholder groups, readiness, impacts --------------------------------------------------------------


class StakeholderGroupSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    # Only an organisation the editor works with (no probing of other hospitals' units by id).
    organisation = VisibleRelatedField(
        queryset=Organisation.objects.all(),
        allow_null=True,
        required=False,
        help_text=StakeholderGroup._meta.get_field("organisation").help_text,
    )
    lead = VisibleRelatedField(queryset=_user_model().objects.all(), allow_null=True, required=False)
    members = VisibleRelatedField(queryset=_user_model().objects.all(), many=True, required=False)
    quadrant = serializers.SerializerMethodField()

    class Meta:
        model = StakeholderGroup
        fields = [
            "id",
            "program",
            "name",
            "kind",
            "organisation",
            "lead",
            "members",
            "power",
            "interest",
            "quadrant",
            "wiifm",
            "changes_asked",
            "visibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_quadrant(self, obj: StakeholderGroup) -> str:
        return obj.quadrant.value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validate_people(
            attrs.get("program") or getattr(self.instance, "program", None),
            attrs.get("members", []),
            "members",
        )
        return super().validate(attrs)


class StakeholderGroupViewSet(AccordModelViewSet):
    queryset = StakeholderGroup.objects.all()
    serializer_class = StakeholderGroupSerializer
    filterset_class = filters.StakeholderGroupFilterSet
    select_related = ("lead", "organisation")
    prefetch_related = ("members",)


class ReadinessAssessmentSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    group = VisibleRelatedField(queryset=StakeholderGroup.objects.all())
    barrier_point = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = ReadinessAssessment
        fields = [
            "id",
            "program",
            "group",
            "assessed_on",
            "assessed_by",
            "awareness",
            "desire",
            "knowledge",
            "ability",
            "reinforcement",
            "barrier_point",
            "notes",
            "created_at",
        ]
        read_only_fields = ["assessed_by", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> ReadinessAssessment:
        validated_data["assessed_by"] = self.context["request"].user
        return super().create(validated_data)


class ReadinessAssessmentViewSet(AccordModelViewSet):
    queryset = ReadinessAssessment.objects.all()
    serializer_class = ReadinessAssessmentSerializer
    filterset_class = filters.ReadinessAssessmentFilterSet
    select_related = ("group",)


class ImpactSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    group = VisibleRelatedField(queryset=StakeholderGroup.objects.all())
    initiative = VisibleRelatedField(
        queryset=Impact._meta.get_field("initiative").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    change_label = serializers.CharField(read_only=True)
    benefits = VisibleRelatedField(
        queryset=Impact._meta.get_field("benefits").related_model.objects.all(), many=True, required=False
    )

    class Meta:
        model = Impact
        fields = [
            "id",
            "program",
            "group",
            "initiative",
            "change",
            "change_label",
            "benefits",
            "score",
            "rationale",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        program = attrs.get("program") or getattr(self.instance, "program", None)
        if program is not None and any(b.program_id != program.pk for b in attrs.get("benefits", [])):
            raise serializers.ValidationError({"benefits": "Choose benefits of the impact's program."})
        return super().validate(attrs)


class ImpactViewSet(AccordModelViewSet):
    queryset = Impact.objects.all()
    serializer_class = ImpactSerializer
    filterset_class = filters.ImpactFilterSet
    select_related = ("group", "initiative")
    prefetch_related = ("benefits",)


# --- Strategy versions and endorsements ---------------------------------------------------------------------


class EndorsementSerializer(serializers.ModelSerializer):
    version = VisibleRelatedField(queryset=StrategyVersion.objects.all())
    group = VisibleRelatedField(queryset=StakeholderGroup.objects.all())
    status = serializers.ChoiceField(choices=[(d.value, d.label) for d in DECISIONS])
    group_name = serializers.CharField(source="group.name", read_only=True)
    current = serializers.BooleanField(source="is_current", read_only=True)

    class Meta:
        model = Endorsement
        fields = [
            "id",
            "program",
            "version",
            "group",
            "group_name",
            "status",
            "text",
            "decided_by",
            "on_behalf",
            "decided_at",
            "lapsed_at",
            "current",
            "created_at",
        ]
        read_only_fields = ["program", "decided_by", "on_behalf", "decided_at", "lapsed_at", "created_at"]
        validators: list = []  # the row exists from publication; POST answers it rather than adding one

    def to_representation(self, instance: Endorsement) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["status"] = instance.status  # "requested" too, which is not a choice one can make
        return data

    def _decide(self, version: StrategyVersion, group: StakeholderGroup, data: dict[str, Any]) -> Endorsement:
        return services.decide_endorsement(
            version=version,
            group=group,
            status=data["status"],
            text=data.get("text", ""),
            actor=self.context["request"].user,
            now=timezone.now(),
        )

    def create(self, validated_data: dict[str, Any]) -> Endorsement:
        return self._decide(validated_data["version"], validated_data["group"], validated_data)

    def update(self, instance: Endorsement, validated_data: dict[str, Any]) -> Endorsement:
        data = {
            "status": validated_data.get("status", instance.status),
            "text": validated_data.get("text", ""),
        }
        return self._decide(instance.version, instance.group, data)


class EndorsementViewSet(AccordModelViewSet):
    """Endorsements are requested when a version is published; POST (version, group, status, text) or PATCH
    records the group's answer. Only the group's lead, or the program manager on their behalf."""

    queryset = Endorsement.objects.all()
    serializer_class = EndorsementSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = filters.EndorsementFilterSet
    select_related = ("group", "version")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endorsement = serializer.save()
        return Response(self.get_serializer(endorsement).data, status=status.HTTP_201_CREATED)


class StrategyVersionSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    endorsements = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = StrategyVersion
        fields = [
            "id",
            "program",
            "number",
            "summary",
            "snapshot",
            "published_at",
            "published_by",
            "endorsements",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["number", "published_at", "published_by", "created_at", "updated_at"]

    def get_snapshot(self, obj: StrategyVersion) -> dict[str, Any]:
        return queries.filter_snapshot_for(obj.snapshot, self.context["request"].user, obj.program_id)

    def get_endorsements(self, obj: StrategyVersion) -> list[dict[str, Any]]:
        rows = getattr(obj, "visible_endorsements", None)  # prefetched by the viewset for lists
        if rows is None:
            user = self.context["request"].user
            rows = Endorsement.objects.visible_to(user).filter(version=obj).select_related("group")
        return [
            {
                "group": e.group_id,
                "group_name": e.group.name,
                "status": e.status,
                "text": e.text,
                "on_behalf": e.on_behalf,
                "current": e.is_current,
            }
            for e in rows
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and self.instance.is_published:
            raise serializers.ValidationError(
                "A published strategy version is frozen; publish a new version."
            )
        if self.instance is None:
            return attrs  # the draft service numbers and validates it
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> StrategyVersion:
        return services.create_strategy_draft(
            program=validated_data["program"],
            summary=validated_data["summary"],
            actor=self.context["request"].user,
        )


class StrategyVersionViewSet(AccordModelViewSet):
    queryset = StrategyVersion.objects.all()
    serializer_class = StrategyVersionSerializer
    filterset_class = filters.StrategyVersionFilterSet
    select_related = ("published_by",)

    def get_queryset(self) -> QuerySet[StrategyVersion]:
        # Each version's endorsements, as far as the user may see them, in one query for the whole page.
        visible = Endorsement.objects.visible_to(self.request.user).select_related("group")
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("endorsements", queryset=visible, to_attr="visible_endorsements"))
        )

    @extend_schema(request=None, responses=StrategyVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        if not can_in_program(request.user, "publish", "alignment", version.program_id):
            raise exceptions.PermissionDenied("Only the program manager publishes strategy versions.")
        try:
            version = services.publish_strategy_version(
                version=version, actor=request.user, now=timezone.now()
            )
        except ValidationError as error:
            raise exceptions.ValidationError({"detail": error.messages}) from error
        return Response(self.get_serializer(version).data)


# --- Commitments ----------------------------------------------------------------------------------------


class CommitmentSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    group = VisibleRelatedField(queryset=StakeholderGroup.objects.all())
    owner = VisibleRelatedField(queryset=_user_model().objects.all(), allow_null=True, required=False)
    benefit = VisibleRelatedField(
        queryset=Commitment._meta.get_field("benefit").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    initiative = VisibleRelatedField(
        queryset=Commitment._meta.get_field("initiative").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    notes = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "program",
            "group",
            "what",
            "owner",
            "due_date",
            "benefit",
            "initiative",
            "status",
            "dropped_reason",
            "done_on",
            "notes",
            "origin_action",
            "origin_decision",
            "created_at",
            "updated_at",
        ]
        # Where a commitment came from is set when a meeting action is turned into it, never edited.
        read_only_fields = ["origin_action", "origin_decision", "created_at", "updated_at"]

    def validate_group(self, group: StakeholderGroup) -> StakeholderGroup:
        if self.instance is not None:
            try:
                services.check_commitment_move(
                    commitment=self.instance, group=group, actor=self.context["request"].user
                )
            except ValidationError as error:
                raise serializers.ValidationError(error.message_dict["group"]) from error
        return group

    def get_notes(self, obj: Commitment) -> list[dict[str, Any]]:
        return [{"noted_on": n.noted_on, "author": n.author_id, "text": n.text} for n in obj.notes.all()]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The status, delivery date and reason are settled by the service's rule before the model's own
        # checks run, so a new commitment marked done gets today's date as a status change would.
        if self.instance is None or {"status", "done_on", "dropped_reason"} & set(attrs):
            recorded = self.instance
            try:
                attrs.update(
                    services.settle_commitment_status(
                        recorded,
                        status=attrs.get(
                            "status", recorded.status if recorded else CommitmentStatus.NOT_STARTED
                        ),
                        dropped_reason=attrs.get(
                            "dropped_reason", recorded.dropped_reason if recorded else ""
                        ),
                        done_on=attrs.get("done_on"),
                        today=timezone.localdate(),
                    )
                )
            except ValidationError as error:
                raise serializers.ValidationError(error.message_dict) from error
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Commitment:
        return services.create_commitment(
            data=validated_data, actor=self.context["request"].user, today=timezone.localdate()
        )

    def update(self, instance: Commitment, validated_data: dict[str, Any]) -> Commitment:
        return services.update_commitment(
            commitment=instance,
            data=validated_data,
            actor=self.context["request"].user,
            today=timezone.localdate(),
        )


class CommitmentViewSet(AccordModelViewSet):
    queryset = Commitment.objects.all()
    serializer_class = CommitmentSerializer
    filterset_class = filters.CommitmentFilterSet
    select_related = ("group",)
    prefetch_related = ("notes",)


# --- The alignment index (read-only) ------------------------------------------------------------------------


class AlignmentView(APIView):
    """Per-group scores and parts, the program score, the plus-sum verdict and each group's net."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("program", int, required=True)],
        responses=inline_serializer(
            "Alignment",
            {
                "program": serializers.IntegerField(),
                "score": serializers.FloatField(allow_null=True),
                "parts": serializers.ListField(child=serializers.DictField()),
                "plus_sum": serializers.BooleanField(),
                "weights": serializers.DictField(child=serializers.IntegerField()),
                "current_version": serializers.IntegerField(allow_null=True),
                "groups": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        program_id = request.query_params.get("program", "")
        if not program_id.isdigit():
            raise exceptions.ValidationError({"program": "Give ?program=<id>."})
        program = get_object_or_404(Program.objects.visible_to(request.user), pk=int(program_id))
        if not can_in_program(request.user, Action.VIEW, "alignment", program.pk):
            raise exceptions.NotFound()
        groups = list(StakeholderGroup.objects.visible_to(request.user).filter(program=program))
        result = queries.compute_alignment(
            program=program,
            today=timezone.localdate(),
            audience=audience_in(request.user, program.pk),
            groups=groups,
        )
        program_score = result.program_score.as_dict()
        return Response(
            {
                "program": program.pk,
                "score": program_score["score"],
                "parts": program_score["parts"],
                "plus_sum": result.plus_sum,
                "weights": result.weights,
                "current_version": result.version.number if result.version else None,
                "groups": [
                    {"id": g.pk, "name": g.name, "net_impact": result.nets[g.pk], **score.as_dict()}
                    for g, score, _inputs in result.groups
                ],
            }
        )


ROUTES = [
    ("stakeholder-groups", StakeholderGroupViewSet, "stakeholder-group"),
    ("readiness-assessments", ReadinessAssessmentViewSet, "readiness-assessment"),
    ("impacts", ImpactViewSet, "impact"),
    ("strategy-versions", StrategyVersionViewSet, "strategy-version"),
    ("endorsements", EndorsementViewSet, "endorsement"),
    ("commitments", CommitmentViewSet, "commitment"),
]
EXTRA_URLS = [path("alignment/", AlignmentView.as_view(), name="alignment")]
