"""The SLA app's FilterSets, one per model, shared by its pages and its API so that a page's address and
an API query with the same parameters select the same records."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from accord.core.filters import ProgramFilterSet
from accord.sla.choices import Clock, ClockStatus, DisputedClock, DisputeStatus
from accord.sla.models import Contract, SlaDispute, SlaPeriod, SlaPolicy, SlaResult, Ticket


class ContractFilterSet(ProgramFilterSet):
    """Contracts by vendor and reporting frequency (the contract list and /api/contracts/)."""

    class Meta:
        model = Contract
        fields = ["program", "vendor", "reporting_frequency"]


class ContractChildFilterSet(ProgramFilterSet):
    """The base of the FilterSets of records that belong to one contract: `?contract=<id>`."""

    contract = filters.NumberFilter(field_name="contract_id")


class SlaPolicyFilterSet(ContractChildFilterSet):
    class Meta:
        model = SlaPolicy
        fields = ["program", "contract"]


class TicketFilterSet(ContractChildFilterSet):
    external_id = filters.CharFilter()
    opened_after = filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["program", "contract", "priority", "external_id", "opened_after", "opened_before"]


class SlaResultFilterSet(ContractChildFilterSet):
    """SLA results; the report's breaches are these results with a breached clock, filtered by the same
    parameters (`?period=`, `?priority=`, `?clock=`), so a home tile's link and an API query agree."""

    version = filters.NumberFilter(field_name="version_id")
    period = filters.DateFilter(field_name="period_start", label="Period starting")
    priority = filters.CharFilter(field_name="priority")
    clock = filters.ChoiceFilter(
        choices=Clock.choices,
        method="breached_clock",
        empty_label="Either clock",
        label="Breached clock",
    )
    breached = filters.BooleanFilter(method="breached_either", label="Breached on either clock")

    class Meta:
        model = SlaResult
        fields = [
            "program",
            "contract",
            "version",
            "effective",
            "priority",
            "period",
            "period_start",
            "response_status",
            "resolution_status",
            "clock",
            "breached",
        ]

    def breached_clock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{value}_status": ClockStatus.BREACHED}) if value else queryset

    def breached_either(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        either = Q(response_status=ClockStatus.BREACHED) | Q(resolution_status=ClockStatus.BREACHED)
        if value is None:
            return queryset
        return queryset.filter(either) if value else queryset.exclude(either)


class SlaPeriodFilterSet(ContractChildFilterSet):
    class Meta:
        model = SlaPeriod
        fields = ["program", "contract", "status", "start"]


class SlaDisputeFilterSet(ContractChildFilterSet):
    status = filters.ChoiceFilter(choices=DisputeStatus.choices)
    clock = filters.ChoiceFilter(choices=DisputedClock.choices)
    ticket = filters.CharFilter(field_name="ticket__external_id", label="Ticket number")
    period = filters.DateFilter(field_name="period_start")

    class Meta:
        model = SlaDispute
        fields = ["program", "contract", "status", "clock", "ticket", "period"]
