"""One FilterSet per governance model, used by the API and by the register pages alike.

The pages offer a few of each FilterSet's filters (`page_filters`); the API accepts them all, with the
same meaning, so a page's address and an API query select the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters

from accord.core.filters import ProgramFilterSet
from accord.governance.choices import (
    OPEN_RISK_STATUSES,
    EscalationLevel,
    FlagState,
    RiskCategory,
    RiskResponse,
    RiskStatus,
    Severity,
)
from accord.governance.models import Decision, RedFlag, Risk


class RedFlagFilterSet(ProgramFilterSet):
    state = filters.ChoiceFilter(
        choices=[("open", "Open (not yet answered)"), *FlagState.choices],
        method="filter_state",
        empty_label="Any state",
    )
    severity = filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    mine = filters.ChoiceFilter(
        choices=[("owned", "Owned by me"), ("raised", "Raised by me")],
        method="filter_mine",
        empty_label="Everyone's",
        label="Whose",
    )
    escalated = filters.BooleanFilter(
        method="filter_escalated", label="Escalated only", widget=forms.CheckboxInput
    )
    # Raised on or before this day (in the program's time zone): the home's "older than 14 days" links here.
    raised_before = filters.DateFilter(
        field_name="raised_at", lookup_expr="date__lte", label="Raised on or before"
    )

    page_filters = ("state", "severity", "mine", "escalated")

    class Meta:
        model = RedFlag
        fields = [
            "program",
            "state",
            "severity",
            "visibility",
            "raised_by",
            "owner",
            "escalation_level",
            "mine",
            "escalated",
            "raised_before",
        ]

    def filter_state(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        return queryset.open() if value == "open" else queryset.filter(state=value)

    def filter_mine(self, queryset: QuerySet[RedFlag], name: str, value: str) -> QuerySet[RedFlag]:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(owner=user) if value == "owned" else queryset.filter(raised_by=user)

    def filter_escalated(self, queryset: QuerySet[RedFlag], name: str, value: Any) -> QuerySet[RedFlag]:
        # Unticked means "any", not "never escalated": a checkbox cannot say the latter.
        return queryset.filter(escalation_level__gt=EscalationLevel.NONE) if value else queryset


class RiskFilterSet(ProgramFilterSet):
    # The domain's meaning: an open risk is one not closed (open or monitoring), as the heat map, the board
    # and the program home count them; `all` is any status, the register page's "All".
    status = filters.ChoiceFilter(
        choices=[
            ("open", "Open (not closed: open or monitoring)"),
            (RiskStatus.MONITORING, RiskStatus.MONITORING.label),
            (RiskStatus.CLOSED, RiskStatus.CLOSED.label),
            ("all", "Any status"),
        ],
        method="filter_status",
        empty_label="Any status",
    )
    category = filters.ChoiceFilter(choices=RiskCategory.choices, empty_label="Any category")
    response = filters.ChoiceFilter(choices=RiskResponse.choices, empty_label="Any response")
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte", label="Score at least")

    class Meta:
        model = Risk
        fields = ["program", "status", "category", "likelihood", "impact", "response", "owner", "min_score"]

    def offer_owners(self, owners: Iterable[Any]) -> None:
        """On a page, the owner select names these people (the owners of risks the reader sees), never every
        account; the value is still checked as the API checks it, so `?owner=` means the same on both."""
        self.form.fields["owner"].widget.choices = [
            ("", "Anyone"),
            *((person.pk, str(person)) for person in owners),
        ]

    def filter_status(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        if value == "open":
            return queryset.filter(status__in=list(OPEN_RISK_STATUSES))
        return queryset if value == "all" else queryset.filter(status=value)


class DecisionFilterSet(ProgramFilterSet):
    since = filters.DateFilter(field_name="decided_on", lookup_expr="gte")
    until = filters.DateFilter(field_name="decided_on", lookup_expr="lte")

    class Meta:
        model = Decision
        fields = ["program", "since", "until", "flags", "risks"]
