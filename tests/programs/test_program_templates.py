"""Program templates: each built-in stands up a working program, a saved template round-trips, a bad body is
refused with a message that says where, and only who may create programs uses them."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accord.alignment.models import StakeholderGroup
from accord.benefits.models import Benefit, Kpi, Measurement, SuccessFactor
from accord.benefits.services import record_measurement
from accord.core.models import AuditEntry
from accord.governance.models import EscalationRule
from accord.meetings.models import GovernanceBody
from accord.programs import services
from accord.programs.models import Program, ProgramTemplate
from accord.programs.program_templates import capture_body, check_body
from accord.transition.models import KnowledgeTemplate, TrainingModule
from tests.factories import UserFactory

EMR, TRANSITION = "EMR deployment", "Outsourcing transition"


@pytest.fixture(autouse=True)
def built_in_templates(db: Any) -> None:
    # The data migration installs them; a transactional test run earlier flushes them away.
    services.install_built_in_templates(actor="accord (test set-up)")


@pytest.fixture
def creator(db: Any) -> Any:
    """A platform administrator: the one who may create programs (and so use templates)."""
    # Made staff before the factory gives the second factor staff must have.
    return UserFactory(email="platform.admin@example.org", full_name="Platform Admin", is_staff=True)


def _from(template_name: str, creator: Any, name: str, **fields: Any) -> Program:
    template = ProgramTemplate.objects.get(name=template_name)
    return services.create_program(actor=creator, template=template, name=name, **fields)


def _page_ok(client: Any, url: str, *texts: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    for text in texts:
        assert text in body, f"{text!r} not on {url}"


def test_the_two_built_in_templates_are_installed_and_valid(db: Any) -> None:
    built_in = ProgramTemplate.objects.filter(built_in=True)
    assert sorted(built_in.values_list("name", "kind")) == [
        (EMR, "emr_deployment"),
        (TRANSITION, "outsourcing_transition"),
    ]
    for template in built_in:
        template.full_clean()
        assert check_body(template.body) == []


def test_the_emr_template_creates_a_working_program(client: Any, creator: Any) -> None:
    program = _from(EMR, creator, "Riverside EHR", go_live_date=dt.date(2031, 3, 1))

    assert program.kind == "emr_deployment"
    kpis = {k.name: k for k in Kpi.objects.filter(program=program)}
    assert {"CPOE adoption", "Medication error rate", "Days in accounts receivable"} <= set(kpis)
    cpoe = kpis["CPOE adoption"]
    assert (cpoe.unit, cpoe.direction, cpoe.baseline_value, cpoe.target_value) == ("%", "increase", 20, 90)
    assert cpoe.numerator.startswith("Medication orders entered by a licensed prescriber")
    assert cpoe.denominator == "All medication orders in the period"
    assert "Numerator" not in cpoe.definition and "Denominator" not in cpoe.definition
    assert cpoe.target_date == dt.date(2032, 3, 1)  # 12 months after go-live
    assert cpoe.benefit.title == "Safer medication ordering"
    assert StakeholderGroup.objects.filter(
        program=program, name="Physicians", kind="physician_group"
    ).exists()
    assert StakeholderGroup.objects.get(program=program, name="EHR vendor").visibility == "shared"
    rules = {
        r.severity: (r.triage_hours, r.resolve_days) for r in EscalationRule.objects.filter(program=program)
    }
    assert rules == {"critical": (4, 3), "high": (24, 10), "medium": (72, 30), "low": (168, 60)}
    bodies = dict(GovernanceBody.objects.filter(program=program).values_list("name", "cadence"))
    assert bodies["Governance board"] == "monthly" and bodies["Clinical design working group"] == "weekly"
    assert SuccessFactor.objects.filter(program=program).count() == 7
    assert program.memberships.get().person == creator
    assert AuditEntry.objects.filter(
        object_id=str(program.pk), changes__created_from_template=[None, EMR]
    ).exists()

    client.force_login(creator)
    base = f"/programs/{program.pk}"
    _page_ok(client, f"{base}/", "Riverside EHR")
    _page_ok(client, f"{base}/benefits/", "Safer medication ordering")
    _page_ok(
        client, cpoe.get_absolute_url(), "CPOE adoption", "Numerator", "All medication orders in the period"
    )
    _page_ok(client, f"{base}/alignment/", "Physicians", "Nursing")
    _page_ok(client, f"{base}/governance/escalation/")
    _page_ok(client, f"{base}/meetings/", "Governance board", "Every two weeks")
    _page_ok(client, f"{base}/benefits/success-factors/", "Physician engagement")


def test_the_transition_template_creates_a_working_transition(client: Any, creator: Any) -> None:
    program = _from(TRANSITION, creator, "Northshore IT transition")

    assert program.kind == "outsourcing_transition"
    # The transition's four elements replace an EMR's seven dimensions.
    assert sorted(SuccessFactor.objects.filter(program=program).values_list("name", flat=True)) == [
        "Collaborative and trusting relationship",
        "Knowledge acquisition",
        "Knowledge transfer and training",
        "Preserving existing functionality",
    ]
    assert Kpi.objects.get(program=program, name="SLA attainment").direction == "increase"
    runbook = KnowledgeTemplate.objects.get(program=program, name="Service runbook")
    assert "Backup and restore" in runbook.section_list
    privacy = TrainingModule.objects.get(program=program, title="HIPAA privacy for IT staff")
    assert (privacy.kind, privacy.required_roles, privacy.validity_months) == ("privacy", ["vendor"], 12)
    assert privacy.due_on == program.created_at.date() + dt.timedelta(days=30)
    assert GovernanceBody.objects.get(program=program, body="board").name == "Transition board"
    assert StakeholderGroup.objects.filter(program=program, kind="vendor").count() == 1

    client.force_login(creator)
    base = f"/programs/{program.pk}"
    _page_ok(client, f"{base}/", "Northshore IT transition")
    _page_ok(client, f"{base}/transition/templates/", "Service runbook")
    _page_ok(client, f"{base}/transition/training/", "HIPAA privacy for IT staff")
    _page_ok(client, f"{base}/meetings/", "Joint transition steering committee")
    _page_ok(client, f"{base}/benefits/", "Lower IT run cost")


def test_a_saved_template_round_trips_without_people_or_measurements(creator: Any) -> None:
    first = _from(EMR, creator, "Riverside EHR", go_live_date=dt.date(2031, 3, 1))
    lead = UserFactory(email="nursing.lead@example.org", full_name="Nora Lead")
    services.add_member(actor=creator, program=first, person=lead, role="stakeholder_lead")
    nursing = StakeholderGroup.objects.get(program=first, name="Nursing")
    nursing.lead = lead
    nursing.save()
    cpoe = Kpi.objects.get(program=first, name="CPOE adoption")
    record_measurement(kpi=cpoe, value=41.0, measured_on=dt.date(2031, 4, 30), actor=creator, check=False)

    saved = services.save_program_as_template(
        actor=creator, program=first, name="Riverside recipe", description="Our way"
    )

    assert (saved.kind, saved.based_on, saved.built_in, saved.created_by) == (
        "emr_deployment",
        first,
        False,
        creator,
    )
    text = str(saved.body)
    assert "nursing.lead@example.org" not in text and "Nora Lead" not in text and "41.0" not in text
    second = services.create_program(
        actor=creator, template=saved, name="Lakeside EHR", go_live_date=dt.date(2031, 3, 1)
    )
    assert capture_body(second) == capture_body(first)
    assert StakeholderGroup.objects.get(program=second, name="Nursing").lead is None
    assert not Measurement.objects.filter(program=second).exists()
    assert second.memberships.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(schema=2), "“schema” must be 1"),
        (lambda b: b.update(milestones=[]), "Unknown section(s): milestones"),
        (lambda b: b.update(stakeholder_groups="Nursing"), "“stakeholder_groups” must be a list."),
        (
            lambda b: b["stakeholder_groups"][1].update(power=9),
            "stakeholder_groups 2 (“Physicians”): power: Ensure this value is less than or equal to 5.",
        ),
        (
            lambda b: b["stakeholder_groups"][0].update(lead="cio@lakeshore.example"),
            "stakeholder_groups 1 (“Executive leadership”): unknown key(s) lead",
        ),
        (
            lambda b: b["benefits"][0]["kpis"][0].update(target_value=10),
            "benefits 1 (“Safer medication ordering”), kpis 1 (“CPOE adoption”): target_value: The target must be "
            "above the baseline",
        ),
        (
            lambda b: b["benefits"][0]["kpis"][0].update(direction="up"),
            "kpis 1 (“CPOE adoption”): direction: Value 'up' is not a valid choice.",
        ),
        (
            lambda b: b["escalation_rules"][0].pop("triage_hours"),
            "escalation_rules 1 (“critical”): missing triage_hours",
        ),
        (
            lambda b: b["governance_bodies"][0].update(cadence="yearly"),
            "governance_bodies 1 (“Governance board”): cadence: Value 'yearly' is not a valid choice.",
        ),
        (
            lambda b: b["benefits"][1]["kpis"].append(copy.deepcopy(b["benefits"][0]["kpis"][0])),
            "a KPI name is unique in a program (CPOE adoption repeated)",
        ),
    ],
)
def test_a_bad_template_body_is_refused_and_says_where(db: Any, change: Any, message: str) -> None:
    body = copy.deepcopy(ProgramTemplate.objects.get(name=EMR).body)
    change(body)
    template = ProgramTemplate(name="Broken", kind="emr_deployment", body=body)
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert any(message in line for line in error.value.message_dict["body"]), error.value.message_dict
    assert not ProgramTemplate.objects.filter(name="Broken").exists()


def test_a_body_that_is_not_an_object_is_refused(db: Any) -> None:
    with pytest.raises(ValidationError, match="must be a JSON object"):
        ProgramTemplate(name="List", kind="other", body=[1, 2]).full_clean()


def test_a_template_that_no_longer_fits_creates_nothing(creator: Any) -> None:
    body = copy.deepcopy(ProgramTemplate.objects.get(name=EMR).body)
    body["benefits"][0]["kpis"][0]["frequency"] = "hourly"
    # Stored behind the model's back (as an old row might be): the service checks again before using it.
    ProgramTemplate.objects.filter(name=EMR).update(body=body)
    with pytest.raises(ValidationError, match="frequency"):
        _from(EMR, creator, "Half-made")
    assert not Program.objects.filter(name="Half-made").exists()


def test_only_who_may_create_programs_uses_or_saves_templates(world: Any) -> None:
    template = ProgramTemplate.objects.get(name=EMR)
    with pytest.raises(PermissionDenied):
        services.create_program(actor=world.program_manager, template=template, name="Not mine")
    with pytest.raises(PermissionDenied):
        services.save_program_as_template(actor=world.program_manager, program=world.program, name="Mine")
    assert not ProgramTemplate.objects.filter(name="Mine").exists()


def test_the_new_program_page_offers_the_templates_and_creates_from_one(client: Any, creator: Any) -> None:
    client.force_login(creator)
    page = client.get(reverse("programs:program_create")).content.decode()
    assert "Start from a template" in page and EMR in page and TRANSITION in page
    template = ProgramTemplate.objects.get(name=TRANSITION)
    mismatch = client.post(
        reverse("programs:program_create"),
        {"template": template.pk, "name": "Wrong kind", "kind": "emr_deployment", "phase": "planning"},
    )
    assert mismatch.status_code == 400
    assert "is for programs of the kind “IT outsourcing transition”" in mismatch.content.decode()
    response = client.post(
        reverse("programs:program_create"),
        {
            "template": template.pk,
            "name": "Harbour transition",
            "kind": "outsourcing_transition",
            "phase": "planning",
        },
    )
    program = Program.objects.get(name="Harbour transition")
    assert response.status_code == 302
    assert TrainingModule.objects.filter(program=program).count() == 5


def test_the_settings_page_saves_the_program_as_a_template(client: Any, creator: Any) -> None:
    program = _from(EMR, creator, "Riverside EHR")
    client.force_login(creator)
    assert (
        "Save as a template"
        in client.get(reverse("programs:program_edit", args=[program.pk])).content.decode()
    )
    url = reverse("programs:program_save_as_template", args=[program.pk])
    assert client.get(url).status_code == 200
    taken = client.post(url, {"name": EMR})
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    response = client.post(url, {"name": "Riverside recipe", "description": "What worked"})
    assert response.status_code == 302
    saved = ProgramTemplate.objects.get(name="Riverside recipe")
    assert (
        saved.based_on == program
        and len(saved.body["benefits"]) == Benefit.objects.filter(program=program).count()
    )


def test_the_api_lists_templates_and_creates_a_program_from_one(client: Any, creator: Any) -> None:
    client.force_login(creator)
    listed = client.get(reverse("program-template-list")).json()
    assert [t["name"] for t in listed["results"]] == [EMR, TRANSITION]
    template = ProgramTemplate.objects.get(name=EMR)
    url = reverse("program-template-create-program", args=[template.pk])
    refused = client.post(url, {"phase": "planning"}, content_type="application/json")
    assert refused.status_code == 400 and "name" in refused.json()
    response = client.post(
        url, {"name": "API EHR", "go_live_date": "2031-01-05"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "emr_deployment"
    assert Kpi.objects.filter(program_id=body["id"], name="CPOE adoption").exists()


def test_installing_the_built_ins_again_adds_nothing_and_keeps_edits(db: Any) -> None:
    ProgramTemplate.objects.filter(name=EMR).update(description="Our edited description")
    assert services.install_built_in_templates(actor="test") == []
    assert ProgramTemplate.objects.get(name=EMR).description == "Our edited description"
    ProgramTemplate.objects.filter(name=TRANSITION).delete()
    [restored] = services.install_built_in_templates(actor="test")
    assert (restored.name, restored.built_in) == (TRANSITION, True)


def test_the_admin_form_refuses_a_bad_body_with_the_message(rf: Any, creator: Any) -> None:
    import json

    from django.contrib.admin.sites import site

    from accord.programs.admin import ProgramTemplateAdmin

    request = rf.post("/admin/")
    request.user = creator
    form_class = ProgramTemplateAdmin(ProgramTemplate, site).get_form(request)
    body = copy.deepcopy(ProgramTemplate.objects.get(name=EMR).body)
    body["escalation_rules"][0]["severity"] = "dire"
    form = form_class(
        {"name": "Hand-made", "kind": "emr_deployment", "description": "", "body": json.dumps(body)}
    )
    assert not form.is_valid()
    assert any(
        "escalation_rules 1 (“dire”): severity: Value 'dire' is not a valid choice." in e
        for e in form.errors["body"]
    )
    bad_json = form_class({"name": "Hand-made", "kind": "emr_deployment", "body": "{not json"})
    assert not bad_json.is_valid() and "body" in bad_json.errors
