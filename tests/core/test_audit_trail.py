"""The audit trail records every write with field-level before/after and detects tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accord.accounts.models import Organisation, OrganisationKind
from accord.core import services
from accord.core.audit import lifting_append_only, verify_chain
from accord.core.models import AuditAction, AuditEntry
from accord.programs import services as program_services
from tests.personas import World


def test_an_update_records_who_when_which_program_and_each_changed_field(world: World) -> None:
    program = world.program
    services.update_record(
        instance=program,
        actor=world.program_manager,
        data={"phase": "go_live", "description": "Cut-over weekend"},
    )
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("sequence")
    assert entry.actor == world.program_manager
    assert entry.program_id == program.pk
    assert entry.object_type == "programs.program"
    assert entry.changes == {"description": ["", "Cut-over weekend"], "phase": ["build", "go_live"]}


def test_an_update_that_changes_nothing_writes_no_entry(world: World) -> None:
    before = AuditEntry.objects.count()
    services.update_record(instance=world.program, actor=world.program_manager, data={"phase": "build"})
    assert AuditEntry.objects.count() == before


def test_create_and_delete_keep_every_value(world: World) -> None:
    org = services.create_record(
        model=Organisation,
        actor=world.program_manager,
        data={"name": "Interface Partner", "kind": OrganisationKind.VENDOR},
    )
    services.delete_record(instance=org, actor=world.program_manager, check=False)
    created, deleted = AuditEntry.objects.filter(object_type="accounts.organisation").order_by("sequence")
    assert created.changes["name"] == [None, "Interface Partner"]
    assert deleted.action == AuditAction.DELETE
    assert deleted.changes["kind"] == ["vendor", None]


def test_role_changes_are_recorded_as_permission_changes(world: World) -> None:
    from accord.programs.models import Membership

    membership = Membership.objects.get(program=world.program, person=world.member)
    program_services.change_role(actor=world.program_manager, membership=membership, role="stakeholder_lead")
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == AuditAction.PERMISSION
    assert entry.changes["role"] == ["member", "stakeholder_lead"]


def _write_some_history(world: World) -> None:
    for phase in ["go_live", "stabilisation", "optimisation"]:
        services.update_record(instance=world.program, actor=world.program_manager, data={"phase": phase})


def test_verify_passes_on_an_untouched_chain(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    _write_some_history(world)
    call_command("audit", "verify")
    # The world's own set-up (programs, their default success factors) is audited too.
    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified." in capsys.readouterr().out


def test_verify_names_the_first_entry_edited_behind_the_applications_back(world: World) -> None:
    _write_some_history(world)
    second = AuditEntry.objects.order_by("sequence")[1]
    # As an attacker with database access would (one who may also lift the PostgreSQL trigger).
    with lifting_append_only(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET object_repr = %s WHERE id = %s",
            ["nothing to see", second.pk],
        )
    with pytest.raises(
        CommandError, match=rf"entry #{second.sequence} \(id {second.pk}\): content was altered"
    ):
        call_command("audit", "verify")


def test_verify_detects_a_deleted_entry_in_the_middle(world: World) -> None:
    _write_some_history(world)
    second = AuditEntry.objects.order_by("sequence")[1]
    with lifting_append_only(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [second.pk])
    with pytest.raises(CommandError, match=rf"entry #{second.sequence}: missing \(deleted\)"):
        call_command("audit", "verify")


def test_verify_detects_the_newest_entry_being_deleted(world: World) -> None:
    _write_some_history(world)
    last = AuditEntry.objects.order_by("sequence").last()
    with lifting_append_only(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [last.pk])
    _checked, problem = verify_chain()
    assert problem is not None and problem.sequence == last.sequence
    assert "missing (deleted)" in problem.reason


def test_verify_detects_a_rehashed_forgery(world: World) -> None:
    """Even with the key, re-sealing one edited entry still breaks the link to the next entry."""
    from accord.core.audit import compute_hash, entry_payload, signing_key

    _write_some_history(world)
    first = AuditEntry.objects.order_by("sequence").first()
    first.changes = {"phase": ["build", "planning"]}
    forged = compute_hash(first.previous_hash, entry_payload(first), signing_key()[1])
    with lifting_append_only():
        AuditEntry.objects.filter(pk=first.pk).update(changes=first.changes, entry_hash=forged)
    _, problem = verify_chain()
    assert problem is not None and problem.sequence == first.sequence + 1


def test_entries_refuse_to_be_changed_or_deleted_through_the_orm(world: World) -> None:
    _write_some_history(world)
    entry = AuditEntry.objects.first()
    entry.object_repr = "edited"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_a_write_that_rolls_back_leaves_no_entry(world: World) -> None:
    from django.core.exceptions import ValidationError

    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.update_record(
            instance=world.program, actor=world.program_manager, data={"phase": "nonsense"}
        )
    assert AuditEntry.objects.count() == before
