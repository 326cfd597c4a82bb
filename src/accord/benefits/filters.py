"""One FilterSet per benefits model, used by the API and by the pages that filter."""

from __future__ import annotations

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
    class Meta:
        model = Kpi
        fields = ["program", "benefit", "direction", "frequency"]


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
