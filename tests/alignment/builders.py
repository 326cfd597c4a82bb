"""Builders for alignment tests that write through the services (the audited generic create for plain
records, the alignment services for everything with rules), as the app itself does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.alignment import services
from accord.alignment.choices import GroupKind
from accord.alignment.models import Commitment, Endorsement, Impact, ReadinessAssessment, StakeholderGroup
from accord.core.permissions import Visibility
from accord.core.services import create_record

# Monday 2 March 2026, 09:00 in the hospital's time zone (America/Chicago).
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def make_group(
    world: Any,
    name: str,
    *,
    lead: Any = None,
    power: int = 3,
    interest: int = 3,
    visibility: str = Visibility.INTERNAL,
    kind: str = GroupKind.DEPARTMENT,
    program: Any = None,
    actor: Any = None,
    **extra: Any,
) -> StakeholderGroup:
    return create_record(
        model=StakeholderGroup,
        actor=actor or world.program_manager,
        data={
            "program": program or world.program,
            "name": name,
            "kind": kind,
            "lead": lead,
            "power": power,
            "interest": interest,
            "visibility": visibility,
            **extra,
        },
    )


def assess(
    world: Any,
    group: StakeholderGroup,
    on: dt.date,
    awareness: int,
    desire: int,
    knowledge: int,
    ability: int,
    reinforcement: int,
) -> ReadinessAssessment:
    return create_record(
        model=ReadinessAssessment,
        actor=world.program_manager,
        data={
            "program": group.program,
            "group": group,
            "assessed_on": on,
            "assessed_by": world.program_manager,
            "awareness": awareness,
            "desire": desire,
            "knowledge": knowledge,
            "ability": ability,
            "reinforcement": reinforcement,
        },
    )


def add_impact(
    world: Any,
    group: StakeholderGroup,
    score: int,
    change: str = "",
    *,
    initiative: Any = None,
    rationale: str = "",
) -> Impact:
    return create_record(
        model=Impact,
        actor=world.program_manager,
        data={
            "program": group.program,
            "group": group,
            "change": change,
            "initiative": initiative,
            "score": score,
            "rationale": rationale,
        },
    )


def commit(
    world: Any,
    group: StakeholderGroup,
    what: str,
    due: dt.date,
    *,
    owner: Any = None,
    status: str = "not_started",
) -> Commitment:
    return create_record(
        model=Commitment,
        actor=world.program_manager,
        data={
            "program": group.program,
            "group": group,
            "what": what,
            "due_date": due,
            "owner": owner,
            "status": status,
        },
    )


def publish(world: Any, summary: str = "Version", *, now: dt.datetime = T0, program: Any = None) -> Any:
    version = services.create_strategy_draft(
        program=program or world.program, summary=summary, actor=world.program_manager
    )
    return services.publish_strategy_version(version=version, actor=world.program_manager, now=now)


def answer(
    version: Any, group: StakeholderGroup, status: str, *, by: Any, text: str = "", now: dt.datetime = T0
) -> Endorsement:
    return services.decide_endorsement(
        version=version, group=group, status=status, text=text, actor=by, now=now
    )


def scored_program(world: Any) -> dict[str, Any]:
    """Two groups whose scores are worked out by hand (default weights 30/25/20/15/10):

    Nursing: endorsed (100), 1 of 2 commitments on time (50), ADKAR A4 D2 K4 A4 R4 (65), one impact of -2
    (16.7), no open red flag (100): 68.0. EHR vendor (shared): not yet answered (25), one impact of +3 (100),
    no red flag (100), nothing else, so its 55 points of weight are all there is: 59.1. Program: 63.0.
    """
    nursing = make_group(world, "Nursing", lead=world.stakeholder_lead, power=4, interest=5)
    vendor = make_group(
        world, "EHR vendor", lead=world.vendor, visibility=Visibility.SHARED, kind=GroupKind.VENDOR
    )
    on_time = commit(world, nursing, "Sign the go-live plan", dt.date(2026, 2, 1))
    services.change_commitment_status(
        commitment=on_time, status="done", actor=world.stakeholder_lead, today=dt.date(2026, 1, 30)
    )
    commit(world, nursing, "Train every ward", dt.date(2026, 2, 20))
    assess(world, nursing, dt.date(2026, 2, 10), 4, 2, 4, 4, 4)
    add_impact(world, nursing, -2, "Scan every dose")
    add_impact(world, vendor, 3, "A referenceable site")
    version = publish(world, "Version one", now=T0 - dt.timedelta(hours=2))
    answer(version, nursing, "endorsed", by=world.stakeholder_lead, now=T0 - dt.timedelta(hours=1))
    return {"nursing": nursing, "vendor": vendor, "version": version}
