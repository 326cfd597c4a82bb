"""`accord demo` builds the demo health system, is idempotent, and keeps partners out of internal records."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from accord.accounts.models import Organisation, User
from accord.core.audit import verify_chain
from accord.core.models import ProgramScopedModel
from accord.core.permissions import Role, Visibility
from accord.programs.demo import EMR_NAME, OUTSOURCING_NAME
from accord.programs.models import Membership, Program

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo_output(seeded_demo: str) -> str:
    return seeded_demo


def test_the_demo_has_a_health_system_two_hospitals_and_partner_firms(demo_output: str) -> None:
    kinds = list(Organisation.objects.values_list("kind", flat=True))
    assert kinds.count("health_system") == 1
    assert kinds.count("hospital") == 2
    assert {"vendor", "outsourcer", "consultancy"} <= set(kinds)


def test_the_demo_has_two_programs_at_the_stages_the_story_needs(demo_output: str) -> None:
    from django.utils import timezone

    emr = Program.objects.get(name=EMR_NAME)
    transition = Program.objects.get(name=OUTSOURCING_NAME)
    months_since_go_live = (timezone.localdate() - emr.go_live_date).days / 30.4
    assert 3.5 <= months_since_go_live <= 4.5
    assert transition.kind == "outsourcing_transition"


def test_the_demo_has_about_twenty_five_people_in_every_role(demo_output: str) -> None:
    # The transition's pulse-survey staff (transparency's demo) come on top: survey results need groups of five.
    survey_staff = User.objects.filter(email__regex=r"^(desk|infra|apps)[0-9]+@lakeshore[.]example$").count()
    assert 24 <= User.objects.count() - survey_staff <= 30
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)


def test_the_demo_prints_its_logins(demo_output: str) -> None:
    assert "Demo logins" in demo_output
    assert "engagement@meridian.example" in demo_output


def test_running_the_demo_again_changes_nothing(demo_output: str) -> None:
    before = (Program.objects.count(), User.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert "already present" in out.getvalue()
    assert (Program.objects.count(), User.objects.count()) == before


def test_the_demo_audit_trail_is_intact(demo_output: str) -> None:
    checked, problem = verify_chain()
    assert problem is None and checked > 50


def test_a_demo_vendor_sees_neither_the_other_program_nor_internal_records(demo_output: str) -> None:
    vendor = User.objects.get(email="engagement@meridian.example")
    assert list(Program.objects.visible_to(vendor).values_list("name", flat=True)) == [EMR_NAME]
    scoped = [m for m in apps.get_models() if issubclass(m, ProgramScopedModel)]
    for model in scoped:
        visible = model.objects.visible_to(vendor)
        assert not visible.exclude(program__name=EMR_NAME).exists(), model
        path = model.visibility_lookup()
        if path is not None:
            assert not visible.filter(**{path: Visibility.INTERNAL}).exists(), model


def test_the_demo_strategy_v2_shows_what_its_summary_announces(demo_output: str) -> None:
    from django.test import Client

    from accord.alignment.models import StrategyVersion

    v2 = StrategyVersion.objects.get(program__name=EMR_NAME, number=2)
    client = Client()
    client.force_login(v2.program.memberships.get(role=Role.PROGRAM_MANAGER).person)
    page = client.get(v2.get_absolute_url()).content.decode()
    assert "No element changed" not in page
    assert "Summary changed" in page
    assert "+ Less time documenting each encounter" in page
    assert "+ 24x7 go-live support rota" in page
