"""Factories for benefits records; KPIs default to a valid increasing KPI with a one-year span."""

from __future__ import annotations

import datetime as dt

import factory

from accord.benefits.choices import Direction, Frequency, Perspective, ValueStepsCategory
from accord.benefits.models import Benefit, Initiative, Kpi, Measurement, Objective
from accord.core.permissions import Visibility
from tests.factories import ProgramFactory


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
    perspective = Perspective.PATIENTS_QUALITY


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benefit

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Benefit {n}")
    category = ValueStepsCategory.TREATMENT
    window_start = dt.date(2025, 1, 1)
    window_end = dt.date(2028, 12, 31)
    visibility = Visibility.SHARED


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    benefit = factory.SubFactory(BenefitFactory)
    program = factory.SelfAttribute("benefit.program")
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "%"
    direction = Direction.INCREASE
    baseline_value = 20.0
    baseline_date = dt.date(2025, 1, 1)
    target_value = 80.0
    target_date = dt.date(2026, 1, 1)
    amber_tolerance = 5.0
    red_tolerance = 10.0
    frequency = Frequency.MONTHLY


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    program = factory.SelfAttribute("kpi.program")
    value = 30.0
    measured_on = dt.date(2025, 3, 1)


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    start = dt.date(2025, 1, 1)
    end = dt.date(2025, 12, 31)
