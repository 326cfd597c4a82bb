"""Factories for alignment records, and `alignment_world`: groups, commitments and a published strategy in
the persona world (a hospital group led by the stakeholder lead, a shared vendor group led by the vendor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from accord.alignment import services
from accord.alignment.choices import GroupKind
from accord.alignment.models import (
    Commitment,
    Endorsement,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.core.permissions import Visibility
from tests.factories import ProgramFactory


class StakeholderGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderGroup
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    kind = GroupKind.DEPARTMENT
    power = 3
    interest = 3
    visibility = Visibility.INTERNAL


class ReadinessAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadinessAssessment

    group = factory.SubFactory(StakeholderGroupFactory)
    program = factory.SelfAttribute("group.program")
    assessed_on = dt.date(2026, 1, 15)
    awareness = 4
    desire = 4
    knowledge = 4
    ability = 4
    reinforcement = 4


class ImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Impact

    group = factory.SubFactory(StakeholderGroupFactory)
    program = factory.SelfAttribute("group.program")
    change = factory.Sequence(lambda n: f"Change {n}")
    score = 1


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    group = factory.SubFactory(StakeholderGroupFactory)
    program = factory.SelfAttribute("group.program")
    what = factory.Sequence(lambda n: f"Commitment {n}")
    due_date = dt.date(2026, 3, 1)


def alignment_world(world: Any) -> dict[str, Any]:
    """Build (once per world) the alignment records the matrix and the tests use."""
    if "alignment" in world.extra:
        return world.extra["alignment"]
    program = world.program
    hospital_group = StakeholderGroupFactory(
        program=program,
        name="Nursing",
        kind=GroupKind.NURSING,
        lead=world.stakeholder_lead,
        power=4,
        interest=5,
    )
    vendor_group = StakeholderGroupFactory(
        program=program,
        name="EHR vendor",
        kind=GroupKind.VENDOR,
        lead=world.vendor,
        visibility=Visibility.SHARED,
        power=3,
        interest=4,
    )
    readiness = ReadinessAssessmentFactory(group=hospital_group, desire=2)
    impact = ImpactFactory(group=hospital_group, score=-2)
    commitment = CommitmentFactory(group=hospital_group, owner=world.stakeholder_lead)
    vendor_commitment = CommitmentFactory(group=vendor_group, owner=world.vendor)
    published = services.create_strategy_draft(
        program=program, summary="Version one", actor=world.program_manager
    )
    services.publish_strategy_version(version=published, actor=world.program_manager, now=timezone.now())
    data = {
        "program": program,
        "hospital_group": hospital_group,
        "vendor_group": vendor_group,
        "readiness": readiness,
        "impact": impact,
        "commitment": commitment,
        "vendor_commitment": vendor_commitment,
        "published": published,
        "hospital_endorsement": Endorsement.objects.get(version=published, group=hospital_group),
        "vendor_endorsement": Endorsement.objects.get(version=published, group=vendor_group),
    }
    world.extra["alignment"] = data
    return data


def open_draft(world: Any) -> StrategyVersion:
    data = alignment_world(world)
    if "draft" not in data:
        data["draft"] = services.create_strategy_draft(
            program=world.program, summary="Version two", actor=world.program_manager
        )
    return data["draft"]
