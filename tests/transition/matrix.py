"""Permission-matrix rows for every transition page and API endpoint, every method."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core.permissions import Visibility
from accord.transition import services
from accord.transition.models import Interview, KnowledgeAttachment
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only
from tests.personas import World
from tests.transition.factories import (
    KnowledgeItemFactory,
    KnowledgeTemplateFactory,
    ServiceFactory,
    TrainingModuleFactory,
)

ALL_API = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
PM = "program_manager"
# Who writes knowledge: the hospital's program staff and the partner; never the board, a consultant or an auditor.
AUTHORS = ["program_manager", "stakeholder_lead", "member", "vendor"]
# The service's internal owner (the member) and partner owner (the vendor) sign off stages.
OWNERS = ["member", "vendor"]


def transition_world(world: World) -> dict[str, Any]:
    """A shared service owned by the member (hospital) and the vendor (partner), with its knowledge,
    an interview and training; one internal item the partners must not see."""
    if "transition" in world.extra:
        return world.extra["transition"]
    service = ServiceFactory(
        program=world.program, name="PACS", internal_owner=world.member, partner_owner=world.vendor
    )
    template = KnowledgeTemplateFactory(program=world.program, name="Runbook")
    item = KnowledgeItemFactory(service=service, template=template, author=world.vendor, title="PACS runbook")
    in_review = KnowledgeItemFactory(
        service=service, template=template, author=world.vendor, title="PACS SOP"
    )
    services.submit_for_review(item=in_review, actor=world.vendor)
    internal = KnowledgeItemFactory(
        service=service, template=template, title="Hospital-only notes", visibility=Visibility.INTERNAL
    )
    attachment = KnowledgeAttachment(
        program=world.program, item=item, name="topology.txt", uploaded_by=world.vendor
    )
    attachment.file.save("topology.txt", ContentFile(b"modality -> PACS -> archive"), save=False)
    attachment.save()
    interview = Interview.objects.create(
        program=world.program,
        service=service,
        expert=world.member,
        interviewer=world.vendor,
        scheduled_at=dt.datetime(2026, 11, 2, 14, tzinfo=dt.UTC),
    )
    module = TrainingModuleFactory(program=world.program, title="HIPAA privacy")
    record = services.record_training(
        module=module, person=world.vendor, completed_on=dt.date(2026, 10, 1), actor=world.program_manager
    )
    world.extra["transition"] = {
        "service": service,
        "template": template,
        "item": item,
        "in_review": in_review,
        "internal": internal,
        "attachment": attachment,
        "interview": interview,
        "module": module,
        "record": record,
    }
    return world.extra["transition"]


def program(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk}


def page(key: str) -> Any:
    return lambda world: {"program_id": world.program.pk, "pk": transition_world(world)[key].pk}


def api(key: str) -> Any:
    return lambda world: {"pk": transition_world(world)[key].pk}


def untaken_module_api(world: World) -> dict[str, int]:
    """A module nobody has completed yet: the one a delete may remove (the world's module has a completion,
    which a delete refuses; tests/transition/test_deletes_keep_history.py)."""
    transition_world(world)
    return {"pk": TrainingModuleFactory(program=world.program, title="Downtime procedures").pk}


def service_data(world: World) -> dict[str, Any]:
    return {
        "name": "Lab system interface",
        "kind": "integration",
        "criticality": "2",
        "clinical_impact": "on",
        "internal_owner": world.member.pk,
        "partner_owner": world.vendor.pk,
        "configuration_items": "lab-ie-01",
        "partner_incidents_handled": "0",
        "visibility": "shared",
    }


def api_service_data(world: World) -> dict[str, Any]:
    return {
        **service_data(world),
        "program": world.program.pk,
        "clinical_impact": True,
        "criticality": 2,
        "partner_incidents_handled": 0,
    }


def item_data(world: World) -> dict[str, Any]:
    t = transition_world(world)
    return {
        "service": t["service"].pk,
        "template": t["template"].pk,
        "title": "Archive restore",
        "content": "## Purpose\n\nRestore a study.",
        "visibility": "shared",
    }


def interview_data(world: World) -> dict[str, Any]:
    t = transition_world(world)
    return {
        "service": t["service"].pk,
        "expert": world.member.pk,
        "interviewer": world.vendor.pk,
        "scheduled_at": "2026-12-10T10:00",
        "notes": "Night jobs",
    }


def module_data(world: World) -> dict[str, Any]:
    return {
        "title": "Security awareness",
        "kind": "security",
        "required_roles": ["vendor"],
        "validity_months": "12",
    }


def import_file(world: World) -> dict[str, Any]:
    csv = f"name,kind,criticality,internal_owner\nBackup,infrastructure,2,{world.member.email}\n".encode()
    return {"file": SimpleUploadedFile("services.csv", csv, content_type="text/csv")}


def criteria_kwargs(world: World) -> dict[str, Any]:
    return {"program_id": world.program.pk, "stage": "shadow"}


TRANSITION_PM = only(PM, 200, 403)
TRANSITION_PM_POST = only(PM, 302, 403)
HIDDEN_FROM_PARTNERS = expect(200, vendor=404, consultant=404)

ENDPOINTS = [
    Endpoint("transition:dashboard", expect(200), kwargs=program),
    Endpoint("transition:service_list", expect(200), kwargs=program),
    Endpoint("transition:coverage", expect(200), kwargs=program),
    Endpoint("transition:service_create", TRANSITION_PM, kwargs=program),
    Endpoint(
        "transition:service_create", TRANSITION_PM_POST, kwargs=program, method="post", data=service_data
    ),
    Endpoint("transition:service_import", TRANSITION_PM, kwargs=program),
    Endpoint("transition:service_import", TRANSITION_PM, kwargs=program, method="post", data=import_file),
    # Without a previewed file the confirm step sends the manager back to the upload page.
    Endpoint(
        "transition:service_import_confirm",
        TRANSITION_PM_POST,
        kwargs=program,
        method="post",
        data=lambda w: {"digest": "0" * 64},
    ),
    Endpoint("transition:service_detail", expect(200), kwargs=page("service")),
    Endpoint("transition:service_edit", TRANSITION_PM, kwargs=page("service")),
    Endpoint(
        "transition:service_edit",
        TRANSITION_PM_POST,
        kwargs=page("service"),
        method="post",
        data=service_data,
    ),
    Endpoint(
        "transition:service_sign_off",
        only(OWNERS, 302, 403),
        kwargs=page("service"),
        method="post",
        data=lambda w: {"note": "ok"},
    ),
    # The manager's move is refused for missing criteria (a message and a redirect); nobody else may try.
    Endpoint(
        "transition:service_stage",
        TRANSITION_PM_POST,
        kwargs=page("service"),
        method="post",
        data=lambda w: {"to": "shadow"},
    ),
    Endpoint("transition:exit_criteria_edit", TRANSITION_PM, kwargs=criteria_kwargs),
    Endpoint(
        "transition:exit_criteria_edit",
        TRANSITION_PM_POST,
        kwargs=criteria_kwargs,
        method="post",
        data=lambda w: {
            "min_coverage_percent": "70",
            "require_training": "on",
            "min_incidents_handled": "0",
            "sla_weeks": "0",
        },
    ),
    Endpoint("transition:template_list", expect(200), kwargs=program),
    Endpoint("transition:template_create", TRANSITION_PM, kwargs=program),
    Endpoint(
        "transition:template_create",
        TRANSITION_PM_POST,
        kwargs=program,
        method="post",
        data=lambda w: {"name": "SOP", "kind": "sop", "required_sections": "Purpose\nSteps"},
    ),
    Endpoint("transition:template_edit", TRANSITION_PM, kwargs=page("template")),
    Endpoint(
        "transition:template_edit",
        TRANSITION_PM_POST,
        kwargs=page("template"),
        method="post",
        data=lambda w: {"name": "Runbook", "kind": "runbook", "required_sections": "Purpose"},
    ),
    Endpoint("transition:knowledge_list", expect(200), kwargs=program),
    Endpoint("transition:knowledge_create", only(AUTHORS, 200, 403), kwargs=program),
    Endpoint(
        "transition:knowledge_create", only(AUTHORS, 302, 403), kwargs=program, method="post", data=item_data
    ),
    Endpoint("transition:knowledge_detail", expect(200), kwargs=page("item")),
    Endpoint(
        "transition:knowledge_detail", HIDDEN_FROM_PARTNERS, kwargs=page("internal"), label="internal item"
    ),
    Endpoint("transition:knowledge_edit", only(AUTHORS, 200, 403), kwargs=page("item")),
    Endpoint(
        "transition:knowledge_edit",
        only(AUTHORS, 302, 403),
        kwargs=page("item"),
        method="post",
        data=lambda w: {"title": "PACS runbook v2", "content": "## Purpose", "visibility": "shared"},
    ),
    Endpoint(
        "transition:knowledge_review",
        only(AUTHORS, 302, 403),
        kwargs=page("item"),
        method="post",
        data=lambda w: {"action": "submit"},
    ),
    # Only the service's internal owner (the member) approves; the partner, who wrote it, cannot.
    Endpoint(
        "transition:knowledge_review",
        only("member", 302, 403),
        kwargs=page("in_review"),
        method="post",
        data=lambda w: {"action": "approve"},
        label="approve",
    ),
    Endpoint(
        "transition:knowledge_attach",
        only(AUTHORS, 302, 403),
        kwargs=page("item"),
        method="post",
        data=lambda w: {"file": SimpleUploadedFile("notes.txt", b"restart order")},
    ),
    Endpoint("transition:attachment_download", expect(200), kwargs=page("attachment")),
    Endpoint("transition:interview_create", only(AUTHORS, 200, 403), kwargs=program),
    Endpoint(
        "transition:interview_create",
        only(AUTHORS, 302, 403),
        kwargs=program,
        method="post",
        data=interview_data,
    ),
    Endpoint("transition:interview_edit", only(AUTHORS, 200, 403), kwargs=page("interview")),
    Endpoint(
        "transition:interview_edit",
        only(AUTHORS, 302, 403),
        kwargs=page("interview"),
        method="post",
        data=interview_data,
    ),
    Endpoint("transition:training_matrix", expect(200), kwargs=program),
    Endpoint("transition:module_create", TRANSITION_PM, kwargs=program),
    Endpoint("transition:module_create", TRANSITION_PM_POST, kwargs=program, method="post", data=module_data),
    Endpoint("transition:module_edit", TRANSITION_PM, kwargs=page("module")),
    Endpoint(
        "transition:module_edit", TRANSITION_PM_POST, kwargs=page("module"), method="post", data=module_data
    ),
    Endpoint("transition:training_record", expect(200, auditor=403), kwargs=program),
    Endpoint(
        "transition:training_record",
        expect(302, auditor=403),
        kwargs=program,
        method="post",
        data=lambda w: {"module": transition_world(w)["module"].pk, "completed_on": "2026-11-20"},
    ),
    # The vendor attests their own record; the hospital sees it but may not attest; the consultant does not see it.
    Endpoint(
        "transition:training_attest",
        expect(403, vendor=302, consultant=404),
        kwargs=page("record"),
        method="post",
        data=lambda w: {},
    ),
    # The API
    Endpoint("transition-service-list", ALL_API, api=True),
    Endpoint(
        "transition-service-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=api_service_data,
    ),
    Endpoint("transition-service-detail", expect(200, anonymous=401), api=True, kwargs=api("service")),
    *and_put(
        Endpoint(
            "transition-service-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api("service"),
            data=lambda w: {"criticality": 1},
        )
    ),
    Endpoint(
        "transition-service-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api("service"),
    ),
    # The manager may move stages: this move lacks its exit criteria, so it is a 400 naming them.
    Endpoint(
        "transition-service-stage",
        only(PM, 400, 403, api=True),
        api=True,
        method="post",
        kwargs=api("service"),
        data=lambda w: {"to": "shadow"},
    ),
    Endpoint(
        "transition-service-sign-off",
        only(OWNERS, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api("service"),
        data=lambda w: {},
    ),
    Endpoint("transition-service-coverage", expect(200, anonymous=401), api=True, kwargs=api("service")),
    Endpoint("knowledge-item-list", ALL_API, api=True),
    Endpoint(
        "knowledge-item-list",
        only(AUTHORS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {**item_data(w), "program": w.program.pk},
    ),
    Endpoint("knowledge-item-detail", expect(200, anonymous=401), api=True, kwargs=api("item")),
    Endpoint(
        "knowledge-item-detail",
        expect(200, anonymous=401, vendor=404, consultant=404),
        api=True,
        kwargs=api("internal"),
        label="internal item",
    ),
    *and_put(
        Endpoint(
            "knowledge-item-detail",
            only(AUTHORS, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api("item"),
            data=lambda w: {"title": "PACS runbook v2"},
        )
    ),
    Endpoint(
        "knowledge-item-detail", only(PM, 204, 403, api=True), api=True, method="delete", kwargs=api("item")
    ),
    Endpoint(
        "knowledge-item-review",
        only(AUTHORS, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api("item"),
        data=lambda w: {"action": "submit"},
    ),
    Endpoint(
        "knowledge-item-review",
        only("member", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api("in_review"),
        data=lambda w: {"action": "approve"},
        label="approve",
    ),
    Endpoint("interview-list", ALL_API, api=True),
    Endpoint(
        "interview-list",
        only(AUTHORS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {**interview_data(w), "program": w.program.pk, "scheduled_at": "2026-12-10T10:00:00Z"},
    ),
    Endpoint("interview-detail", expect(200, anonymous=401), api=True, kwargs=api("interview")),
    *and_put(
        Endpoint(
            "interview-detail",
            only(AUTHORS, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api("interview"),
            data=lambda w: {"notes": "Backups at 02:00"},
        )
    ),
    Endpoint(
        "interview-detail", only(PM, 204, 403, api=True), api=True, method="delete", kwargs=api("interview")
    ),
    Endpoint("training-module-list", ALL_API, api=True),
    Endpoint(
        "training-module-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {**module_data(w), "program": w.program.pk, "validity_months": 12},
    ),
    Endpoint("training-module-detail", expect(200, anonymous=401), api=True, kwargs=api("module")),
    *and_put(
        Endpoint(
            "training-module-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api("module"),
            data=lambda w: {"validity_months": 24},
        )
    ),
    Endpoint(
        "training-module-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=untaken_module_api,
    ),
    Endpoint("training-record-list", ALL_API, api=True),
    Endpoint(
        "training-record-list",
        expect(201, anonymous=401, outsider=400, auditor=403),
        api=True,
        method="post",
        data=lambda w: {"module": transition_world(w)["module"].pk, "completed_on": "2026-11-20"},
    ),
    # The vendor's own record: the hospital reads it, the vendor reads their own, the consultant does not see it.
    Endpoint(
        "training-record-detail",
        expect(200, anonymous=401, consultant=404),
        api=True,
        kwargs=api("record"),
    ),
    Endpoint(
        "training-record-detail",
        only(PM, 204, 403, api=True, consultant=404),
        api=True,
        method="delete",
        kwargs=api("record"),
    ),
    # As the page's confirm: the vendor attests their own record; the hospital sees it but may not attest;
    # the consultant does not see it.
    Endpoint(
        "training-record-attest",
        expect(403, anonymous=401, vendor=200, consultant=404),
        api=True,
        method="post",
        kwargs=api("record"),
        data=lambda w: {},
    ),
    # The action takes only POST; reading it is refused to everyone signed in.
    Endpoint(
        "training-record-attest",
        expect(405, anonymous=401, outsider=405),
        api=True,
        kwargs=api("record"),
    ),
]
