"""Demo transparency for the IT transition: the roster and open doors, a Q&A board with answered and open
questions, anonymous concerns in each state, and three monthly pulse surveys in which trust in the partner
falls at the service desk and the small applications team is shown only merged with another group."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.exceptions import ValidationError

from accord.accounts.services import create_person
from accord.alignment.choices import GroupKind
from accord.alignment.models import StakeholderGroup
from accord.core.demo import SYSTEM_ACTOR, DemoContext
from accord.core.permissions import Role, Visibility
from accord.core.services import create_record
from accord.programs.services import add_member
from accord.transition.choices import Criticality, HandoverStage, ServiceKind
from accord.transition.models import Service
from accord.transparency import services
from accord.transparency.choices import ConcernState
from accord.transparency.forms import STANDARD_QUESTIONS
from accord.transparency.models import OpenDoorHours

# Group name, kind, organisation key, how many staff, role, e-mail stem.
TEAMS = [
    ("Service desk", GroupKind.IT, "it", 8, Role.MEMBER, "desk"),
    ("Infrastructure", GroupKind.IT, "it", 6, Role.MEMBER, "infra"),
    ("Clinical applications", GroupKind.IT, "it", 4, Role.MEMBER, "apps"),
]
FIRST = [
    "Alex",
    "Bea",
    "Chen",
    "Dara",
    "Eli",
    "Fran",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
]
LAST = [
    "Okafor",
    "Price",
    "Quinn",
    "Rossi",
    "Silva",
    "Tran",
    "Ueda",
    "Vance",
    "Weiss",
    "Xu",
    "Young",
    "Zeller",
]

# Service name, kind, criticality, stage: used when the transition demo has not made services already.
SERVICES = [
    ("Service desk (tier 1)", ServiceKind.SERVICE_DESK, Criticality.HIGH, HandoverStage.SHADOW),
    (
        "Data-centre infrastructure",
        ServiceKind.INFRASTRUCTURE,
        Criticality.CRITICAL,
        HandoverStage.ACQUISITION,
    ),
    ("Laboratory interface engine", ServiceKind.APPLICATION, Criticality.CRITICAL, HandoverStage.SHADOW),
]

QUESTIONS = [
    (
        40,
        "Will our pension scheme stay the same if we move to Northbridge?",
        True,
        "Yes. The transfer keeps pensions as they are; HR will brief each team in person.",
    ),
    (
        25,
        "Who decides which of us move to Northbridge and which stay?",
        False,
        "Nobody moves without a one-to-one first. The list of roles staying in-house is on the intranet.",
    ),
    (
        16,
        "Do we keep our badges and building access during the shadow phase?",
        False,
        "Yes, until handover of each service; Northbridge staff get visitor badges.",
    ),
    (10, "Who keeps the weekend on-call phone for the lab interface after handover?", True, None),
    (2, "Will the service desk move out of the main building?", False, None),
]

CONCERNS = [
    (
        "Knowledge transfer is rushed",
        "We get two hours to explain systems we built over ten years. Nobody can learn the lab interface that fast.",
        ConcernState.SUBMITTED,
    ),
    (
        "Overtime during shadowing",
        "Shadowing happens on top of our normal tickets; people are working evenings.",
        ConcernState.TRIAGED,
    ),
    (
        "Unclear future for the night shift",
        "Nobody has told the night operators whether their shifts continue.",
        ConcernState.ANSWERED,
    ),
    (
        "Backups have not been restore-tested",
        "Since the partner started watching the backups nobody has run a restore test.",
        ConcernState.CONVERTED,
    ),
]


def _person(demo: DemoContext, email: str, name: str, title: str, org: str, role: str) -> Any:
    person = create_person(
        actor=SYSTEM_ACTOR,
        check=False,
        email=email,
        full_name=name,
        title=title,
        organisation=demo.organisations[org],
        password_hash=demo.password_hash,
    )
    add_member(actor=SYSTEM_ACTOR, program=demo.outsourcing, person=person, role=role, check=False)
    return person


def _teams(demo: DemoContext, pm: Any) -> dict[str, StakeholderGroup]:
    names = iter((f, last) for last in LAST for f in FIRST)
    teams = {}
    for name, kind, org, size, role, stem in TEAMS:
        group = create_record(
            model=StakeholderGroup,
            actor=pm,
            check=False,
            data={
                "program": demo.outsourcing,
                "name": name,
                "kind": kind,
                "organisation": demo.organisations[org],
                "power": 2,
                "interest": 5,
                "visibility": Visibility.INTERNAL,
                "wiifm": "A clear future, manageable work during the transition and a partner they can trust.",
            },
        )
        for n in range(1, size + 1):
            first, last = next(names)
            group.members.add(
                _person(demo, f"{stem}{n}@lakeshore.example", f"{first} {last}", f"{name} analyst", org, role)
            )
        teams[name] = group
    return teams


def _services(demo: DemoContext, pm: Any) -> list[Service]:
    existing = list(Service.objects.filter(program=demo.outsourcing).order_by("criticality", "name")[:3])
    if existing:
        return existing
    return [
        create_record(
            model=Service,
            actor=pm,
            check=False,
            data={
                "program": demo.outsourcing,
                "name": name,
                "kind": kind,
                "criticality": criticality,
                "internal_owner": demo.people["it_director"],
                "partner_owner": demo.people["nb_service"],
                "stage": stage,
            },
        )
        for name, kind, criticality, stage in SERVICES
    ]


def _roster(demo: DemoContext, pm: Any, teams: dict[str, StakeholderGroup], today: dt.date) -> int:
    partners = [demo.people["nb_engineer"], demo.people["nb_service"], demo.people["nb_lead"]]
    made = 0
    for index, service in enumerate(_services(demo, pm)):
        staff = list(list(teams.values())[index % len(teams)].members.order_by("pk")[:2])
        rows = [
            (staff[0], "Primary support (hospital)", staff[1]),
            (partners[index % len(partners)], "Shadowing engineer (Northbridge)", demo.people["nb_service"]),
        ]
        for person, role, backup in rows:
            try:
                services.assign_to_service(
                    actor=pm,
                    data={
                        "program": demo.outsourcing,
                        "service": service,
                        "person": person,
                        "role_on_service": role,
                        "backup": backup if backup != person else None,
                        "starts_on": today - dt.timedelta(days=60),
                    },
                )
                made += 1
            except ValidationError:
                # The transition's training guard refused a partner not yet trained for this stage: the
                # roster shows what is allowed, as it would for a real program.
                continue
    for leader, weekday, hour, place in [
        (demo.people["transition_pm"], 1, 14, "Transition office, 3rd floor"),
        (demo.people["it_director"], 3, 10, "IT director's office, or Teams"),
    ]:
        create_record(
            model=OpenDoorHours,
            actor=pm,
            check=False,
            data={
                "program": demo.outsourcing,
                "leader": leader,
                "weekday": weekday,
                "starts_at": dt.time(hour),
                "ends_at": dt.time(hour + 1),
                "location": place,
            },
        )
    return made


def _board(demo: DemoContext, teams: dict[str, StakeholderGroup], today: dt.date) -> None:
    askers = [m for g in teams.values() for m in g.members.order_by("pk")]
    for index, (ago, text, anonymous, answer) in enumerate(QUESTIONS):
        question = services.ask_question(
            program=demo.outsourcing,
            actor=askers[index * 3],
            text=text,
            anonymous=anonymous,
            today=today - dt.timedelta(days=ago),
        )
        if answer:
            services.answer_question(
                question=question,
                actor=demo.people["transition_pm"],
                answer=answer,
                today=today - dt.timedelta(days=ago - 3),
            )


def _concerns(demo: DemoContext, teams: dict[str, StakeholderGroup], today: dt.date) -> dict[str, str]:
    pm, cio = demo.people["transition_pm"], demo.people["cio"]
    authors = [m for g in teams.values() for m in g.members.order_by("-pk")]
    codes = {}
    for index, (subject, body, state) in enumerate(CONCERNS):
        day = today - dt.timedelta(days=12 - 3 * index)
        concern, code = services.submit_concern(
            program=demo.outsourcing, actor=authors[index], subject=subject, body=body, today=day
        )
        codes[subject] = code
        if state == ConcernState.TRIAGED:
            services.transition_concern(concern=concern, to=ConcernState.TRIAGED, actor=pm)
        elif state == ConcernState.ANSWERED:
            services.answer_concern(
                concern=concern,
                actor=pm,
                body="Night shifts continue until the end of the year; each operator gets a one-to-one this month.",
                today=day + dt.timedelta(days=2),
            )
            services.reply_to_concern(
                code=code,
                body="Thank you. What happens after the end of the year?",
                today=day + dt.timedelta(days=3),
            )
            services.answer_concern(
                concern=concern,
                actor=pm,
                body="The board decides in its next meeting; you will hear it here first.",
                today=day + dt.timedelta(days=4),
            )
        elif state == ConcernState.CONVERTED:
            services.convert_concern_to_red_flag(
                concern=concern,
                actor=cio,
                severity="high",
                now=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC),
            )
    return codes


def _surveys(demo: DemoContext, pm: Any, teams: dict[str, StakeholderGroup], today: dt.date) -> list[Any]:
    rng = random.Random(1414)
    # Per month: how many of each team answer and their mean trust in the partner (other questions near 3.5).
    plan = [
        (75, {"Service desk": (7, 4.1), "Infrastructure": (5, 3.6), "Clinical applications": (3, 3.0)}),
        (45, {"Service desk": (6, 4.0), "Infrastructure": (5, 3.7), "Clinical applications": (4, 3.2)}),
        (12, {"Service desk": (7, 2.6), "Infrastructure": (5, 3.8), "Clinical applications": (3, 2.8)}),
    ]
    made = []
    for month, (ago, answering) in enumerate(plan, start=1):
        opens_on = today - dt.timedelta(days=ago)
        survey = services.create_survey(
            program=demo.outsourcing,
            actor=pm,
            title=f"Transition pulse {opens_on:%B %Y}",
            opens_on=opens_on,
            closes_on=opens_on + dt.timedelta(days=14),
            groups=list(teams.values()),
            questions=STANDARD_QUESTIONS,
        )
        services.open_survey(survey=survey, actor=pm)
        questions = list(survey.questions.all())
        for name, (count, trust) in answering.items():
            for person in teams[name].members.order_by("pk")[:count]:
                scores = {}
                for q in questions:
                    mean = trust if q.dimension == "trust_in_partner" else 3.5
                    scores[q.pk] = max(1, min(5, round(rng.gauss(mean, 0.6))))
                comment = rng.choice(
                    [
                        "",
                        "",
                        "More time with the Northbridge engineers, please.",
                        "The weekly briefings help.",
                    ]
                )
                services.respond_to_survey(
                    survey=survey,
                    actor=person,
                    scores=scores,
                    comment=comment,
                    today=opens_on + dt.timedelta(days=rng.randint(0, 6)),
                )
        if month < len(plan):
            services.close_survey(survey=survey, actor=pm)
        made.append(survey)
    return made


def seed(demo: DemoContext) -> None:
    pm, today = demo.people["transition_pm"], demo.today
    teams = _teams(demo, pm)
    assignments = _roster(demo, pm, teams, today)
    _board(demo, teams, today)
    codes = _concerns(demo, teams, today)
    surveys = _surveys(demo, pm, teams, today)
    demo.extra["transparency"] = {
        "teams": teams,
        "assignments": assignments,
        "receipt_codes": codes,
        "surveys": surveys,
    }
