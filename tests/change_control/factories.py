"""Setup helpers for change-control tests; every state is reached through the services, as in real use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.change_control.choices import ChangeState, ChangeType, Decision, TemplateStatus
from accord.change_control.models import (
    ActionPlan,
    ChangeAdvisoryBoard,
    ChangeRequest,
    StandardChangeTemplate,
)
from accord.change_control.services import changes, plans
from accord.core.permissions import Role
from accord.programs.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.transition.factories import ServiceFactory

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def person_in(program: Any, role: str = Role.MEMBER, **fields: Any) -> Any:
    person = UserFactory(**fields)
    MembershipFactory(program=program, person=person, role=role)
    return person


def cab_for(
    program: Any,
    *,
    members: list[Any],
    emergency_members: list[Any] | None = None,
    clinical_approvers: list[Any] | None = None,
    quorum: int = 2,
    emergency_quorum: int = 1,
) -> ChangeAdvisoryBoard:
    board = ChangeAdvisoryBoard.objects.create(
        program=program, quorum=quorum, emergency_quorum=emergency_quorum
    )
    board.members.set(members)
    board.emergency_members.set(emergency_members or [])
    board.clinical_approvers.set(clinical_approvers or [])
    return board


def service_in(program: Any, **fields: Any) -> Any:
    return ServiceFactory(program=program, **fields)


def active_template(
    program: Any, *, services: list[Any], configuration_items: str = "", **fields: Any
) -> StandardChangeTemplate:
    """A template the CAB approved (set up directly: what is under test is the change raised from it)."""
    template = StandardChangeTemplate.objects.create(
        program=program,
        name=fields.pop("name", f"Standard change {StandardChangeTemplate.objects.count() + 1}"),
        description="Rotate the certificate with the documented runbook.",
        configuration_items=configuration_items,
        backout_plan="Put the previous certificate back.",
        test_evidence="Done twelve times without incident.",
        status=TemplateStatus.ACTIVE,
        approved_at=T0 - dt.timedelta(days=30),
        **fields,
    )
    template.services.set(services)
    return template


def draft_change(program: Any, requester: Any, **data: Any) -> ChangeRequest:
    """A complete draft: window, backout plan and a service (made unless given); a standard change gets an
    active template covering its services and configuration items unless one is given."""
    services = data.pop("services", None)
    if services is None:
        services = [service_in(program)]
    if data.get("change_type") == ChangeType.STANDARD and "template" not in data:
        data["template"] = active_template(
            program, services=services, configuration_items=data.get("configuration_items", "")
        )
    values = {
        "title": "Patch the interface engine",
        "change_type": ChangeType.NORMAL,
        "description": "Apply vendor patch 4.2.1.",
        "reason": "Fixes dropped HL7 messages.",
        "backout_plan": "Restore the snapshot taken before the patch.",
        "planned_start": T0 + dt.timedelta(days=7),
        "planned_end": T0 + dt.timedelta(days=7, hours=2),
        "services": services,
        **data,
    }
    return changes.create_change(program=program, actor=requester, data=values)


def bring_to(
    change: ChangeRequest,
    state: str,
    *,
    requester: Any,
    manager: Any,
    voters: list[Any],
    implementer: Any | None = None,
    now: dt.datetime = T0,
    result: str = "successful",
) -> ChangeRequest:
    """Drive a draft through the real workflow to `state` (approvals by `voters`' votes)."""
    order = [
        ChangeState.SUBMITTED,
        ChangeState.ASSESSED,
        ChangeState.APPROVED,
        ChangeState.SCHEDULED,
        ChangeState.IMPLEMENTED,
        ChangeState.REVIEWED,
        ChangeState.CLOSED,
    ]
    if state == ChangeState.REJECTED:
        change = changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=requester, now=now)
        if change.change_type != ChangeType.EMERGENCY:
            change = changes.transition_change(change=change, to=ChangeState.ASSESSED, actor=manager, now=now)
        for voter in _seated(change, voters):
            changes.vote_on_change(change=change, actor=voter, decision=Decision.REJECT, now=now)
        return ChangeRequest.objects.get(pk=change.pk)
    for step in order[: order.index(state) + 1]:
        change.refresh_from_db()
        if change.state in order and order.index(change.state) >= order.index(step):
            continue
        if step == ChangeState.ASSESSED and change.change_type == ChangeType.EMERGENCY:
            continue
        if step == ChangeState.APPROVED:
            for voter in _seated(change, voters):
                changes.vote_on_change(change=change, actor=voter, decision=Decision.APPROVE, now=now)
            continue
        who = {ChangeState.SUBMITTED: requester, ChangeState.SCHEDULED: implementer or requester}.get(
            step, manager
        )
        if step == ChangeState.IMPLEMENTED:
            changes.transition_change(
                change=change,
                to=step,
                actor=implementer or requester,
                now=change.planned_end + dt.timedelta(hours=1),
                actual_start=change.planned_start,
                actual_end=change.planned_end,
            )
        elif step == ChangeState.REVIEWED:
            changes.transition_change(change=change, to=step, actor=manager, now=now, result=result)
        else:
            changes.transition_change(change=change, to=step, actor=who, now=now)
    return ChangeRequest.objects.get(pk=change.pk)


def _seated(change: ChangeRequest, voters: list[Any]) -> list[Any]:
    """The voters who sit on the body that decides this change (the emergency CAB for an emergency)."""
    board = ChangeAdvisoryBoard.objects.get(program_id=change.program_id)
    seats = board.emergency_members if change.change_type == ChangeType.EMERGENCY else board.members
    seated = set(seats.values_list("pk", flat=True))
    return [voter for voter in voters if voter.pk in seated]


def plan_with_items(program: Any, manager: Any, owners: list[Any], *, starts_on: dt.date) -> ActionPlan:
    from accord.core.services import create_record

    plan = create_record(
        model=ActionPlan,
        actor=manager,
        data={"program": program, "title": "First 90 days", "version": 1, "starts_on": starts_on},
    )
    for index, owner in enumerate(owners):
        plans.add_item(
            plan=plan,
            actor=manager,
            data={
                "key": f"item-{index}",
                "what": f"Hand over runbook {index}",
                "owner": owner,
                "due_on": starts_on + dt.timedelta(days=30 * (index + 1)),
            },
        )
    return plan


def board_members(program: Any) -> list[Any]:
    return [m.person for m in Membership.objects.filter(program=program, role=Role.BOARD_MEMBER)]
