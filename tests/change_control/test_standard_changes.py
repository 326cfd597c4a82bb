"""Standard changes from pre-approved templates: the CAB approves and retires templates, a change raised
from an active one skips the CAB (the audit row names the template), keeps to the template's services and
configuration items, and is still refused in a freeze or on top of another change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.change_control.choices import ChangeState, ChangeType, TemplateStatus, WindowKind
from accord.change_control.models import ChangeRequest, ChangeWindow, StandardChangeTemplate
from accord.change_control.services import changes, templates
from accord.core.models import AuditEntry
from tests.change_control.factories import T0, bring_to, cab_for, draft_change, service_in

pytestmark = pytest.mark.django_db

START = T0 + dt.timedelta(days=7)


@pytest.fixture
def board(world: Any) -> Any:
    return cab_for(world.program, members=[world.board_member, world.stakeholder_lead], quorum=2)


@pytest.fixture
def pacs(world: Any) -> Any:
    return service_in(world.program, name="PACS")


def proposed(
    world: Any, services: list[Any], items: str = "pacs-app-01\npacs-app-02"
) -> StandardChangeTemplate:
    return templates.propose_template(
        program=world.program,
        actor=world.program_manager,
        data={
            "name": "Rotate TLS certificates on PACS viewers",
            "description": "Install the renewed certificate by the runbook.",
            "services": services,
            "configuration_items": items,
            "backout_plan": "Put the previous certificate back.",
            "test_evidence": "Done twelve times without incident.",
        },
    )


@pytest.fixture
def template(world: Any, board: Any, pacs: Any) -> StandardChangeTemplate:
    made = proposed(world, [pacs])
    return templates.approve_template(template=made, actor=world.board_member, now=T0)


def raise_from(world: Any, template: StandardChangeTemplate, **data: Any) -> ChangeRequest:
    values = {
        "title": "Rotate the viewer certificates",
        "planned_start": START,
        "planned_end": START + dt.timedelta(hours=1),
        **data,
    }
    return templates.raise_standard_change(template=template, actor=world.vendor, data=values)


def test_a_cab_member_approves_a_template_and_the_audit_row_says_who(
    world: Any, board: Any, pacs: Any
) -> None:
    made = proposed(world, [pacs])
    assert made.status == TemplateStatus.PROPOSED
    templates.approve_template(template=made, actor=world.stakeholder_lead, now=T0)
    made.refresh_from_db()
    assert (made.status, made.approved_by, made.approved_at) == (
        TemplateStatus.ACTIVE,
        world.stakeholder_lead,
        T0,
    )
    entry = AuditEntry.objects.filter(
        object_type="change_control.standardchangetemplate", object_id=str(made.pk), action="transition"
    ).get()
    assert entry.changes["status"] == ["proposed", "active"]


def test_only_people_seated_on_the_cab_approve_templates(world: Any, board: Any, pacs: Any) -> None:
    made = proposed(world, [pacs])
    for outsider_to_the_cab in (world.program_manager, world.vendor, world.member):
        with pytest.raises(PermissionDenied):
            templates.approve_template(template=made, actor=outsider_to_the_cab, now=T0)
    made.refresh_from_db()
    assert made.status == TemplateStatus.PROPOSED


def test_a_change_raised_from_an_active_template_skips_the_cab_with_its_risk_low(
    world: Any, template: Any, pacs: Any
) -> None:
    change = raise_from(world, template)
    assert change.change_type == ChangeType.STANDARD and change.template == template
    assert (change.likelihood, change.impact) == (1, 1)
    assert change.backout_plan == template.backout_plan
    assert list(change.services.all()) == [pacs]
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED and not change.votes.exists()
    approval = AuditEntry.objects.filter(
        object_type="change_control.changerequest", object_id=str(change.pk), action="transition"
    ).get()
    assert (
        "pre-approved by standard change template 'Rotate TLS certificates on PACS viewers'"
        in (approval.changes["approval"][1])
    )
    assert approval.changes["template"] == [None, template.pk]


def test_a_standard_change_may_touch_only_what_its_template_names(
    world: Any, template: Any, pacs: Any
) -> None:
    billing = service_in(world.program, name="Billing")
    with pytest.raises(ValidationError) as caught:
        raise_from(world, template, services=[pacs, billing], configuration_items="pacs-app-01\nbilling-db")
    assert "allows only PACS; not Billing" in caught.value.message_dict["services"][0]
    assert "not billing-db" in caught.value.message_dict["configuration_items"][0]
    assert not ChangeRequest.objects.exists()


def test_a_standard_change_names_an_active_template_and_keeps_its_risk_low(
    world: Any, template: Any, pacs: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        draft_change(world.program, world.vendor, change_type=ChangeType.STANDARD, template=None)
    assert "pre-approved template" in caught.value.message_dict["template"][0]
    with pytest.raises(ValidationError) as caught:
        draft_change(
            world.program,
            world.vendor,
            change_type=ChangeType.STANDARD,
            template=template,
            services=[pacs],
            risk_answers={"patient_care": True},
        )
    assert "normal change for the CAB" in caught.value.message_dict["risk_answers"][0]


def test_a_retired_template_raises_nothing_and_its_drafts_are_not_submitted(
    world: Any, template: Any
) -> None:
    draft = raise_from(world, template)
    templates.retire_template(
        template=template, actor=world.board_member, now=T0, reason="Hid a driver fault"
    )
    template.refresh_from_db()
    assert template.status == TemplateStatus.RETIRED and template.retired_reason == "Hid a driver fault"
    with pytest.raises(ValidationError, match="retired"):
        raise_from(world, template)
    with pytest.raises(ValidationError, match="retired"):
        changes.transition_change(change=draft, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    draft.refresh_from_db()
    assert draft.state == ChangeState.DRAFT


def test_an_approved_template_is_not_edited(world: Any, template: Any) -> None:
    with pytest.raises(ValidationError, match="Only a proposed template"):
        templates.update_template(template=template, actor=world.program_manager, data={"name": "Other"})


def test_a_standard_change_into_a_freeze_is_refused_even_though_it_skips_the_cab(
    world: Any, template: Any
) -> None:
    ChangeWindow.objects.create(
        program=world.program,
        name="Pharmacy go-live freeze",
        kind=WindowKind.CLINICAL_FREEZE,
        starts_at=START - dt.timedelta(days=1),
        ends_at=START + dt.timedelta(days=1),
    )
    change = raise_from(world, template)
    with pytest.raises(ValidationError) as caught:
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    assert "Pharmacy go-live freeze" in caught.value.message_dict["planned_start"][0]
    change.refresh_from_db()
    assert change.state == ChangeState.DRAFT


def test_a_standard_change_colliding_with_another_change_is_refused(
    world: Any, template: Any, board: Any, pacs: Any
) -> None:
    other = bring_to(
        draft_change(
            world.program,
            world.vendor,
            services=[pacs],
            planned_start=START,
            planned_end=START + dt.timedelta(hours=3),
        ),
        ChangeState.SUBMITTED,
        requester=world.vendor,
        manager=world.program_manager,
        voters=[],
    )
    change = raise_from(
        world,
        template,
        planned_start=START + dt.timedelta(hours=2),
        planned_end=START + dt.timedelta(hours=4),
    )
    with pytest.raises(ValidationError) as caught:
        changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    assert other.reference in caught.value.message_dict["planned_end"][0]
    # Moved clear of the other change, it goes through.
    changes.update_draft(
        change=change,
        actor=world.vendor,
        data={"planned_start": START + dt.timedelta(hours=3), "planned_end": START + dt.timedelta(hours=4)},
    )
    changes.transition_change(change=change, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED


def test_the_pages_raise_a_standard_change_and_the_cab_approves_a_template(
    world: Any, board: Any, pacs: Any, client_for: Any
) -> None:
    made = proposed(world, [pacs])
    base = f"/programs/{world.program.pk}/changes/templates/{made.pk}/"
    assert client_for("vendor").post(base + "approve/").status_code == 403
    response = client_for("board_member").post(base + "approve/")
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == TemplateStatus.ACTIVE
    page = client_for("vendor").get(base)
    assert "Raise a standard change" in page.content.decode()
    response = client_for("vendor").post(
        base + "raise/",
        {
            "title": "Rotate the viewer certificates",
            "services": [pacs.pk],
            "configuration_items": "PACS-APP-01",
            "time_zone": "Europe/London",
            "planned_start": "2026-06-07T02:00",
            "planned_end": "2026-06-07T03:00",
        },
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.template == made and change.planned_start == dt.datetime(2026, 6, 7, 1, 0, tzinfo=dt.UTC)
    refused = client_for("vendor").post(
        base + "raise/",
        {
            "title": "Also the database",
            "configuration_items": "pacs-db",
            "time_zone": "UTC",
            "planned_start": "2026-06-07T02:00",
            "planned_end": "2026-06-07T03:00",
        },
    )
    assert refused.status_code == 400 and "not pacs-db" in refused.content.decode()


def test_the_api_lists_approves_and_refuses_a_standard_change_outside_its_template(
    world: Any, board: Any, pacs: Any, api_for: Any
) -> None:
    made = proposed(world, [pacs])
    response = api_for("stakeholder_lead").post(f"/api/standard-change-templates/{made.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    listed = api_for("vendor").get("/api/standard-change-templates/", {"status": "active"})
    assert [row["id"] for row in listed.json()["results"]] == [made.pk]
    other = service_in(world.program, name="Billing")
    response = api_for("vendor").post(
        "/api/change-requests/",
        {
            "program": world.program.pk,
            "title": "Rotate the billing certificate",
            "change_type": "standard",
            "template": made.pk,
            "services": [other.pk],
            "description": "Rotate.",
            "reason": "Expiry.",
        },
        format="json",
    )
    assert response.status_code == 400 and "allows only PACS" in str(response.json())


def test_the_template_list_keeps_its_query_budget_whatever_the_number_of_templates(
    world: Any, board: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for index in range(10):
        made = templates.propose_template(
            program=world.program,
            actor=world.program_manager,
            data={
                "name": f"Template {index}",
                "description": "By the runbook.",
                "services": [service_in(world.program), service_in(world.program)],
                "backout_plan": "Undo.",
                "test_evidence": "Done before.",
            },
        )
        if index % 2:
            templates.approve_template(template=made, actor=world.board_member, now=T0)
    client = client_for("vendor")
    page = f"/programs/{world.program.pk}/changes/templates/"
    client.get(page)  # warm the session and role caches, as a second page view would find them
    with django_assert_max_num_queries(10):
        response = client.get(page)
    assert response.content.decode().count("Active (approved by the CAB)") == 5
