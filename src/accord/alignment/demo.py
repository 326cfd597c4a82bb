"""Demo alignment for the EMR program: ten stakeholder groups, readiness over time, a ledger that leaves the
hospitalists net negative, two published strategy versions with endorsements and one objection,
commitments in every state, and 30 days of alignment snapshots."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accord.alignment import services
from accord.alignment.choices import CommitmentStatus, EndorsementStatus, GroupKind
from accord.alignment.models import (
    AlignmentSnapshot,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.core.demo import DemoContext
from accord.core.permissions import Visibility
from accord.core.services import create_record, update_record

# key: (name, kind, organisation key, lead key, power, interest, visibility, WIIFM, changes asked)
GROUPS = [
    (
        "ed",
        "Emergency department physicians",
        GroupKind.PHYSICIAN_GROUP,
        "ed",
        "ed_lead",
        4,
        5,
        Visibility.INTERNAL,
        "Results and prior records at the bedside; fewer repeat tests; tracking board visible to all.",
        "Structured triage notes; CPOE for every order, including verbal orders in resuscitation.",
    ),
    (
        "hospitalists",
        "Hospitalists",
        GroupKind.PHYSICIAN_GROUP,
        "hospitalists",
        "hosp_lead",
        4,
        4,
        Visibility.INTERNAL,
        "Medication reconciliation in one place; handover lists that write themselves.",
        "Computerised order sets, documentation templates, and a second login for the discharge module.",
    ),
    (
        "nursing",
        "Nursing",
        GroupKind.NURSING,
        "nursing",
        "nursing_lead",
        4,
        5,
        Visibility.INTERNAL,
        "Barcode medication administration; less double charting; flowsheets on mobile devices.",
        "Scan every dose; chart at the bedside, not at the end of the shift.",
    ),
    (
        "pharmacy",
        "Pharmacy",
        GroupKind.DEPARTMENT,
        "pharmacy",
        "pharmacy_lead",
        3,
        4,
        Visibility.INTERNAL,
        "Verified orders with dose checking; fewer phone calls to clarify handwriting.",
        "Maintain the drug formulary build; verify within 30 minutes.",
    ),
    (
        "lab",
        "Laboratory",
        GroupKind.DEPARTMENT,
        "lab",
        "lab_lead",
        2,
        3,
        Visibility.INTERNAL,
        "Electronic orders with specimen labels; fewer duplicate tests.",
        "Interface validation; new label printers on every ward.",
    ),
    (
        "revenue",
        "Revenue cycle",
        GroupKind.FINANCE,
        "revenue",
        "revenue_lead",
        3,
        3,
        Visibility.INTERNAL,
        "Charge capture from orders; fewer denials; days in A/R down.",
        "New work queues; coding from clinical documentation.",
    ),
    (
        "it",
        "Information technology",
        GroupKind.IT,
        "it",
        "it_director",
        3,
        5,
        Visibility.INTERNAL,
        "One platform instead of three legacy systems; a vendor-supported roadmap.",
        "24x7 support at go-live; change control on every build.",
    ),
    (
        "vendor",
        "Meridian (EMR vendor)",
        GroupKind.VENDOR,
        "meridian",
        "vendor_lead",
        3,
        4,
        Visibility.SHARED,
        "A referenceable site; renewal of the support contract.",
        "Fix high-severity defects within the contract's SLA; share the roadmap.",
    ),
    (
        "consultancy",
        "Clearpath (adoption consultancy)",
        GroupKind.CONSULTANTS,
        "clearpath",
        "consultant",
        2,
        3,
        Visibility.SHARED,
        "A case study on physician adoption.",
        "Coach physician champions; report adoption honestly.",
    ),
    (
        "executive",
        "Executive team",
        GroupKind.EXECUTIVE,
        "system",
        "cio",
        5,
        3,
        Visibility.INTERNAL,
        "Medication safety and billing speed the board can see; a return on the investment.",
        "Fund optimisation after go-live; chair the monthly benefits review.",
    ),
]

# Changes and their impact per group key; hospitalists end up net negative (-4) on purpose.
CHANGES = {
    "CPOE for all orders": {
        "ed": -1,
        "hospitalists": -3,
        "nursing": 2,
        "pharmacy": 3,
        "lab": 2,
        "revenue": 1,
        "executive": 2,
        "vendor": 1,
    },
    "Barcode medication administration": {"nursing": -1, "pharmacy": 2, "executive": 3, "hospitalists": 1},
    "Structured physician documentation": {"ed": -2, "hospitalists": -2, "revenue": 3, "consultancy": 1},
    "Retire three legacy systems": {"it": 3, "vendor": 2, "lab": -1, "executive": 1},
    "24x7 go-live support rota": {"it": -2, "vendor": 1, "consultancy": 2, "ed": 2},
    "Shared tracking board in the ED": {"ed": 3, "nursing": 1},
    "Mobile handover lists": {"hospitalists": 1, "nursing": 2},
    "Charge capture from orders": {"revenue": 3, "hospitalists": -1, "executive": 2},
}


# The benefits each change serves directly, so the ledger can say what a net-negative group gains.
CHANGE_BENEFITS = {
    "CPOE for all orders": ["Physicians enter their own orders", "Fewer medication errors"],
    "Barcode medication administration": ["Fewer medication errors"],
    "Structured physician documentation": [
        "Coded problem lists for every inpatient",
        "Faster billing after discharge",
    ],
    "Retire three legacy systems": ["Transcription spend eliminated"],
    "24x7 go-live support rota": ["Clinicians satisfied with the EHR"],
    "Shared tracking board in the ED": ["Duplicate laboratory tests avoided"],
    "Mobile handover lists": ["Less time documenting each encounter"],
    "Charge capture from orders": ["Faster billing after discharge"],
}

# benefit title -> the group that answers for realising it
ACCOUNTABLE_GROUPS = {
    "Clinicians satisfied with the EHR": "executive",
    "Less time documenting each encounter": "hospitalists",
    "Fewer medication errors": "pharmacy",
    "Physicians enter their own orders": "hospitalists",
    "Prescriptions sent electronically": "pharmacy",
    "Coded problem lists for every inpatient": "hospitalists",
    "Duplicate laboratory tests avoided": "lab",
    "Patients use the portal for education and follow-up": "nursing",
    "Faster billing after discharge": "revenue",
    "Transcription spend eliminated": "it",
}


def _readiness(rng: random.Random, base: int) -> dict[str, int]:
    return {
        element: max(1, min(5, base + rng.choice([-1, 0, 0, 1])))
        for element in ("awareness", "desire", "knowledge", "ability", "reinforcement")
    }


def seed(demo: DemoContext) -> None:
    rng = random.Random(4242)
    program, people, today = demo.emr, demo.people, demo.today
    pm = people["emr_pm"]
    groups: dict[str, StakeholderGroup] = {}
    for key, name, kind, org, lead, power, interest, visibility, wiifm, asked in GROUPS:
        groups[key] = create_record(
            model=StakeholderGroup,
            actor=pm,
            data={
                "program": program,
                "name": name,
                "kind": kind,
                "organisation": demo.organisations[org],
                "lead": people[lead],
                "power": power,
                "interest": interest,
                "visibility": visibility,
                "wiifm": wiifm,
                "changes_asked": asked,
            },
        )
    groups["nursing"].members.add(people["nurse"])
    groups["it"].members.add(people["it_analyst"])
    groups["vendor"].members.add(people["vendor_analyst"], people["vendor_trainer"])

    # Readiness over time: four quarterly assessments, improving for most, stalling for hospitalists.
    bases = {
        "ed": 3,
        "hospitalists": 2,
        "nursing": 3,
        "pharmacy": 4,
        "lab": 3,
        "revenue": 3,
        "it": 4,
        "vendor": 4,
        "consultancy": 4,
        "executive": 4,
    }
    for key, group in groups.items():
        for quarter in range(4):
            base = bases[key] + (quarter // 2 if key != "hospitalists" else 0)
            scores = _readiness(rng, base)
            if key == "hospitalists":
                scores["desire"] = 2  # the barrier point the demo wants to show
            create_record(
                model=ReadinessAssessment,
                actor=pm,
                data={
                    "program": program,
                    "group": group,
                    "assessed_by": pm,
                    "assessed_on": today - dt.timedelta(days=270 - 90 * quarter),
                    **scores,
                    "notes": "Quarterly ADKAR survey of the group's members." if quarter == 3 else "",
                },
            )

    # Impacts: on initiatives when the benefits demo made them, otherwise on changes described in words.
    from accord.benefits.models import Benefit, Initiative

    initiatives = {i.title.lower(): i for i in Initiative.objects.filter(program=program)}
    benefits = {b.title: b for b in Benefit.objects.filter(program=program)}
    for title, key in ACCOUNTABLE_GROUPS.items():
        if title in benefits:
            update_record(instance=benefits[title], actor=pm, data={"accountable_group": groups[key]})
    for change, scores in CHANGES.items():
        initiative = next((i for title, i in initiatives.items() if change.lower()[:12] in title), None)
        served = [benefits[t] for t in CHANGE_BENEFITS.get(change, []) if t in benefits]
        for key, score in scores.items():
            create_record(
                model=Impact,
                actor=pm,
                data={
                    "program": program,
                    "group": groups[key],
                    "score": score,
                    "initiative": initiative,
                    "change": "" if initiative else change,
                    "benefits": served,
                    "rationale": "Agreed at the stakeholder workshop." if score < 0 else "",
                },
            )

    # Strategy v1 (superseded), then v2 (current) with endorsements and one objection.
    now = timezone.now()
    v1 = services.create_strategy_draft(
        program=program,
        actor=pm,
        summary=(
            "Go live on the Meridian EHR in both hospitals, retire the three legacy systems, and measure the program "
            "on medication safety, duplicate testing and billing speed."
        ),
    )
    services.add_comment(
        version=v1,
        element="summary",
        actor=people["cmio"],
        body="@[Priya Natarajan] the physician documentation burden is missing from this.",
    )
    services.publish_strategy_version(version=v1, actor=pm, now=now - dt.timedelta(days=60))
    _freeze_as_before_v2(v1)
    services.decide_endorsement(
        version=v1,
        group=groups["executive"],
        status=EndorsementStatus.ENDORSED,
        actor=people["cio"],
        now=now - dt.timedelta(days=58),
    )
    v2 = services.create_strategy_draft(
        program=program,
        actor=pm,
        summary=(
            "As v1, plus: a documentation-burden benefit for physicians, protected optimisation time for hospitalists, "
            "and 24x7 vendor support through stabilisation. Every group should gain overall; the hospitalists do not "
            "yet, and the board owes them a compensating measure."
        ),
    )
    services.add_comment(
        version=v2,
        element=f"group:{groups['hospitalists'].pk}",
        actor=people["hosp_lead"],
        body="Order sets cost us 40 minutes a shift. @emr.pm@lakeshore.example can we fund scribes?",
    )
    services.publish_strategy_version(version=v2, actor=pm, now=now - dt.timedelta(days=10))
    answers = {
        "executive": (EndorsementStatus.ENDORSED, "", "cio"),
        "nursing": (EndorsementStatus.ENDORSED, "", "nursing_lead"),
        "pharmacy": (EndorsementStatus.ENDORSED, "", "pharmacy_lead"),
        "it": (
            EndorsementStatus.ENDORSED_WITH_CONDITIONS,
            "Only if the vendor staffs the 24x7 rota for the first 90 days.",
            "it_director",
        ),
        "revenue": (EndorsementStatus.ENDORSED, "", "revenue_lead"),
        "vendor": (EndorsementStatus.ENDORSED, "", "vendor_lead"),
        "ed": (
            EndorsementStatus.ENDORSED_WITH_CONDITIONS,
            "The tracking board must be live before structured triage notes are required.",
            "ed_lead",
        ),
        "hospitalists": (
            EndorsementStatus.OBJECTED,
            "The strategy costs hospitalists more than it gives them: order sets and documentation "
            "add 40 minutes a shift and nothing offsets it yet.",
            "hosp_lead",
        ),
        "consultancy": (EndorsementStatus.ENDORSED, "", "emr_pm"),  # the manager on the consultancy's behalf
    }
    for key, (status, text, who) in answers.items():
        services.decide_endorsement(
            version=v2,
            group=groups[key],
            status=status,
            text=text,
            actor=people[who],
            now=now - dt.timedelta(days=rng.randint(2, 9)),
        )
    # The laboratory has not answered yet.

    # Commitments in every state.
    plan = [
        ("ed", "Name two physician champions per shift", -40, CommitmentStatus.DONE, -42, "ed_lead"),
        ("ed", "Adopt the structured triage template", 5, CommitmentStatus.ON_TRACK, None, "ed_lead"),
        (
            "hospitalists",
            "Build and sign off admission order sets",
            -6,
            CommitmentStatus.LATE,
            None,
            "hosp_lead",
        ),
        (
            "hospitalists",
            "Attend the documentation optimisation sprint",
            3,
            CommitmentStatus.AT_RISK,
            None,
            "cmio",
        ),
        ("nursing", "Scan 95% of medication doses", -20, CommitmentStatus.DONE, -18, "nursing_lead"),
        (
            "nursing",
            "Super-user on every ward for go-live + 90 days",
            20,
            CommitmentStatus.ON_TRACK,
            None,
            "nurse",
        ),
        ("pharmacy", "Verify orders within 30 minutes", -30, CommitmentStatus.DONE, -31, "pharmacy_lead"),
        ("lab", "Validate the results interface", -3, CommitmentStatus.ON_TRACK, None, "lab_lead"),
        ("revenue", "Rebuild the denial work queues", 6, CommitmentStatus.NOT_STARTED, None, "revenue_lead"),
        ("it", "Staff the 24x7 command centre", 30, CommitmentStatus.ON_TRACK, None, "it_director"),
        ("it", "Decommission the legacy lab system", -10, CommitmentStatus.DROPPED, None, "it_analyst"),
        (
            "vendor",
            "Fix all severity-1 defects from go-live",
            4,
            CommitmentStatus.AT_RISK,
            None,
            "vendor_lead",
        ),
        ("consultancy", "Coach 20 physician champions", -5, CommitmentStatus.DONE, -1, "consultant"),
        ("executive", "Fund the optimisation phase", 45, CommitmentStatus.NOT_STARTED, None, "cfo"),
    ]
    benefit = Benefit.objects.filter(program=program).first()
    for index, (key, what, due, status, done, owner) in enumerate(plan):
        commitment = services.create_commitment(
            actor=pm,
            today=today,
            data={
                "program": program,
                "group": groups[key],
                "what": what,
                "owner": people[owner],
                "due_date": today + dt.timedelta(days=due),
                "benefit": benefit if index % 3 == 0 else None,
            },
        )
        if status == CommitmentStatus.NOT_STARTED:
            continue
        services.change_commitment_status(
            commitment=commitment,
            status=status,
            actor=pm,
            today=today + dt.timedelta(days=done) if done is not None else today,
            dropped_reason="The lab system stays until the St. Brigid's interface is rebuilt."
            if status == CommitmentStatus.DROPPED
            else "",
            note={
                CommitmentStatus.LATE: "Two of nine order sets still disputed by the pharmacy committee.",
                CommitmentStatus.AT_RISK: "Depends on scheduling relief we have not secured.",
            }.get(status, ""),
        )

    # Thirty days of snapshots so the trend has a history, then today's.
    for days_ago in range(30, 0, -1):
        services.take_alignment_snapshots(program=program, on=today - dt.timedelta(days=days_ago))
    services.take_alignment_snapshots(program=program, on=today)
    demo.extra["alignment"] = {
        "groups": groups,
        "current_version": v2,
        "snapshots": AlignmentSnapshot.objects.filter(program=program).count(),
    }


# What v2's summary announces as new since v1: the demo seeds every element at once, so v1's frozen
# snapshot is taken without them, as the strategy stood when v1 was published.
NEW_IN_V2 = {"Less time documenting each encounter", "24x7 go-live support rota"}


def _freeze_as_before_v2(version: StrategyVersion) -> None:
    snapshot = version.snapshot
    removed = {
        key
        for section in ("benefits", "initiatives")
        for key, element in snapshot.get(section, {}).items()
        if element.get("title") in NEW_IN_V2
    }
    for section in ("benefits", "initiatives"):
        snapshot[section] = {k: v for k, v in snapshot.get(section, {}).items() if k not in removed}
    snapshot["impacts"] = {
        key: impact
        for key, impact in snapshot.get("impacts", {}).items()
        if not any(impact.get("title", "").startswith(title) for title in NEW_IN_V2)
    }
    StrategyVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
