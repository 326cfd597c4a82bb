"""FilterSets of change control, used by its pages and its API alike."""

from __future__ import annotations

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
    ends_after = filters.IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = ChangeWindow
        fields = ["program", "kind", "ends_after", "starts_before"]


class StandardChangeTemplateFilterSet(ProgramFilterSet):
    service = filters.NumberFilter(field_name="services__id", distinct=True)

    class Meta:
        model = StandardChangeTemplate
        fields = ["program", "status", "service"]
