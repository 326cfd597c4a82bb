"""Saving a program as a template through the API: the page's service and rule (who creates programs; a
name that is given and not taken, whatever its case), 201 with the template, audited, never people or records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.alignment.models import StakeholderGroup
from accord.benefits.models import Kpi, Measurement
from accord.benefits.services import record_measurement
from accord.core.models import AuditEntry
from accord.programs import services
from accord.programs.models import Program, ProgramTemplate
from accord.programs.program_templates import capture_body
from tests.api_helpers import api
from tests.factories import UserFactory

EMR = "EMR deployment"


@pytest.fixture(autouse=True)
def built_in_templates(db: Any) -> None:
    # The data migration installs them; a transactional test run earlier flushes them away.
    services.install_built_in_templates(actor="accord (test set-up)")


@pytest.fixture
def creator(db: Any) -> Any:
    """A platform administrator: who may create programs, and so save one as a template."""
    return UserFactory(email="platform.admin@example.org", full_name="Platform Admin", is_staff=True)


@pytest.fixture
def riverside(creator: Any) -> Program:
    """A program from the EMR template, with a named group lead and a measurement: what a template never keeps."""
    program = services.create_program(
        actor=creator,
        template=ProgramTemplate.objects.get(name=EMR),
        name="Riverside EHR",
        go_live_date=dt.date(2031, 3, 1),
    )
    lead = UserFactory(email="nursing.lead@example.org", full_name="Nora Lead")
    services.add_member(actor=creator, program=program, person=lead, role="stakeholder_lead")
    StakeholderGroup.objects.filter(program=program, name="Nursing").update(lead=lead)
    cpoe = Kpi.objects.get(program=program, name="CPOE adoption")
    record_measurement(kpi=cpoe, value=41.0, measured_on=dt.date(2031, 4, 30), actor=creator, check=False)
    return program


def save_url(program: Any) -> str:
    return reverse("program-save-as-template", args=[program.pk])


def template_audit_rows() -> int:
    return AuditEntry.objects.filter(object_type="programs.programtemplate").count()


def test_a_platform_administrator_saves_a_program_as_a_template_and_gets_it_back(
    creator: Any, riverside: Program
) -> None:
    response = api(creator).post(
        save_url(riverside), {"name": "  Riverside recipe ", "description": "What worked"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    saved = ProgramTemplate.objects.get(name="Riverside recipe")
    assert body["id"] == saved.pk and body["name"] == "Riverside recipe"
    assert (body["kind"], body["based_on"], body["built_in"], body["description"]) == (
        "emr_deployment",
        riverside.pk,
        False,
        "What worked",
    )
    assert body["body"] == capture_body(riverside) == saved.body
    assert saved.created_by == creator
    entry = AuditEntry.objects.get(object_type="programs.programtemplate", object_id=str(saved.pk))
    assert (entry.action, entry.actor, entry.program_id) == ("create", creator, None)


def test_a_template_saved_through_the_api_keeps_definitions_never_people_or_records(
    creator: Any, riverside: Program
) -> None:
    saved = api(creator).post(save_url(riverside), {"name": "Riverside recipe"}, format="json").json()

    text = str(saved["body"])
    assert "nursing.lead@example.org" not in text and "Nora Lead" not in text and "41.0" not in text
    assert "CPOE adoption" in text and "Nursing" in text
    created = api(creator).post(
        reverse("program-template-create-program", args=[saved["id"]]),
        {"name": "Lakeside EHR", "go_live_date": "2031-03-01"},
        format="json",
    )
    assert created.status_code == 201
    lakeside = Program.objects.get(pk=created.json()["id"])
    assert capture_body(lakeside) == capture_body(riverside)
    assert StakeholderGroup.objects.get(program=lakeside, name="Nursing").lead is None
    assert not Measurement.objects.filter(program=lakeside).exists()
    assert list(lakeside.memberships.values_list("person__email", flat=True)) == [creator.email]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"name": ""}, "This field may not be blank."),
        ({"name": "   "}, "This field may not be blank."),
        ({"name": "x" * 201}, "Ensure this field has no more than 200 characters."),
        ({"name": EMR}, f"A template named “{EMR}” already exists; choose another name."),
        (
            {"name": " emr DEPLOYMENT "},
            "A template named “emr DEPLOYMENT” already exists; choose another name.",
        ),
    ],
)
def test_a_name_missing_blank_too_long_or_taken_is_refused_and_nothing_is_saved(
    creator: Any, riverside: Program, data: dict[str, Any], message: str
) -> None:
    templates, audited = ProgramTemplate.objects.count(), template_audit_rows()

    response = api(creator).post(save_url(riverside), {**data, "description": "Kept?"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": [message]}
    assert ProgramTemplate.objects.count() == templates and template_audit_rows() == audited


def test_the_page_refuses_the_names_the_api_refuses(creator: Any, riverside: Program, client: Any) -> None:
    client.force_login(creator)
    page = client.post(
        reverse("programs:program_save_as_template", args=[riverside.pk]), {"name": "emr deployment"}
    )
    assert page.status_code == 400
    assert "A template named “emr deployment” already exists; choose another name." in page.content.decode()
    refused = api(creator).post(save_url(riverside), {"name": "emr deployment"}, format="json")
    assert refused.json() == {
        "name": ["A template named “emr deployment” already exists; choose another name."]
    }


@pytest.mark.parametrize("persona", ["program_manager", "board_member", "member", "vendor", "auditor"])
def test_a_program_member_who_does_not_create_programs_gets_403_before_the_name_is_judged(
    world: Any, api_for: Any, persona: str
) -> None:
    templates = ProgramTemplate.objects.count()
    for name in ("Program A recipe", EMR):
        response = api_for(persona).post(save_url(world.program), {"name": name}, format="json")
        assert response.status_code == 403, (persona, name)
    assert ProgramTemplate.objects.count() == templates and not template_audit_rows()


def test_an_outsider_gets_404_and_a_signed_out_caller_401(world: Any, api_for: Any) -> None:
    assert (
        api_for("outsider").post(save_url(world.program), {"name": "Theirs"}, format="json").status_code
        == 404
    )
    assert (
        api_for("anonymous").post(save_url(world.program), {"name": "Theirs"}, format="json").status_code
        == 401
    )
    assert not ProgramTemplate.objects.filter(name="Theirs").exists()


def test_a_platform_administrator_outside_the_program_gets_404_as_on_the_page(
    world: Any, creator: Any, client: Any
) -> None:
    response = api(creator).post(save_url(world.program), {"name": "Not theirs"}, format="json")
    assert response.status_code == 404
    client.force_login(creator)
    assert (
        client.get(reverse("programs:program_save_as_template", args=[world.program.pk])).status_code == 404
    )
    assert not ProgramTemplate.objects.filter(name="Not theirs").exists()


def test_the_service_itself_refuses_a_taken_name_for_every_caller(creator: Any, riverside: Program) -> None:
    with pytest.raises(ValidationError) as error:
        services.save_program_as_template(actor=creator, program=riverside, name="EMR Deployment")
    assert error.value.message_dict == {
        "name": ["A template named “EMR Deployment” already exists; choose another name."]
    }
    with pytest.raises(ValidationError, match="A template needs a name"):
        services.save_program_as_template(actor=creator, program=riverside, name="  ")
    assert not ProgramTemplate.objects.filter(based_on=riverside).exists()
