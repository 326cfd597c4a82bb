"""The alignment API and who sees what: /api/alignment/ gives per-group scores with their parts, the program
score, the plus-sum verdict and each group's net; partners see only shared groups and answer only for theirs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from accord.alignment.models import Endorsement
from tests.alignment.builders import answer, scored_program


@pytest.fixture
def scored(world):
    return scored_program(world)


def _alignment(client, program) -> dict:
    response = client.get(f"/api/alignment/?program={program.pk}")
    assert response.status_code == 200
    return response.json()


def test_the_alignment_api_gives_each_groups_score_parts_and_net_and_the_program_verdict(
    world, scored, api_for
) -> None:
    body = _alignment(api_for("member"), world.program)
    assert {k: body[k] for k in ("program", "score", "plus_sum", "current_version")} == {
        "program": world.program.pk,
        "score": 63.0,
        "plus_sum": False,
        "current_version": 1,
    }
    assert body["weights"] == {
        "endorsement": 30,
        "delivery": 25,
        "readiness": 20,
        "impact": 15,
        "red_flags": 10,
    }
    assert [(p["name"], p["normalised"], p["weight"]) for p in body["parts"]] == [
        ("endorsement", 62.5, 30.0),
        ("delivery", 50.0, 25.0),
        ("readiness", 65.0, 20.0),
        ("impact", 58.3, 15.0),
        ("red_flags", 100.0, 10.0),
    ]
    groups = {g["name"]: g for g in body["groups"]}
    assert [g["name"] for g in body["groups"]] == ["Nursing", "EHR vendor"]
    assert (groups["Nursing"]["id"], groups["Nursing"]["score"], groups["Nursing"]["net_impact"]) == (
        scored["nursing"].pk,
        68.0,
        -2,
    )
    assert (groups["EHR vendor"]["score"], groups["EHR vendor"]["net_impact"]) == (59.1, 3)
    nursing_parts = {p["name"]: p for p in groups["Nursing"]["parts"]}
    assert nursing_parts["delivery"]["raw"] == "1 of 2 on time"
    assert nursing_parts["impact"] == {
        "name": "impact",
        "label": "Net impact",
        "raw": "net -2 over 1",
        "normalised": 16.7,
        "weight": 15.0,
        "contribution": 2.5,
        "explanation": "Net impact relative to its maximum: all +3 = 100, balanced = 50, all -3 = 0.",
    }


def test_a_partner_gets_only_shared_groups_and_a_program_score_made_of_them(world, scored, api_for) -> None:
    # The hospital's program score (63.0) counts the internal Nursing group; the vendor's may not, or
    # the difference would reveal it. With one shared group, the vendor's program score is that group's.
    body = _alignment(api_for("vendor"), world.program)
    assert [g["name"] for g in body["groups"]] == ["EHR vendor"]
    assert body["score"] == body["groups"][0]["score"] != 63.0
    assert _alignment(api_for("member"), world.program)["score"] == 63.0
    assert "Nursing" not in json.dumps(body)


def test_the_alignment_api_needs_a_program_the_caller_belongs_to(world, scored, api_for) -> None:
    assert api_for("member").get("/api/alignment/").status_code == 400
    assert api_for("outsider").get(f"/api/alignment/?program={world.program.pk}").status_code == 404
    assert api_for("anonymous").get(f"/api/alignment/?program={world.program.pk}").status_code == 401


def test_a_partner_lists_only_shared_groups_on_pages_and_in_the_api(
    world, scored, client_for, api_for
) -> None:
    html = client_for("vendor").get(f"/programs/{world.program.pk}/alignment/").content.decode()
    assert "EHR vendor" in html and "Nursing" not in html
    assert client_for("vendor").get(scored["nursing"].get_absolute_url()).status_code == 404
    names = [
        g["name"]
        for g in api_for("vendor")
        .get(f"/api/stakeholder-groups/?program={world.program.pk}")
        .json()["results"]
    ]
    assert names == ["EHR vendor"]
    assert api_for("vendor").get(f"/api/stakeholder-groups/{scored['nursing'].pk}/").status_code == 404
    grid = client_for("vendor").get(f"/programs/{world.program.pk}/alignment/grid/").content.decode()
    assert "Nursing" not in grid


def test_a_partner_cannot_endorse_for_a_hospital_group_which_stays_hidden(
    world, scored, client_for, api_for
) -> None:
    version, nursing = scored["version"], scored["nursing"]
    hospital = Endorsement.objects.get(version=version, group=nursing)
    page = client_for("vendor").post(
        f"/programs/{world.program.pk}/alignment/strategy/{version.pk}/endorse/{nursing.pk}/",
        {"status": "objected", "text": "No"},
    )
    assert page.status_code == 404
    assert (
        api_for("vendor")
        .patch(f"/api/endorsements/{hospital.pk}/", {"status": "objected", "text": "No"}, format="json")
        .status_code
        == 404
    )
    posted = api_for("vendor").post(
        "/api/endorsements/",
        {"version": version.pk, "group": nursing.pk, "status": "objected", "text": "No"},
        format="json",
    )
    assert posted.status_code == 400 and "group" in posted.json()
    with pytest.raises(PermissionDenied):
        answer(version, nursing, "objected", by=world.vendor, text="No")
    hospital.refresh_from_db()
    assert (hospital.status, hospital.decided_by) == ("endorsed", world.stakeholder_lead)


def test_a_hospital_lead_can_see_but_not_answer_for_the_vendor_group(
    world, scored, client_for, api_for
) -> None:
    version, vendor = scored["version"], scored["vendor"]
    row = Endorsement.objects.get(version=version, group=vendor)
    page = client_for("stakeholder_lead").post(
        f"/programs/{world.program.pk}/alignment/strategy/{version.pk}/endorse/{vendor.pk}/",
        {"status": "endorsed"},
    )
    assert page.status_code == 403
    assert api_for("stakeholder_lead").get(f"/api/endorsements/{row.pk}/").status_code == 200
    assert (
        api_for("stakeholder_lead")
        .patch(f"/api/endorsements/{row.pk}/", {"status": "endorsed"}, format="json")
        .status_code
        == 403
    )
    row.refresh_from_db()
    assert row.status == "requested"


def test_the_vendor_lead_endorses_the_vendor_group_through_the_api(world, scored, api_for) -> None:
    response = api_for("vendor").post(
        "/api/endorsements/",
        {
            "version": scored["version"].pk,
            "group": scored["vendor"].pk,
            "status": "endorsed_with_conditions",
            "text": "With a frozen build from May",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["group_name"], body["status"], body["text"], body["on_behalf"], body["current"]) == (
        "EHR vendor",
        "endorsed_with_conditions",
        "With a frozen build from May",
        False,
        True,
    )
    assert Endorsement.objects.get(pk=body["id"]).decided_by == world.vendor
    assert (
        _alignment(api_for("vendor"), world.program)["groups"][0]["parts"][0]["raw"]
        == "endorsed with conditions"
    )


def test_a_partner_sees_a_versions_shared_elements_and_endorsements_only(
    world, scored, client_for, api_for
) -> None:
    version = scored["version"]
    body = api_for("vendor").get(f"/api/strategy-versions/{version.pk}/").json()
    assert [g["title"] for g in body["snapshot"]["groups"].values()] == ["EHR vendor"]
    assert [i["title"] for i in body["snapshot"]["impacts"].values()] == ["A referenceable site → EHR vendor"]
    assert [e["group_name"] for e in body["endorsements"]] == ["EHR vendor"]
    assert "Nursing" not in client_for("vendor").get(version.get_absolute_url()).content.decode()
    hospital = api_for("member").get(f"/api/strategy-versions/{version.pk}/").json()
    assert sorted(e["group_name"] for e in hospital["endorsements"]) == ["EHR vendor", "Nursing"]
    listed = api_for("vendor").get(f"/api/endorsements/?program={world.program.pk}").json()["results"]
    assert [e["group_name"] for e in listed] == ["EHR vendor"]
