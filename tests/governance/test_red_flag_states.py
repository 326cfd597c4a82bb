"""The red-flag state machine: legal moves, required answers, who may move a flag, and clear 400s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accord.core.models import AuditAction, AuditEntry
from accord.governance import services, states
from accord.governance.models import RedFlagEvent
from accord.notifications.models import Notification
from tests.governance.factories import T0, raise_flag, triage


def test_every_state_is_reachable_and_every_non_raised_state_can_be_left() -> None:
    targets = {t.target for t in states.TRANSITIONS}
    assert targets == set(states.STATES)
    for state in states.STATES:
        assert states.allowed_from(state), f"{state} is a dead end"


def test_an_illegal_move_names_the_current_state_and_the_allowed_next_states() -> None:
    with pytest.raises(states.IllegalTransition) as error:
        states.find("raised", "closed")
    assert "“raised”" in str(error.value)
    assert "allowed next states: triaged" in str(error.value)


def test_a_flag_goes_from_raised_to_closed_and_each_step_is_in_its_history(world) -> None:
    flag = raise_flag(world, by="consultant")
    flag = triage(world, flag)
    flag = services.transition_red_flag(
        flag=flag, to="in_progress", actor=world.program_manager, now=T0 + dt.timedelta(hours=2)
    )
    flag = services.transition_red_flag(
        flag=flag,
        to="resolved",
        actor=world.board_member,
        resolution="Super-users now cover nights.",
        now=T0 + dt.timedelta(days=3),
    )
    flag = services.transition_red_flag(
        flag=flag, to="closed", actor=world.program_manager, now=T0 + dt.timedelta(days=4)
    )
    assert flag.state == "closed"
    assert flag.resolution == "Super-users now cover nights."
    moves = list(RedFlagEvent.objects.filter(flag=flag).values_list("from_state", "to_state"))
    assert moves == [
        ("", "raised"),
        ("raised", "triaged"),
        ("triaged", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]
    assert (
        AuditEntry.objects.filter(
            object_type="governance.redflag", object_id=str(flag.pk), action=AuditAction.TRANSITION
        ).count()
        == 4
    )


def test_triage_needs_an_owner_and_a_response_date(world) -> None:
    flag = raise_flag(world)
    with pytest.raises(ValidationError) as error:
        services.transition_red_flag(flag=flag, to="triaged", actor=world.program_manager, now=T0)
    assert set(error.value.message_dict) == {"owner", "response_due"}
    flag.refresh_from_db()
    assert flag.state == "raised"


def test_resolving_needs_a_resolution_and_accepting_needs_a_rationale(world) -> None:
    flag = triage(world, raise_flag(world))
    with pytest.raises(ValidationError, match="needs the resolution"):
        services.transition_red_flag(
            flag=flag, to="resolved", actor=world.program_manager, resolution="  ", now=T0
        )
    with pytest.raises(ValidationError, match="rationale"):
        services.transition_red_flag(flag=flag, to="accepted", actor=world.program_manager, now=T0)
    flag = services.transition_red_flag(
        flag=flag,
        to="accepted",
        actor=world.program_manager,
        now=T0,
        rationale="Within tolerance for the first month.",
    )
    assert flag.state == "accepted" and flag.answered_at == T0


def test_a_vendor_cannot_be_made_owner_of_a_hospital_internal_flag(world) -> None:
    flag = raise_flag(world, visibility="internal")
    with pytest.raises(ValidationError, match="cannot see hospital-internal"):
        services.transition_red_flag(
            flag=flag,
            to="triaged",
            actor=world.program_manager,
            owner=world.vendor,
            response_due=dt.date(2026, 3, 9),
            now=T0,
        )


def test_the_raiser_may_reopen_their_answered_flag_but_not_triage_it(world) -> None:
    flag = raise_flag(world, by="consultant")
    with pytest.raises(PermissionDenied):
        services.transition_red_flag(
            flag=flag,
            to="triaged",
            actor=world.consultant,
            owner=world.member,
            response_due=dt.date(2026, 3, 9),
            now=T0,
        )
    flag = triage(world, flag)
    flag = services.transition_red_flag(
        flag=flag, to="resolved", actor=world.program_manager, resolution="Training rescheduled.", now=T0
    )
    flag = services.transition_red_flag(
        flag=flag,
        to="raised",
        actor=world.consultant,
        reason="The rescheduled sessions were cancelled too.",
        now=T0,
    )
    assert flag.state == "raised" and flag.reopened_at == T0
    assert (
        RedFlagEvent.objects.filter(flag=flag).last().note == "The rescheduled sessions were cancelled too."
    )


def test_the_raiser_is_told_when_their_flag_is_answered_and_the_owner_when_assigned(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    flag = raise_flag(world, by="consultant")
    triage(world, flag, owner="stakeholder_lead")
    assert Notification.objects.filter(recipient=world.stakeholder_lead, kind="red_flag_assigned").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_red_flag(
            flag=flag,
            to="accepted",
            actor=world.program_manager,
            rationale="Vendor fixes it in the next release.",
            now=T0,
        )
    answered = Notification.objects.filter(recipient=world.consultant, kind="red_flag_answered").latest("pk")
    assert answered.body == "Vendor fixes it in the next release."
    assert any("Vendor fixes it" in m.body for m in mail.outbox if world.consultant.email in m.to)


def test_an_illegal_transition_over_the_api_is_a_400_with_the_allowed_states(world, api_for) -> None:
    flag = raise_flag(world)
    response = api_for("program_manager").post(
        f"/api/red-flags/{flag.pk}/transition/", {"to": "resolved"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["to"] == [
        "A red flag in state “raised” cannot move to “resolved”; allowed next states: triaged."
    ]


def test_a_transition_over_the_api_returns_the_flag_with_its_history(world, api_for) -> None:
    flag = raise_flag(world)
    response = api_for("board_member").post(
        f"/api/red-flags/{flag.pk}/transition/",
        {"to": "triaged", "owner": world.stakeholder_lead.pk, "response_due": "2026-03-09", "note": "Yours"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "triaged" and body["owner"] == world.stakeholder_lead.pk
    assert body["history"][-1]["note"] == "Yours"
    assert set(body["allowed_transitions"]) == {"in_progress", "resolved", "accepted"}


def test_a_missing_field_over_the_api_is_a_400_naming_the_field(world, api_for) -> None:
    flag = raise_flag(world)
    response = api_for("program_manager").post(
        f"/api/red-flags/{flag.pk}/transition/", {"to": "triaged"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "owner": ["Triage needs an owner."],
        "response_due": ["Triage needs a response due date."],
    }


def test_the_transition_page_shows_the_error_and_keeps_the_flag(world, client_for) -> None:
    flag = raise_flag(world)
    url = f"/programs/{world.program.pk}/governance/red-flags/{flag.pk}/transition/"
    response = client_for("program_manager").post(url, {"to": "closed"})
    assert response.status_code == 400
    assert "cannot move to “closed”" in response.content.decode()
    flag.refresh_from_db()
    assert flag.state == "raised"


def test_the_owner_may_work_and_resolve_their_flag_but_not_accept_it(world) -> None:
    flag = triage(world, raise_flag(world), owner="stakeholder_lead")
    flag = services.transition_red_flag(flag=flag, to="in_progress", actor=world.stakeholder_lead, now=T0)
    with pytest.raises(PermissionDenied):
        services.transition_red_flag(
            flag=flag, to="accepted", actor=world.stakeholder_lead, rationale="Meh", now=T0
        )
    flag = services.transition_red_flag(
        flag=flag, to="resolved", actor=world.stakeholder_lead, resolution="Champions rota agreed.", now=T0
    )
    assert flag.state == "resolved"


def test_someone_who_is_neither_leader_nor_owner_cannot_start_work(world) -> None:
    flag = triage(world, raise_flag(world), owner="stakeholder_lead")
    with pytest.raises(PermissionDenied):
        services.transition_red_flag(flag=flag, to="in_progress", actor=world.member, now=T0)


def test_an_htmx_answer_swaps_the_refreshed_panel_in_place(world, client_for) -> None:
    flag = triage(world, raise_flag(world))
    url = f"/programs/{world.program.pk}/governance/red-flags/{flag.pk}/transition/"
    response = client_for("program_manager").post(
        url, {"to": "resolved", "resolution": "Rota fixed."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Resolve: the flag is now resolved." in text and "Rota fixed." in text
    assert "<html" not in text


def test_the_api_ignores_attempts_to_patch_the_state(world, api_for) -> None:
    flag = raise_flag(world)
    response = api_for("program_manager").patch(
        f"/api/red-flags/{flag.pk}/", {"state": "closed", "title": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    flag.refresh_from_db()
    assert (flag.state, flag.title) == ("raised", "Renamed")
