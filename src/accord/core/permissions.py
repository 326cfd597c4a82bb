"""Roles and what each may do, declared in this one place for the UI, the API, exports and commands.

Every program-scoped model names an *area*; a role may perform an *action* in an area when the
table below says so. Vendor and consultant roles never see records whose visibility is internal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


class Role(models.TextChoices):
    BOARD_MEMBER = "board_member", "Board member"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    STAKEHOLDER_LEAD = "stakeholder_lead", "Stakeholder lead"
    MEMBER = "member", "Member"
    VENDOR = "vendor", "Vendor"
    CONSULTANT = "consultant", "Consultant"
    AUDITOR = "auditor", "Auditor"


class Visibility(models.TextChoices):
    SHARED = "shared", "Shared with partners"
    INTERNAL = "internal", "Hospital-internal"


class Action(models.TextChoices):
    VIEW = "view", "view"
    ADD = "add", "add"
    CHANGE = "change", "change"
    DELETE = "delete", "delete"


R = Role
ALL_ROLES = frozenset(Role)
HOSPITAL_ROLES = frozenset({R.BOARD_MEMBER, R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD, R.MEMBER, R.AUDITOR})
# Roles held by people outside the hospital: they see only records shared with them.
PARTNER_ROLES = frozenset({R.VENDOR, R.CONSULTANT})
EVERY_MEMBER_BUT_AUDITOR = ALL_ROLES - {R.AUDITOR}
MANAGERS = frozenset({R.PROGRAM_MANAGER})
LEADERSHIP = frozenset({R.PROGRAM_MANAGER, R.BOARD_MEMBER})


def _rule(
    view: Iterable[Role] = ALL_ROLES,
    add: Iterable[Role] = MANAGERS,
    change: Iterable[Role] | None = None,
    delete: Iterable[Role] = MANAGERS,
    **extra: Iterable[Role],
) -> dict[str, frozenset[Role]]:
    rule = {
        Action.VIEW: frozenset(view),
        Action.ADD: frozenset(add),
        Action.CHANGE: frozenset(add if change is None else change),
        Action.DELETE: frozenset(delete),
    }
    rule.update({name: frozenset(roles) for name, roles in extra.items()})
    return rule


# area -> action -> roles allowed. Row-level rules (e.g. a stakeholder lead may change only their own
# group's commitments, a raiser always sees their own red flag) live in the app's queryset on top.
AREAS: dict[str, dict[str, frozenset[Role]]] = {
    # The program record, its memberships and organisations.
    "program": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    # The audit trail: who changed what. Read-only for everyone; written only by services.
    "audit": _rule(view={R.PROGRAM_MANAGER, R.BOARD_MEMBER, R.AUDITOR}, add=(), change=(), delete=()),
    # Objectives, benefits, KPIs, initiatives, success factors.
    "benefits": _rule(add={R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD}, delete=MANAGERS),
    # KPI measurements are entered by whoever collects the data, vendors included.
    "measurements": _rule(
        add=EVERY_MEMBER_BUT_AUDITOR - {R.CONSULTANT, R.BOARD_MEMBER},
        change={R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD},
        delete=MANAGERS,
    ),
    # Stakeholder groups, readiness, impacts, strategy versions.
    "alignment": _rule(
        add={R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD},
        delete=MANAGERS,
        publish=MANAGERS,
        comment=EVERY_MEMBER_BUT_AUDITOR,
        weights=MANAGERS,
    ),
    # Endorsements are given by group leads (the row rule limits them to their own group; the executive
    # team's lead is usually a board member, the consultancy's a consultant).
    "endorsements": _rule(
        add=EVERY_MEMBER_BUT_AUDITOR - {R.MEMBER}, change=EVERY_MEMBER_BUT_AUDITOR - {R.MEMBER}, delete=()
    ),
    "commitments": _rule(
        add={R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD},
        change={R.PROGRAM_MANAGER, R.STAKEHOLDER_LEAD, R.VENDOR, R.CONSULTANT},
        delete=MANAGERS,
    ),
    # Anyone in the program may raise a red flag; triage and answers belong to leadership.
    # Nobody deletes a red flag (duplicates are merged); the raiser's own rights are row rules on top.
    "red_flags": _rule(
        add=EVERY_MEMBER_BUT_AUDITOR,
        change=LEADERSHIP,
        delete=(),
        triage=LEADERSHIP,
        comment=EVERY_MEMBER_BUT_AUDITOR,
    ),
    "risks": _rule(
        add={R.PROGRAM_MANAGER, R.BOARD_MEMBER, R.STAKEHOLDER_LEAD},
        change={R.PROGRAM_MANAGER, R.BOARD_MEMBER, R.STAKEHOLDER_LEAD},
        delete=MANAGERS,
    ),
    "governance": _rule(add=LEADERSHIP, change=LEADERSHIP, delete=MANAGERS),
    # A person's own notifications: the row rule (recipient is the user) is the real check; nobody
    # adds or deletes them by hand, services create them.
    "notifications": _rule(view=ALL_ROLES, add=(), change=ALL_ROLES, delete=()),
    # Contracts, SLA policies and results: the vendor reads what is shared; the hospital manages them.
    "sla": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    # Ticket exports may be uploaded by the vendor as well as the program manager.
    "tickets": _rule(
        add={R.PROGRAM_MANAGER, R.VENDOR}, change={R.PROGRAM_MANAGER, R.VENDOR}, delete=MANAGERS
    ),
    # SLA disputes: the vendor or the program manager raises one and the other side answers (a row rule
    # on top of `answer`); the program manager records the settlement. Nobody deletes a dispute.
    "sla_disputes": _rule(
        add={R.PROGRAM_MANAGER, R.VENDOR},
        change={R.PROGRAM_MANAGER, R.VENDOR},
        delete=(),
        answer={R.PROGRAM_MANAGER, R.VENDOR},
        settle=MANAGERS,
    ),
    # Change control (ITIL change enablement). The partner drafts, submits and implements changes; the
    # hospital's change manager assesses and reviews them. Only people on the program's CAB record vote
    # (a row rule on top of `decide`, which no partner role holds), and only its named clinical
    # approvers sign off changes to clinical services.
    "changes": _rule(
        add={R.PROGRAM_MANAGER, R.VENDOR, R.MEMBER},
        change={R.PROGRAM_MANAGER, R.VENDOR, R.MEMBER},
        delete=MANAGERS,
        submit={R.PROGRAM_MANAGER, R.VENDOR, R.MEMBER},
        assess=MANAGERS,
        schedule={R.PROGRAM_MANAGER, R.VENDOR},
        implement={R.PROGRAM_MANAGER, R.VENDOR},
        review=MANAGERS,
        decide={R.PROGRAM_MANAGER, R.BOARD_MEMBER, R.STAKEHOLDER_LEAD, R.MEMBER},
        reconcile={R.PROGRAM_MANAGER, R.VENDOR},
    ),
    # The CAB record (members, emergency members, clinical approvers, quorums) and change windows.
    "change_boards": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    "change_windows": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    # Standard-change templates: the change manager drafts them; CAB members approve and retire them
    # (`approve`, narrowed to the people seated on the CAB record, as votes are).
    "change_templates": _rule(
        add=MANAGERS,
        change=MANAGERS,
        delete=MANAGERS,
        approve={R.PROGRAM_MANAGER, R.BOARD_MEMBER, R.STAKEHOLDER_LEAD, R.MEMBER},
    ),
    # The short-term action plan: the program manager drafts it and the board approves each version.
    # An item's owner (the partner's included) reports progress on their own item: a row rule on the item.
    "action_plans": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS, approve={R.BOARD_MEMBER}),
    "action_items": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    # The transition's service inventory and handover stages: the hospital's program manager runs them;
    # sign-offs are given by the service's internal and partner owners (a row rule on top).
    "transition": _rule(
        add=MANAGERS,
        change=MANAGERS,
        delete=MANAGERS,
        stage=MANAGERS,
        signoff=EVERY_MEMBER_BUT_AUDITOR,
    ),
    # Knowledge items and interviews: the partner authors them with the hospital's staff; only the
    # service's internal owner approves (a row rule on top of `approve`), so partners never approve.
    "knowledge": _rule(
        add=EVERY_MEMBER_BUT_AUDITOR - {R.BOARD_MEMBER, R.CONSULTANT},
        change=EVERY_MEMBER_BUT_AUDITOR - {R.BOARD_MEMBER, R.CONSULTANT},
        delete=MANAGERS,
        approve=HOSPITAL_ROLES - {R.AUDITOR},
    ),
    # Training modules and the plan are the program manager's; everyone reads them.
    "training": _rule(add=MANAGERS, change=MANAGERS, delete=MANAGERS),
    # Training records: the hospital reads all of them; partners see and record only their own
    # (the record's `person` row rule), and only the program manager records for someone else.
    "training_records": _rule(
        view=HOSPITAL_ROLES,
        add=EVERY_MEMBER_BUT_AUDITOR,
        change=MANAGERS,
        delete=MANAGERS,
        # Only the person who took a training attests it (the record's `person` row rule); no role does.
        attest=(),
    ),
    # Transparency of the transition: who works on which service, open-door hours and the Q&A board.
    # Everyone reads them; anyone but an auditor asks, leadership answers and keeps the roster.
    "transparency": _rule(
        add=MANAGERS,
        change=MANAGERS,
        delete=MANAGERS,
        ask=EVERY_MEMBER_BUT_AUDITOR,
        answer=LEADERSHIP,
    ),
    # Anonymous concerns: anyone but an auditor submits one (without identity); only leadership reads and
    # triages them, so partners never see what staff fear. Nobody deletes one.
    "concerns": _rule(
        view=LEADERSHIP,
        add=EVERY_MEMBER_BUT_AUDITOR,
        change=LEADERSHIP,
        delete=(),
        triage=LEADERSHIP,
    ),
    # Pulse surveys: the program manager writes and sends them; the invited answer them. Results are
    # aggregates with small groups suppressed, read by the hospital (partners are often what they measure).
    "surveys": _rule(
        add=MANAGERS,
        change=MANAGERS,
        delete=MANAGERS,
        respond=EVERY_MEMBER_BUT_AUDITOR,
        results=HOSPITAL_ROLES,
    ),
}


def role_can(role: str, action: str, area: str) -> bool:
    """True when `role` may perform `action` in `area` (ignoring row-level rules)."""
    try:
        return role in AREAS[area][action]
    except KeyError as exc:
        raise KeyError(f"No permission rule for action {action!r} in area {area!r}") from exc


def sees_internal(role: str) -> bool:
    return role not in PARTNER_ROLES


def roles_by_program(user: Any) -> dict[int, str]:
    """The user's role in each program they belong to, loaded once per user object (one query)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_accord_roles", None)
    if cached is None:
        # Through the person's memberships (the reverse side of programs' Membership): core is the
        # ground floor and imports no app above it.
        cached = dict(user.memberships.values_list("program_id", "role"))
        user._accord_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles after a membership change so the next check sees it."""
    if hasattr(user, "_accord_roles"):
        del user._accord_roles


def role_in(user: Any, program_id: int | None) -> str | None:
    if program_id is None:
        return None
    return roles_by_program(user).get(program_id)


def audience_in(user: Any, program_id: int | None) -> str | None:
    """Which records of the program the user sees: internal (all), shared (partners) or None (not a member)."""
    if getattr(user, "is_superuser", False):
        return Visibility.INTERNAL
    role = role_in(user, program_id)
    if role is None:
        return None
    return Visibility.INTERNAL if sees_internal(role) else Visibility.SHARED


def program_ids_where(user: Any, action: str, area: str) -> tuple[list[int], list[int]]:
    """Programs where the user may do `action` in `area`: (seeing internal records, shared only)."""
    full: list[int] = []
    shared: list[int] = []
    for program_id, role in roles_by_program(user).items():
        if role_can(role, action, area):
            (full if sees_internal(role) else shared).append(program_id)
    return full, shared


def can(user: Any, action: str, obj: Any) -> bool:
    """May this user perform `action` on this program-scoped object (or program)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    checker = getattr(obj, "permits", None)
    if checker is not None:
        return bool(checker(user, action))
    raise TypeError(f"{type(obj).__name__} does not declare permits(user, action)")


def seen(user: Any, record: Any) -> Any:
    """The record when the user may see it, else None: for links from a visible record to another one."""
    if record is None:
        return None
    return record if can(user, Action.VIEW, record) else None


def can_in_program(user: Any, action: str, area: str, program_id: int | None) -> bool:
    """May the user perform `action` in `area` of this program (used before a record exists)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    role = role_in(user, program_id)
    return role is not None and role_can(role, action, area)
