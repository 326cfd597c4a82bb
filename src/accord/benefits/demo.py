"""Demo benefits for the EMR program: a strategy map, ten benefits over all five Value STEPS categories,
typical EMR KPIs with 18 months of measurements, initiatives and reviewed success factors."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from accord.benefits import engine
from accord.benefits.choices import (
    FREQUENCY_DAYS,
    BenefitStatus,
    Direction,
    Frequency,
    InitiativeStatus,
    Perspective,
    Rag,
    SuccessDimension,
    ValueStepsCategory,
)
from accord.benefits.models import Benefit, Initiative, Kpi, Objective, ObjectiveLink, SuccessFactor
from accord.benefits.services import record_measurement
from accord.core.demo import DemoContext
from accord.core.permissions import Visibility
from accord.core.services import create_record, update_record

P = Perspective
OBJECTIVES: list[tuple[str, str, str, str]] = [
    # key, title, perspective, owner key
    ("safety", "Safer medication use", P.PATIENTS_QUALITY, "pharmacy_lead"),
    ("tests", "Fewer unnecessary tests", P.PATIENTS_QUALITY, "lab_lead"),
    ("engaged", "Patients engaged in their care", P.PATIENTS_QUALITY, "nursing_lead"),
    ("burden", "Less documentation burden", P.CLINICIANS, "cmio"),
    ("trust", "Clinicians trust and use the EHR", P.CLINICIANS, "cmio"),
    ("cpoe", "Closed-loop electronic ordering", P.OPERATIONS, "hosp_lead"),
    ("erx", "Complete electronic prescribing", P.OPERATIONS, "pharmacy_lead"),
    ("billing", "Faster billing cycle", P.FINANCE, "revenue_lead"),
    ("cost", "Lower cost per case", P.FINANCE, "cfo"),
    ("training", "Role-based training and at-the-elbow support", P.LEARNING_GROWTH, "nursing_lead"),
    ("champions", "Physician champions in every department", P.LEARNING_GROWTH, "cmio"),
    ("reporting", "Usable reporting on the benefits", P.LEARNING_GROWTH, "it_director"),
]
LINKS = [
    ("training", "trust"),
    ("champions", "trust"),
    ("trust", "cpoe"),
    ("trust", "burden"),
    ("cpoe", "safety"),
    ("erx", "safety"),
    ("cpoe", "tests"),
    ("reporting", "tests"),
    ("burden", "billing"),
    ("tests", "cost"),
    ("billing", "cost"),
    ("reporting", "engaged"),
]

# key, title, category, owner, objectives, status, visibility, KPI
# KPI: name, unit, direction, baseline, target, amber, red, frequency, behaviour, fhir measure, source
# behaviour: "green" tracks the plan, "amber"/"red" fall behind it after go-live, "overdue" stops reporting.
C = ValueStepsCategory
BENEFITS: list[dict[str, Any]] = [
    {
        "title": "Clinicians satisfied with the EHR",
        "category": C.SATISFACTION,
        "owner": "cmio",
        "objectives": ["trust"],
        "kpi": (
            "Clinician satisfaction",
            "% satisfied",
            Direction.INCREASE,
            48,
            75,
            4,
            9,
            Frequency.QUARTERLY,
            "green",
            "",
            "Quarterly clinician EHR survey",
        ),
    },
    {
        "title": "Less time documenting each encounter",
        "category": C.SATISFACTION,
        "owner": "hosp_lead",
        "objectives": ["burden"],
        "kpi": (
            "Documentation time per encounter",
            "minutes",
            Direction.DECREASE,
            16,
            11,
            0.8,
            1.8,
            Frequency.MONTHLY,
            "red",
            "",
            "EHR audit-log analytics",
        ),
    },
    {
        "title": "Fewer medication errors",
        "category": C.TREATMENT,
        "owner": "pharmacy_lead",
        "objectives": ["safety"],
        "kpi": (
            "Medication error rate",
            "per 1,000 doses",
            Direction.DECREASE,
            4.2,
            2.0,
            0.3,
            0.7,
            Frequency.MONTHLY,
            "green",
            "",
            "Incident reporting system",
        ),
    },
    {
        "title": "Physicians enter their own orders",
        "category": C.TREATMENT,
        "owner": "hosp_lead",
        "objectives": ["cpoe"],
        "kpi": (
            "CPOE adoption",
            "%",
            Direction.INCREASE,
            12,
            90,
            5,
            12,
            Frequency.MONTHLY,
            "amber",
            "http://lakeshore.example/fhir/Measure/cpoe-adoption",
            "EHR order audit (FHIR MeasureReport)",
        ),
    },
    {
        "title": "Prescriptions sent electronically",
        "category": C.ELECTRONIC_INFORMATION,
        "owner": "pharmacy_lead",
        "objectives": ["erx"],
        "kpi": (
            "E-prescribing rate",
            "%",
            Direction.INCREASE,
            35,
            95,
            5,
            10,
            Frequency.MONTHLY,
            "green",
            "http://lakeshore.example/fhir/Measure/eprescribing-rate",
            "Surescripts report (FHIR MeasureReport)",
        ),
    },
    {
        "title": "Coded problem lists for every inpatient",
        "category": C.ELECTRONIC_INFORMATION,
        "owner": "cmio",
        "objectives": ["trust", "reporting"],
        "kpi": (
            "Inpatients with a coded problem list",
            "%",
            Direction.INCREASE,
            40,
            85,
            5,
            12,
            Frequency.MONTHLY,
            "overdue",
            "",
            "Clinical data warehouse",
        ),
    },
    {
        "title": "Duplicate laboratory tests avoided",
        "category": C.PREVENTION,
        "owner": "lab_lead",
        "objectives": ["tests"],
        "kpi": (
            "Duplicate lab test rate",
            "%",
            Direction.DECREASE,
            9.5,
            5.0,
            0.6,
            1.5,
            Frequency.MONTHLY,
            "green",
            "",
            "LIS duplicate-order report",
        ),
    },
    {
        "title": "Patients use the portal for education and follow-up",
        "category": C.PREVENTION,
        "owner": "nursing_lead",
        "objectives": ["engaged"],
        "kpi": (
            "Patient portal activation",
            "%",
            Direction.INCREASE,
            5,
            40,
            3,
            8,
            Frequency.MONTHLY,
            "amber",
            "",
            "Portal registration report",
        ),
    },
    {
        "title": "Faster billing after discharge",
        "category": C.SAVINGS,
        "owner": "revenue_lead",
        "objectives": ["billing"],
        "kpi": (
            "Days in A/R",
            "days",
            Direction.DECREASE,
            52,
            40,
            2,
            5,
            Frequency.MONTHLY,
            "red",
            "",
            "Revenue cycle dashboard",
        ),
    },
    {
        "title": "Transcription spend eliminated",
        "category": C.SAVINGS,
        "owner": "cfo",
        "objectives": ["cost", "burden"],
        "visibility": Visibility.INTERNAL,
        "kpi": (
            "Monthly transcription spend",
            "k USD",
            Direction.DECREASE,
            85,
            20,
            5,
            12,
            Frequency.MONTHLY,
            "green",
            "",
            "Accounts payable",
        ),
    },
]

# How each ratio KPI is counted (numerator, denominator); the KPIs not named here are not ratios.
COUNTING: dict[str, tuple[str, str]] = {
    "Clinician satisfaction": (
        "Respondents satisfied or very satisfied with the EHR",
        "All clinicians answering the quarterly survey",
    ),
    "Medication error rate": (
        "Medication errors reaching the patient (incident reports, categories C-I)",
        "Doses administered, in thousands",
    ),
    "CPOE adoption": (
        "Medication orders entered by a licensed prescriber through CPOE in the month",
        "All medication orders in the month",
    ),
    "E-prescribing rate": (
        "Outpatient prescriptions sent electronically to the pharmacy",
        "All outpatient prescriptions written",
    ),
    "Inpatients with a coded problem list": (
        "Inpatients discharged with at least one coded (SNOMED CT) problem on their list",
        "All inpatients discharged in the month",
    ),
    "Duplicate lab test rate": (
        "Laboratory tests repeated within the test's useful interval without a documented reason",
        "All laboratory tests ordered",
    ),
    "Patient portal activation": (
        "Patients seen in the month with an activated portal account",
        "All patients seen in the month",
    ),
    "Days in A/R": ("Net accounts receivable at month end", "Average daily net patient revenue"),
}

INITIATIVES = [
    (
        "Order-set redesign with physician champions",
        "hosp_lead",
        ["cpoe", "champions"],
        -420,
        60,
        InitiativeStatus.ACTIVE,
        80,
    ),
    (
        "At-the-elbow support for the first 90 days",
        "nursing_lead",
        ["training", "trust"],
        -150,
        -32,
        InitiativeStatus.DONE,
        100,
    ),
    (
        "Documentation efficiency sprints (SmartPhrases, voice)",
        "cmio",
        ["burden"],
        -60,
        120,
        InitiativeStatus.ACTIVE,
        35,
    ),
    (
        "Charge capture and coding work queue clean-up",
        "revenue_lead",
        ["billing"],
        -30,
        150,
        InitiativeStatus.ACTIVE,
        20,
    ),
    (
        "Benefits reporting in the data warehouse",
        "it_director",
        ["reporting"],
        -200,
        30,
        InitiativeStatus.ACTIVE,
        70,
    ),
]

FACTOR_REVIEWS = {
    SuccessDimension.PROCESS_CHANGE: (
        "hosp_lead",
        Rag.AMBER,
        "Medication and order workflows redesigned; discharge and charge-capture workflows still paved over.",
    ),
    SuccessDimension.TRAINING: (
        "nursing_lead",
        Rag.GREEN,
        "96% of clinicians trained before go-live; proficiency checks passed by 91%.",
    ),
    SuccessDimension.PHYSICIAN_ENGAGEMENT: (
        "cmio",
        Rag.AMBER,
        "Champions in 9 of 12 departments; ED and surgery still without one.",
    ),
    SuccessDimension.SYSTEM_DESIGN: ("it_director", Rag.GREEN, "Order sets signed off by each department."),
    SuccessDimension.DATA_INTEGRATION: (
        "it_director",
        Rag.RED,
        "Problem-list extract to the warehouse failing since "
        "the last upgrade; coded-problem-list KPI not reported.",
    ),
    SuccessDimension.REPORTING_TOOLS: ("it_analyst", Rag.AMBER, "Benefit KPIs automated for 7 of 10."),
    SuccessDimension.OTHER: ("emr_pm", Rag.NOT_ASSESSED, ""),
}

MONTHS = 18


def _series(
    kpi: Kpi, behaviour: str, go_live: dt.date, today: dt.date, rng: random.Random
) -> list[tuple[dt.date, float]]:
    """Measurements that follow the plan, or fall behind it after go-live, with a little noise."""
    spec = kpi.spec()
    step = FREQUENCY_DAYS[kpi.frequency] - (1 if kpi.frequency == Frequency.MONTHLY else 0)
    last = today - dt.timedelta(days=75) if behaviour == "overdue" else today - dt.timedelta(days=3)
    points = []
    day = kpi.baseline_date + dt.timedelta(days=step)
    while day <= last:
        expected = engine.expected_value(spec, day)
        after = max(0, (day - go_live).days) / 120
        lag = {"green": 0.3, "overdue": 0.4, "amber": 1.5, "red": 1.4}[behaviour] * min(after, 1.0)
        behind = lag * (kpi.amber_tolerance if behaviour != "red" else kpi.red_tolerance)
        noise = rng.uniform(-0.25, 0.25) * kpi.amber_tolerance
        value = (
            expected - behind + noise if kpi.direction == Direction.INCREASE else expected + behind + noise
        )
        points.append((day, round(value, 2)))
        day += dt.timedelta(days=step)
    return points


def seed(demo: DemoContext) -> None:
    program = demo.emr
    pm = demo.people["emr_pm"]
    today = demo.today
    go_live = program.go_live_date
    rng = random.Random(20260301)
    baseline_date = today - dt.timedelta(days=MONTHS * 30 + 10)

    objectives = {}
    for key, title, perspective, owner in OBJECTIVES:
        objectives[key] = create_record(
            model=Objective,
            actor=pm,
            check=False,
            data={
                "program": program,
                "title": title,
                "perspective": perspective,
                "owner": demo.people[owner],
            },
        )
    for cause, effect in LINKS:
        create_record(
            model=ObjectiveLink,
            actor=pm,
            check=False,
            data={"program": program, "cause": objectives[cause], "effect": objectives[effect]},
        )

    kpis = {}
    for spec in BENEFITS:
        benefit = create_record(
            model=Benefit,
            actor=pm,
            check=False,
            data={
                "program": program,
                "title": spec["title"],
                "category": spec["category"],
                "owner": demo.people[spec["owner"]],
                "objectives": [objectives[k] for k in spec["objectives"]],
                "window_start": go_live - dt.timedelta(days=90),
                "window_end": go_live + dt.timedelta(days=3 * 365),
                "status": BenefitStatus.TRACKING,
                "visibility": spec.get("visibility", Visibility.SHARED),
                "description": f"Owned by {demo.people[spec['owner']].full_name}; reviewed quarterly by the board.",
            },
        )
        name, unit, direction, baseline, target, amber, red, frequency, behaviour, measure, source = spec[
            "kpi"
        ]
        target_date = go_live + dt.timedelta(days=540)
        span = target - baseline
        numerator, denominator = COUNTING.get(name, ("", ""))
        kpi = create_record(
            model=Kpi,
            actor=pm,
            check=False,
            data={
                "program": program,
                "benefit": benefit,
                "name": name,
                "unit": unit,
                "direction": direction,
                "definition": f"{name} across both hospitals, measured from the {source.lower()}.",
                "numerator": numerator,
                "denominator": denominator,
                "baseline_value": baseline,
                "baseline_date": baseline_date,
                "target_value": target,
                "target_date": target_date,
                "amber_tolerance": amber,
                "red_tolerance": red,
                "frequency": frequency,
                "data_source": source,
                "fhir_measure_url": measure,
                # Little moves before go-live; most of the change comes in the first year after it.
                "milestones": [
                    {
                        "date": (go_live - dt.timedelta(days=1)).isoformat(),
                        "value": round(baseline + span * 0.1, 2),
                    },
                    {
                        "date": (go_live + dt.timedelta(days=180)).isoformat(),
                        "value": round(baseline + span * 0.6, 2),
                    },
                ],
            },
        )
        kpis[name] = kpi
        for day, value in _series(kpi, behaviour, go_live, today, rng):
            record_measurement(
                kpi=kpi,
                value=value,
                measured_on=day,
                actor=demo.people["it_analyst"],
                source=source,
                check=False,
            )
        if behaviour in ("amber", "red"):
            update_record(instance=benefit, actor=pm, check=False, data={"status": BenefitStatus.AT_RISK})

    for title, owner, served, start, end, status, done in INITIATIVES:
        create_record(
            model=Initiative,
            actor=pm,
            check=False,
            data={
                "program": program,
                "title": title,
                "owner": demo.people[owner],
                "objectives": [objectives[k] for k in served],
                "start": go_live + dt.timedelta(days=start),
                "end": go_live + dt.timedelta(days=end),
                "status": status,
                "percent_complete": done,
            },
        )

    for factor in SuccessFactor.objects.filter(program=program):
        review = FACTOR_REVIEWS.get(factor.dimension)
        if review is None:
            continue
        owner, status, evidence = review
        update_record(
            instance=factor,
            actor=pm,
            check=False,
            data={
                "owner": demo.people[owner],
                "status": status,
                "evidence": evidence,
                "last_reviewed": today - dt.timedelta(days=rng.randint(5, 40))
                if status != Rag.NOT_ASSESSED
                else None,
            },
        )

    demo.extra["benefits"] = {
        "objectives": objectives,
        "kpis": kpis,
        "benefits": {b.title: b for b in Benefit.objects.filter(program=program)},
    }
