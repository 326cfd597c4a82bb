"""Permission-matrix rows for every change-control page and API endpoint, for every method.

The partner (vendor) raises, submits, schedules and implements changes; only people on the CAB record
vote (here the program manager, the board member and the stakeholder lead), only the named clinical
approver (the stakeholder lead) signs off clinical changes, and only board members approve the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.change_control.choices import ChangeState, Decision, FindingKind, FindingSource, WindowKind
from accord.change_control.models import (
    CalendarFeedToken,
    ChangeAdvisoryBoard,
    ChangeWindow,
    ReconciliationFinding,
)
from accord.change_control.services import changes, feeds, plans
from accord.change_control.services import templates as template_services
from tests.alignment.matrix import ProgramQuery
from tests.change_control.factories import T0, cab_for, draft_change, plan_with_items, service_in
from tests.matrix import MEMBERS, Endpoint, and_put, expect, only
from tests.personas import World

ALL_API = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
RAISERS = ["program_manager", "vendor", "member"]
CAB = ["program_manager", "board_member", "stakeholder_lead"]
PM = "program_manager"
FEED_TOKEN = "matrix-feed-token-of-the-program-manager"


def cc(world: World) -> dict[str, Any]:
    """Program A's CAB, a draft change, an assessed clinical change, a window, a finding and plan v1 in effect."""
    if "cc" in world.extra:
        return world.extra["cc"]
    program = world.program
    board = cab_for(
        program,
        members=[world.program_manager, world.board_member, world.stakeholder_lead],
        emergency_members=[world.board_member],
        clinical_approvers=[world.stakeholder_lead],
        quorum=2,
    )
    draft = draft_change(program, world.vendor)
    clinical = draft_change(program, world.vendor, services=[service_in(program, clinical_impact=True)])
    changes.transition_change(change=clinical, to=ChangeState.SUBMITTED, actor=world.vendor, now=T0)
    changes.transition_change(change=clinical, to=ChangeState.ASSESSED, actor=world.program_manager, now=T0)
    window = ChangeWindow.objects.create(
        program=program,
        name="Go-live freeze",
        kind=WindowKind.CLINICAL_FREEZE,
        starts_at=T0,
        ends_at=T0 + dt.timedelta(days=2),
    )
    finding = ReconciliationFinding.objects.create(
        program=program,
        kind=FindingKind.UNAPPROVED_CHANGE,
        source=FindingSource.SERVICENOW_CHANGES,
        external_reference="CHG0030118",
        summary="Carried out with no approved change request.",
        first_found_at=T0,
        last_found_at=T0,
    )
    plan = plan_with_items(
        program, world.program_manager, [world.vendor, world.stakeholder_lead], starts_on=T0.date()
    )
    plans.submit_plan(plan=plan, actor=world.program_manager, now=T0)
    plans.decide_on_plan(plan=plan, actor=world.board_member, decision=Decision.APPROVE, now=T0)
    plans.put_plan_in_effect(plan=plan, actor=world.program_manager, now=T0)
    world.extra["cc"] = {
        "board": board,
        "draft": draft,
        "clinical": clinical,
        "window": window,
        "finding": finding,
        "plan": plan,
        "vendor_item": plan.items.get(owner=world.vendor),
    }
    # A known secret (stored hashed, as `issue_feed_token` stores its random one) so the row can name it.
    CalendarFeedToken.objects.create(
        program=program,
        person=world.program_manager,
        token_hash=feeds.hash_token(FEED_TOKEN),
        hint=FEED_TOKEN[:6],
        created_at=timezone.now(),
    )
    return world.extra["cc"]


def plan_v2(world: World, state: str = "draft") -> Any:
    """Version 2 of the plan, taken to `state` (draft, submitted or approved)."""
    key = f"plan_v2_{state}"
    if key not in world.extra:
        draft = plans.new_plan_version(plan=cc(world)["plan"], actor=world.program_manager, now=T0)
        if state in ("submitted", "approved"):
            plans.submit_plan(plan=draft, actor=world.program_manager, now=T0)
        if state == "approved":
            plans.decide_on_plan(plan=draft, actor=world.board_member, decision=Decision.APPROVE, now=T0)
        world.extra[key] = draft
    return world.extra[key]


def standard(world: World) -> dict[str, Any]:
    """Program A's standard-change templates: one proposed, one approved by the CAB (made on first use)."""
    if "standard" not in world.extra:
        cc(world)
        service = service_in(world.program)
        made = {}
        for key in ("proposed", "active"):
            made[key] = template_services.propose_template(
                program=world.program,
                actor=world.program_manager,
                data={
                    "name": f"Rotate certificates ({key})",
                    "description": "Rotate by the runbook.",
                    "services": [service],
                    "backout_plan": "Put the old certificate back.",
                    "test_evidence": "Done twelve times.",
                },
            )
        template_services.approve_template(template=made["active"], actor=world.board_member, now=T0)
        made["service"] = service
        world.extra["standard"] = made
    return world.extra["standard"]


def template_page(key: str) -> Any:
    return lambda w: {"program_id": w.program.pk, "pk": standard(w)[key].pk}


def template_api(key: str) -> Any:
    return lambda w: {"pk": standard(w)[key].pk}


def template_form_data(world: World) -> dict[str, Any]:
    return {
        "name": "Restart the print spooler",
        "description": "Restart by the runbook.",
        "services": [standard(world)["service"].pk],
        "backout_plan": "Reboot the server.",
        "test_evidence": "Done weekly.",
    }


def standard_change_data(world: World) -> dict[str, Any]:
    return {
        "title": "Rotate the PACS certificate",
        "services": [standard(world)["service"].pk],
        "time_zone": "Europe/London",
        "planned_start": "2026-06-07T02:00",
        "planned_end": "2026-06-07T03:00",
    }


def board_form_data(world: World) -> dict[str, Any]:
    cc(world)
    return {
        "name": "Transition CAB",
        "members": [world.program_manager.pk, world.board_member.pk],
        "quorum": 2,
        "emergency_members": [world.board_member.pk],
        "emergency_quorum": 1,
        "clinical_approvers": [world.stakeholder_lead.pk],
    }


def item_form_data(world: World) -> dict[str, Any]:
    return {
        "key": "dr-test",
        "what": "Disaster-recovery test",
        "owner": world.vendor.pk,
        "due_on": "2026-05-01",
        "status": "not_started",
    }


def item_edit_data(world: World) -> dict[str, Any]:
    item = plan_v2(world).items.get(owner=world.vendor)
    return {
        "what": item.what,
        "owner": item.owner_id,
        "due_on": (item.due_on + dt.timedelta(days=7)).isoformat(),
        "status": item.status,
        "due_date_reason": "Waits for the tape library",
    }


def plan_v2_page(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, "plan_pk": plan_v2(world).pk}


def draft_item_page(world: World) -> dict[str, int]:
    return {"program_id": world.program.pk, **draft_item_pk(world)}


def page(key: str) -> Any:
    return lambda w: {"program_id": w.program.pk, "pk": cc(w)[key].pk}


def program_kwargs(world: World) -> dict[str, int]:
    cc(world)
    return {"program_id": world.program.pk}


def api_pk(key: str) -> Any:
    return lambda w: {"pk": cc(w)[key].pk}


def step(name: str, state: str) -> Any:
    def kwargs(world: World) -> dict[str, Any]:
        plan = cc(world)["plan"] if state == "in_effect" else plan_v2(world, state)
        return {"program_id": world.program.pk, "pk": plan.pk, "step": name}

    return kwargs


def plan_v2_pk(state: str) -> Any:
    return lambda w: {"pk": plan_v2(w, state).pk}


def draft_item_pk(world: World) -> dict[str, int]:
    return {"pk": plan_v2(world).items.get(owner=world.vendor).pk}


def change_form_data(world: World) -> dict[str, Any]:
    cc(world)
    return {
        "title": "Rotate certificates",
        "change_type": "normal",
        "description": "Rotate the TLS certificates of the PACS viewers.",
        "reason": "They expire next month.",
        "time_zone": "UTC",
        "visibility": "shared",
    }


def change_api_data(world: World) -> dict[str, Any]:
    return {"program": world.program.pk, **change_form_data(world)}


def without_board(world: World) -> dict[str, Any]:
    """A CAB for program A when it has none yet (one per program)."""
    ChangeAdvisoryBoard.objects.filter(program=world.program).delete()
    return {
        "program": world.program.pk,
        "members": [world.board_member.pk],
        "quorum": 1,
        "emergency_quorum": 1,
    }


def window_data(world: World) -> dict[str, Any]:
    cc(world)
    return {
        "name": "Month-end billing close",
        "kind": "blackout",
        "time_zone": "America/Chicago",
        "starts_at": "2026-05-29T18:00",
        "ends_at": "2026-06-01T06:00",
    }


# `?program=<id>` of the thresholds' API, filled in by `thresholds_of_program_a` once the world exists.
THRESHOLDS_QUERY = ProgramQuery()


def thresholds_of_program_a(world: World) -> dict[str, Any]:
    THRESHOLDS_QUERY.program_id = world.program.pk
    return {}


RAISE = only(RAISERS, 302, 403)
PM_PAGE = only(PM, 200, 403)
PM_POST = only(PM, 302, 403)

# Built once in the module's world (tests/test_permission_matrix.py), not once a case.
SHARED = [cc, standard]

ENDPOINTS = [
    # Pages
    Endpoint("change_control:change_list", expect(200), kwargs=program_kwargs),
    Endpoint("change_control:change_create", only(RAISERS, 200, 403), kwargs=program_kwargs),
    Endpoint(
        "change_control:change_create", RAISE, kwargs=program_kwargs, method="post", data=change_form_data
    ),
    Endpoint("change_control:change_detail", expect(200), kwargs=page("draft")),
    Endpoint("change_control:change_edit", only(RAISERS, 200, 403), kwargs=page("draft")),
    Endpoint("change_control:change_edit", RAISE, kwargs=page("draft"), method="post", data=change_form_data),
    Endpoint(
        "change_control:change_move",
        RAISE,
        kwargs=page("draft"),
        method="post",
        data=lambda w: {"to": "submitted"},
    ),
    Endpoint(
        "change_control:change_vote",
        only(CAB, 302, 403),
        kwargs=page("clinical"),
        method="post",
        data=lambda w: {"decision": "approve"},
    ),
    Endpoint(
        "change_control:change_signoff",
        only("stakeholder_lead", 302, 403),
        kwargs=page("clinical"),
        method="post",
        data=lambda w: {"note": "Pharmacy agrees"},
    ),
    Endpoint("change_control:calendar", expect(200), kwargs=program_kwargs),
    Endpoint(
        "change_control:feed_token",
        expect(302),
        kwargs=program_kwargs,
        method="post",
        data=lambda w: {"action": "issue"},
    ),
    Endpoint("change_control:window_create", PM_PAGE, kwargs=program_kwargs),
    Endpoint("change_control:window_create", PM_POST, kwargs=program_kwargs, method="post", data=window_data),
    Endpoint("change_control:reconciliation", expect(200), kwargs=program_kwargs),
    Endpoint(
        "change_control:reconciliation",
        only(["program_manager", "vendor"], 302, 403),
        kwargs=program_kwargs,
        method="post",
        data=lambda w: {"time_zone": "UTC"},
    ),
    Endpoint(
        "change_control:finding_flag",
        expect(302, auditor=403),
        kwargs=page("finding"),
        method="post",
        data=lambda w: {},
    ),
    # Standard-change templates: the program manager proposes, CAB members approve and retire, the
    # raisers (the partner included) raise changes from an active one.
    Endpoint("change_control:template_list", expect(200), kwargs=program_kwargs),
    Endpoint("change_control:template_create", PM_PAGE, kwargs=program_kwargs),
    Endpoint(
        "change_control:template_create",
        PM_POST,
        kwargs=program_kwargs,
        method="post",
        data=template_form_data,
    ),
    Endpoint("change_control:template_detail", expect(200), kwargs=template_page("active")),
    Endpoint("change_control:template_edit", PM_PAGE, kwargs=template_page("proposed")),
    Endpoint(
        "change_control:template_edit",
        PM_POST,
        kwargs=template_page("proposed"),
        method="post",
        data=template_form_data,
    ),
    Endpoint(
        "change_control:template_approve",
        only(CAB, 302, 403),
        kwargs=template_page("proposed"),
        method="post",
        data=lambda w: {},
    ),
    Endpoint(
        "change_control:template_retire",
        only(CAB, 302, 403),
        kwargs=template_page("active"),
        method="post",
        data=lambda w: {"reason": "Hid a driver fault"},
    ),
    Endpoint("change_control:template_raise", only(RAISERS, 200, 403), kwargs=template_page("active")),
    Endpoint(
        "change_control:template_raise",
        RAISE,
        kwargs=template_page("active"),
        method="post",
        data=standard_change_data,
    ),
    # The CAB's seats and the measures' thresholds: the program manager's.
    Endpoint("change_control:board_edit", PM_PAGE, kwargs=program_kwargs),
    Endpoint(
        "change_control:board_edit", PM_POST, kwargs=program_kwargs, method="post", data=board_form_data
    ),
    Endpoint("change_control:thresholds", PM_PAGE, kwargs=program_kwargs),
    Endpoint(
        "change_control:thresholds",
        PM_POST,
        kwargs=program_kwargs,
        method="post",
        data=lambda w: {
            "min_success_rate_percent": 85,
            "max_emergency_share_percent": 20,
            "max_changes_causing_incidents": 3,
            "max_cab_lead_time_days": "7.5",
        },
    ),
    # Plan items: added and edited while the version is a draft (the owner edits their own item);
    # progress is noted by the owner or the program manager.
    Endpoint("change_control:item_create", PM_PAGE, kwargs=plan_v2_page),
    Endpoint("change_control:item_create", PM_POST, kwargs=plan_v2_page, method="post", data=item_form_data),
    Endpoint("change_control:item_edit", only([PM, "vendor"], 200, 403), kwargs=draft_item_page),
    Endpoint(
        "change_control:item_edit",
        only([PM, "vendor"], 302, 403),
        kwargs=draft_item_page,
        method="post",
        data=item_edit_data,
    ),
    Endpoint(
        "change_control:item_progress",
        only([PM, "vendor"], 302, 403),
        kwargs=page("vendor_item"),
        method="post",
        data=lambda w: {"note": "Runbook drafted", "status": "in_progress"},
    ),
    Endpoint("change_control:plan_list", expect(200), kwargs=program_kwargs),
    Endpoint("change_control:plan_detail", expect(200), kwargs=page("plan")),
    Endpoint(
        "change_control:plan_step",
        PM_POST,
        kwargs=step("submit", "draft"),
        method="post",
        data=lambda w: {},
        label="submit",
    ),
    Endpoint(
        "change_control:plan_step",
        only("board_member", 302, 403),
        kwargs=step("decide", "submitted"),
        method="post",
        data=lambda w: {"decision": "approve", "conditions": "Report slippage weekly"},
        label="decide",
    ),
    Endpoint(
        "change_control:plan_step",
        PM_POST,
        kwargs=step("put-in-effect", "approved"),
        method="post",
        data=lambda w: {},
        label="put in effect",
    ),
    Endpoint(
        "change_control:plan_step",
        PM_POST,
        kwargs=step("new-version", "in_effect"),
        method="post",
        data=lambda w: {"change_note": "Backups"},
        label="new version",
    ),
    # The API: change requests
    Endpoint("change-request-list", ALL_API, api=True),
    Endpoint(
        "change-request-list",
        only(RAISERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=change_api_data,
    ),
    Endpoint("change-request-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("draft")),
    *and_put(
        Endpoint(
            "change-request-detail",
            only(RAISERS, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_pk("draft"),
            data=lambda w: {"title": "Patch the interface engine (4.2.2)"},
        )
    ),
    Endpoint(
        "change-request-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api_pk("draft"),
    ),
    Endpoint(
        "change-request-transition",
        only(RAISERS, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api_pk("draft"),
        data=lambda w: {"to": "submitted"},
    ),
    Endpoint(
        "change-request-vote",
        only(CAB, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api_pk("clinical"),
        data=lambda w: {"decision": "approve"},
    ),
    Endpoint(
        "change-request-clinical-signoff",
        only("stakeholder_lead", 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api_pk("clinical"),
        data=lambda w: {"note": "Pharmacy agrees"},
    ),
    Endpoint("change-request-conflicts", expect(200, anonymous=401), api=True, kwargs=api_pk("clinical")),
    # Windows
    Endpoint("change-window-list", ALL_API, api=True),
    Endpoint(
        "change-window-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **window_data(w)},
    ),
    Endpoint("change-window-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("window")),
    *and_put(
        Endpoint(
            "change-window-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_pk("window"),
            data=lambda w: {"reason": "Pharmacy go-live"},
        )
    ),
    Endpoint(
        "change-window-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=api_pk("window"),
    ),
    # The CAB
    Endpoint("change-board-list", ALL_API, api=True),
    Endpoint(
        "change-board-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=without_board,
    ),
    Endpoint("change-board-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("board")),
    *and_put(
        Endpoint(
            "change-board-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_pk("board"),
            data=lambda w: {"quorum": 3},
        )
    ),
    # The program manager may delete the CAB record, but this one approved standard change templates: the
    # delete is refused (400) after the permission check (tests/change_control/test_deletes_keep_history.py).
    Endpoint(
        "change-board-detail", only(PM, 400, 403, api=True), api=True, method="delete", kwargs=api_pk("board")
    ),
    # The change measures' thresholds: every member reads them (the dashboard shows them); only who may
    # change the CAB record (the program manager) moves them.
    Endpoint(
        "change-measure-thresholds",
        expect(200, anonymous=401),
        api=True,
        kwargs=thresholds_of_program_a,
        query=THRESHOLDS_QUERY,
    ),
    *and_put(
        Endpoint(
            "change-measure-thresholds",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=thresholds_of_program_a,
            query=THRESHOLDS_QUERY,
            data=lambda w: {"max_changes_causing_incidents": 4},
        )
    ),
    # Standard-change templates
    Endpoint("standard-change-template-list", ALL_API, api=True),
    Endpoint(
        "standard-change-template-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **template_form_data(w)},
    ),
    Endpoint(
        "standard-change-template-detail", expect(200, anonymous=401), api=True, kwargs=template_api("active")
    ),
    *and_put(
        Endpoint(
            "standard-change-template-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=template_api("proposed"),
            data=lambda w: {"test_evidence": "Done fifteen times."},
        )
    ),
    Endpoint(
        "standard-change-template-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=template_api("proposed"),
    ),
    Endpoint(
        "standard-change-template-approve",
        only(CAB, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=template_api("proposed"),
    ),
    Endpoint(
        "standard-change-template-retire",
        only(CAB, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=template_api("active"),
        data=lambda w: {"reason": "Hid a driver fault"},
    ),
    # The action plan
    Endpoint("action-plan-list", ALL_API, api=True),
    Endpoint(
        "action-plan-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, "title": "Next 90 days", "starts_on": "2026-06-01"},
    ),
    Endpoint("action-plan-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("plan")),
    *and_put(
        Endpoint(
            "action-plan-detail",
            only(PM, 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=plan_v2_pk("draft"),
            data=lambda w: {"change_note": "Backups moved"},
        )
    ),
    Endpoint(
        "action-plan-detail",
        only(PM, 204, 403, api=True),
        api=True,
        method="delete",
        kwargs=plan_v2_pk("draft"),
    ),
    Endpoint(
        "action-plan-submit",
        only(PM, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=plan_v2_pk("draft"),
    ),
    Endpoint(
        "action-plan-decide",
        only("board_member", 201, 403, api=True),
        api=True,
        method="post",
        kwargs=plan_v2_pk("submitted"),
        data=lambda w: {"decision": "approve"},
    ),
    Endpoint(
        "action-plan-put-in-effect",
        only(PM, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=plan_v2_pk("approved"),
    ),
    Endpoint(
        "action-plan-new-version",
        only(PM, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api_pk("plan"),
        data=lambda w: {"change_note": "Backups"},
    ),
    Endpoint("action-plan-compare", expect(200, anonymous=401), api=True, kwargs=plan_v2_pk("draft")),
    Endpoint("action-plan-slippage", expect(200, anonymous=401), api=True, kwargs=api_pk("plan")),
    Endpoint("action-item-list", ALL_API, api=True),
    Endpoint(
        "action-item-list",
        only(PM, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {
            "plan": plan_v2(w).pk,
            "key": "dr-test",
            "what": "Disaster-recovery test",
            "owner": w.vendor.pk,
            "due_on": "2026-05-01",
        },
    ),
    Endpoint("action-item-detail", expect(200, anonymous=401), api=True, kwargs=api_pk("vendor_item")),
    # An item's owner (here the vendor) reports progress on it; nobody else but the program manager may.
    *and_put(
        Endpoint(
            "action-item-detail",
            only([PM, "vendor"], 200, 403, api=True),
            api=True,
            method="patch",
            kwargs=api_pk("vendor_item"),
            data=lambda w: {"status": "in_progress", "progress_notes": "Runbook drafted"},
        )
    ),
    Endpoint(
        "action-item-detail", only(PM, 204, 403, api=True), api=True, method="delete", kwargs=draft_item_pk
    ),
    # The iCalendar feed: the token is the credential, so every caller holding it gets the program
    # manager's calendar, and a wrong token gets nothing.
    Endpoint(
        "change_calendar_feed",
        {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 200},
        api=True,
        query=f"?token={FEED_TOKEN}",
        kwargs=lambda w: cc(w) and {},
        label="with its token",
    ),
    Endpoint(
        "change_calendar_feed",
        {**{p: 404 for p in MEMBERS}, "outsider": 404, "anonymous": 404},
        api=True,
        query="?token=guessed",
        kwargs=lambda w: cc(w) and {},
        label="with a wrong token",
    ),
]
