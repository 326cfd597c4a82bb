"""One FilterSet per benefits model, used by the API and by the pages that filter."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from accord.benefits import engine, queries
from accord.benefits.models import (
    Benefit,
    Initiative,
    Kpi,
    Measurement,
    Objective,
    ObjectiveLink,
    SuccessFactor,
)
from accord.core.filters import ProgramFilterSet


class ObjectiveFilterSet(ProgramFilterSet):
    class Meta:
        model = Objective
        fields = ["program", "perspective", "owner"]


class ObjectiveLinkFilterSet(ProgramFilterSet):
    class Meta:
        model = ObjectiveLink
        fields = ["program", "cause", "effect"]


class BenefitFilterSet(ProgramFilterSet):
    class Meta:
        model = Benefit
        fields = ["program", "category", "status", "owner", "visibility"]


class KpiFilterSet(ProgramFilterSet):
    # A KPI's RAG today, read from its latest measurement as the program home and the dashboard read it
    # (two queries whatever the number of measurements); `overdue` when a measurement is late.
    rag = filters.ChoiceFilter(
        choices=[
            (engine.GREEN, "On track"),
            (engine.AMBER, "Slipping"),
            (engine.RED, "Off track"),
            (engine.NO_DATA, "No data"),
        ],
        method="filter_reading",
        empty_label="Any status",
        label="Status",
    )
    overdue = filters.BooleanFilter(method="filter_reading", label="Measurement overdue")

    class Meta:
        model = Kpi
        fields = ["program", "benefit", "direction", "frequency", "rag", "overdue"]

    def filter_reading(self, queryset: QuerySet[Kpi], name: str, value: Any) -> QuerySet[Kpi]:
        kpis = queries.attach_latest_readings(
            list(queryset.select_related("benefit")), as_of=timezone.localdate()
        )
        if name == "rag":
            keep = [k.pk for k in kpis if k.reading.status == value]
        else:
            keep = [k.pk for k in kpis if bool(k.reading.overdue) == value]
        return queryset.filter(pk__in=keep)


class MeasurementFilterSet(ProgramFilterSet):
    class Meta:
        model = Measurement
        fields = ["program", "kpi", "measured_on"]


class InitiativeFilterSet(ProgramFilterSet):
    class Meta:
        model = Initiative
        fields = ["program", "status", "owner"]


class SuccessFactorFilterSet(ProgramFilterSet):
    class Meta:
        model = SuccessFactor
        fields = ["program", "dimension", "status", "owner"]
