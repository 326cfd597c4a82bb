"""Permission-matrix rows for programs, memberships, the audit trail and the shell."""

from __future__ import annotations

from accord.core import audit
from accord.core.models import AuditAction
from accord.core.permissions import Role
from accord.programs.models import Membership
from tests.factories import UserFactory
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only

ALL_200 = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 302}


def program_a(world):
    return {"program_id": world.program.pk}


def member_membership(world):
    return {
        "program_id": world.program.pk,
        "pk": Membership.objects.get(program=world.program, person=world.member).pk,
    }


def audit_entry_of_program_a(world):
    entry = audit.record(actor=world.program_manager, action=AuditAction.EVENT, instance=world.program)
    return {"program_id": world.program.pk, "object_type": entry.object_type, "object_id": entry.object_id}


def newcomer(world):
    person = UserFactory(organisation=world.hospital, email="newcomer@example.org")
    return {"person": person.pk, "role": Role.MEMBER}


def api_membership(world):
    return {"pk": Membership.objects.get(program=world.program, person=world.member).pk}


def api_audit_entry(world):
    entry = audit.record(actor=world.program_manager, action=AuditAction.EVENT, instance=world.program)
    return {"sequence": entry.sequence}


AUDIT_READERS = ["program_manager", "board_member", "auditor"]
NOT_CREATORS_API = {**{p: 403 for p in MEMBERS}, "outsider": 403, "anonymous": 401}


def emr_template(world):
    from accord.programs.models import ProgramTemplate
    from accord.programs.services import install_built_in_templates

    install_built_in_templates(actor="accord (test set-up)")
    return {"pk": ProgramTemplate.objects.get(name="EMR deployment").pk}


ENDPOINTS = [
    # The shell
    Endpoint("root", {**{p: 302 for p in MEMBERS}, "outsider": 302, "anonymous": 302}),
    Endpoint("healthz", {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 200}),
    Endpoint("api-schema", {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 200}),
    Endpoint("api-docs", {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 200}),
    Endpoint("programs:program_list", ALL_200),
    Endpoint("programs:program_create", {**{p: 403 for p in MEMBERS}, "outsider": 403, "anonymous": 302}),
    Endpoint(
        "programs:program_create",
        {**{p: 403 for p in MEMBERS}, "outsider": 403, "anonymous": 302},
        method="post",
        data=lambda w: {"name": "Program C", "kind": "emr_deployment", "phase": "build"},
    ),
    Endpoint("programs:program_home", expect(200), kwargs=program_a),
    Endpoint("programs:program_edit", only("program_manager", 200, 403), kwargs=program_a),
    Endpoint(
        "programs:program_edit",
        only("program_manager", 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"name": "Renamed", "kind": "emr_deployment", "phase": "build", "description": ""},
    ),
    # Saving a program as a template is for who creates programs (platform administrators; no program role).
    Endpoint("programs:program_save_as_template", only([], 200, 403), kwargs=program_a),
    Endpoint(
        "programs:program_save_as_template",
        only([], 302, 403),
        kwargs=program_a,
        method="post",
        data=lambda w: {"name": "Program A recipe"},
    ),
    Endpoint("programs:membership_list", expect(200), kwargs=program_a),
    Endpoint(
        "programs:membership_add",
        only("program_manager", 302, 403),
        kwargs=program_a,
        method="post",
        data=newcomer,
    ),
    Endpoint(
        "programs:membership_change",
        only("program_manager", 302, 403),
        kwargs=member_membership,
        method="post",
        data=lambda w: {"role": Role.STAKEHOLDER_LEAD},
    ),
    Endpoint("programs:audit_list", only(AUDIT_READERS, 200, 403), kwargs=program_a),
    Endpoint("programs:record_history", only(AUDIT_READERS, 200, 403), kwargs=audit_entry_of_program_a),
    # The API
    Endpoint("program-list", {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}, api=True),
    Endpoint(
        "program-list",
        {**{p: 403 for p in MEMBERS}, "outsider": 403, "anonymous": 401},
        api=True,
        method="post",
        data=lambda w: {"name": "New", "kind": "other"},
    ),
    Endpoint("program-detail", expect(200, anonymous=401), api=True, kwargs=lambda w: {"pk": w.program.pk}),
    # As on the page: for who creates programs (no program role), so every member 403, outsiders 404.
    Endpoint(
        "program-save-as-template",
        only([], 201, 403, api=True),
        api=True,
        method="post",
        kwargs=lambda w: {"pk": w.program.pk},
        data=lambda w: {"name": "Program A recipe"},
    ),
    *and_put(
        Endpoint(
            "program-detail",
            only("program_manager", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=lambda w: {"pk": w.program.pk},
            data=lambda w: {"phase": "go_live"},
        )
    ),
    Endpoint(
        "membership-list",
        {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401},
        api=True,
        query="?program=1",
    ),
    Endpoint(
        "membership-list",
        only("program_manager", 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **newcomer(w)},
    ),
    Endpoint("membership-detail", expect(200, anonymous=401), api=True, kwargs=api_membership),
    *and_put(
        Endpoint(
            "membership-detail",
            only("program_manager", 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_membership,
            data=lambda w: {"role": Role.STAKEHOLDER_LEAD},
        )
    ),
    Endpoint(
        "membership-detail",
        only("program_manager", 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api_membership,
    ),
    # Program templates: only who may create programs lists them or creates a program from one.
    Endpoint("program-template-list", NOT_CREATORS_API, api=True),
    Endpoint("program-template-detail", NOT_CREATORS_API, api=True, kwargs=emr_template),
    Endpoint(
        "program-template-create-program",
        NOT_CREATORS_API,
        api=True,
        method="post",
        kwargs=emr_template,
        data=lambda w: {"name": "From the EMR template"},
    ),
    Endpoint("audit-list", {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}, api=True),
    Endpoint("audit-detail", only(AUDIT_READERS, 200, 404, api=True), api=True, kwargs=api_audit_entry),
]
