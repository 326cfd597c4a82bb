"""Filters of the transition app, shared by its API and pages; every resource narrows by `?program=`."""

from __future__ import annotations

from django_filters import rest_framework as filters

from accord.core.api import ProgramFilterSet
from accord.transition.choices import HandoverStage, KnowledgeStatus, ServiceKind, TrainingKind
from accord.transition.models import Interview, KnowledgeItem, Service, TrainingModule, TrainingRecord


class ServiceFilterSet(ProgramFilterSet):
    kind = filters.ChoiceFilter(choices=ServiceKind.choices)
    stage = filters.ChoiceFilter(choices=HandoverStage.choices)
    criticality = filters.NumberFilter(field_name="criticality")
    clinical_impact = filters.BooleanFilter()

    class Meta:
        model = Service
        fields = ["program", "kind", "stage", "criticality", "clinical_impact"]


class KnowledgeItemFilterSet(ProgramFilterSet):
    service = filters.NumberFilter(field_name="service_id")
    template = filters.NumberFilter(field_name="template_id")
    status = filters.ChoiceFilter(choices=KnowledgeStatus.choices)
    review_due_before = filters.DateFilter(field_name="review_due_on", lookup_expr="lte")

    class Meta:
        model = KnowledgeItem
        fields = ["program", "service", "template", "status", "review_due_before"]


class InterviewFilterSet(ProgramFilterSet):
    service = filters.NumberFilter(field_name="service_id")

    class Meta:
        model = Interview
        fields = ["program", "service"]


class TrainingModuleFilterSet(ProgramFilterSet):
    kind = filters.ChoiceFilter(choices=TrainingKind.choices)

    class Meta:
        model = TrainingModule
        fields = ["program", "kind"]


class TrainingRecordFilterSet(ProgramFilterSet):
    person = filters.NumberFilter(field_name="person_id")
    module = filters.NumberFilter(field_name="module_id")

    class Meta:
        model = TrainingRecord
        fields = ["program", "person", "module"]
