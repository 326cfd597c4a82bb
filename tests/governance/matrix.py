"""Permission-matrix rows for red flags, escalation rules, risks and decisions (pages and API)."""

from __future__ import annotations

import datetime as dt

from accord.core.permissions import Visibility
from tests.governance.factories import make_decision, make_risk, raise_flag
from tests.matrix import MEMBERS, Endpoint, expect, only

LEADERSHIP = ["program_manager", "board_member"]
RAISERS = [p for p in MEMBERS if p != "auditor"]
RISK_EDITORS = ["program_manager", "board_member", "stakeholder_lead"]
API_LIST = {**{p: 200 for p in MEMBERS}, "outsider": 200, "anonymous": 401}
API_NO_DELETE = {**{p: 405 for p in MEMBERS}, "outsider": 405, "anonymous": 401}


def program_a(world):
    return {"program_id": world.program.pk}


def shared_flag(world):
    """A shared flag raised by the member, so every member persona can see it."""
    flag = raise_flag(world, by="member", visibility=Visibility.SHARED)
    return {"program_id": world.program.pk, "pk": flag.pk}


def api_flag(world):
    return {"pk": shared_flag(world)["pk"]}


def triage_body(world):
    return {
        "to": "triaged",
        "owner": world.stakeholder_lead.pk,
        "response_due": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
    }


def merge_body(world):
    into = raise_flag(world, by="vendor", title="Order sets ignored", visibility=Visibility.SHARED)
    return {"into": into.pk, "note": "Same problem"}


def rule_of_program_a(world):
    from accord.governance.models import EscalationRule

    return {
        "program_id": world.program.pk,
        "pk": EscalationRule.objects.get(program=world.program, severity="high").pk,
    }


def shared_risk(world):
    return {"program_id": world.program.pk, "pk": make_risk(world).pk}


def shared_decision(world):
    return {"program_id": world.program.pk, "pk": make_decision(world).pk}


def raise_form(world):
    return {
        "title": "Nights have no super-user",
        "description": "Night shift has nobody to ask.",
        "severity": "medium",
        "visibility": "shared",
    }


def risk_form(world):
    return {
        "title": "Interface backlog",
        "category": "technical",
        "likelihood": 3,
        "impact": 3,
        "response": "reduce",
        "status": "open",
        "visibility": "shared",
    }


def decision_form(world):
    return {
        "title": "Delay wave 2",
        "decision": "Wave 2 moves four weeks.",
        "decided_by": "Governance board",
        "decided_on": "2026-03-02",
        "visibility": "shared",
    }


def api_risk(world):
    return {"pk": make_risk(world).pk}


def api_decision(world):
    return {"pk": make_decision(world).pk}


ENDPOINTS = [
    # Red flags: pages
    Endpoint("governance:red_flag_list", expect(200), kwargs=program_a),
    Endpoint("governance:red_flag_raise", only(RAISERS, 200, 403), kwargs=program_a),
    Endpoint(
        "governance:red_flag_raise", only(RAISERS, 302, 403), kwargs=program_a, method="post", data=raise_form
    ),
    Endpoint("governance:red_flag_detail", expect(200), kwargs=shared_flag),
    Endpoint(
        "governance:red_flag_transition",
        only(LEADERSHIP, 302, 403),
        kwargs=shared_flag,
        method="post",
        data=triage_body,
    ),
    Endpoint(
        "governance:red_flag_comment",
        only(RAISERS, 302, 403),
        kwargs=shared_flag,
        method="post",
        data=lambda w: {"note": "Seen again on ward 5."},
    ),
    Endpoint(
        "governance:red_flag_merge",
        only(LEADERSHIP, 302, 403),
        kwargs=shared_flag,
        method="post",
        data=merge_body,
    ),
    Endpoint(
        "governance:red_flag_escalate",
        only(LEADERSHIP, 302, 403),
        kwargs=shared_flag,
        method="post",
        data=lambda w: {"reason": "It threatens the go-live benefit the board owns."},
    ),
    Endpoint("governance:red_flag_convert", only(RISK_EDITORS, 200, 403), kwargs=shared_flag),
    Endpoint(
        "governance:red_flag_convert",
        only(RISK_EDITORS, 302, 403),
        kwargs=shared_flag,
        method="post",
        data=lambda w: {"likelihood": 4, "impact": 4, "category": "adoption", "response": "reduce"},
    ),
    Endpoint("governance:escalation_rules", expect(200), kwargs=program_a),
    Endpoint("governance:escalation_rule_edit", only(LEADERSHIP, 200, 403), kwargs=rule_of_program_a),
    Endpoint(
        "governance:escalation_rule_edit",
        only(LEADERSHIP, 302, 403),
        kwargs=rule_of_program_a,
        method="post",
        data=lambda w: {"triage_hours": 12, "resolve_days": 5, "highest_level": 2},
    ),
    # Risks: pages
    Endpoint("governance:risk_list", expect(200), kwargs=program_a),
    Endpoint("governance:risk_heat_map", expect(200), kwargs=program_a),
    Endpoint("governance:risk_create", only(RISK_EDITORS, 200, 403), kwargs=program_a),
    Endpoint(
        "governance:risk_create",
        only(RISK_EDITORS, 302, 403),
        kwargs=program_a,
        method="post",
        data=risk_form,
    ),
    Endpoint("governance:risk_detail", expect(200), kwargs=shared_risk),
    Endpoint("governance:risk_edit", only(RISK_EDITORS, 200, 403), kwargs=shared_risk),
    Endpoint(
        "governance:risk_edit",
        only(RISK_EDITORS, 302, 403),
        kwargs=shared_risk,
        method="post",
        data=risk_form,
    ),
    # Decisions: pages
    Endpoint("governance:decision_list", expect(200), kwargs=program_a),
    Endpoint("governance:decision_create", only(LEADERSHIP, 200, 403), kwargs=program_a),
    Endpoint(
        "governance:decision_create",
        only(LEADERSHIP, 302, 403),
        kwargs=program_a,
        method="post",
        data=decision_form,
    ),
    Endpoint("governance:decision_detail", expect(200), kwargs=shared_decision),
    Endpoint("governance:decision_edit", only(LEADERSHIP, 200, 403), kwargs=shared_decision),
    Endpoint(
        "governance:decision_edit",
        only(LEADERSHIP, 302, 403),
        kwargs=shared_decision,
        method="post",
        data=decision_form,
    ),
    # Red flags: API
    Endpoint("red-flag-list", API_LIST, api=True),
    Endpoint(
        "red-flag-list",
        only(RAISERS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **raise_form(w)},
    ),
    Endpoint("red-flag-detail", expect(200, anonymous=401), api=True, kwargs=api_flag),
    Endpoint(
        "red-flag-detail",
        only(LEADERSHIP, 200, 403, api=True),
        api=True,
        method="patch",
        kwargs=api_flag,
        data=lambda w: {"severity": "critical"},
    ),
    Endpoint("red-flag-detail", API_NO_DELETE, api=True, method="delete", kwargs=api_flag),
    Endpoint(
        "red-flag-transition",
        only(LEADERSHIP, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api_flag,
        data=triage_body,
    ),
    Endpoint(
        "red-flag-comment",
        only(RAISERS, 201, 403, api=True),
        api=True,
        method="post",
        kwargs=api_flag,
        data=lambda w: {"note": "Still happening."},
    ),
    Endpoint(
        "red-flag-merge",
        only(LEADERSHIP, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api_flag,
        data=merge_body,
    ),
    Endpoint(
        "red-flag-escalate",
        only(LEADERSHIP, 200, 403, api=True),
        api=True,
        method="post",
        kwargs=api_flag,
        data=lambda w: {"reason": "It threatens the go-live benefit the board owns."},
    ),
    # Risks: API
    Endpoint("risk-list", API_LIST, api=True),
    Endpoint(
        "risk-list",
        only(RISK_EDITORS, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **risk_form(w)},
    ),
    Endpoint("risk-detail", expect(200, anonymous=401), api=True, kwargs=api_risk),
    Endpoint(
        "risk-detail",
        only(RISK_EDITORS, 200, 403, api=True),
        api=True,
        method="patch",
        kwargs=api_risk,
        data=lambda w: {"likelihood": 5},
    ),
    Endpoint("risk-detail", API_NO_DELETE, api=True, method="delete", kwargs=api_risk),
    # Decisions: API
    Endpoint("decision-list", API_LIST, api=True),
    Endpoint(
        "decision-list",
        only(LEADERSHIP, 201, 403, api=True, outsider=400),
        api=True,
        method="post",
        data=lambda w: {"program": w.program.pk, **decision_form(w)},
    ),
    Endpoint("decision-detail", expect(200, anonymous=401), api=True, kwargs=api_decision),
    Endpoint(
        "decision-detail",
        only(LEADERSHIP, 200, 403, api=True),
        api=True,
        method="patch",
        kwargs=api_decision,
        data=lambda w: {"rationale": "Cheaper than a delay."},
    ),
    Endpoint("decision-detail", API_NO_DELETE, api=True, method="delete", kwargs=api_decision),
]
