"""API of the SLA app: contracts (read and write), policies, tickets and results (read)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts.models import Organisation
from accord.core.api import (
    AccordModelViewSet,
    AccordReadOnlyViewSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.programs.models import Program
from accord.sla import disputes, periods
from accord.sla.choices import DisputedClock, DisputeOutcome
from accord.sla.filters import (
    ContractFilterSet,
    SlaDisputeFilterSet,
    SlaPeriodFilterSet,
    SlaPolicyFilterSet,
    SlaResultFilterSet,
    TicketFilterSet,
)
from accord.sla.models import (
    AttainmentTarget,
    Contract,
    SlaDispute,
    SlaPeriod,
    SlaPolicy,
    SlaPolicyVersion,
    SlaResult,
    Ticket,
    TicketEvent,
)


class AttainmentTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttainmentTarget
        fields = ["id", "priority", "clock", "target_percent", "service_credit_percent"]


class ContractSerializer(ValidatedModelSerializer):
    program = VisibleRelatedField(queryset=Program.objects.all())
    vendor = VisibleRelatedField(queryset=Organisation.objects.all())
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    targets = AttainmentTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "program",
            "name",
            "vendor",
            "vendor_name",
            "start_date",
            "end_date",
            "reporting_frequency",
            "period_fee",
            "credit_cap_percent",
            "currency",
            "visibility",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContractViewSet(AccordModelViewSet):
    """Contracts with vendors; partners see the contracts shared with them."""

    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    select_related = ("vendor",)
    prefetch_related = ("targets",)


class SlaPolicyVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaPolicyVersion
        fields = ["id", "number", "effective_from", "spec", "source_text", "note", "created_at"]


class SlaPolicySerializer(serializers.ModelSerializer):
    versions = SlaPolicyVersionSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = ["id", "program", "contract", "name", "versions"]


class SlaPolicyViewSet(AccordReadOnlyViewSet):
    """SLA policies with every version; versions are made on the policy page (they are audited and dated)."""

    queryset = SlaPolicy.objects.all()
    serializer_class = SlaPolicySerializer
    filterset_class = SlaPolicyFilterSet

    def get_queryset(self) -> models.QuerySet:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                models.Prefetch("versions", SlaPolicyVersion.objects.order_by("effective_from"))
            )
        )


class TicketEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketEvent
        fields = ["seq", "at", "state"]


class TicketSerializer(serializers.ModelSerializer):
    events = TicketEventSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "program",
            "contract",
            "external_id",
            "priority",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "source_format",
            "imported_at",
            "last_import",
            "events",
        ]


class TicketViewSet(AccordReadOnlyViewSet):
    """Imported tickets with their state changes; they are written only by imports."""

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet

    def get_queryset(self) -> models.QuerySet:
        return (
            super()
            .get_queryset()
            .prefetch_related(models.Prefetch("events", TicketEvent.objects.order_by("seq")))
        )


class SlaResultSerializer(serializers.ModelSerializer):
    ticket_external_id = serializers.CharField(source="ticket.external_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = SlaResult
        fields = [
            "id",
            "program",
            "contract",
            "ticket",
            "ticket_external_id",
            "version",
            "version_number",
            "effective",
            "as_of",
            "priority",
            "period_start",
            "response_status",
            "response_elapsed_s",
            "response_due",
            "resolution_status",
            "resolution_elapsed_s",
            "resolution_due",
            "paused_s",
            "paused_hospital_s",
            "paused_vendor_s",
            "paused_third_party_s",
            "paused_unattributed_s",
            "error",
        ]


class SlaResultViewSet(AccordReadOnlyViewSet):
    """Computed SLA results; each names the policy version that computed it."""

    queryset = SlaResult.objects.all()
    serializer_class = SlaResultSerializer
    filterset_class = SlaResultFilterSet
    select_related = ("ticket", "version")


# --- Report periods and disputes --------------------------------------------------------------------


class SlaPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaPeriod
        fields = [
            "id",
            "program",
            "contract",
            "start",
            "end",
            "status",
            "figures",
            "versions",
            "issued_at",
            "issued_by",
        ]


class PeriodIssueSerializer(serializers.Serializer):
    contract = serializers.IntegerField(help_text="The contract whose period report is issued.")
    start = serializers.DateField(help_text="The first day of the reporting period.")


class PeriodReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the issued report is reopened (kept in the audit trail).")


class FigureLineSerializer(serializers.Serializer):
    priority = serializers.CharField()
    clock = serializers.CharField()
    before_attainment = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    after_attainment = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    before_credit = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    after_credit = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class PeriodComparisonSerializer(serializers.Serializer):
    credit_before = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_after = serializers.DecimalField(max_digits=14, decimal_places=2)
    versions_before = serializers.ListField(child=serializers.IntegerField())
    versions_after = serializers.ListField(child=serializers.IntegerField())
    lines = FigureLineSerializer(many=True)


class SlaPeriodViewSet(AccordReadOnlyViewSet):
    """Reporting periods; issuing a period's report closes it with its figures, reopening is explicit."""

    queryset = SlaPeriod.objects.all()
    serializer_class = SlaPeriodSerializer
    filterset_class = SlaPeriodFilterSet

    @extend_schema(request=PeriodIssueSerializer, responses={201: SlaPeriodSerializer})
    @action(detail=False, methods=["post"])
    def issue(self, request: Request) -> Response:
        body = PeriodIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = (
            Contract.objects.visible_to(request.user).filter(pk=body.validated_data["contract"]).first()
        )
        if contract is None:
            raise serializers.ValidationError({"contract": "No such contract, or you cannot see it."})
        period = periods.issue_period_report(
            contract=contract, start=body.validated_data["start"], actor=request.user, now=timezone.now()
        )
        return Response(SlaPeriodSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PeriodComparisonSerializer)
    @action(detail=True, methods=["get"])
    def comparison(self, request: Request, pk: str | None = None) -> Response:
        """The issued figures beside the figures reopening would give, line by line."""
        comparison = periods.compare_period(self.get_object())
        lines = [
            {
                "priority": line.priority,
                "clock": line.clock,
                "before_attainment": line.before.attainment if line.before else None,
                "after_attainment": line.after.attainment if line.after else None,
                "before_credit": line.before.credit if line.before else None,
                "after_credit": line.after.credit if line.after else None,
            }
            for line in comparison.lines
        ]
        return Response(
            PeriodComparisonSerializer(
                {
                    "credit_before": comparison.credit_before,
                    "credit_after": comparison.credit_after,
                    "versions_before": comparison.versions_before,
                    "versions_after": comparison.versions_after,
                    "lines": lines,
                }
            ).data
        )

    @extend_schema(request=PeriodReopenSerializer, responses=SlaPeriodSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        period = get_object_or_404(self.get_queryset(), pk=pk)
        body = PeriodReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period = periods.reopen_period(
            period=period, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(SlaPeriodSerializer(period).data)


class SlaDisputeSerializer(serializers.ModelSerializer):
    ticket_external_id = serializers.CharField(source="ticket.external_id", read_only=True)

    class Meta:
        model = SlaDispute
        fields = [
            "id",
            "program",
            "contract",
            "ticket",
            "ticket_external_id",
            "clock",
            "period_start",
            "vendor_claim",
            "measured_status",
            "rule",
            "status",
            "raised_side",
            "raised_by",
            "reason",
            "answer",
            "answered_by",
            "answered_at",
            "outcome",
            "settlement_note",
            "settled_by",
            "settled_at",
            "created_at",
        ]
        read_only_fields = fields


class DisputeRaiseSerializer(serializers.Serializer):
    ticket = VisibleRelatedField(queryset=Ticket.objects.all(), help_text="The ticket's id in Accord.")
    clock = serializers.ChoiceField(choices=DisputedClock.choices)
    reason = serializers.CharField()


class DisputeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class DisputeSettleSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DisputeOutcome.choices)
    note = serializers.CharField()


class SlaDisputeViewSet(AccordModelViewSet):
    """SLA disputes: raise (POST), read, answer and settle; a dispute is never edited or deleted."""

    queryset = SlaDispute.objects.all()
    serializer_class = SlaDisputeSerializer
    filterset_class = SlaDisputeFilterSet
    http_method_names = ["get", "post", "head", "options"]
    select_related = ("ticket",)

    def _respond(self, dispute: SlaDispute, code: int = status.HTTP_200_OK) -> Response:
        return Response(SlaDisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data, status=code)

    @extend_schema(request=DisputeRaiseSerializer, responses={201: SlaDisputeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DisputeRaiseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        dispute = disputes.raise_dispute(
            ticket=data["ticket"],
            clock=data["clock"],
            reason=data["reason"],
            actor=request.user,
            now=timezone.now(),
        )
        return self._respond(dispute, status.HTTP_201_CREATED)

    @extend_schema(request=DisputeAnswerSerializer, responses=SlaDisputeSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """The other side's answer; a settled dispute takes none (400)."""
        dispute = get_object_or_404(self.get_queryset(), pk=pk)
        body = DisputeAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = disputes.answer_dispute(
            dispute=dispute, answer=body.validated_data["answer"], actor=request.user, now=timezone.now()
        )
        return self._respond(dispute)

    @extend_schema(request=DisputeSettleSerializer, responses=SlaDisputeSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str | None = None) -> Response:
        """Record the settlement: for the vendor (the clock counts as met) or for the hospital."""
        dispute = get_object_or_404(self.get_queryset(), pk=pk)
        body = DisputeSettleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = disputes.settle_dispute(
            dispute=dispute,
            outcome=body.validated_data["outcome"],
            note=body.validated_data["note"],
            actor=request.user,
            now=timezone.now(),
        )
        return self._respond(dispute)


ROUTES = [
    ("contracts", ContractViewSet, "contract"),
    ("sla-policies", SlaPolicyViewSet, "sla-policy"),
    ("tickets", TicketViewSet, "ticket"),
    ("sla-results", SlaResultViewSet, "sla-result"),
    ("sla-periods", SlaPeriodViewSet, "sla-period"),
    ("sla-disputes", SlaDisputeViewSet, "sla-dispute"),
]
