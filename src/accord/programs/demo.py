"""Demo organisations, people and the two programs every later app's demo builds on."""

from __future__ import annotations

import datetime as dt

from accord.accounts.models import Organisation, OrganisationKind, User
from accord.accounts.services import create_person
from accord.core.demo import SYSTEM_ACTOR, DemoContext
from accord.core.permissions import Role
from accord.core.services import create_record
from accord.programs.models import ProgramKind, ProgramPhase
from accord.programs.services import add_member, create_program, install_built_in_templates

EMR_NAME = "Meridian EHR Deployment"
OUTSOURCING_NAME = "IT Services Transition to Northbridge"
DEMO_PROGRAM_NAMES = [EMR_NAME, OUTSOURCING_NAME]

# key: (name, kind, parent key)
ORGANISATIONS: list[tuple[str, str, str, str | None]] = [
    ("system", "Lakeshore Health System", OrganisationKind.HEALTH_SYSTEM, None),
    ("general", "Lakeshore General Hospital", OrganisationKind.HOSPITAL, "system"),
    ("stbrigid", "St. Brigid's Medical Center", OrganisationKind.HOSPITAL, "system"),
    ("ed", "Emergency Department", OrganisationKind.UNIT, "general"),
    ("hospitalists", "Hospital Medicine", OrganisationKind.UNIT, "general"),
    ("nursing", "Nursing Services", OrganisationKind.UNIT, "general"),
    ("pharmacy", "Pharmacy", OrganisationKind.UNIT, "general"),
    ("lab", "Laboratory Services", OrganisationKind.UNIT, "stbrigid"),
    ("revenue", "Revenue Cycle", OrganisationKind.UNIT, "system"),
    ("it", "Information Technology", OrganisationKind.UNIT, "system"),
    ("finance", "Finance", OrganisationKind.UNIT, "system"),
    ("audit", "Internal Audit", OrganisationKind.UNIT, "system"),
    ("meridian", "Meridian Health Software", OrganisationKind.VENDOR, None),
    ("northbridge", "Northbridge IT Services", OrganisationKind.OUTSOURCER, None),
    ("clearpath", "Clearpath Health Advisors", OrganisationKind.CONSULTANCY, None),
]

# key: (email, name, title, organisation key, {program key: role})
PEOPLE: list[tuple[str, str, str, str, str, dict[str, str]]] = [
    (
        "cio",
        "cio@lakeshore.example",
        "Dana Whitfield",
        "Chief Information Officer",
        "system",
        {"emr": Role.BOARD_MEMBER, "outsourcing": Role.BOARD_MEMBER},
    ),
    (
        "ceo",
        "ceo@lakeshore.example",
        "Marcus Oyelaran",
        "Chief Executive Officer",
        "system",
        {"emr": Role.BOARD_MEMBER},
    ),
    (
        "cfo",
        "cfo@lakeshore.example",
        "Helen Park",
        "Chief Financial Officer",
        "finance",
        {"emr": Role.BOARD_MEMBER, "outsourcing": Role.BOARD_MEMBER},
    ),
    (
        "cmio",
        "cmio@lakeshore.example",
        "Dr. Rafael Mendes",
        "Chief Medical Information Officer",
        "hospitalists",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "emr_pm",
        "emr.pm@lakeshore.example",
        "Priya Natarajan",
        "EMR Program Director",
        "it",
        {"emr": Role.PROGRAM_MANAGER},
    ),
    (
        "transition_pm",
        "transition.pm@lakeshore.example",
        "Tom Becker",
        "IT Transition Manager",
        "it",
        {"outsourcing": Role.PROGRAM_MANAGER},
    ),
    (
        "ed_lead",
        "ed.lead@lakeshore.example",
        "Dr. Aisha Rahman",
        "Chair, Emergency Medicine",
        "ed",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "hosp_lead",
        "hospitalist.lead@lakeshore.example",
        "Dr. Ben Carter",
        "Hospitalist Group Director",
        "hospitalists",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "nursing_lead",
        "nursing.lead@lakeshore.example",
        "Grace Okafor",
        "Chief Nursing Informatics Officer",
        "nursing",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "pharmacy_lead",
        "pharmacy.lead@lakeshore.example",
        "Luis Romero",
        "Director of Pharmacy",
        "pharmacy",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "lab_lead",
        "lab.lead@lakeshore.example",
        "Sofia Lindqvist",
        "Laboratory Director",
        "lab",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "revenue_lead",
        "revenue.lead@lakeshore.example",
        "Kevin Doyle",
        "VP Revenue Cycle",
        "revenue",
        {"emr": Role.STAKEHOLDER_LEAD},
    ),
    (
        "it_director",
        "it.director@lakeshore.example",
        "Nadia Petrova",
        "Director of IT Operations",
        "it",
        {"emr": Role.STAKEHOLDER_LEAD, "outsourcing": Role.STAKEHOLDER_LEAD},
    ),
    (
        "it_analyst",
        "it.analyst@lakeshore.example",
        "Sam Whitaker",
        "Clinical Applications Analyst",
        "it",
        {"emr": Role.MEMBER, "outsourcing": Role.MEMBER},
    ),
    (
        "it_engineer",
        "it.engineer@lakeshore.example",
        "Jordan Ellis",
        "Infrastructure Engineer",
        "it",
        {"outsourcing": Role.MEMBER},
    ),
    (
        "service_desk",
        "service.desk@lakeshore.example",
        "Maria Gonzalez",
        "Service Desk Lead",
        "it",
        {"outsourcing": Role.MEMBER},
    ),
    (
        "nurse",
        "nurse.educator@lakeshore.example",
        "Olivia Brennan",
        "Clinical Nurse Educator",
        "nursing",
        {"emr": Role.MEMBER},
    ),
    (
        "vendor_lead",
        "engagement@meridian.example",
        "Chris Holloway",
        "Meridian Engagement Director",
        "meridian",
        {"emr": Role.VENDOR},
    ),
    (
        "vendor_analyst",
        "analyst@meridian.example",
        "Yuki Tanaka",
        "Meridian Implementation Analyst",
        "meridian",
        {"emr": Role.VENDOR},
    ),
    (
        "vendor_trainer",
        "trainer@meridian.example",
        "Amara Nwosu",
        "Meridian Principal Trainer",
        "meridian",
        {"emr": Role.VENDOR},
    ),
    (
        "nb_lead",
        "transition@northbridge.example",
        "Ian McAllister",
        "Northbridge Transition Lead",
        "northbridge",
        {"outsourcing": Role.VENDOR},
    ),
    (
        "nb_service",
        "service.manager@northbridge.example",
        "Fatima Zahra",
        "Northbridge Service Delivery Manager",
        "northbridge",
        {"outsourcing": Role.VENDOR},
    ),
    (
        "nb_engineer",
        "engineer@northbridge.example",
        "Pavel Novak",
        "Northbridge Service Desk Engineer",
        "northbridge",
        {"outsourcing": Role.VENDOR},
    ),
    (
        "consultant",
        "consultant@clearpath.example",
        "Elena Marsh",
        "Clearpath Principal, Clinical Adoption",
        "clearpath",
        {"emr": Role.CONSULTANT},
    ),
    (
        "consultant2",
        "advisor@clearpath.example",
        "Derek Osei",
        "Clearpath Sourcing Advisor",
        "clearpath",
        {"outsourcing": Role.CONSULTANT},
    ),
    (
        "auditor",
        "auditor@lakeshore.example",
        "Ruth Feldman",
        "Internal Audit Manager",
        "audit",
        {"emr": Role.AUDITOR, "outsourcing": Role.AUDITOR},
    ),
]

ADMIN_EMAIL = "admin@lakeshore.example"


def demo_logins() -> list[tuple[str, str, str]]:
    """(e-mail, who, what they see) for the README and the end of `accord demo`."""
    rows = [(ADMIN_EMAIL, "Platform administrator", "everything, the admin site")]
    for _key, email, name, title, _org, roles in PEOPLE:
        where = ", ".join(
            f"{Role(role).label.lower()} in {'EMR' if program == 'emr' else 'transition'}"
            for program, role in roles.items()
        )
        rows.append((email, f"{name}, {title}"[:44], where))
    return rows


def seed(demo: DemoContext) -> None:
    # `accord demo --reset` flushes the database, and with it the templates the migration installed.
    install_built_in_templates(actor=SYSTEM_ACTOR)
    for key, name, kind, parent in ORGANISATIONS:
        demo.organisations[key] = create_record(
            model=Organisation,
            actor=SYSTEM_ACTOR,
            check=False,
            data={"name": name, "kind": kind, "parent": demo.organisations.get(parent) if parent else None},
        )
    admin = create_person(
        actor=SYSTEM_ACTOR,
        check=False,
        email=ADMIN_EMAIL,
        full_name="Accord Administrator",
        title="Platform administrator",
        organisation=demo.organisations["it"],
        password_hash=demo.password_hash,
    )
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    demo.people["admin"] = admin
    for key, email, name, title, org, _roles in PEOPLE:
        demo.people[key] = create_person(
            actor=SYSTEM_ACTOR,
            check=False,
            email=email,
            full_name=name,
            title=title,
            organisation=demo.organisations[org],
            password_hash=demo.password_hash,
        )

    # The internal auditor also reads the audit entries of no program: people, organisations, sign-ins.
    User.objects.filter(pk=demo.people["auditor"].pk).update(is_platform_auditor=True)

    demo.programs["emr"] = create_program(
        actor=SYSTEM_ACTOR,
        check=False,
        manager=demo.people["emr_pm"],
        name=EMR_NAME,
        kind=ProgramKind.EMR_DEPLOYMENT,
        phase=ProgramPhase.STABILISATION,
        go_live_date=demo.today - dt.timedelta(days=122),
        sponsor=demo.organisations["system"],
        description=(
            "Replace three legacy clinical systems with the Meridian EHR across both hospitals. "
            "Bought to raise medication safety, cut duplicate testing and documentation burden, and speed "
            "up billing; the board measures it on those benefits, not on go-live."
        ),
    )
    demo.programs["outsourcing"] = create_program(
        actor=SYSTEM_ACTOR,
        check=False,
        manager=demo.people["transition_pm"],
        name=OUTSOURCING_NAME,
        kind=ProgramKind.OUTSOURCING_TRANSITION,
        phase=ProgramPhase.BUILD,
        go_live_date=demo.today + dt.timedelta(days=75),
        sponsor=demo.organisations["system"],
        description=(
            "Transition-in of Northbridge IT Services for service desk, infrastructure and application "
            "support. Month two: current-state assessment and knowledge transfer under way; SLAs agreed "
            "before service commencement and monitored from day one."
        ),
    )
    for key, _email, _name, _title, _org, roles in PEOPLE:
        for program_key, role in roles.items():
            program = demo.programs[program_key]
            if key in {"emr_pm", "transition_pm"} and role == Role.PROGRAM_MANAGER:
                continue  # made manager when the program was created
            add_member(actor=SYSTEM_ACTOR, check=False, program=program, person=demo.people[key], role=role)
