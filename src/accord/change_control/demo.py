"""Demo: change control on the Northbridge IT transition: an approved 90-day plan (two versions, items late
and on track), 36 change requests in every state, freeze windows around the pharmacy go-live, and a
ServiceNow export in which two changes were never approved.

Everything goes through the real services, with past instants where the story happened in the past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from accord.change_control import reconciliation
from accord.change_control.choices import (
    ChangeState,
    ChangeType,
    Decision,
    FindingKind,
    ItemStatus,
    WindowKind,
)
from accord.change_control.models import (
    ActionPlan,
    ChangeAdvisoryBoard,
    ChangeRequest,
    ChangeWindow,
    StandardChangeTemplate,
)
from accord.change_control.services import changes, plans, templates
from accord.change_control.windows import localise
from accord.core.demo import SYSTEM_ACTOR, DemoContext
from accord.core.permissions import Role
from accord.core.services import create_record, update_record
from accord.programs.models import Membership
from accord.programs.services import add_member
from accord.transition.models import Service

ZONE_NAME = "America/Chicago"
ZONE = ZoneInfo(ZONE_NAME)
S = ChangeState


@dataclass(frozen=True)
class Story:
    title: str
    service: str
    items: str
    state: str
    day: int  # planned start, days from today, at 22:00 Chicago time
    hours: int = 2
    kind: str = ChangeType.NORMAL
    requester: str = "nb_service"
    result: str = "successful"
    incidents: int = 0
    answers: tuple[str, ...] = ()


STORIES = [
    # Closed: carried out, reviewed and closed.
    Story(
        "Rotate TLS certificates on PACS viewers",
        "PACS",
        "pacs-app-01",
        S.CLOSED,
        -58,
        1,
        ChangeType.STANDARD,
    ),
    Story("Patch Windows servers, wave 1", "Print management", "print-srv-01", S.CLOSED, -52, 3),
    Story(
        "Add VLAN for the new imaging suite",
        "Network (LAN/WAN)",
        "core-sw-02",
        S.CLOSED,
        -47,
        2,
        requester="nb_lead",
    ),
    Story(
        "Upgrade backup agents to 12.1",
        "Backup and recovery",
        "veeam-01",
        S.CLOSED,
        -40,
        3,
        requester="nb_lead",
    ),
    Story("Enable MFA for remote VPN users", "Identity and access management", "sso-idp", S.CLOSED, -34, 2),
    Story(
        "Rebuild the reporting cube indexes", "Data warehouse and reporting", "dw-sql-01", S.CLOSED, -28, 4
    ),
    Story(
        "Increase mailbox quotas",
        "Email and collaboration",
        "m365-tenant",
        S.CLOSED,
        -24,
        1,
        ChangeType.STANDARD,
    ),
    Story(
        "Move the claims gateway to TLS 1.2", "Revenue cycle and billing", "claims-gateway", S.CLOSED, -20, 2
    ),
    # Reviewed, not yet closed (one failed and was backed out, causing an incident).
    Story(
        "Upgrade the lab interface engine to 4.2",
        "Lab system interface",
        "lis-ie-01",
        S.REVIEWED,
        -15,
        3,
        requester="nb_lead",
        result="backed_out",
        incidents=1,
        answers=("first_time", "patient_care", "data_exchange"),
    ),
    Story(
        "Replace the nurse-call gateway firmware",
        "Telephony and nurse call",
        "nurse-call-gw",
        S.REVIEWED,
        -12,
        2,
    ),
    Story("Patch Windows servers, wave 2", "Print management", "print-srv-02", S.REVIEWED, -10, 3),
    Story("Tune the ServiceNow assignment rules", "Service desk", "servicenow-prod", S.REVIEWED, -8, 1),
    # Implemented and awaiting review (the emergency one for too long: reconciliation finds it).
    Story(
        "Emergency restart of the medication cabinet interface",
        "Pharmacy system",
        "pyxis-server",
        S.IMPLEMENTED,
        -9,
        1,
        ChangeType.EMERGENCY,
        requester="nb_service",
        answers=("patient_care", "downtime"),
    ),
    Story(
        "Add printers for the new outpatient wing", "Print management", "print-srv-01", S.IMPLEMENTED, -4, 2
    ),
    Story(
        "Expand the data warehouse storage", "Data warehouse and reporting", "dw-sql-01", S.IMPLEMENTED, -2, 3
    ),
    # Scheduled (all clear of the go-live freeze).
    Story("Patch Windows servers, wave 3", "Print management", "print-srv-02", S.SCHEDULED, 3, 3),
    Story(
        "Replace core switch power supplies",
        "Network (LAN/WAN)",
        "core-sw-01",
        S.SCHEDULED,
        5,
        2,
        requester="nb_lead",
    ),
    Story(
        "Upgrade the SSO identity provider", "Identity and access management", "sso-idp", S.SCHEDULED, 8, 2
    ),
    Story("Migrate shared mailboxes", "Email and collaboration", "m365-tenant", S.SCHEDULED, 22, 4),
    Story(
        "Apply PACS archive patch 7.3.1",
        "PACS",
        "pacs-archive-01",
        S.SCHEDULED,
        24,
        3,
        requester="nb_engineer",
        answers=("patient_care", "downtime"),
    ),
    # Approved, not yet scheduled.
    Story(
        "Decommission the old file server",
        "Backup and recovery",
        "tape-lib-01",
        S.APPROVED,
        27,
        4,
        requester="nb_lead",
    ),
    Story(
        "Renew the SSO signing certificate", "Identity and access management", "sso-idp", S.APPROVED, 29, 1
    ),
    Story("Add a second ServiceNow MID server", "Service desk", "servicenow-prod", S.APPROVED, 31, 2),
    # Rejected by the CAB.
    Story(
        "Switch the EHR interface engine to active-active",
        "EHR interface engine",
        "ie-prod-01",
        S.REJECTED,
        14,
        6,
        requester="nb_lead",
        answers=("not_tested", "first_time", "several_components", "patient_care", "data_exchange"),
    ),
    Story(
        "Disable legacy ADT feed", "EHR interface engine", "adt-feeds", S.REJECTED, 16, 2, requester="nb_lead"
    ),
    # Assessed, awaiting the CAB: two of them collide on core-sw-01, one waits for the clinical sign-off.
    Story(
        "Upgrade core switch firmware",
        "Network (LAN/WAN)",
        "core-sw-01",
        S.ASSESSED,
        9,
        3,
        requester="nb_lead",
    ),
    Story("Re-cable the core switch uplinks", "Network (LAN/WAN)", "core-sw-01", S.ASSESSED, 9, 2),
    Story(
        "Upgrade the pharmacy database",
        "Pharmacy system",
        "pharmacy-db",
        S.ASSESSED,
        26,
        4,
        answers=("patient_care", "downtime", "data_exchange"),
    ),
    Story(
        "Add disk to the billing application servers",
        "Revenue cycle and billing",
        "billing-app",
        S.ASSESSED,
        11,
        2,
    ),
    Story("Patch the SQL reporting server", "Data warehouse and reporting", "ssrs-01", S.ASSESSED, 10, 2),
    # Submitted.
    Story(
        "Update the modality worklist mappings",
        "PACS",
        "modality-worklist",
        S.SUBMITTED,
        33,
        2,
        requester="nb_engineer",
    ),
    Story(
        "Replace the WAN edge router",
        "Network (LAN/WAN)",
        "wan-edge-01",
        S.SUBMITTED,
        35,
        4,
        requester="nb_lead",
    ),
    Story("Archive closed service desk tickets", "Service desk", "servicenow-prod", S.SUBMITTED, 36, 1),
    # Drafts.
    Story("Move nurse-call alerts to the new pagers", "Telephony and nurse call", "pbx-01", S.DRAFT, 40, 3),
    Story(
        "Retire the fax gateway",
        "Email and collaboration",
        "m365-tenant",
        S.DRAFT,
        42,
        1,
        requester="it_analyst",
    ),
    Story(
        "Upgrade the backup library firmware",
        "Backup and recovery",
        "tape-lib-01",
        S.DRAFT,
        45,
        2,
        requester="nb_lead",
    ),
]

PLAN_ITEMS = [
    # key, what, owner, service, due (days from the plan's start), depends on, status
    (
        "kt-runbooks",
        "Runbooks for every critical service reviewed by their owners",
        "nb_lead",
        None,
        30,
        (),
        "done",
    ),
    (
        "sd-takeover",
        "Northbridge takes the first line of the service desk",
        "nb_service",
        "Service desk",
        45,
        (),
        "done",
    ),
    (
        "sla-baseline",
        "SLA baseline agreed and measured for a full month",
        "transition_pm",
        None,
        40,
        (),
        "done",
    ),
    (
        "cab-running",
        "Weekly CAB running with the partner's changes on it",
        "it_director",
        None,
        20,
        (),
        "done",
    ),
    (
        "backup-test",
        "Restore test of every clinical system's backup",
        "nb_lead",
        "Backup and recovery",
        50,
        ("kt-runbooks",),
        "in_progress",
    ),
    (
        "iam-joiners",
        "Joiner-mover-leaver process run by Northbridge",
        "nb_service",
        "Identity and access management",
        60,
        (),
        "in_progress",
    ),
    (
        "dr-plan",
        "Disaster-recovery plan for the interface engines",
        "nb_lead",
        "EHR interface engine",
        70,
        ("backup-test",),
        "not_started",
    ),
    (
        "pacs-shadow",
        "PACS support in reverse shadow for four weeks",
        "nb_engineer",
        "PACS",
        75,
        ("kt-runbooks",),
        "in_progress",
    ),
    (
        "staff-training",
        "Hospital specifics training for all Northbridge engineers",
        "nb_engineer",
        None,
        55,
        (),
        "blocked",
    ),
    (
        "exit-review",
        "Go/no-go review of the transition's first 90 days",
        "transition_pm",
        None,
        88,
        ("backup-test", "dr-plan"),
        "not_started",
    ),
]


def _at(today: dt.date, day: int, hour: int = 22) -> dt.datetime:
    wall = dt.datetime.combine(today + dt.timedelta(days=day), dt.time(hour))
    return localise(wall, ZONE_NAME)


def _setup_cab(demo: DemoContext, program: Any) -> ChangeAdvisoryBoard:
    people = demo.people
    # The CMIO joins the transition as the CAB's named clinical approver.
    cmio = people["cmio"]
    if not Membership.objects.filter(program=program, person=cmio).exists():
        add_member(actor=SYSTEM_ACTOR, check=False, program=program, person=cmio, role=Role.MEMBER)
    board = create_record(
        model=ChangeAdvisoryBoard,
        actor=people["transition_pm"],
        data={
            "program": program,
            "name": "Northbridge transition CAB",
            "quorum": 2,
            "emergency_quorum": 1,
            "members": [people["transition_pm"], people["cio"], people["it_director"], people["it_analyst"]],
            "emergency_members": [people["it_director"], people["transition_pm"]],
            "clinical_approvers": [cmio],
        },
    )
    return board


def _windows(demo: DemoContext, program: Any, services: dict[str, Service]) -> None:
    manager = demo.people["transition_pm"]
    today = demo.today
    create_record(
        model=ChangeWindow,
        actor=manager,
        data={
            "program": program,
            "name": "Pharmacy system go-live freeze",
            "kind": WindowKind.CLINICAL_FREEZE,
            "starts_at": _at(today, 12, 0),
            "ends_at": _at(today, 20, 0),
            "time_zone": ZONE_NAME,
            "reason": "The new pharmacy system goes live; no change to any service during go-live week.",
        },
    )
    # One recurring blackout: the month's last two days and the first morning of the next, every month.
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    create_record(
        model=ChangeWindow,
        actor=manager,
        data={
            "program": program,
            "name": "Month-end billing close",
            "kind": WindowKind.BLACKOUT,
            "starts_at": localise(dt.datetime.combine(first - dt.timedelta(days=2), dt.time(0)), ZONE_NAME),
            "ends_at": localise(dt.datetime.combine(first + dt.timedelta(days=1), dt.time(6)), ZONE_NAME),
            "time_zone": ZONE_NAME,
            "recurrence": "FREQ=MONTHLY;BYMONTHDAY=-2",
            "services": [services["Revenue cycle and billing"]],
            "reason": "Billing close: claims must go out on time.",
        },
    )
    sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7)
    create_record(
        model=ChangeWindow,
        actor=manager,
        data={
            "program": program,
            "name": "Weekly maintenance",
            "kind": WindowKind.MAINTENANCE,
            "starts_at": localise(dt.datetime.combine(sunday, dt.time(2)), ZONE_NAME),
            "ends_at": localise(dt.datetime.combine(sunday, dt.time(6)), ZONE_NAME),
            "time_zone": ZONE_NAME,
            "recurrence": "FREQ=WEEKLY;BYDAY=SU",
            "reason": "Agreed slot for routine work on every service.",
        },
    )


# Templates the CAB approved before the transition's standard changes, one retired and one still proposed.
TEMPLATES = [
    (
        "Rotate TLS certificates on PACS viewers",
        ("PACS",),
        "pacs-app-01\npacs-app-02",
        "active",
    ),
    ("Increase mailbox quotas", ("Email and collaboration",), "m365-tenant", "active"),
    ("Restart the print spooler", ("Print management",), "print-srv-01\nprint-srv-02", "retired"),
    ("Add a user to a clinical distribution list", ("Email and collaboration",), "m365-tenant", "proposed"),
]


def _templates(
    demo: DemoContext, program: Any, services: dict[str, Service]
) -> dict[str, StandardChangeTemplate]:
    people = demo.people
    approved_at = timezone.now() - dt.timedelta(days=90)
    made = {}
    for name, service_names, items, status in TEMPLATES:
        template = templates.propose_template(
            program=program,
            actor=people["transition_pm"],
            data={
                "name": name,
                "description": f"{name}, by the runbook agreed with the service owner.",
                "services": [services[n] for n in service_names],
                "configuration_items": items,
                "backout_plan": "Undo the step from the runbook; the service owner confirms.",
                "test_evidence": "Done repeatedly under the previous supplier without incident.",
            },
        )
        if status != "proposed":
            templates.approve_template(template=template, actor=people["cio"], now=approved_at)
        if status == "retired":
            templates.retire_template(
                template=template,
                actor=people["it_director"],
                now=approved_at + dt.timedelta(days=40),
                reason="Spooler restarts hid a driver fault; each restart is a normal change until it is fixed.",
            )
        made[name] = template
    return made


def _tell(
    story: Story,
    number: int,
    demo: DemoContext,
    program: Any,
    services: dict[str, Service],
    standard: dict[str, StandardChangeTemplate],
) -> ChangeRequest:
    people = demo.people
    requester = people[story.requester]
    implementer = people["nb_engineer"] if story.requester != "nb_lead" else people["nb_lead"]
    start = _at(demo.today, story.day)
    end = start + dt.timedelta(hours=story.hours)
    common = {
        "title": story.title,
        "external_reference": f"CHG{30200 + number:07d}",
        "services": [services[story.service]],
        "configuration_items": story.items,
        "planned_start": start,
        "planned_end": end,
        "time_zone": ZONE_NAME,
        "implementer": implementer,
    }
    if story.kind == ChangeType.STANDARD:
        change = templates.raise_standard_change(template=standard[story.title], actor=requester, data=common)
    else:
        change = changes.create_change(
            program=program,
            actor=requester,
            data={
                **common,
                "change_type": story.kind,
                "description": f"{story.title}, as planned with the service owner.",
                "reason": "Part of the transition's stabilisation work.",
                "risk_answers": {key: True for key in story.answers},
                "backout_plan": "Restore the pre-change snapshot; retest.",
                "test_evidence": "Rehearsed in the test environment."
                if "not_tested" not in story.answers
                else "",
            },
        )
    if story.state == S.DRAFT:
        return change
    submitted = min(start - dt.timedelta(days=9), timezone.now() - dt.timedelta(days=2))
    if story.kind == ChangeType.EMERGENCY:
        submitted = start - dt.timedelta(hours=2)
    changes.transition_change(change=change, to=S.SUBMITTED, actor=requester, now=submitted)
    if story.state == S.SUBMITTED:
        return change
    # CAB lead times of three to seven days, never later than an hour ago.
    decided = min(submitted + dt.timedelta(days=3 + number % 5), timezone.now() - dt.timedelta(hours=1))
    if story.kind == ChangeType.EMERGENCY:
        decided = submitted + dt.timedelta(minutes=30)
    if change.state != S.APPROVED:
        if story.kind != ChangeType.EMERGENCY:
            changes.transition_change(
                change=change,
                to=S.ASSESSED,
                actor=people["transition_pm"],
                now=submitted + dt.timedelta(days=1),
            )
        if story.state == S.ASSESSED:
            return change
        if changes.requires_clinical_signoff(change) and story.state != S.REJECTED:
            changes.sign_off_clinically(change=change, actor=people["cmio"], now=decided)
        decision = Decision.REJECT if story.state == S.REJECTED else Decision.APPROVE
        voters = ["it_director"] if story.kind == ChangeType.EMERGENCY else ["cio", "it_director"]
        for voter in voters:
            changes.vote_on_change(change=change, actor=people[voter], decision=decision, now=decided)
        change.refresh_from_db()
    if story.state in (S.APPROVED, S.REJECTED):
        return change
    changes.transition_change(change=change, to=S.SCHEDULED, actor=implementer, now=decided)
    if story.state == S.SCHEDULED:
        return change
    changes.transition_change(
        change=change,
        to=S.IMPLEMENTED,
        actor=implementer,
        now=end + dt.timedelta(minutes=30),
        actual_start=start + dt.timedelta(minutes=5),
        actual_end=end - dt.timedelta(minutes=10),
    )
    if story.state == S.IMPLEMENTED:
        return change
    changes.transition_change(
        change=change,
        to=S.REVIEWED,
        actor=people["transition_pm"],
        now=end + dt.timedelta(days=2),
        result=story.result,
        incidents_caused=story.incidents,
        note="Backed out after lab results stopped flowing; retry after the vendor fix."
        if story.result == "backed_out"
        else "Went as planned.",
    )
    if story.state == S.CLOSED:
        changes.transition_change(
            change=change, to=S.CLOSED, actor=people["transition_pm"], now=end + dt.timedelta(days=4)
        )
    return change


def _plan(demo: DemoContext, program: Any, services: dict[str, Service]) -> ActionPlan:
    people = demo.people
    manager = people["transition_pm"]
    start = demo.today - dt.timedelta(days=75)
    first_at = timezone.now() - dt.timedelta(days=74)
    plan = create_record(
        model=ActionPlan,
        actor=manager,
        data={
            "program": program,
            "title": "Northbridge transition: first 90 days",
            "version": 1,
            "starts_on": start,
        },
    )
    made: dict[str, Any] = {}
    for key, what, owner, service, due, depends, _status in PLAN_ITEMS:
        item = plans.add_item(
            plan=plan,
            actor=manager,
            data={
                "key": key,
                "what": what,
                "owner": people[owner],
                "service": services.get(service) if service else None,
                "due_on": start + dt.timedelta(days=due),
            },
        )
        item.depends_on.set([made[d] for d in depends])
        made[key] = item
    plans.submit_plan(plan=plan, actor=manager, now=first_at)
    plans.decide_on_plan(
        plan=plan,
        actor=people["cio"],
        decision=Decision.APPROVE,
        now=first_at,
        conditions="Slippage reported monthly",
    )
    plans.decide_on_plan(plan=plan, actor=people["cfo"], decision=Decision.APPROVE, now=first_at)
    plans.put_plan_in_effect(plan=plan, actor=manager, now=first_at)
    # Version 2, a month later: backup restore testing moved by two weeks, staff training by ten days.
    second_at = timezone.now() - dt.timedelta(days=30)
    draft = plans.new_plan_version(
        plan=plan, actor=manager, now=second_at, change_note="Restore tests wait for the new tape library."
    )
    for key, days in (("backup-test", 14), ("staff-training", 10)):
        item = draft.items.get(key=key)
        plans.update_item(item=item, actor=manager, data={"due_on": item.due_on + dt.timedelta(days=days)})
    plans.submit_plan(plan=draft, actor=manager, now=second_at)
    for approver in ("cio", "cfo"):
        plans.decide_on_plan(plan=draft, actor=people[approver], decision=Decision.APPROVE, now=second_at)
    plans.put_plan_in_effect(plan=draft, actor=manager, now=second_at)
    for key, _what, owner, _service, due, _depends, status in PLAN_ITEMS:
        if status == ItemStatus.NOT_STARTED:
            continue
        item = draft.items.get(key=key)
        data: dict[str, Any] = {
            "status": status,
            "progress_notes": "Reported at the weekly transition meeting.",
        }
        if status == ItemStatus.DONE:
            data["done_on"] = min(start + dt.timedelta(days=due), demo.today)
        update_record(instance=item, actor=people[owner], data=data)
    return draft


def _export(stories: list[ChangeRequest]) -> bytes:
    """The partner's ServiceNow change export for the last two months: what it did, by its own numbers."""
    header = '"number","short_description","type","state","approval","cmdb_ci","work_start","work_end","close_code"'
    lines = [header]

    def wall(value: dt.datetime) -> str:
        return value.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")

    for change in stories:
        if change.actual_start is None:
            continue
        state = "Closed" if change.state == S.CLOSED else "Review"
        lines.append(
            f'"{change.external_reference}","{change.title}","{change.get_change_type_display().split(" ")[0]}",'
            f'"{state}","Approved","{change.configuration_item_list[0]}","{wall(change.actual_start)}",'
            f'"{wall(change.actual_end)}","Successful"'
        )
    now = timezone.now()
    for number, title, item, days_ago in (
        ("CHG0030418", "Firmware update on the core switches", "core-sw-02", 6),
        ("CHG0030422", "Index rebuild on the pharmacy database", "pharmacy-db", 3),
    ):
        begun = now - dt.timedelta(days=days_ago, hours=3)
        lines.append(
            f'"{number}","{title}","Normal","Closed","Not Yet Requested","{item}","{wall(begun)}",'
            f'"{wall(begun + dt.timedelta(minutes=50))}","Successful"'
        )
    return ("\n".join(lines) + "\n").encode()


def seed(demo: DemoContext) -> None:
    if "outsourcing" not in demo.programs:
        return
    program = demo.outsourcing
    services = {s.name: s for s in Service.objects.filter(program=program)}
    if not services:
        return
    _setup_cab(demo, program)
    _windows(demo, program, services)
    standard = _templates(demo, program, services)
    plan = _plan(demo, program, services)
    told = [
        _tell(story, number, demo, program, services, standard)
        for number, story in enumerate(STORIES, start=1)
    ]
    result = reconciliation.reconcile(
        program=program,
        actor=demo.people["nb_service"],
        now=timezone.now(),
        content=_export([ChangeRequest.objects.get(pk=c.pk) for c in told]),
        time_zone=ZONE_NAME,
    )
    unapproved = [f for f in result.findings if f.kind == FindingKind.UNAPPROVED_CHANGE]
    if unapproved:
        reconciliation.raise_flag_for_finding(
            finding=unapproved[0], actor=demo.people["transition_pm"], now=timezone.now()
        )
    demo.extra["change_control"] = {"plan": plan, "changes": told, "findings": result.findings}
