"""Two-factor authentication: offered to everyone, mandatory for partners' staff and platform administrators."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client
from rest_framework.test import APIClient

from accord.accounts import services
from accord.accounts.mfa import requires_mfa
from accord.accounts.models import OrganisationKind
from accord.core.permissions import Role
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory, give_totp
from tests.personas import World

SET_UP = "/accounts/2fa/totp/activate/"


def without_mfa(person: object) -> object:
    Authenticator.objects.filter(user=person).delete()
    return person


def signed_in(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.mark.parametrize(
    ("organisation_kind", "role", "flags", "required"),
    [
        (OrganisationKind.VENDOR, Role.VENDOR, {}, True),
        (OrganisationKind.OUTSOURCER, Role.MEMBER, {}, True),  # a partner's staff, whatever their role
        (OrganisationKind.CONSULTANCY, Role.CONSULTANT, {}, True),
        (OrganisationKind.HOSPITAL, Role.CONSULTANT, {}, True),  # a partner role, whatever the organisation
        (OrganisationKind.HOSPITAL, Role.MEMBER, {"is_superuser": True, "is_staff": True}, True),
        (OrganisationKind.HOSPITAL, Role.MEMBER, {"is_staff": True}, True),
        (OrganisationKind.HOSPITAL, Role.PROGRAM_MANAGER, {}, False),
        (OrganisationKind.UNIT, Role.AUDITOR, {}, False),
        (OrganisationKind.HOSPITAL, Role.MEMBER, {}, False),
    ],
)
def test_who_must_use_two_factor_authentication(
    db: None, organisation_kind: str, role: str, flags: dict, required: bool
) -> None:
    parent = OrganisationFactory() if organisation_kind == OrganisationKind.UNIT else None
    person = UserFactory(
        organisation=OrganisationFactory(kind=organisation_kind, parent=parent), totp=False, **flags
    )
    MembershipFactory(person=person, role=role)
    assert requires_mfa(person) is required


def test_a_vendor_without_a_second_factor_reaches_only_its_set_up_and_sign_out(world: World) -> None:
    without_mfa(world.vendor)
    client = signed_in("vendor@example.org")
    for page in ["/programs/", f"/programs/{world.program.pk}/", "/me/", "/accounts/email/"]:
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == SET_UP, page
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert "Your account must use two-factor authentication" in page.content.decode()
    assert client.get("/api/people/").status_code == 403
    htmx = client.get("/programs/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == SET_UP
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/programs/").headers["Location"].startswith("/accounts/login/")


def test_a_vendor_sets_up_an_authenticator_app_and_then_works_as_usual(world: World) -> None:
    without_mfa(world.vendor)
    client = signed_in("vendor@example.org")
    response = client.get(SET_UP)
    assert "/accounts/reauthenticate/" in response.headers["Location"]  # the password is asked for again
    client.post(response.headers["Location"], {"password": PASSWORD})
    page = client.get(SET_UP)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    import time

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(SET_UP, {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.vendor, type=Authenticator.Type.TOTP).exists()
    assert client.get("/programs/").status_code == 200


def test_a_platform_administrator_without_a_second_factor_cannot_use_the_admin_site(world: World) -> None:
    admin = UserFactory(
        email="admin@example.org", is_staff=True, is_superuser=True, organisation=world.hospital, totp=False
    )
    assert not Authenticator.objects.filter(user=admin).exists()
    client = signed_in("admin@example.org")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"] == SET_UP


def test_a_hospital_member_is_offered_two_factor_authentication_but_not_made_to_use_it(world: World) -> None:
    client = signed_in("member@example.org")
    assert client.get("/programs/").status_code == 200
    assert "/accounts/2fa/" in client.get("/me/").content.decode()


def test_the_api_refuses_the_token_of_a_vendor_without_a_second_factor_with_a_clear_403(world: World) -> None:
    token = services.issue_api_token(person=without_mfa(world.vendor), actor=world.vendor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/people/")
    assert response.status_code == 403
    assert "two-factor authentication" in response.json()["detail"]
    give_totp(world.vendor)
    assert client.get("/api/people/").status_code == 200


def test_a_vendor_cannot_remove_their_only_authenticator_but_a_member_can(world: World) -> None:
    from allauth.mfa.adapter import get_adapter

    [vendor_totp] = Authenticator.objects.filter(user=world.vendor, type=Authenticator.Type.TOTP)
    assert not get_adapter().can_delete_authenticator(vendor_totp)
    give_totp(world.member)
    [member_totp] = Authenticator.objects.filter(user=world.member, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(member_totp)


def test_the_personas_who_must_use_a_second_factor_have_one(world: World) -> None:
    with_totp = set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user__email", flat=True)
    )
    assert with_totp == {"vendor@example.org", "consultant@example.org"}
