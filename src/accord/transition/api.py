"""API of the transition: services (with stage moves and sign-offs as actions), knowledge items (with review
as an action), interviews, training modules and training records; each narrows by `?program=`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import User
from accord.core.api import AccordModelViewSet, ValidatedModelSerializer, VisibleRelatedField
from accord.core.permissions import can
from accord.programs.models import Program
from accord.sla.models import Contract
from accord.transition import filters, services
from accord.transition.choices import HandoverStage
from accord.transition.models import (
    Interview,
    KnowledgeItem,
    KnowledgeTemplate,
    Service,
    TrainingModule,
    TrainingRecord,
)
from accord.transition.queries import service_coverage


def MemberField(**kwargs: Any) -> VisibleRelatedField:
    """A person the requester can see; whether they belong to the record's program is `full_clean()`'s to say."""
    return VisibleRelatedField(queryset=User.objects.all(), **kwargs)


class ServiceSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    internal_owner = MemberField()
    partner_owner = MemberField(required=False, allow_null=True)
    contract = VisibleRelatedField(queryset=Contract.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "program",
            "name",
            "kind",
            "description",
            "criticality",
            "clinical_impact",
            "internal_owner",
            "partner_owner",
            "configuration_items",
            "contract",
            "stage",
            "stage_since",
            "knowledge_due_on",
            "partner_incidents_handled",
            "coverage_red_flag",
            "visibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "stage_since", "coverage_red_flag", "created_at", "updated_at"]


class StageMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=HandoverStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SignOffSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CoverageSerializer(serializers.Serializer):
    percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    gaps = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the templates without approved knowledge."
    )


class ServiceViewSet(AccordModelViewSet):
    """The services handed over to the partner; the stage moves only through the `stage` action."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_class = filters.ServiceFilterSet
    select_related = ("internal_owner", "partner_owner")

    def _visible(self, pk: str | None) -> Service:
        # Looked up without the change check of `get_object`: the service decides who may move or sign.
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=StageMoveSerializer, responses=ServiceSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str | None = None) -> Response:
        """Move one stage forward (refused with the missing exit criteria) or back one with a reason."""
        service = self._visible(pk)
        body = StageMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service = services.move_stage(service=service, actor=request.user, **body.validated_data)
        service.refresh_from_db()
        return Response(ServiceSerializer(service, context=self.get_serializer_context()).data)

    @extend_schema(request=SignOffSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        """The internal or partner owner signs off the service's current stage."""
        service = self._visible(pk)
        body = SignOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sign_off = services.sign_off_stage(
            service=service, actor=request.user, note=body.validated_data["note"]
        )
        return Response(
            {"stage": sign_off.stage, "party": sign_off.party, "signed_at": sign_off.signed_at},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=CoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request: Request, pk: str | None = None) -> Response:
        """The service's knowledge coverage as the stage criteria judge it."""
        cov = service_coverage(self._visible(pk))
        return Response(CoverageSerializer({"percent": cov.percent, "gaps": list(cov.gaps)}).data)


class KnowledgeItemSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    service = VisibleRelatedField(queryset=Service.objects.all())
    template = serializers.PrimaryKeyRelatedField(queryset=KnowledgeTemplate.objects.all())
    clean_exclude = ("author",)

    class Meta:
        model = KnowledgeItem
        fields = [
            "id",
            "program",
            "service",
            "template",
            "title",
            "author",
            "content",
            "status",
            "review_due_on",
            "approved_by",
            "approved_at",
            "superseded_by",
            "visibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "author",
            "status",
            "approved_by",
            "approved_at",
            "superseded_by",
            "created_at",
            "updated_at",
        ]

    def create(self, validated_data: dict[str, Any]) -> KnowledgeItem:
        return services.create_knowledge_item(actor=self.context["request"].user, data=validated_data)

    def update(self, instance: KnowledgeItem, validated_data: dict[str, Any]) -> KnowledgeItem:
        return services.update_knowledge_item(
            item=instance, actor=self.context["request"].user, data=validated_data
        )


class ReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["submit", "approve", "return", "supersede"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class KnowledgeItemViewSet(AccordModelViewSet):
    """Knowledge items; partners write them, only the service's internal owner approves (the `review` action)."""

    queryset = KnowledgeItem.objects.all()
    serializer_class = KnowledgeItemSerializer
    filterset_class = filters.KnowledgeItemFilterSet
    select_related = ("service", "template")

    @extend_schema(request=ReviewSerializer, responses=KnowledgeItemSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """submit (author: to review), approve / return (with a note) / supersede (the internal owner)."""
        item = get_object_or_404(self.get_queryset().select_related("service"), pk=pk)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        verb, note = body.validated_data["action"], body.validated_data["note"]
        if verb == "submit":
            item = services.submit_for_review(item=item, actor=request.user)
        elif verb == "approve":
            item = services.approve_knowledge_item(item=item, actor=request.user)
        elif verb == "return":
            item = services.return_to_draft(item=item, actor=request.user, note=note)
        else:
            item = services.supersede_knowledge_item(item=item, actor=request.user)
        return Response(KnowledgeItemSerializer(item, context=self.get_serializer_context()).data)


class InterviewSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    service = VisibleRelatedField(queryset=Service.objects.all())
    expert = MemberField()
    interviewer = MemberField()
    knowledge_items = VisibleRelatedField(queryset=KnowledgeItem.objects.all(), many=True, required=False)

    class Meta:
        model = Interview
        fields = [
            "id",
            "program",
            "service",
            "expert",
            "interviewer",
            "scheduled_at",
            "notes",
            "knowledge_items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        service = attrs.get("service") or getattr(self.instance, "service", None)
        stray = [
            item for item in attrs.get("knowledge_items") or [] if service and item.service_id != service.pk
        ]
        if stray:
            raise serializers.ValidationError(
                {"knowledge_items": [f"Not about {service}: {', '.join(map(str, stray))}."]}
            )
        return attrs


class InterviewViewSet(AccordModelViewSet):
    queryset = Interview.objects.all()
    serializer_class = InterviewSerializer
    filterset_class = filters.InterviewFilterSet
    select_related = ("service",)
    prefetch_related = ("knowledge_items",)


class TrainingModuleSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    required_roles = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = TrainingModule
        fields = [
            "id",
            "program",
            "title",
            "kind",
            "description",
            "required_roles",
            "required_organisations",
            "validity_months",
            "due_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class TrainingModuleViewSet(AccordModelViewSet):
    queryset = TrainingModule.objects.all()
    serializer_class = TrainingModuleSerializer
    filterset_class = filters.TrainingModuleFilterSet
    prefetch_related = ("required_organisations",)


class TrainingRecordSerializer(serializers.ModelSerializer):
    program = serializers.PrimaryKeyRelatedField(read_only=True)
    module = VisibleRelatedField(queryset=TrainingModule.objects.all())
    person = MemberField(required=False, help_text="Empty: yourself.")

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "program",
            "person",
            "module",
            "completed_on",
            "evidence",
            "attested",
            "attested_at",
            "expires_on",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["attested", "attested_at", "expires_on", "recorded_by", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> TrainingRecord:
        actor = self.context["request"].user
        return services.record_training(
            module=validated_data["module"],
            person=validated_data.get("person") or actor,
            completed_on=validated_data["completed_on"],
            evidence=validated_data.get("evidence", ""),
            actor=actor,
        )


class TrainingRecordViewSet(AccordModelViewSet):
    """Completions: people record their own, a program manager anyone's; a correction is a delete and a new
    record; the trained person confirms one recorded for them with the `attest` action."""

    queryset = TrainingRecord.objects.all()
    serializer_class = TrainingRecordSerializer
    filterset_class = filters.TrainingRecordFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]
    select_related = ("module", "person")

    @extend_schema(request=None, responses=TrainingRecordSerializer)
    @action(detail=True, methods=["post"])
    def attest(self, request: Request, pk: str | None = None) -> Response:
        """The trained person confirms the completion (as the training page's "confirm"); again is harmless."""
        # Not get_object(): attesting is its own right (the record's person), not the change permission.
        record = get_object_or_404(self.get_queryset(), pk=pk)
        if not can(request.user, "attest", record):
            raise PermissionDenied("Only the person who took the training attests it.")
        record = services.attest_training(record=record, actor=request.user)
        return Response(TrainingRecordSerializer(record, context=self.get_serializer_context()).data)


ROUTES = [
    ("services", ServiceViewSet, "transition-service"),
    ("knowledge-items", KnowledgeItemViewSet, "knowledge-item"),
    ("interviews", InterviewViewSet, "interview"),
    ("training-modules", TrainingModuleViewSet, "training-module"),
    ("training-records", TrainingRecordViewSet, "training-record"),
]
