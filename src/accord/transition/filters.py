"""Filters of the transition app, shared by its API and pages; every resource narrows by `?program=`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
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
    """Completions by person, the person's organisation, module, the module's kind and attestation.

    `kind` means what it means for the modules (`TrainingModuleFilterSet`), so the training page's one
    `?kind=` narrows its modules and its records alike.
    """

    person = filters.NumberFilter(field_name="person_id", label="Person")
    organisation = filters.NumberFilter(field_name="person__organisation_id", label="Organisation")
    module = filters.NumberFilter(field_name="module_id", label="Module")
    kind = filters.ChoiceFilter(
        field_name="module__kind", choices=TrainingKind.choices, label="Module kind", empty_label="Any kind"
    )
    # A choice, not a boolean: a boolean filter reads `?attested=maybe` as "either" instead of refusing it.
    attested = filters.ChoiceFilter(
        choices=[("true", "Attested by the person"), ("false", "Not yet attested")],
        method="filter_attested",
        label="Attestation",
        empty_label="Attested or not",
    )

    class Meta:
        model = TrainingRecord
        fields = ["program", "person", "organisation", "module", "kind", "attested"]

    def filter_attested(
        self, queryset: QuerySet[TrainingRecord], name: str, value: str
    ) -> QuerySet[TrainingRecord]:
        return queryset.filter(attested=value == "true")

    def offer_choices(
        self, *, people: Iterable[Any], organisations: Iterable[Any], modules: Iterable[Any]
    ) -> None:
        """On a page, the id filters become selects naming the people, organisations and modules the reader
        may see; the values are still read and checked as the API reads them, so both select the same rows."""
        for name, options, anyone in (
            ("person", people, "Anyone"),
            ("organisation", organisations, "Any organisation"),
            ("module", modules, "Any module"),
        ):
            self.form.fields[name].widget = forms.Select(
                choices=[("", anyone), *((option.pk, str(option)) for option in options)]
            )
