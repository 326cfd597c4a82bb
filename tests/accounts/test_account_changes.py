"""Who may change a person's account: e-mail, organisation and access are never a program manager's."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from accord.accounts.models import OrganisationKind, User
from accord.core.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.personas import World


def make_admin(world: World) -> User:
    admin = UserFactory(
        email="admin@example.org",
        full_name="Platform Admin",
        organisation=world.hospital,
        is_staff=True,
        is_superuser=True,
    )
    MembershipFactory(program=world.program, person=admin)
    return admin


def test_a_program_manager_cannot_change_the_email_of_an_administrator_in_their_program(
    world: World,
    api_for,
) -> None:
    admin = make_admin(world)
    response = api_for("program_manager").patch(
        f"/api/people/{admin.pk}/", {"email": "attacker@evil.example"}
    )
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.email == "admin@example.org"
    # and so the password reset an attacker would ask for next reaches nobody
    Client().post("/accounts/password/reset/", {"email": "attacker@evil.example"})
    assert not [
        m for m in mail.outbox if "attacker@evil.example" in m.to and "/password/reset/key/" in m.body
    ]


def test_a_program_manager_cannot_change_another_persons_account_at_all(world: World, api_for) -> None:
    client = api_for("program_manager")
    for field, value in [("full_name", "Renamed"), ("title", "Intern"), ("organisation", world.hospital.pk)]:
        response = client.patch(f"/api/people/{world.vendor.pk}/", {field: value})
        assert response.status_code == 403, field
    world.vendor.refresh_from_db()
    assert world.vendor.full_name == "Vendor" and world.vendor.organisation == world.vendor_org


def test_a_program_manager_still_brings_a_new_person_into_their_program(world: World, api_for) -> None:
    response = api_for("program_manager").post(
        "/api/people/",
        {"email": "new.analyst@example.org", "full_name": "New Analyst", "organisation": world.vendor_org.pk},
    )
    assert response.status_code == 201
    assert User.objects.get(email="new.analyst@example.org").organisation == world.vendor_org


def test_a_partner_cannot_move_itself_into_the_hospital(world: World, api_for) -> None:
    for persona in ["vendor", "consultant"]:
        person = world.people[persona]
        response = api_for(persona).patch(f"/api/people/{person.pk}/", {"organisation": world.hospital.pk})
        assert response.status_code == 403
        assert "platform administrator" in response.json()["detail"]
        person.refresh_from_db()
        assert not person.organisation.is_hospital_side


def test_nobody_moves_themselves_to_another_organisation_even_inside_the_hospital(
    world: World, api_for
) -> None:
    unit = OrganisationFactory(name="Pharmacy", kind=OrganisationKind.UNIT, parent=world.hospital)
    MembershipFactory(program=world.program, person=UserFactory(organisation=unit))
    response = api_for("member").patch(f"/api/people/{world.member.pk}/", {"organisation": unit.pk})
    assert response.status_code == 403
    world.member.refresh_from_db()
    assert world.member.organisation == world.hospital


def test_a_person_cannot_change_their_own_email_without_confirming_it(world: World, api_for) -> None:
    response = api_for("member").patch(f"/api/people/{world.member.pk}/", {"email": "me@elsewhere.example"})
    assert response.status_code == 403
    assert "confirmation link" in response.json()["detail"]
    world.member.refresh_from_db()
    assert world.member.email == "member@example.org"


def test_a_person_changes_their_own_name_and_title_and_may_send_their_unchanged_email(
    world: World,
    api_for,
) -> None:
    response = api_for("member").put(
        f"/api/people/{world.member.pk}/",
        {
            "email": "member@example.org",
            "full_name": "Member Renamed",
            "title": "Lead analyst",
            "organisation": world.hospital.pk,
        },
    )
    assert response.status_code == 200, response.content
    world.member.refresh_from_db()
    assert (world.member.full_name, world.member.title) == ("Member Renamed", "Lead analyst")


def test_a_platform_administrator_changes_a_persons_email_and_organisation(world: World) -> None:
    from rest_framework.test import APIClient

    admin = make_admin(world)
    client = APIClient()
    client.force_authenticate(admin)
    response = client.patch(
        f"/api/people/{world.vendor.pk}/",
        {"email": "vendor@new-vendor.example", "organisation": world.hospital.pk},
    )
    assert response.status_code == 200, response.content
    world.vendor.refresh_from_db()
    assert world.vendor.email == "vendor@new-vendor.example" and world.vendor.organisation == world.hospital
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(world.vendor.pk)).latest("pk")
    assert "email" in entry.changes and "organisation" in entry.changes


def test_the_profile_page_changes_only_name_and_title(world: World, client_for) -> None:
    client = client_for("vendor")
    response = client.post(
        "/me/",
        {
            "full_name": "Vendor Person",
            "title": "Analyst",
            "email": "vendor@evil.example",
            "organisation": world.hospital.pk,
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    world.vendor.refresh_from_db()
    assert world.vendor.full_name == "Vendor Person"
    assert world.vendor.email == "vendor@example.org"
    assert world.vendor.organisation == world.vendor_org
    assert not world.vendor.is_staff and not world.vendor.is_superuser


def test_a_person_changes_their_email_by_confirming_a_link_sent_to_the_new_address(world: World) -> None:
    client = Client()
    assert (
        client.post("/accounts/login/", {"login": "member@example.org", "password": PASSWORD}).status_code
        == 302
    )
    assert "/accounts/email/" in client.get("/me/").content.decode()
    response = client.post("/accounts/email/", {"email": "member@new-address.example", "action_add": ""})
    # the password is asked for again first, even right after signing in
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response.headers["Location"]
    assert not [m for m in mail.outbox if "member@new-address.example" in m.to]
    response = client.post(response.headers["Location"], {"password": PASSWORD})
    assert response.status_code in {200, 302}
    world.member.refresh_from_db()
    assert world.member.email == "member@example.org"  # nothing changes before the link is followed
    [message] = [m for m in mail.outbox if "member@new-address.example" in m.to]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", message.body).group(1)
    assert client.get(link).status_code == 200
    client.post(link)
    world.member.refresh_from_db()
    assert world.member.email == "member@new-address.example"
    assert AuditEntry.objects.filter(object_id=str(world.member.pk), changes__has_key="email").exists()
    client.post("/accounts/logout/")
    assert (
        Client()
        .post("/accounts/login/", {"login": "member@new-address.example", "password": PASSWORD})
        .status_code
        == 302
    )


def test_a_wrong_password_on_reauthentication_sends_no_confirmation(world: World) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": "member@example.org", "password": PASSWORD})
    response = client.post("/accounts/email/", {"email": "member@new-address.example", "action_add": ""})
    client.post(response.headers["Location"], {"password": "not-my-password-1"})
    assert not [m for m in mail.outbox if "member@new-address.example" in m.to]


def test_a_staff_member_with_admin_permissions_cannot_edit_accounts_in_the_admin(world: World) -> None:
    from django.contrib.auth.models import Permission

    staff = UserFactory(email="staff@example.org", is_staff=True, organisation=world.hospital)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client = Client()
    client.force_login(staff)
    response = client.post(
        f"/admin/accounts/user/{world.member.pk}/change/",
        {
            "email": "staff.owns.this@evil.example",
            "full_name": "Member",
            "title": "",
            "is_active": "on",
            "organisation": world.hospital.pk,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code in {302, 403}
    world.member.refresh_from_db()
    assert world.member.email == "member@example.org"


def test_a_platform_administrator_changes_an_email_in_the_admin_and_the_old_address_stops_working(
    world: World,
) -> None:
    from allauth.account.models import EmailAddress

    admin = make_admin(world)
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{world.member.pk}/change/",
        {
            "email": "member@new-address.example",
            "full_name": "Member",
            "title": "Analyst",
            "is_active": "on",
            "organisation": world.hospital.pk,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.member.refresh_from_db()
    assert world.member.email == "member@new-address.example"
    assert list(
        EmailAddress.objects.filter(user=world.member).values_list("email", "verified", "primary")
    ) == [("member@new-address.example", True, True)]
    Client().post("/accounts/password/reset/", {"email": "member@example.org"})
    assert not [m for m in mail.outbox if "/password/reset/key/" in m.body]


def test_a_program_manager_cannot_turn_a_vendor_into_a_hospital_unit(world: World, api_for) -> None:
    # the kind decides whether the vendor's staff must use two-factor authentication
    response = api_for("program_manager").patch(
        f"/api/organisations/{world.vendor_org.pk}/", {"kind": "hospital"}
    )
    assert response.status_code == 403
    world.vendor_org.refresh_from_db()
    assert world.vendor_org.kind == OrganisationKind.VENDOR
    response = api_for("program_manager").patch(
        f"/api/organisations/{world.vendor_org.pk}/", {"name": "EHR Vendor Holdings"}
    )
    assert response.status_code == 200
