"""One FilterSet per alignment model, used by the API and by the pages that filter."""

from __future__ import annotations

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
    class Meta:
        model = Commitment
        fields = ["program", "group", "status", "owner"]
