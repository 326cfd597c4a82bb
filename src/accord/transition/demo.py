"""Demo: the Northbridge transition's service inventory, knowledge, interviews, handover stages and training.

Everything goes through the app's services, as a real transition would: knowledge is written by
Northbridge, reviewed and approved by each service's internal owner, and stages move only when their
exit criteria are met and both owners have signed off.
"""

from __future__ import annotations

import datetime as dt
from math import ceil
from typing import Any

from django.utils import timezone

from accord.core.demo import DemoContext
from accord.core.permissions import Role, Visibility
from accord.core.services import create_record, update_record
from accord.transition import services
from accord.transition.choices import HandoverStage, KnowledgeKind, ServiceKind, TrainingKind
from accord.transition.models import Interview, KnowledgeTemplate, Service, TrainingModule

A, INFRA, SD, INT, CLIN = (
    ServiceKind.APPLICATION,
    ServiceKind.INFRASTRUCTURE,
    ServiceKind.SERVICE_DESK,
    ServiceKind.INTEGRATION,
    ServiceKind.CLINICAL_SYSTEM,
)
EVERY_KIND: list[str] = []

# (name, kind, sections, the service kinds that need it)
TEMPLATES = [
    (
        "Interview guide",
        KnowledgeKind.INTERVIEW_GUIDE,
        ["Scope", "Current issues", "Escalation path"],
        EVERY_KIND,
    ),
    ("Runbook", KnowledgeKind.RUNBOOK, ["Purpose", "Start and stop", "Monitoring", "Recovery"], EVERY_KIND),
    ("Standard operating procedure", KnowledgeKind.SOP, ["Purpose", "Procedure", "Roles"], [SD, CLIN]),
    (
        "Access and credentials list",
        KnowledgeKind.ACCESS_LIST,
        ["Systems", "Where credentials are kept", "Who grants access"],
        EVERY_KIND,
    ),
    ("Vendor contacts", KnowledgeKind.VENDOR_CONTACTS, ["Vendor", "Support line", "Escalation"], EVERY_KIND),
    ("Known problems", KnowledgeKind.KNOWN_PROBLEMS, ["Problem", "Workaround", "Permanent fix"], EVERY_KIND),
    (
        "Scheduled jobs",
        KnowledgeKind.SCHEDULED_JOBS,
        ["Job", "Schedule", "On failure"],
        [A, INFRA, INT, CLIN],
    ),
]

# (name, kind, criticality, clinical impact, internal owner, partner owner, CIs, target stage, knowledge due in days)
SERVICES = [
    (
        "Print management",
        INFRA,
        4,
        False,
        "it_engineer",
        "nb_engineer",
        "print-srv-01;print-srv-02",
        HandoverStage.HANDOVER,
        -60,
    ),
    (
        "Backup and recovery",
        INFRA,
        2,
        False,
        "it_engineer",
        "nb_lead",
        "veeam-01;tape-lib-01",
        HandoverStage.HANDOVER,
        -45,
    ),
    (
        "Network (LAN/WAN)",
        INFRA,
        2,
        False,
        "it_director",
        "nb_lead",
        "core-sw-01;core-sw-02;wan-edge-01",
        HandoverStage.HANDOVER,
        -40,
    ),
    (
        "Service desk",
        SD,
        2,
        False,
        "service_desk",
        "nb_service",
        "servicenow-prod",
        HandoverStage.REVERSE_SHADOW,
        -20,
    ),
    (
        "Identity and access management",
        INFRA,
        1,
        False,
        "it_director",
        "nb_lead",
        "ad-dc-01;ad-dc-02;sso-idp",
        HandoverStage.REVERSE_SHADOW,
        -15,
    ),
    (
        "Email and collaboration",
        A,
        3,
        False,
        "it_engineer",
        "nb_engineer",
        "m365-tenant",
        HandoverStage.REVERSE_SHADOW,
        -10,
    ),
    (
        "PACS",
        CLIN,
        1,
        True,
        "it_analyst",
        "nb_engineer",
        "pacs-app-01;pacs-archive-01;modality-worklist",
        HandoverStage.SHADOW,
        20,
    ),
    (
        "Lab system interface",
        INT,
        1,
        True,
        "it_analyst",
        "nb_lead",
        "lis-ie-01;hl7-orm-oru",
        HandoverStage.SHADOW,
        25,
    ),
    (
        "Pharmacy system",
        CLIN,
        1,
        True,
        "it_analyst",
        "nb_service",
        "pyxis-server;pharmacy-db",
        HandoverStage.SHADOW,
        30,
    ),
    (
        "EHR interface engine",
        INT,
        1,
        True,
        "it_analyst",
        "nb_lead",
        "ie-prod-01;ie-prod-02;adt-feeds",
        HandoverStage.ACQUISITION,
        -5,
    ),
    (
        "Revenue cycle and billing",
        A,
        2,
        False,
        "it_director",
        "nb_service",
        "billing-app;claims-gateway",
        HandoverStage.ACQUISITION,
        45,
    ),
    (
        "Data warehouse and reporting",
        A,
        3,
        False,
        "it_engineer",
        "nb_engineer",
        "dw-sql-01;ssrs-01",
        HandoverStage.ACQUISITION,
        60,
    ),
    (
        "Telephony and nurse call",
        INFRA,
        2,
        True,
        "it_engineer",
        "nb_service",
        "pbx-01;nurse-call-gw",
        HandoverStage.ACQUISITION,
        50,
    ),
]

PASSAGES = {
    "Scope": "What {s} does for the hospital, who uses it and when it matters most.",
    "Current issues": "Open incidents and complaints about {s} raised by the users interviewed.",
    "Escalation path": "Tier 1 → on-call engineer → internal owner; the CMIO is told of any clinical impact of {s}.",
    "Purpose": "Keep {s} running within its SLA and tell the service desk before users notice a problem.",
    "Start and stop": "Stop the application tier before the database; start in the reverse order. Check health pages.",
    "Monitoring": "Alerts go to the NOC dashboard; a red {s} tile pages the on-call engineer.",
    "Recovery": "Restore from the last nightly backup; the restore test of last quarter took 47 minutes.",
    "Procedure": "1. Log the call\n2. Check the known problems\n3. Assign to the right queue within 15 minutes",
    "Roles": "Service desk analyst, on-call engineer, internal owner of {s}.",
    "Systems": "The servers and consoles of {s}, listed in the CMDB.",
    "Where credentials are kept": "In the hospital password vault, folder `{s}`; never in this document.",
    "Who grants access": "The internal owner approves; the identity team grants within one business day.",
    "Vendor": "The software vendor of {s} and the contract number.",
    "Support line": "24x7 support line and the customer number to quote.",
    "Escalation": "After 2 hours without progress on a P1, call the vendor's duty manager.",
    "Problem": "Intermittent slowness of {s} during the morning peak.",
    "Workaround": "Restart the queue worker; users retry after two minutes.",
    "Permanent fix": "Capacity upgrade planned with the vendor.",
    "Job": "Nightly export and cleanup jobs of {s}.",
    "Schedule": "Every night at 02:00 Central time.",
    "On failure": "Re-run once; if it fails again, page the on-call engineer and log a P3.",
}

# (title, kind, roles it is required of, validity in months, due in days)
MODULES = [
    ("HIPAA privacy and security", TrainingKind.PRIVACY, [Role.VENDOR, Role.MEMBER], 12, -90),
    ("Security awareness", TrainingKind.SECURITY, [Role.VENDOR, Role.MEMBER], 12, -90),
    ("Hospital downtime procedures", TrainingKind.CLINICAL_WORKFLOW, [Role.VENDOR], 24, -30),
]


def content_for(service: Service, template: KnowledgeTemplate) -> str:
    parts = [f"{template.name} for **{service.name}**."]
    for section in template.section_list:
        parts.append(f"## {section}\n\n{PASSAGES[section].format(s=service.name)}")
    return "\n\n".join(parts)


def write_item(service: Service, template: KnowledgeTemplate, author: Any, **extra: Any) -> Any:
    data = {
        "program": service.program,
        "service": service,
        "template": template,
        "title": f"{service.name}: {template.name.lower()}",
        "content": content_for(service, template),
        **extra,
    }
    return services.create_knowledge_item(actor=author, data=data)


def approve(item: Any, now: dt.datetime) -> Any:
    services.submit_for_review(item=item, actor=item.author, now=now)
    return services.approve_knowledge_item(item=item, actor=item.service.internal_owner, now=now)


def seed(demo: DemoContext) -> None:
    program = demo.outsourcing
    people = demo.people
    manager = people["transition_pm"]
    now = timezone.now()
    today = demo.today
    from accord.sla.models import Contract

    service_desk_contract = Contract.objects.filter(
        program=program, name="Northbridge Managed Service Desk"
    ).first()

    templates = [
        create_record(
            model=KnowledgeTemplate,
            actor=manager,
            data={
                "program": program,
                "name": name,
                "kind": kind,
                "required_sections": "\n".join(sections),
                "required_for_kinds": list(kinds),
            },
        )
        for name, kind, sections, kinds in TEMPLATES
    ]

    # Training first: partner owners need current training before their services leave shadow.
    modules = [
        create_record(
            model=TrainingModule,
            actor=manager,
            data={
                "program": program,
                "title": title,
                "kind": kind,
                "required_roles": list(roles),
                "validity_months": months,
                "due_on": today + dt.timedelta(days=due),
            },
        )
        for title, kind, roles, months, due in MODULES
    ]
    for key in ("nb_lead", "nb_service", "nb_engineer"):
        for position, module in enumerate(modules):
            # Pavel's privacy course runs out within the month: the matrix shows it as expiring.
            days_ago = 340 if key == "nb_engineer" and position == 0 else 40 + 10 * position
            services.record_training(
                module=module,
                person=people[key],
                completed_on=today - dt.timedelta(days=days_ago),
                evidence=f"Northbridge LMS certificate {key.upper()}-{position + 1:03d}",
                actor=people[key],
                now=now,
            )
    services.record_training(
        module=modules[0],
        person=people["it_analyst"],
        completed_on=today - dt.timedelta(days=100),
        actor=manager,
        now=now,
    )
    # Jordan's security awareness lapsed last month (expired); Maria has not done hers (overdue).
    services.record_training(
        module=modules[1],
        person=people["it_engineer"],
        completed_on=today - dt.timedelta(days=400),
        actor=manager,
        now=now,
    )
    services.record_training(
        module=modules[0],
        person=people["service_desk"],
        completed_on=today - dt.timedelta(days=60),
        actor=people["service_desk"],
        now=now,
    )

    created: list[tuple[Service, HandoverStage]] = []
    for name, kind, criticality, clinical, owner, partner, cis, stage, due in SERVICES:
        service = create_record(
            model=Service,
            actor=manager,
            data={
                "program": program,
                "name": name,
                "kind": kind,
                "criticality": criticality,
                "clinical_impact": clinical,
                "internal_owner": people[owner],
                "partner_owner": people[partner],
                "configuration_items": "\n".join(cis.split(";")),
                "contract": service_desk_contract if kind == SD else None,
                "knowledge_due_on": today + dt.timedelta(days=due),
                "partner_incidents_handled": 7
                if stage == HandoverStage.HANDOVER
                else (3 if stage == HandoverStage.REVERSE_SHADOW else 0),
                "visibility": Visibility.SHARED,
            },
        )
        created.append((service, stage))

    stages = list(HandoverStage)
    for service, target in created:
        required = [t for t in templates if t.applies_to(service.kind)]
        position = stages.index(target)
        # Enough approved knowledge for the stages the service has passed: all of it for handover.
        share = {0: 0.2, 1: 0.6, 2: 0.85, 3: 1.0}[position]
        approved_count = min(len(required), ceil(len(required) * share)) if position else 1
        for index, template in enumerate(required):
            author = service.partner_owner
            if index < approved_count:
                approve(write_item(service, template, author), now)
            elif index == approved_count:
                item = write_item(service, template, author)
                services.submit_for_review(item=item, actor=author, now=now)  # in review
            elif index == approved_count + 1:
                write_item(service, template, author)  # a draft
        for _step in range(position):
            services.sign_off_stage(service=service, actor=service.internal_owner, now=now)
            services.sign_off_stage(service=service, actor=service.partner_owner, now=now)
            services.advance_stage(service=service, actor=manager, now=now)
            service.refresh_from_db()

    by_name = {service.name: service for service, _ in created}
    # A runbook rewritten after a change: the first approved version is superseded by the second.
    print_runbook = templates[1]
    approve(
        write_item(
            by_name["Print management"],
            print_runbook,
            people["nb_engineer"],
            title="Print management: runbook v2",
        ),
        now,
    )
    # Where IAM's break-glass accounts live is for the hospital's eyes only.
    write_item(
        by_name["Identity and access management"],
        templates[3],
        people["it_director"],
        title="IAM: break-glass accounts (hospital only)",
        visibility=Visibility.INTERNAL,
    )
    # A fall-back: email went back to shadow after a missed mailbox restore, then forward again is pending.
    email = by_name["Email and collaboration"]
    services.fall_back_stage(
        service=email,
        actor=manager,
        reason="A mailbox restore missed its RTO during reverse shadow; more shadowing first.",
        now=now,
    )
    update_record(instance=by_name["Service desk"], actor=manager, data={"partner_incidents_handled": 6})

    interviews = [
        (
            "EHR interface engine",
            "it_analyst",
            "nb_lead",
            -12,
            "Walked through ADT and ORU feeds, queue monitoring and the nightly purge.",
        ),
        (
            "PACS",
            "it_analyst",
            "nb_engineer",
            -20,
            "Modality worklist, archive tiers and the radiologist escalation line.",
        ),
        (
            "Lab system interface",
            "it_analyst",
            "nb_lead",
            -18,
            "Result routing rules and what happens when the LIS is down.",
        ),
        (
            "Telephony and nurse call",
            "it_engineer",
            "nb_service",
            5,
            "To cover nurse-call integration and downtime paging.",
        ),
        (
            "Revenue cycle and billing",
            "it_director",
            "nb_service",
            9,
            "Claims gateway, month-end close and the billing vendor's contacts.",
        ),
    ]
    for service_name, expert, interviewer, days, notes in interviews:
        service = by_name[service_name]
        interview = create_record(
            model=Interview,
            actor=people[interviewer],
            data={
                "program": program,
                "service": service,
                "expert": people[expert],
                "interviewer": people[interviewer],
                "scheduled_at": now + dt.timedelta(days=days),
                "notes": notes if days < 0 else "",
            },
        )
        produced = list(service.knowledge_items.filter(author=people[interviewer])[:2]) if days < 0 else []
        if produced:
            interview.knowledge_items.set(produced)

    # Added after the first services moved: a course on the new interface monitoring tool, already due.
    create_record(
        model=TrainingModule,
        actor=manager,
        data={
            "program": program,
            "title": "Interface engine monitoring",
            "kind": TrainingKind.SYSTEM,
            "required_roles": [Role.VENDOR],
            "validity_months": None,
            "due_on": today - dt.timedelta(days=7),
        },
    )
    services.record_training(
        module=TrainingModule.objects.get(program=program, title="Interface engine monitoring"),
        person=people["nb_lead"],
        completed_on=today - dt.timedelta(days=8),
        actor=people["nb_lead"],
        now=now,
    )
    # The EHR interface engine is critical and its knowledge is past due: the daily check raises its flag.
    services.flag_overdue_knowledge_gaps(now=now)
