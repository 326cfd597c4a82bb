"""FilterSets of the transparency app, shared by its pages and its API."""

from __future__ import annotations

from django_filters import rest_framework as filters

from accord.core.api import ProgramFilterSet
from accord.transparency.choices import OPEN_CONCERN_STATES, ConcernState, SurveyDimension
from accord.transparency.models import Assignment, Concern, PulseSurvey, Question


class AssignmentFilterSet(ProgramFilterSet):
    current_on = filters.DateFilter(method="filter_current_on", label="Assignments current on this day")

    class Meta:
        model = Assignment
        fields = ["program", "service", "person"]

    def filter_current_on(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(starts_on__lte=value).exclude(ends_on__lt=value)


class QuestionFilterSet(ProgramFilterSet):
    answered = filters.BooleanFilter(field_name="answered_on", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Question
        fields = ["program", "visibility"]


class ConcernFilterSet(ProgramFilterSet):
    # `open` is what the program home counts: submitted, triaged or answered (not closed or converted).
    state = filters.ChoiceFilter(
        choices=[("open", "Open (submitted, triaged or answered)"), *ConcernState.choices],
        method="filter_state",
        empty_label="Any state",
    )

    class Meta:
        model = Concern
        fields = ["program", "state"]

    def filter_state(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value == "open":
            return queryset.filter(state__in=list(OPEN_CONCERN_STATES))
        return queryset.filter(state=value)


class SurveyFilterSet(ProgramFilterSet):
    class Meta:
        model = PulseSurvey
        fields = ["program", "status"]


class SurveyResultsFilterSet(ProgramFilterSet):
    """Time slices are whole surveys (by the day they opened): a slice never splits a survey's respondents."""

    survey = filters.NumberFilter(field_name="pk")
    opened_after = filters.DateFilter(field_name="opens_on", lookup_expr="gte")
    opened_before = filters.DateFilter(field_name="opens_on", lookup_expr="lte")
    # Applied inside each survey's cut (see `queries.survey_results`), not to the survey list.
    group = filters.NumberFilter(method="keep", label="Only the bucket holding this stakeholder group")
    dimension = filters.ChoiceFilter(choices=SurveyDimension.choices, method="keep")

    class Meta:
        model = PulseSurvey
        fields = ["program"]

    def keep(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset
