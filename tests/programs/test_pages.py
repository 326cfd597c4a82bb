"""Program pages: what members see, what outsiders never see, and bounded queries."""

from __future__ import annotations

from django.test import Client

from accord.core import services
from accord.core.permissions import Role
from tests.factories import MembershipFactory, ProgramFactory
from tests.personas import World


def test_the_program_list_shows_each_program_with_my_role(world: World, client_for) -> None:
    page = client_for("vendor").get("/programs/").content.decode()
    assert "Program A" in page and "Vendor" in page
    assert "Program B" not in page


def test_an_outsider_gets_404_for_another_programs_home(world: World, client_for) -> None:
    response = client_for("outsider").get(f"/programs/{world.program.pk}/")
    assert response.status_code == 404
    assert "Program A" not in response.content.decode()


def test_the_home_page_shows_phase_go_live_and_people(world: World, client_for) -> None:
    page = client_for("member").get(f"/programs/{world.program.pk}/").content.decode()
    assert "Build" in page and "No go-live date set" in page
    assert "1 program manager" in page


def test_navigation_shows_the_audit_trail_only_to_roles_that_may_read_it(world: World, client_for) -> None:
    url = f"/programs/{world.program.pk}/"
    assert "Audit trail" in client_for("auditor").get(url).content.decode()
    assert "Audit trail" not in client_for("vendor").get(url).content.decode()


def test_the_audit_page_filters_by_person_and_type(world: World, client_for) -> None:
    services.update_record(instance=world.program, actor=world.program_manager, data={"phase": "go_live"})
    client = client_for("auditor")
    page = client.get(
        f"/programs/{world.program.pk}/audit/?person={world.program_manager.pk}&object_type=programs.program"
    ).content.decode()
    assert "go_live" in page
    page = client.get(f"/programs/{world.program.pk}/audit/?person={world.member.pk}").content.decode()
    assert "go_live" not in page and "No entries match." in page


def test_a_role_change_from_the_people_page_is_saved_and_shown(world: World, client_for) -> None:
    from accord.programs.models import Membership

    membership = Membership.objects.get(program=world.program, person=world.member)
    client = client_for("program_manager")
    response = client.post(
        f"/programs/{world.program.pk}/people/{membership.pk}/", {"role": "stakeholder_lead"}, follow=True
    )
    assert "is now stakeholder lead" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.STAKEHOLDER_LEAD


def test_pages_run_a_bounded_number_of_queries(world: World, django_assert_max_num_queries) -> None:
    client = Client()
    client.force_login(world.program_manager)
    urls = [
        "/programs/",
        f"/programs/{world.program.pk}/",
        f"/programs/{world.program.pk}/people/",
        f"/programs/{world.program.pk}/audit/",
    ]
    for url in urls:
        client.get(url)
    for _ in range(12):
        program = ProgramFactory()
        MembershipFactory(program=program, person=world.program_manager, role=Role.PROGRAM_MANAGER)
        MembershipFactory(program=world.program)
        services.update_record(instance=program, actor=world.program_manager, data={"description": "x"})
    # The program home costs about two queries per app's panel (ten apps contribute one); the others less.
    for url in urls:
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200
