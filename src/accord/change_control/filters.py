"""FilterSets of change control, used by its pages and its API alike."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from accord.change_control.models import (
    ActionItem,
    ActionPlan,
    ChangeRequest,
    ChangeWindow,
    StandardChangeTemplate,
)
from accord.core.api import ProgramFilterSet


class ActionPlanFilterSet(ProgramFilterSet):
    class Meta:
        model = ActionPlan
        fields = ["program", "status", "version"]


class ActionItemFilterSet(ProgramFilterSet):
    plan = filters.NumberFilter(field_name="plan_id")
    owner = filters.NumberFilter(field_name="owner_id")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")

    class Meta:
        model = ActionItem
        fields = ["program", "plan", "owner", "status", "due_before"]


class ChangeRequestFilterSet(ProgramFilterSet):
    service = filters.NumberFilter(field_name="services__id", distinct=True)
    starts_after = filters.IsoDateTimeFilter(field_name="planned_start", lookup_expr="gte")
    starts_before = filters.IsoDateTimeFilter(field_name="planned_start", lookup_expr="lt")
    external_reference = filters.CharFilter(lookup_expr="iexact")
    template = filters.NumberFilter(field_name="template_id")

    class Meta:
        model = ChangeRequest
        fields = [
            "program",
            "state",
            "change_type",
            "template",
            "service",
            "starts_after",
            "starts_before",
            "external_reference",
        ]


class ChangeWindowFilterSet(ProgramFilterSet):
    ends_after = filters.IsoDateTimeFilter(method="filter_ends_after")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = ChangeWindow
        fields = ["program", "kind", "ends_after", "starts_before"]

    def filter_ends_after(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        # A recurring window is still to come while an occurrence ends after `value`: until its last one
        # ends, or for ever when its rule has no end.
        recurring = ~Q(recurrence="") & (Q(recurs_until__isnull=True) | Q(recurs_until__gt=value))
        return queryset.filter(Q(ends_at__gt=value) | recurring)


class StandardChangeTemplateFilterSet(ProgramFilterSet):
    service = filters.NumberFilter(field_name="services__id", distinct=True)

    class Meta:
        model = StandardChangeTemplate
        fields = ["program", "status", "service"]
