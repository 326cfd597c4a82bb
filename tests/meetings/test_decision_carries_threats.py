"""A decision on a red-flag agenda item carries what the flag threatens, and each of those pages shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from accord.benefits.models import SuccessFactor
from accord.core.permissions import Visibility
from accord.governance import services as governance
from accord.meetings import services
from tests.alignment.factories import StakeholderGroupFactory
from tests.benefits.factories import BenefitFactory, InitiativeFactory
from tests.meetings.factories import MeetingFactory

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def decided(world: Any) -> dict[str, Any]:
    program = world.program
    benefit = BenefitFactory(program=program, title="Fewer medication errors")
    group = StakeholderGroupFactory(program=program, name="Hospitalists", visibility=Visibility.SHARED)
    initiative = InitiativeFactory(program=program, title="Order-set redesign")
    factor = SuccessFactor.objects.filter(program=program).order_by("pk").first()
    flag = governance.raise_red_flag(
        program=program,
        actor=world.consultant,
        title="Order sets built without physicians",
        description="No hospitalist at the last three design sessions.",
        now=NOW,
        threatens_benefit=benefit,
        threatens_group=group,
        threatens_initiative=initiative,
        threatens_success_factor=factor,
    )
    meeting = MeetingFactory(program=program, title="Board meeting March")
    [item] = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    decision = services.record_decision(
        item=item,
        actor=world.board_member,
        title="Protect physician design time",
        decision="Four hours a week per champion until go-live.",
    )
    return {
        "benefit": benefit,
        "group": group,
        "initiative": initiative,
        "factor": factor,
        "flag": flag,
        "decision": decision,
    }


def test_the_decision_links_the_flag_and_everything_it_threatens(decided: dict[str, Any]) -> None:
    decision = decided["decision"]
    assert list(decision.flags.all()) == [decided["flag"]]
    assert list(decision.benefits.all()) == [decided["benefit"]]
    assert list(decision.groups.all()) == [decided["group"]]
    assert list(decision.initiatives.all()) == [decided["initiative"]]
    assert list(decision.success_factors.all()) == [decided["factor"]]


def test_a_flag_that_threatens_nothing_gives_a_decision_linked_to_the_flag_only(world: Any) -> None:
    flag = governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title="Rumour of a delay",
        description="Heard in the canteen.",
        now=NOW,
    )
    meeting = MeetingFactory(program=world.program)
    [item] = services.draft_agenda(meeting=meeting, actor=world.program_manager, now=NOW)
    decision = services.record_decision(item=item, actor=world.board_member, title="Ask", decision="Ask.")
    assert list(decision.flags.all()) == [flag]
    assert not decision.benefits.exists() and not decision.groups.exists()


def test_the_decision_page_and_each_linked_page_show_the_link(
    world: Any, decided: dict[str, Any], client_for: Any
) -> None:
    client = client_for("program_manager")
    program_id = world.program.pk
    decision = decided["decision"]
    page = client.get(decision.get_absolute_url()).content.decode()
    for text in ("Fewer medication errors", "Hospitalists", "Order-set redesign", decided["factor"].name):
        assert text in page
    for url in (
        decided["group"].get_absolute_url(),
        reverse("benefits:initiative_list", kwargs={"program_id": program_id}),
        reverse("benefits:success_factor_list", kwargs={"program_id": program_id}),
        decided["benefit"].get_absolute_url(),
    ):
        body = client.get(url).content.decode()
        assert "Protect physician design time" in body, url


def test_a_partner_does_not_see_an_internal_decision_on_the_linked_pages(
    world: Any, decided: dict[str, Any], client_for: Any
) -> None:
    # The meeting is internal by default, so the item and its decision are too.
    assert decided["decision"].visibility == Visibility.INTERNAL
    client = client_for("vendor")
    group_page = client.get(decided["group"].get_absolute_url())
    assert group_page.status_code == 200
    assert "Protect physician design time" not in group_page.content.decode()
    benefit_page = client.get(decided["benefit"].get_absolute_url())
    assert benefit_page.status_code == 200
    assert "Protect physician design time" not in benefit_page.content.decode()


def test_the_api_takes_and_returns_the_new_links(world: Any, decided: dict[str, Any], api_for: Any) -> None:
    api = api_for("program_manager")
    other_group = StakeholderGroupFactory(program=world.other_program)
    refused = api.post(
        "/api/decisions/",
        {
            "program": world.program.pk,
            "title": "Cross-program",
            "decision": "No.",
            "decided_by": "Board",
            "decided_on": "2026-03-10",
            "groups": [other_group.pk],
        },
        format="json",
    )
    assert refused.status_code == 400
    created = api.post(
        "/api/decisions/",
        {
            "program": world.program.pk,
            "title": "Fund champions",
            "decision": "Yes.",
            "decided_by": "Board",
            "decided_on": "2026-03-10",
            "groups": [decided["group"].pk],
            "initiatives": [decided["initiative"].pk],
            "success_factors": [decided["factor"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["groups"] == [decided["group"].pk]
    assert body["initiatives"] == [decided["initiative"].pk]
    assert body["success_factors"] == [decided["factor"].pk]
