"""The platform auditor flag: who may read audit entries of no program, and who may grant it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from accord.accounts import services
from accord.accounts.models import User
from accord.core.demo import DemoContext
from tests.factories import UserFactory
from tests.personas import World


def test_nobody_is_a_platform_auditor_until_an_administrator_says_so(world: World) -> None:
    assert not any(person.is_platform_auditor for person in User.objects.all())


def test_a_person_cannot_make_themselves_a_platform_auditor(world: World, api_for) -> None:
    with pytest.raises(PermissionDenied):
        services.update_person(person=world.auditor, actor=world.auditor, data={"is_platform_auditor": True})
    with pytest.raises(PermissionDenied):
        services.update_person(
            person=world.auditor, actor=world.program_manager, data={"is_platform_auditor": True}
        )
    api_for("auditor").patch(f"/api/people/{world.auditor.pk}/", {"is_platform_auditor": True})
    world.auditor.refresh_from_db()
    assert not world.auditor.is_platform_auditor


def test_a_platform_administrator_grants_it_in_the_admin(world: World) -> None:
    admin = UserFactory(
        email="admin@example.org", is_staff=True, is_superuser=True, organisation=world.hospital
    )
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{world.auditor.pk}/change/").content.decode()
    assert 'name="is_platform_auditor"' in page
    response = client.post(
        f"/admin/accounts/user/{world.auditor.pk}/change/",
        {
            "email": "auditor@example.org",
            "full_name": "Auditor",
            "title": "Analyst",
            "is_active": "on",
            "is_platform_auditor": "on",
            "organisation": world.hospital.pk,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    world.auditor.refresh_from_db()
    assert world.auditor.is_platform_auditor


def test_the_demo_auditor_is_a_platform_auditor(db: None) -> None:
    from accord.programs import demo

    context = DemoContext(today=dt.date(2026, 3, 2))
    demo.seed(context)
    assert User.objects.get(email="auditor@lakeshore.example").is_platform_auditor
    assert User.objects.filter(is_platform_auditor=True).count() == 1
