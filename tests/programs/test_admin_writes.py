"""The admin writes through the audited services: a change is validated and audited once, and programs
are not added there (create_program gives a program its manager and every app's defaults)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError

from accord.core.models import AuditAction, AuditEntry
from accord.programs.admin import ProgramAdmin
from accord.programs.models import Program


def _program_entries(program: Program) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="programs.program", object_id=str(program.pk)).order_by(
            "sequence"
        )
    )


def test_an_admin_change_is_one_validated_audited_update(world: Any, rf: Any) -> None:
    request = rf.post("/admin/")
    request.user = world.program_manager
    program = world.program
    before = len(_program_entries(program))
    program.name = "Program A, renamed"
    form = SimpleNamespace(cleaned_data={"name": program.name}, changed_data=["name"])
    ProgramAdmin(Program, site).save_model(request, program, form, change=True)
    entries = _program_entries(program)
    assert len(entries) == before + 1
    assert entries[-1].action == AuditAction.UPDATE
    assert entries[-1].changes == {"name": ["Program A", "Program A, renamed"]}


def test_an_admin_change_the_model_refuses_stores_nothing(world: Any, rf: Any) -> None:
    request = rf.post("/admin/")
    request.user = world.program_manager
    program = world.program
    before = len(_program_entries(program))
    program.name = ""
    form = SimpleNamespace(cleaned_data={"name": ""}, changed_data=["name"])
    with pytest.raises(ValidationError):
        ProgramAdmin(Program, site).save_model(request, program, form, change=True)
    assert Program.objects.get(pk=program.pk).name == "Program A"
    assert len(_program_entries(program)) == before


def test_programs_are_not_added_in_the_admin(world: Any, rf: Any) -> None:
    request = rf.get("/admin/")
    request.user = world.program_manager
    assert ProgramAdmin(Program, site).has_add_permission(request) is False
