"""API of the SLA app: contracts (read and write), policies, tickets and results (read)."""

from __future__ import annotations

from django.db import models
from django_filters import rest_framework as filters
from rest_framework import serializers

from accord.accounts.models import Organisation
from accord.core.api import (
    AccordModelViewSet,
    AccordReadOnlyViewSet,
    ProgramFilterSet,
    ValidatedModelSerializer,
    VisibleRelatedField,
)
from accord.programs.models import Program
from accord.sla.models import (
    AttainmentTarget,
    Contract,
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
            "currency",
            "visibility",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContractFilterSet(ProgramFilterSet):
    class Meta:
        model = Contract
        fields = ["program", "vendor", "reporting_frequency"]


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


class ContractChildFilterSet(ProgramFilterSet):
    contract = filters.NumberFilter(field_name="contract_id")


class SlaPolicyFilterSet(ContractChildFilterSet):
    class Meta:
        model = SlaPolicy
        fields = ["program", "contract"]


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


class TicketFilterSet(ContractChildFilterSet):
    external_id = filters.CharFilter()
    opened_after = filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["program", "contract", "priority", "external_id", "opened_after", "opened_before"]


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


class SlaResultFilterSet(ContractChildFilterSet):
    version = filters.NumberFilter(field_name="version_id")

    class Meta:
        model = SlaResult
        fields = [
            "program",
            "contract",
            "version",
            "effective",
            "priority",
            "period_start",
            "response_status",
            "resolution_status",
        ]


class SlaResultViewSet(AccordReadOnlyViewSet):
    """Computed SLA results; each names the policy version that computed it."""

    queryset = SlaResult.objects.all()
    serializer_class = SlaResultSerializer
    filterset_class = SlaResultFilterSet
    select_related = ("ticket", "version")


ROUTES = [
    ("contracts", ContractViewSet, "contract"),
    ("sla-policies", SlaPolicyViewSet, "sla-policy"),
    ("tickets", TicketViewSet, "ticket"),
    ("sla-results", SlaResultViewSet, "sla-result"),
]
