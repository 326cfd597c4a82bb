"""Filters of the SLA app, shared by its pages and its API."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from accord.core.filters import AccordFilterSet
from accord.sla.choices import Clock, ClockStatus, DisputedClock, DisputeStatus
from accord.sla.models import SlaDispute, SlaResult


class BreachFilterSet(AccordFilterSet):
    """Breaches of the report by reporting period, priority and clock."""

    period = filters.DateFilter(field_name="period_start", label="Period starting")
    priority = filters.CharFilter(field_name="priority")
    clock = filters.ChoiceFilter(choices=Clock.choices, method="breached_clock", empty_label="Either clock")

    class Meta:
        model = SlaResult
        fields = ["period", "priority", "clock"]

    def breached_clock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{value}_status": ClockStatus.BREACHED}) if value else queryset


class SlaDisputeFilterSet(AccordFilterSet):
    program = filters.NumberFilter(field_name="program_id")
    contract = filters.NumberFilter(field_name="contract_id")
    status = filters.ChoiceFilter(choices=DisputeStatus.choices)
    clock = filters.ChoiceFilter(choices=DisputedClock.choices)
    ticket = filters.CharFilter(field_name="ticket__external_id", label="Ticket number")
    period = filters.DateFilter(field_name="period_start")

    class Meta:
        model = SlaDispute
        fields = ["program", "contract", "status", "clock", "ticket", "period"]
