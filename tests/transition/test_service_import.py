"""Importing the service inventory: a preview that saves nothing, then all or nothing, within the upload limits."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from accord.core.models import AuditEntry
from accord.core.permissions import Role
from accord.transition import imports
from accord.transition.models import Service
from tests.factories import MembershipFactory, ProgramFactory
from tests.sla.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting() -> dict[str, Any]:
    program = ProgramFactory(name="Transition")
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER).person
    owner = MembershipFactory(program=program, role=Role.MEMBER).person
    partner = MembershipFactory(program=program, role=Role.VENDOR).person
    ContractFactory(program=program, name="Managed service desk")
    return {"program": program, "manager": manager, "owner": owner, "partner": partner}


def csv(*lines: str) -> bytes:
    header = "name,kind,criticality,clinical_impact,internal_owner,partner_owner,configuration_items,contract,knowledge_due_on"
    return "\n".join([header, *lines]).encode()


def test_the_preview_resolves_every_row_and_saves_nothing(setting: dict[str, Any]) -> None:
    content = csv(
        f"PACS,clinical system,1,yes,{setting['owner'].email},{setting['partner'].email},pacs-01;pacs-02,,2027-01-31",
        f"Service desk,service_desk,2,no,{setting['owner'].email},,servicenow,Managed service desk,",
    )
    preview = imports.preview_service_import(
        program=setting["program"], user=setting["manager"], filename="services.csv", content=content
    )
    assert preview.ok, [r.errors for r in preview.rows]
    assert [(r.name, r.outcome) for r in preview.rows] == [("PACS", "create"), ("Service desk", "create")]
    assert preview.rows[0].values["configuration_items"] == "pacs-01\npacs-02"
    assert not Service.objects.exists()


def test_bad_rows_are_named_and_nothing_is_imported(setting: dict[str, Any]) -> None:
    content = csv(
        f"PACS,clinical system,1,yes,{setting['owner'].email},,,,",
        "Backup,storage,7,maybe,nobody@example.org,,,Unknown contract,31/01/2027",
        f"PACS,application,2,no,{setting['owner'].email},,,,",
    )
    result = imports.import_services(
        program=setting["program"], actor=setting["manager"], filename="services.csv", content=content
    )
    assert not result.ok
    errors = {row.line: " ".join(row.errors) for row in result.rows}
    assert "Kind 'storage' is not one of" in errors[3]
    assert "Criticality '7' must be 1, 2, 3 or 4." in errors[3]
    assert "Clinical impact 'maybe' must be yes or no." in errors[3]
    assert "nobody@example.org is not a member of Transition." in errors[3]
    assert "No contract named 'Unknown contract'" in errors[3]
    assert "is not a date" in errors[3]
    assert "also on line 2" in errors[4]
    assert not Service.objects.exists()


def test_an_import_creates_and_updates_by_name_with_audit_rows(setting: dict[str, Any]) -> None:
    owner = setting["owner"].email
    imports.import_services(
        program=setting["program"],
        actor=setting["manager"],
        filename="services.csv",
        content=csv(f"PACS,clinical_system,2,no,{owner},,,,"),
    )
    second = imports.import_services(
        program=setting["program"],
        actor=setting["manager"],
        filename="services.csv",
        content=csv(f"pacs,clinical_system,1,yes,{owner},,,,", f"Backup,infrastructure,3,no,{owner},,,,"),
    )
    assert [(r.name, r.outcome) for r in second.rows] == [("pacs", "updated"), ("Backup", "created")]
    pacs = Service.objects.get(name="PACS")
    assert (pacs.criticality, pacs.clinical_impact) == (1, True)
    assert AuditEntry.objects.filter(object_type="transition.service").count() == 3


def test_an_xlsx_is_read_like_a_csv(setting: dict[str, Any]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "kind", "criticality", "internal_owner"])
    sheet.append(["Network", "infrastructure", 2, setting["owner"].email])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = imports.preview_service_import(
        program=setting["program"],
        user=setting["manager"],
        filename="services.xlsx",
        content=buffer.getvalue(),
    )
    assert preview.ok and preview.rows[0].values["criticality"] == 2


def test_a_file_over_the_upload_limit_or_an_xlsx_past_the_cell_budget_is_refused(
    setting: dict[str, Any], settings: Any
) -> None:
    settings.ACCORD_MEASUREMENT_UPLOAD_MAX_MB = 0.001
    preview = imports.preview_service_import(
        program=setting["program"], user=setting["manager"], filename="s.csv", content=b"x" * 2_000
    )
    assert "a service inventory may be at most 0.001 MB" in preview.file_error
    settings.ACCORD_MEASUREMENT_UPLOAD_MAX_MB = 5
    settings.ACCORD_XLSX_MAX_CELLS = 10
    workbook = Workbook()
    for _row in range(20):
        workbook.active.append(["Service", "application", 3, "a@b.c"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = imports.preview_service_import(
        program=setting["program"], user=setting["manager"], filename="s.xlsx", content=buffer.getvalue()
    )
    assert "cells" in preview.file_error


def test_a_file_without_the_required_columns_says_which_are_missing(setting: dict[str, Any]) -> None:
    preview = imports.preview_service_import(
        program=setting["program"],
        user=setting["manager"],
        filename="s.csv",
        content=b"name,kind\nPACS,application\n",
    )
    assert preview.file_error.startswith("Missing column(s): criticality, internal_owner.")


def test_the_upload_page_previews_then_imports_the_same_file(setting: dict[str, Any], client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(setting["manager"])
    url = reverse("transition:service_import", args=[setting["program"].pk])
    content = csv(f"PACS,clinical_system,1,yes,{setting['owner'].email},,,,")
    response = client.post(url, {"file": SimpleUploadedFile("services.csv", content)})
    assert response.status_code == 200 and "All 1 rows are valid" in response.content.decode()
    assert not Service.objects.exists()
    digest = response.context["digest"]
    response = client.post(
        reverse("transition:service_import_confirm", args=[setting["program"].pk]), {"digest": digest}
    )
    assert response.status_code == 302
    assert Service.objects.filter(name="PACS", criticality=1).exists()
