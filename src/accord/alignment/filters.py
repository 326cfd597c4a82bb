"""One FilterSet per alignment model, used by the API and by the pages that filter."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from accord.alignment import queries
from accord.alignment.models import (
    Commitment,
    Endorsement,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.core.filters import ProgramFilterSet


class StakeholderGroupFilterSet(ProgramFilterSet):
    class Meta:
        model = StakeholderGroup
        fields = ["program", "kind", "visibility"]


class ReadinessAssessmentFilterSet(ProgramFilterSet):
    class Meta:
        model = ReadinessAssessment
        fields = ["program", "group"]


class ImpactFilterSet(ProgramFilterSet):
    class Meta:
        model = Impact
        fields = ["program", "group"]


class EndorsementFilterSet(ProgramFilterSet):
    class Meta:
        model = Endorsement
        fields = ["program", "version", "group", "status"]


class StrategyVersionFilterSet(ProgramFilterSet):
    class Meta:
        model = StrategyVersion
        fields = ["program"]


class CommitmentFilterSet(ProgramFilterSet):
    # What needs attention today, as the program home counts it: late (open and overdue, or marked late) or
    # due within a week (open, not late).
    attention = filters.ChoiceFilter(
        choices=[("late", "Late"), ("soon", "Due within a week")],
        method="filter_attention",
        empty_label="Any",
    )

    class Meta:
        model = Commitment
        fields = ["program", "group", "status", "owner", "attention"]

    def filter_attention(self, queryset: QuerySet[Commitment], name: str, value: str) -> QuerySet[Commitment]:
        today = timezone.localdate()
        open_ones = queries.open_commitments(queryset)
        if value == "late":
            return open_ones.filter(queries.late_q(today))
        return open_ones.exclude(queries.late_q(today)).filter(
            due_date__lte=today + dt.timedelta(days=queries.SOON_DAYS)
        )
