"""Who reads which audit entries: program entries by role, entries of no program by platform auditors only."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organisation, OrganisationKind
from accord.core import services
from accord.core.models import AuditEntry
from tests.personas import World


def _program_less_entry(world: World) -> AuditEntry:
    services.create_record(
        model=Organisation,
        actor=world.program_manager,
        data={"name": "Interface Partner", "kind": OrganisationKind.VENDOR},
    )
    entry = AuditEntry.objects.get(object_type="accounts.organisation", object_repr="Interface Partner")
    assert entry.program_id is None
    return entry


def _make_platform_auditor(person: Any) -> None:
    type(person).objects.filter(pk=person.pk).update(is_platform_auditor=True)
    person.refresh_from_db()


def test_a_platform_auditor_reads_entries_of_no_program(world: World) -> None:
    entry = _program_less_entry(world)
    _make_platform_auditor(world.auditor)
    assert entry in AuditEntry.objects.visible_to(world.auditor)


def test_without_the_flag_nobody_but_a_superuser_reads_entries_of_no_program(world: World) -> None:
    entry = _program_less_entry(world)
    for persona in ["program_manager", "auditor", "board_member", "member", "vendor", "outsider"]:
        assert entry not in AuditEntry.objects.visible_to(world.people[persona]), persona


def test_the_flag_does_not_open_other_programs_entries(world: World) -> None:
    _make_platform_auditor(world.auditor)
    visible = AuditEntry.objects.visible_to(world.auditor)
    assert visible.filter(program=world.program).exists()
    assert AuditEntry.objects.filter(program=world.other_program).exists()
    assert not visible.filter(program=world.other_program).exists()


def test_the_audit_api_lists_entries_of_no_program_for_a_platform_auditor_only(
    world: World, api_for: Any
) -> None:
    entry = _program_less_entry(world)
    _make_platform_auditor(world.auditor)
    listed = api_for("auditor").get("/api/audit/", {"page_size": 500}).json()
    assert entry.sequence in [row["sequence"] for row in listed["results"]]
    assert (
        api_for("auditor").get(f"/api/audit/{entry.sequence}/").json()["object_repr"] == "Interface Partner"
    )
    assert api_for("program_manager").get(f"/api/audit/{entry.sequence}/").status_code == 404


def test_the_platform_audit_page_shows_entries_of_no_program_to_a_platform_auditor(
    world: World, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    _program_less_entry(world)
    _make_platform_auditor(world.auditor)
    client = client_for("auditor")
    with django_assert_max_num_queries(12):
        page = client.get("/audit/").content.decode()
    rows = page.split('id="audit-rows"')[1]
    assert "Platform audit trail" in page and "Interface Partner" in rows
    assert "programs.program" not in rows  # program entries stay on each program's page
    filtered = client.get("/audit/", {"action": "login"}).content.decode()
    assert "Interface Partner" not in filtered


def test_the_platform_audit_page_does_not_exist_for_anyone_else(world: World, client_for: Any) -> None:
    _program_less_entry(world)
    for persona in ["program_manager", "auditor", "board_member", "outsider"]:
        assert client_for(persona).get("/audit/").status_code == 404, persona
