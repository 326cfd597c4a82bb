"""Demo governance for both programs: red flags in every state (one a consultant's physician-engagement
flag escalated to the board), a risk register with a converted flag, and a decision log.

Runs after the benefits and alignment demos so flags and decisions can name what they threaten; the
meetings demo that follows drafts board agendas from these flags and risks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.alignment.models import StakeholderGroup
from accord.benefits.models import Benefit, Initiative, SuccessFactor
from accord.core.demo import DemoContext
from accord.core.permissions import Visibility
from accord.core.services import create_record
from accord.governance import services
from accord.governance.choices import RiskCategory, RiskResponse, RiskStatus, Severity
from accord.governance.models import RedFlag, Risk

S, V = Severity, Visibility

# Each flag: key, raiser, title, what they saw, severity, visibility, days ago raised, the moves it went
# through as (days after raising, state, actor, fields), and what it threatens (looked up by name).
FLAGS: dict[str, list[dict[str, Any]]] = {
    "emr": [
        {
            "key": "engagement",
            "by": "consultant",
            "severity": S.HIGH,
            "visibility": V.SHARED,
            "ago": 40,
            "title": "Physician engagement in order-set design is collapsing",
            "text": "Only 3 of 14 physician champions came to the last two order-set reviews. Hospitalists say "
            "the sessions clash with rounds and nobody backfills them. This is outside my adoption scope, "
            "but CPOE adoption will stall without them.",
            "threatens": {
                "benefit": "Physicians enter their own orders",
                "factor": "physician_engagement",
                "group": "Hospitalists",
                "initiative": "Order-set redesign with physician champions",
            },
            "escalate": 2,
            "moves": [
                (3, "triaged", "emr_pm", {"owner": "cmio", "due": 14}),
                (4, "in_progress", "cmio", {"note": "Protected time for champions proposed to the board."}),
            ],
        },
        {
            "key": "nights",
            "by": "nurse",
            "severity": S.MEDIUM,
            "visibility": V.SHARED,
            "ago": 30,
            "title": "Night-shift nurses have no at-the-elbow support",
            "text": "Super-users leave at 19:00; night staff wait until morning for help with medication "
            "administration workflows.",
            "threatens": {"benefit": "Fewer medication errors", "factor": "training", "group": "Nursing"},
            "moves": [
                (1, "triaged", "emr_pm", {"owner": "nursing_lead", "due": 10}),
                (2, "in_progress", "nursing_lead", {}),
                (
                    9,
                    "resolved",
                    "nursing_lead",
                    {
                        "resolution": "Two night super-users per hospital for six "
                        "weeks, funded from the hypercare budget."
                    },
                ),
                (12, "closed", "emr_pm", {"note": "Confirmed with the night charge nurses."}),
            ],
        },
        {
            "key": "stat",
            "by": "vendor_analyst",
            "severity": S.CRITICAL,
            "visibility": V.SHARED,
            "ago": 12,
            "title": "Pharmacy interface drops STAT orders during the nightly batch",
            "text": "Between 01:00 and 01:20 STAT medication orders queue in the interface engine and reach "
            "pharmacy up to 25 minutes late.",
            "threatens": {
                "benefit": "Fewer medication errors",
                "factor": "data_integration",
                "group": "Pharmacy",
            },
            "moves": [
                (0.1, "triaged", "emr_pm", {"owner": "it_director", "due": 2}),
                (
                    2,
                    "resolved",
                    "it_director",
                    {
                        "resolution": "Batch moved to 03:30 and STAT messages given "
                        "their own interface channel."
                    },
                ),
            ],
        },
        {
            "key": "duplicates",
            "by": "it_analyst",
            "severity": S.HIGH,
            "visibility": V.INTERNAL,
            "ago": 20,
            "title": "Duplicate lab orders from legacy order sets",
            "text": "Legacy order sets still fire a basic metabolic panel alongside the new admission panel.",
            "threatens": {"benefit": "Duplicate laboratory tests avoided", "group": "Laboratory"},
            "moves": [
                (1, "triaged", "emr_pm", {"owner": "lab_lead", "due": 14}),
                (
                    6,
                    "accepted",
                    "cio",
                    {
                        "rationale": "Legacy order sets retire with the wave 2 build in "
                        "eight weeks; the lab flags duplicates by hand until then."
                    },
                ),
            ],
            "risk": {
                "likelihood": 4,
                "impact": 3,
                "category": RiskCategory.CLINICAL,
                "consequence": "Unnecessary tests, cost per case above plan, patient discomfort.",
            },
        },
        {
            "key": "ed_templates",
            "by": "ed_lead",
            "severity": S.MEDIUM,
            "visibility": V.INTERNAL,
            "ago": 2,
            "title": "ED documentation templates double charting time",
            "text": "Residents report charting twice: free text and the mandatory structured fields.",
            "threatens": {
                "benefit": "Less time documenting each encounter",
                "group": "Emergency department physicians",
            },
            "moves": [],
        },
        {
            "key": "proficiency",
            "by": "vendor_trainer",
            "severity": S.MEDIUM,
            "visibility": V.SHARED,
            "ago": 9,
            "title": "Training completion is reported but proficiency is never assessed",
            "text": "94% completion, yet nobody checks whether staff can complete the core workflows.",
            "threatens": {"factor": "training"},
            "moves": [(2, "triaged", "emr_pm", {"owner": "nursing_lead", "due": 14})],
        },
        {
            "key": "stat_dup",
            "by": "revenue_lead",
            "severity": S.HIGH,
            "visibility": V.INTERNAL,
            "ago": 11,
            "title": "Late pharmacy orders overnight",
            "merge_into": "stat",
            "text": "Night pharmacists see medication orders arrive in bursts around 01:30.",
            "moves": [],
        },
        {
            "key": "sepsis",
            "by": "hosp_lead",
            "severity": S.HIGH,
            "visibility": V.INTERNAL,
            "ago": 18,
            "title": "Sepsis order set is missing the repeat lactate",
            "text": "The repeat lactate at 6 hours is not in the sepsis order set; the bundle compliance report "
            "will fall.",
            "threatens": {"benefit": "Physicians enter their own orders"},
            "moves": [
                (1, "triaged", "emr_pm", {"owner": "cmio", "due": 7}),
                (3, "resolved", "cmio", {"resolution": "Repeat lactate added to the order set."}),
                (
                    10,
                    "raised",
                    "hosp_lead",
                    {"reason": "The change went to the test environment only; production still lacks it."},
                ),
            ],
        },
    ],
    "outsourcing": [
        {
            "key": "kt",
            "by": "consultant2",
            "severity": S.HIGH,
            "visibility": V.SHARED,
            "ago": 25,
            "title": "Senior engineers skip knowledge-transfer sessions",
            "text": "Four of six shadowing sessions for the storage platform were cancelled by our own senior "
            "engineers, who fear for their roles.",
            "escalate": 2,
            "moves": [
                (3, "triaged", "transition_pm", {"owner": "it_director", "due": 10}),
                (5, "in_progress", "it_director", {}),
            ],
        },
        {
            "key": "runbooks",
            "by": "service_desk",
            "severity": S.HIGH,
            "visibility": V.SHARED,
            "ago": 15,
            "title": "Runbooks missing for 40% of critical applications",
            "text": "The current-state assessment found no runbook for 23 of 58 critical applications.",
            "moves": [
                (1, "triaged", "transition_pm", {"owner": "it_director", "due": 21}),
                (2, "in_progress", "it_director", {}),
            ],
        },
        {
            "key": "access",
            "by": "nb_lead",
            "severity": S.MEDIUM,
            "visibility": V.SHARED,
            "ago": 35,
            "title": "Access requests for Northbridge engineers take three weeks",
            "text": "Shadowing cannot start until accounts exist; the request queue is 19 days long.",
            "moves": [
                (1, "triaged", "transition_pm", {"owner": "it_director", "due": 7}),
                (
                    6,
                    "resolved",
                    "it_director",
                    {
                        "resolution": "A pre-approved access bundle per Northbridge "
                        "role; requests now take two days."
                    },
                ),
                (8, "closed", "transition_pm", {}),
            ],
        },
        {
            "key": "backups",
            "by": "it_engineer",
            "severity": S.CRITICAL,
            "visibility": V.INTERNAL,
            "ago": 6,
            "title": "Nobody owns the backup jobs during the transition",
            "text": "Backup failure alerts go to a mailbox nobody watches since the storage team was reassigned.",
            "moves": [
                (0.1, "triaged", "transition_pm", {"owner": "it_director", "due": 1}),
                (
                    1,
                    "resolved",
                    "it_director",
                    {
                        "resolution": "Alerts routed to the on-call rota; Northbridge "
                        "takes ownership at service start."
                    },
                ),
            ],
        },
        {
            "key": "baseline",
            "by": "nb_service",
            "severity": S.MEDIUM,
            "visibility": V.SHARED,
            "ago": 14,
            "title": "SLA baseline data incomplete for the last quarter",
            "text": "Ticket exports before May lack resolution timestamps for 30% of incidents.",
            "moves": [
                (2, "triaged", "transition_pm", {"owner": "transition_pm", "due": 14}),
                (
                    5,
                    "accepted",
                    "cio",
                    {
                        "rationale": "The baseline uses the complete months only; agreed with "
                        "Northbridge in the contract schedule."
                    },
                ),
            ],
        },
        {
            "key": "cmdb",
            "by": "nb_engineer",
            "severity": S.MEDIUM,
            "visibility": V.SHARED,
            "ago": 3,
            "title": "CMDB does not match what is actually running",
            "text": "Discovery scans found 140 servers the configuration database does not list.",
            "moves": [(1, "triaged", "transition_pm", {"owner": "it_director", "due": 14})],
        },
        {
            "key": "anxiety",
            "by": "it_director",
            "severity": S.HIGH,
            "visibility": V.INTERNAL,
            "ago": 0.4,
            "title": "Staff anxiety about transfer to Northbridge",
            "text": "Three resignations this month among the staff due to transfer.",
            "moves": [],
        },
    ],
}

RISKS: dict[str, list[dict[str, Any]]] = {
    "emr": [
        {
            "title": "CPOE adoption stalls below 60%",
            "category": RiskCategory.ADOPTION,
            "likelihood": 4,
            "impact": 5,
            "owner": "cmio",
            "response": RiskResponse.REDUCE,
            "visibility": V.INTERNAL,
            "cause": "Physicians not engaged in order-set design.",
            "consequence": "Medication-safety and duplicate-test benefits are not realised.",
            "actions": "Protected time for champions; monthly adoption review by department.",
        },
        {
            "title": "Interface engine capacity at month-end",
            "category": RiskCategory.TECHNICAL,
            "likelihood": 3,
            "impact": 4,
            "owner": "it_director",
            "response": RiskResponse.REDUCE,
            "visibility": V.SHARED,
            "cause": "Message volumes grew 40% after go-live.",
            "actions": "Vendor capacity review.",
        },
        {
            "title": "Vendor optimisation team reassigned",
            "category": RiskCategory.VENDOR,
            "likelihood": 2,
            "impact": 4,
            "owner": "emr_pm",
            "response": RiskResponse.TRANSFER,
            "visibility": V.SHARED,
            "cause": "Meridian's next go-live starts in the spring.",
            "actions": "Named team in the contract addendum.",
        },
        {
            "title": "Charge capture lag delays billing",
            "category": RiskCategory.FINANCIAL,
            "likelihood": 3,
            "impact": 3,
            "owner": "revenue_lead",
            "response": RiskResponse.REDUCE,
            "visibility": V.INTERNAL,
        },
        {
            "title": "Downtime procedures untested",
            "category": RiskCategory.CLINICAL,
            "likelihood": 2,
            "impact": 5,
            "owner": "nursing_lead",
            "response": RiskResponse.AVOID,
            "visibility": V.INTERNAL,
        },
        {
            "title": "Go-live data conversion errors",
            "category": RiskCategory.DATA,
            "likelihood": 1,
            "impact": 3,
            "owner": "it_director",
            "response": RiskResponse.ACCEPT,
            "visibility": V.SHARED,
            "status": RiskStatus.CLOSED,
        },
    ],
    "outsourcing": [
        {
            "title": "Knowledge lost when senior engineers leave",
            "category": RiskCategory.ORGANISATIONAL,
            "likelihood": 4,
            "impact": 5,
            "owner": "it_director",
            "response": RiskResponse.REDUCE,
            "visibility": V.INTERNAL,
            "actions": "Retention bonuses to service start; recorded shadowing.",
        },
        {
            "title": "SLAs start without an agreed baseline",
            "category": RiskCategory.VENDOR,
            "likelihood": 3,
            "impact": 4,
            "owner": "transition_pm",
            "response": RiskResponse.REDUCE,
            "visibility": V.SHARED,
        },
        {
            "title": "Change freeze collides with service commencement",
            "category": RiskCategory.SCHEDULE,
            "likelihood": 2,
            "impact": 3,
            "owner": "transition_pm",
            "response": RiskResponse.AVOID,
            "visibility": V.SHARED,
        },
        {
            "title": "Privacy obligations not flowed down to Northbridge",
            "category": RiskCategory.REGULATORY,
            "likelihood": 2,
            "impact": 5,
            "owner": "cio",
            "response": RiskResponse.TRANSFER,
            "visibility": V.INTERNAL,
        },
    ],
}

DECISIONS: dict[str, list[dict[str, Any]]] = {
    "emr": [
        {
            "title": "Protected time for physician champions",
            "ago": 30,
            "flags": ["engagement"],
            "risks": ["CPOE adoption stalls below 60%"],
            "benefits": ["Physicians enter their own orders"],
            "context": "A consultant's red flag, escalated to the board: champions are not attending order-set reviews.",
            "options": "Do nothing; ask departments to release champions; fund four hours a week per champion.",
            "decision": "Fund four protected hours a week for each of the 14 physician champions for six months.",
            "rationale": "CPOE adoption drives the medication-safety and duplicate-test benefits; the cost is "
            "below one month of the benefit shortfall.",
        },
        {
            "title": "Night super-users during hypercare",
            "ago": 22,
            "flags": ["nights"],
            "benefits": ["Fewer medication errors"],
            "visibility": V.SHARED,
            "decision": "Two night super-users per hospital for six weeks from the hypercare budget.",
            "rationale": "Medication administration errors cluster at night.",
        },
        {
            "title": "Legacy order sets retire with wave 2",
            "ago": 14,
            "flags": ["duplicates"],
            "decision": "Accept duplicate-lab risk until wave 2; the lab flags duplicates by hand.",
            "rationale": "Retiring them now needs a second build cycle the team cannot staff.",
        },
    ],
    "outsourcing": [
        {
            "title": "Retention bonuses for senior engineers to service start",
            "ago": 18,
            "flags": ["kt"],
            "risks": ["Knowledge lost when senior engineers leave"],
            "decision": "Pay retention bonuses to six named engineers, conditional on completed shadowing plans.",
            "rationale": "Knowledge transfer is the element of the transition we cannot buy back later.",
        },
        {
            "title": "SLA baseline from complete months only",
            "ago": 8,
            "flags": ["baseline"],
            "risks": ["SLAs start without an agreed baseline"],
            "visibility": V.SHARED,
            "decision": "Baseline the SLAs on the complete months; review after the first quarter of service.",
            "rationale": "Agreed with Northbridge; avoids arguing over incomplete data.",
        },
    ],
}

MANAGER = {"emr": "emr_pm", "outsourcing": "transition_pm"}


def _lookup(program: Any, threatens: dict[str, str]) -> dict[str, Any]:
    """The records a flag threatens, by name; a missing one (another app's demo changed) is left out."""
    found = {
        "threatens_benefit": Benefit.objects.filter(program=program, title=threatens.get("benefit")).first(),
        "threatens_success_factor": SuccessFactor.objects.filter(
            program=program, dimension=threatens.get("factor")
        ).first(),
        "threatens_group": StakeholderGroup.objects.filter(
            program=program, name=threatens.get("group")
        ).first(),
        "threatens_initiative": Initiative.objects.filter(
            program=program, title=threatens.get("initiative")
        ).first(),
    }
    return {k: v for k, v in found.items() if v is not None}


def _seed_program(demo: DemoContext, key: str, now: dt.datetime) -> dict[str, Any]:
    program = demo.programs[key]
    people = demo.people
    services.create_default_escalation_rules(program=program, actor=people[MANAGER[key]])
    flags: dict[str, RedFlag] = {}
    for spec in FLAGS[key]:
        raised_at = now - dt.timedelta(days=spec["ago"])
        flag = services.raise_red_flag(
            program=program,
            actor=people[spec["by"]],
            title=spec["title"],
            description=spec["text"],
            severity=spec["severity"],
            visibility=spec["visibility"],
            now=raised_at,
            **_lookup(program, spec.get("threatens", {})),
        )
        flags[spec["key"]] = flag
        for level in range(spec.get("escalate", 0)):
            # Each level waits its full period: the scheduler finds the flag overdue twice running.
            hours = 24 * (level + 1) + 1
            escalated = services.escalate_overdue_flags(now=raised_at + dt.timedelta(hours=hours))
            if not any(e.flag.pk == flag.pk for e in escalated):
                raise RuntimeError(
                    f"The demo flag {spec['key']!r} should have escalated; check the default rules."
                )
        for after, state, actor, fields in spec["moves"]:
            at = raised_at + dt.timedelta(days=after)
            extra = {k: v for k, v in fields.items() if k not in {"owner", "due", "note"}}
            if "owner" in fields:
                extra.update(
                    owner=people[fields["owner"]], response_due=(at + dt.timedelta(days=fields["due"])).date()
                )
            flag = services.transition_red_flag(
                flag=flag, to=state, actor=people[actor], note=fields.get("note", ""), now=at, **extra
            )
        flags[spec["key"]] = flag
    for spec in FLAGS[key]:
        if "merge_into" in spec:
            services.merge_red_flags(
                duplicate=flags[spec["key"]],
                into=flags[spec["merge_into"]],
                actor=people[MANAGER[key]],
                note="Same interface problem, seen from pharmacy.",
                now=now - dt.timedelta(days=spec["ago"] - 1),
            )
        if "risk" in spec:
            services.convert_red_flag_to_risk(
                flag=flags[spec["key"]],
                actor=people[MANAGER[key]],
                now=now - dt.timedelta(days=spec["ago"] - 7),
                **spec["risk"],
            )
    services.comment_on_red_flag(
        flag=flags[FLAGS[key][0]["key"]],
        actor=people[FLAGS[key][0]["by"]],
        note="Thank you for taking this to the board; attendance is already better.",
        now=now - dt.timedelta(days=5),
    )

    risks: dict[str, Risk] = {}
    for index, spec in enumerate(RISKS[key]):
        data = {k: v for k, v in spec.items() if k != "owner"}
        risks[spec["title"]] = create_record(
            model=Risk,
            actor=people[MANAGER[key]],
            data={
                "program": program,
                "owner": people[spec["owner"]],
                "review_date": demo.today + dt.timedelta(days=14 + 7 * index),
                **data,
            },
        )

    decisions = []
    for spec in DECISIONS[key]:
        decisions.append(
            services.create_decision(
                program=program,
                actor=people["cio"],
                title=spec["title"],
                decision=spec["decision"],
                decided_on=demo.today - dt.timedelta(days=spec["ago"]),
                rationale=spec.get("rationale", ""),
                context=spec.get("context", ""),
                options_considered=spec.get("options", ""),
                visibility=spec.get("visibility", V.INTERNAL),
                flags=[flags[k] for k in spec.get("flags", [])],
                risks=[risks[t] for t in spec.get("risks", [])],
                benefits=list(Benefit.objects.filter(program=program, title__in=spec.get("benefits", []))),
            )
        )
    return {"flags": flags, "risks": risks, "decisions": decisions}


def seed(demo: DemoContext) -> None:
    now = timezone.make_aware(dt.datetime.combine(demo.today, dt.time(9, 0)))
    made = {key: _seed_program(demo, key, now) for key in ("emr", "outsourcing") if key in demo.programs}
    # What a scheduler running `accord escalate` this morning would have done.
    escalated = services.escalate_overdue_flags(now=now)
    made["escalated_today"] = [e.flag.pk for e in escalated]
    demo.extra["governance"] = made
