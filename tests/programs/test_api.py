"""The API as a script author meets it: tokens, paging, filtering, clear 400s, never a 500."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accord.core.permissions import Role
from accord.programs.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.personas import World


def token_client(email: str) -> APIClient:
    out = StringIO()
    call_command("token", email, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def test_accord_token_prints_the_same_token_each_time_for_an_existing_person(world: World) -> None:
    first, second = StringIO(), StringIO()
    call_command("token", "member@example.org", stdout=first)
    call_command("token", "MEMBER@example.org", stdout=second)
    assert first.getvalue() == second.getvalue() and len(first.getvalue().strip()) == 40


def test_accord_token_refuses_an_unknown_person(db: None) -> None:
    with pytest.raises(CommandError, match="No person with e-mail"):
        call_command("token", "nobody@example.org")


def test_a_script_with_a_token_lists_only_its_programs(world: World) -> None:
    response = token_client("vendor@example.org").get("/api/programs/")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Program A"]


def test_a_bad_token_is_refused(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/programs/").status_code == 401


def test_lists_are_paginated(world: World, api_for) -> None:
    for _ in range(3):
        MembershipFactory(program=world.program)
    body = api_for("program_manager").get(f"/api/memberships/?program={world.program.pk}&page_size=4").json()
    assert body["count"] == 10
    assert len(body["results"]) == 4
    assert body["next"].endswith("page=2&page_size=4") or "page=2" in body["next"]


def test_program_filter_narrows_program_scoped_resources(world: World) -> None:
    shared = UserFactory(email="both@example.org")
    MembershipFactory(program=world.program, person=shared, role=Role.PROGRAM_MANAGER)
    MembershipFactory(program=world.other_program, person=shared, role=Role.MEMBER)
    client = APIClient()
    client.force_authenticate(shared)
    everything = client.get("/api/memberships/").json()["count"]
    only_b = client.get(f"/api/memberships/?program={world.other_program.pk}").json()
    assert everything == 10
    assert only_b["count"] == 2
    assert {m["program"] for m in only_b["results"]} == {world.other_program.pk}


def test_bad_input_gets_field_level_errors(world: World, api_for) -> None:
    response = api_for("program_manager").patch(
        f"/api/programs/{world.program.pk}/", {"phase": "party", "go_live_date": "tomorrow"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"phase", "go_live_date"}


def test_a_duplicate_membership_is_a_400_not_a_500(world: World, api_for) -> None:
    response = api_for("program_manager").post(
        "/api/memberships/",
        {"program": world.program.pk, "person": world.member.pk, "role": "auditor"},
        format="json",
    )
    assert response.status_code == 400
    assert "already" in str(response.json()).lower() or "unique" in str(response.json()).lower()


def test_the_last_program_manager_cannot_be_demoted(world: World, api_for) -> None:
    membership = Membership.objects.get(program=world.program, person=world.program_manager)
    response = api_for("program_manager").patch(
        f"/api/memberships/{membership.pk}/", {"role": "member"}, format="json"
    )
    assert response.status_code == 400
    assert "at least one program manager" in str(response.json())


def test_vendor_and_consultant_roles_are_for_partner_organisations(world: World, api_for) -> None:
    newcomer = UserFactory(organisation=world.hospital)
    response = api_for("program_manager").post(
        "/api/memberships/",
        {"program": world.program.pk, "person": newcomer.pk, "role": "vendor"},
        format="json",
    )
    assert response.status_code == 400
    assert "partner organisations" in str(response.json())


def test_programs_cannot_be_deleted_through_the_api(world: World, api_for) -> None:
    assert api_for("program_manager").delete(f"/api/programs/{world.program.pk}/").status_code == 405


def test_each_token_is_rate_limited(world: World, settings) -> None:
    from accord.core.throttling import TokenRateThrottle

    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"token": "3/minute"}
    try:
        client = token_client("member@example.org")
        codes = [client.get("/api/programs/").status_code for _ in range(4)]
        other = token_client("auditor@example.org").get("/api/programs/").status_code
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
    assert other == 200


@pytest.mark.parametrize(
    "url", ["/api/programs/", "/api/memberships/", "/api/audit/", "/api/people/", "/api/organisations/"]
)
def test_api_lists_run_a_bounded_number_of_queries(
    url: str, world: World, api_for, django_assert_max_num_queries
) -> None:
    client = api_for("program_manager")
    client.get(url)
    for _ in range(15):
        program = ProgramFactory()
        MembershipFactory(program=program, person=world.program_manager, role=Role.PROGRAM_MANAGER)
        MembershipFactory(program=program)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_the_openapi_schema_is_served_and_documents_the_resources(db: None) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].endswith("json") else None
    assert paths is None or "/api/programs/" in paths
