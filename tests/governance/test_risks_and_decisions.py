"""The risk register (score, heat map, conversion from a flag) and the decision log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accord.governance import queries, services
from accord.governance.models import Risk
from tests.factories import MembershipFactory
from tests.governance.factories import T0, make_decision, make_risk, raise_flag, triage


def test_the_score_is_likelihood_times_impact_and_the_database_insists(world) -> None:
    risk = make_risk(world, likelihood=4, impact=5)
    assert risk.score == 20 and risk.rag == "red"
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(score=3)


def test_likelihood_and_impact_run_from_one_to_five(world, api_for) -> None:
    response = api_for("program_manager").post(
        "/api/risks/",
        {"program": world.program.pk, "title": "Bad", "category": "technical", "likelihood": 6, "impact": 0},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"likelihood", "impact"}


def test_a_score_sent_over_the_api_is_ignored(world, api_for) -> None:
    response = api_for("program_manager").post(
        "/api/risks/",
        {
            "program": world.program.pk,
            "title": "Interface backlog",
            "category": "technical",
            "likelihood": 2,
            "impact": 3,
            "score": 25,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["score"] == 6


def test_the_heat_map_counts_open_risks_per_cell(world, client_for) -> None:
    make_risk(world, likelihood=4, impact=5, title="A")
    make_risk(world, likelihood=4, impact=5, title="B")
    make_risk(world, likelihood=1, impact=1, title="C")
    make_risk(world, likelihood=4, impact=5, title="Closed one", status="closed")
    heat = queries.risk_heat_map(user=world.program_manager, program=world.program)
    cells = {(c["likelihood"], c["impact"]): c["count"] for row in heat["rows"] for c in row["cells"]}
    assert cells[(4, 5)] == 2 and cells[(1, 1)] == 1 and heat["total"] == 3
    assert [row["impact"] for row in heat["rows"]] == [5, 4, 3, 2, 1]
    page = (
        client_for("auditor").get(f"/programs/{world.program.pk}/governance/risks/heat-map/").content.decode()
    )
    assert 'aria-label="2 risks with likelihood 4 and impact 5"' in page
    assert '<th scope="row">5</th>' in page


def test_the_vendor_heat_map_leaves_out_internal_risks(world) -> None:
    make_risk(world, likelihood=5, impact=5, visibility="internal")
    assert queries.risk_heat_map(user=world.vendor, program=world.program)["total"] == 0


def test_a_flag_converted_into_a_risk_is_linked_both_ways(world, client_for) -> None:
    flag = triage(world, raise_flag(world, title="Nobody owns the interface backlog"))
    risk = services.convert_red_flag_to_risk(
        flag=flag, actor=world.stakeholder_lead, likelihood=3, impact=4, category="technical", now=T0
    )
    assert risk.source_flag == flag and risk.title == flag.title and risk.score == 12
    assert risk.owner == world.stakeholder_lead  # the flag's owner carries over
    flag_page = client_for("member").get(flag.get_absolute_url()).content.decode()
    assert f'href="{risk.get_absolute_url()}"' in flag_page
    assert "Registered as risk" in flag_page
    risk_page = client_for("member").get(risk.get_absolute_url()).content.decode()
    assert f'Converted from red flag <a href="{flag.get_absolute_url()}"' in risk_page
    with pytest.raises(ValidationError, match="already been converted"):
        services.convert_red_flag_to_risk(
            flag=flag, actor=world.program_manager, likelihood=1, impact=1, category="technical", now=T0
        )


def test_a_decision_links_the_flags_risks_it_answers(world, client_for) -> None:
    flag, risk = raise_flag(world), make_risk(world)
    decision = make_decision(world, flags=[flag], risks=[risk])
    assert list(flag.decisions.all()) == [decision] and list(risk.decisions.all()) == [decision]
    page = client_for("vendor").get(decision.get_absolute_url()).content.decode()
    assert f"#{flag.pk} {flag.title}" in page and risk.title in page


def test_a_decision_cannot_link_records_of_another_program(world) -> None:
    MembershipFactory(program=world.other_program, person=world.board_member, role="board_member")
    foreign = raise_flag(world, by="board_member", program=world.other_program)
    with pytest.raises(ValidationError, match="same program"):
        make_decision(world, flags=[foreign])


def test_decisions_over_the_api_record_who_entered_them(world, api_for) -> None:
    flag = raise_flag(world)
    response = api_for("program_manager").post(
        "/api/decisions/",
        {
            "program": world.program.pk,
            "title": "Extend hypercare",
            "decision": "Two more weeks of floor support.",
            "decided_by": "Governance board",
            "decided_on": "2026-03-02",
            "flags": [flag.pk],
            "visibility": "shared",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recorded_by"] == world.program_manager.pk and body["flags"] == [flag.pk]
    assert api_for("vendor").get("/api/decisions/").json()["count"] == 1


def test_a_decision_needs_the_decision_and_its_date(world, api_for) -> None:
    response = api_for("board_member").post(
        "/api/decisions/", {"program": world.program.pk, "title": "Vague"}, format="json"
    )
    assert response.status_code == 400
    assert {"decision", "decided_on"} <= set(response.json())


def test_create_decision_is_callable_from_minutes_with_only_the_essentials(world) -> None:
    decision = services.create_decision(
        program=world.program,
        actor=world.program_manager,
        title="Go",
        decision="Proceed with wave 2.",
        decided_on=dt.date(2026, 3, 2),
    )
    assert decision.decided_by == "Governance board" and decision.visibility == "internal"


def test_the_flag_page_lists_the_decisions_that_answer_it(world, client_for) -> None:
    flag = raise_flag(world)
    decision = make_decision(world, title="Champions get protected time", flags=[flag])
    page = client_for("member").get(flag.get_absolute_url()).content.decode()
    assert f'href="{decision.get_absolute_url()}">Champions get protected time' in page


def test_converting_an_already_converted_flag_leads_to_its_risk(world, client_for) -> None:
    flag = raise_flag(world)
    risk = services.convert_red_flag_to_risk(
        flag=flag, actor=world.program_manager, likelihood=2, impact=2, category="technical", now=T0
    )
    response = client_for("program_manager").get(
        f"/programs/{world.program.pk}/governance/red-flags/{flag.pk}/convert/"
    )
    assert response.status_code == 302 and response["Location"] == risk.get_absolute_url()
