"""The change measures' thresholds through the API: read (defaults while the program set none), set and moved
by who may change the CAB record through the page's service, validated like the page's form, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.change_control import queries
from accord.change_control.models import ChangeMeasureThresholds
from accord.core.models import AuditEntry

pytestmark = pytest.mark.django_db

OBJECT_TYPE = "change_control.changemeasurethresholds"
ALL_FOUR = {
    "min_success_rate_percent": 85,
    "max_emergency_share_percent": 20,
    "max_changes_causing_incidents": 3,
    "max_cab_lead_time_days": "7.5",
}


def url(world: Any, program: Any = None) -> str:
    return f"{reverse('change-measure-thresholds')}?program={(program or world.program).pk}"


def audit_rows() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=OBJECT_TYPE).order_by("sequence"))


def test_every_member_reads_the_defaults_while_the_program_has_set_none(world: Any, api_for: Any) -> None:
    for persona in ("program_manager", "vendor", "auditor"):
        response = api_for(persona).get(url(world))
        assert response.status_code == 200, persona
        assert response.json() == {
            "program": world.program.pk,
            "min_success_rate_percent": 90,
            "max_emergency_share_percent": 15,
            "max_changes_causing_incidents": 2,
            "max_cab_lead_time_days": "10.0",
            "is_default": True,
            "updated_at": None,
        }
    assert not ChangeMeasureThresholds.objects.exists()


def test_the_program_manager_sets_all_four_and_the_page_and_measures_follow(
    world: Any, api_for: Any, client_for: Any
) -> None:
    response = api_for("program_manager").put(url(world), ALL_FOUR, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["is_default"] is False and body["max_cab_lead_time_days"] == "7.5"
    saved = ChangeMeasureThresholds.objects.get(program=world.program)
    assert (saved.min_success_rate_percent, saved.max_changes_causing_incidents) == (85, 3)
    [created] = audit_rows()
    assert (created.action, created.actor, created.program_id) == (
        "create",
        world.program_manager,
        world.program.pk,
    )
    assert created.changes["min_success_rate_percent"] == [None, 85]
    # The page edits the same row and shows what the API set.
    page = client_for("program_manager").get(f"/programs/{world.program.pk}/changes/thresholds/")
    assert 'name="min_success_rate_percent" value="85"' in page.content.decode()
    causing = next(
        m
        for m in queries.measures(program=world.program, user=world.vendor, today=saved.updated_at.date())
        if m.key == "causing_incidents"
    )
    assert "(at most 3)" in causing.detail
    assert api_for("vendor").get(url(world)).json()["min_success_rate_percent"] == 85


def test_a_patch_moves_one_threshold_and_audits_only_that_one(world: Any, api_for: Any) -> None:
    api = api_for("program_manager")
    api.put(url(world), ALL_FOUR, format="json")

    response = api.patch(url(world), {"max_emergency_share_percent": 25}, format="json")

    assert response.status_code == 200
    assert response.json()["max_emergency_share_percent"] == 25
    assert response.json()["min_success_rate_percent"] == 85
    created, updated = audit_rows()
    assert (
        created.action == "create"
        and updated.action == "update"
        and updated.changes == {"max_emergency_share_percent": [20, 25]}
    )
    assert ChangeMeasureThresholds.objects.filter(program=world.program).count() == 1


def test_a_first_patch_keeps_the_defaults_of_the_thresholds_it_does_not_name(
    world: Any, api_for: Any
) -> None:
    response = api_for("program_manager").patch(
        url(world), {"max_changes_causing_incidents": 0}, format="json"
    )

    assert response.status_code == 200
    saved = ChangeMeasureThresholds.objects.get(program=world.program)
    assert (saved.max_changes_causing_incidents, saved.min_success_rate_percent) == (0, 90)
    assert float(saved.max_cab_lead_time_days) == 10.0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"min_success_rate_percent": 101}, "min_success_rate_percent", "less than or equal to 100"),
        ({"max_emergency_share_percent": -1}, "max_emergency_share_percent", "greater than or equal to 0"),
        (
            {"max_changes_causing_incidents": -2},
            "max_changes_causing_incidents",
            "greater than or equal to 0",
        ),
        ({"max_cab_lead_time_days": "-1"}, "max_cab_lead_time_days", "greater than or equal to 0"),
        ({"max_cab_lead_time_days": "7.55"}, "max_cab_lead_time_days", "no more than 1 decimal place"),
        ({"max_cab_lead_time_days": "soon"}, "max_cab_lead_time_days", "A valid number is required"),
        ({"min_success_rate_percent": None}, "min_success_rate_percent", "may not be null"),
        ({"min_success_rate": 50}, "min_success_rate", "Not a threshold"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_changes(
    world: Any, api_for: Any, change: dict[str, Any], field: str, message: str
) -> None:
    api = api_for("program_manager")
    api.put(url(world), ALL_FOUR, format="json")
    before = len(audit_rows())

    for send in (api.patch, api.put):
        response = send(url(world), {**ALL_FOUR, **change}, format="json")
        assert response.status_code == 400, response.content
        assert any(message in text for text in response.json()[field]), response.json()

    saved = ChangeMeasureThresholds.objects.get(program=world.program)
    assert (saved.min_success_rate_percent, saved.max_emergency_share_percent) == (85, 20)
    assert (saved.max_changes_causing_incidents, str(saved.max_cab_lead_time_days)) == (3, "7.5")
    assert len(audit_rows()) == before


def test_a_put_names_every_threshold_as_the_form_does(world: Any, api_for: Any) -> None:
    partial = {k: v for k, v in ALL_FOUR.items() if k != "max_cab_lead_time_days"}

    response = api_for("program_manager").put(url(world), partial, format="json")

    assert response.status_code == 400
    assert response.json() == {"max_cab_lead_time_days": ["This field is required."]}
    assert not ChangeMeasureThresholds.objects.exists()


@pytest.mark.parametrize("persona", ["vendor", "member", "board_member", "auditor"])
def test_a_member_who_may_not_change_the_cab_record_gets_403_and_changes_nothing(
    world: Any, api_for: Any, persona: str
) -> None:
    api = api_for(persona)
    assert api.patch(url(world), {"min_success_rate_percent": 10}, format="json").status_code == 403
    assert api.put(url(world), ALL_FOUR, format="json").status_code == 403
    assert not ChangeMeasureThresholds.objects.exists() and not audit_rows()


def test_an_outsider_gets_404_and_a_signed_out_caller_401(world: Any, api_for: Any) -> None:
    outsider = api_for("outsider")
    assert outsider.get(url(world)).status_code == 404
    assert outsider.patch(url(world), ALL_FOUR, format="json").status_code == 404
    # Their own program is theirs to read, not program A's values.
    own = outsider.get(url(world, world.other_program)).json()
    assert own["program"] == world.other_program.pk
    assert api_for("anonymous").get(url(world)).status_code == 401
    assert not ChangeMeasureThresholds.objects.exists()


@pytest.mark.parametrize(
    "query", ["", "?program=", "?program=abc", "?program=-1", "?program=99999999999999999999"]
)
def test_a_missing_or_malformed_program_is_a_400_naming_it(world: Any, api_for: Any, query: str) -> None:
    response = api_for("program_manager").get(reverse("change-measure-thresholds") + query)
    assert response.status_code == 400
    assert "program" in response.json()


def test_a_program_id_that_is_not_yours_is_a_404(world: Any, api_for: Any) -> None:
    response = api_for("program_manager").get(f"{reverse('change-measure-thresholds')}?program=987654")
    assert response.status_code == 404


def test_reading_the_thresholds_takes_a_bounded_number_of_queries(
    world: Any, api_for: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_for("vendor")
    api_for("program_manager").put(url(world), ALL_FOUR, format="json")
    # The program, the reader's roles (cached on the person after the first) and the thresholds.
    with django_assert_max_num_queries(3):
        response = api.get(url(world))
    assert response.status_code == 200 and response.json()["is_default"] is False
