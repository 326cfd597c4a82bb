"""Reads for change control: change lists with conflicts, the calendar, plan comparison and slippage, measures.

Each function runs a fixed number of queries whatever the number of changes, items or windows.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from accord.change_control import windows
from accord.change_control.choices import (
    AWAITING_DECISION,
    CLOSED_ITEM_STATUSES,
    ChangeState,
    ChangeType,
    FindingKind,
    PlanStatus,
    ReviewResult,
)
from accord.change_control.models import (
    ActionItem,
    ActionPlan,
    ChangeAdvisoryBoard,
    ChangeMeasureThresholds,
    ChangeRequest,
    ChangeWindow,
    ReconciliationFinding,
)
from accord.core.permissions import Action, can_in_program
from accord.core.timeline import end_of_day, wind_back

# States whose window is on the calendar and can collide with another change's.
CALENDAR_STATES = frozenset(
    {
        ChangeState.SUBMITTED,
        ChangeState.ASSESSED,
        ChangeState.APPROVED,
        ChangeState.SCHEDULED,
        ChangeState.IMPLEMENTED,
    }
)
# Measures past the program's thresholds (`ChangeMeasureThresholds`, defaults when it set none) go to the
# board's agenda and show red on the dashboard tiles.
MEASURE_PERIOD_DAYS = 90


def changes_for(user: Any, program: Any) -> QuerySet[ChangeRequest]:
    return (
        ChangeRequest.objects.visible_to(user)
        .filter(program=program)
        .select_related("requester", "implementer")
        .prefetch_related("services")
    )


def _span(change: ChangeRequest) -> windows.Span:
    return windows.Span(
        change.pk,
        change.planned_start,
        change.planned_end,
        frozenset(s.pk for s in change.services.all()),
        windows.normalise_items(change.configuration_item_list),
    )


def conflicts_by_change(user: Any, program: Any) -> dict[int, list[ChangeRequest]]:
    """For every visible change with a window, the other visible changes it collides with (two queries)."""
    changes = list(
        changes_for(user, program).filter(
            state__in=CALENDAR_STATES, planned_start__isnull=False, planned_end__isnull=False
        )
    )
    spans = sorted((_span(c) for c in changes), key=lambda s: s.start)
    by_pk = {c.pk: c for c in changes}
    found: dict[int, list[ChangeRequest]] = defaultdict(list)
    for index, span in enumerate(spans):
        # Sorted by start: only later spans that start before this one ends can overlap it.
        for other in spans[index + 1 :]:
            if other.start >= span.end:
                break
            if span.touches(other):
                found[span.key].append(by_pk[other.key])
                found[other.key].append(by_pk[span.key])
    return dict(found)


def conflicts_for(change: ChangeRequest, user: Any) -> list[ChangeRequest]:
    """The visible changes on a shared service or CI whose windows overlap this one's."""
    if not change.planned_start or not change.planned_end:
        return []
    others = (
        changes_for(user, change.program)
        .filter(
            state__in=CALENDAR_STATES,
            planned_start__lt=change.planned_end,
            planned_end__gt=change.planned_start,
        )
        .exclude(pk=change.pk)
    )
    mine = _span(change)
    return [other for other in others if mine.touches(_span(other))]


def list_changes(*, user: Any, program: Any, state: str = "") -> list[ChangeRequest]:
    rows = changes_for(user, program)
    if state:
        rows = rows.filter(state=state)
    changes = list(rows.order_by("-number"))
    conflicts = conflicts_by_change(user, program)
    for change in changes:
        change.conflicts = conflicts.get(change.pk, [])
    return changes


def windows_for(user: Any, program: Any) -> QuerySet[ChangeWindow]:
    return ChangeWindow.objects.visible_to(user).filter(program=program).prefetch_related("services")


@dataclass
class CalendarEntry:
    kind: str  # "change" or "window"
    title: str
    start: dt.datetime
    end: dt.datetime
    record: Any
    url: str = ""
    flags: list[str] = field(default_factory=list)


def calendar(
    *, user: Any, program: Any, start: dt.datetime, end: dt.datetime, expand: bool = True
) -> list[CalendarEntry]:
    """Changes and windows overlapping [start, end), in time order (three queries).

    A recurring window appears once per occurrence in the range; with `expand=False` (the iCalendar feed,
    which carries the RRULE itself) once, as its first occurrence, when any occurrence falls in the range.
    """
    entries = []
    candidates = windows_for(user, program).filter(
        Q(ends_at__gt=start) | ~Q(recurrence=""), starts_at__lt=end
    )
    for w in candidates:
        title = f"{w.get_kind_display()}: {w.name}"
        found = windows.occurrences(w.starts_at, w.ends_at, w.time_zone, w.recurrence, start, end)
        flags = [f"repeats {w.recurrence}"] if w.recurrence else []
        if not found:
            continue
        if expand:
            entries += [CalendarEntry("window", title, s, e, w, flags=list(flags)) for s, e in found]
        else:
            entries.append(CalendarEntry("window", title, w.starts_at, w.ends_at, w, flags=list(flags)))
    conflicts = conflicts_by_change(user, program)
    for change in changes_for(user, program).filter(
        state__in=CALENDAR_STATES | {ChangeState.REVIEWED, ChangeState.CLOSED},
        planned_start__lt=end,
        planned_end__gt=start,
    ):
        flags = []
        if change.change_type == ChangeType.EMERGENCY:
            flags.append("emergency")
        if change.in_freeze:
            flags.append("in a freeze window")
        if conflicts.get(change.pk):
            flags.append("conflict with " + ", ".join(c.reference for c in conflicts[change.pk]))
        entries.append(
            CalendarEntry(
                "change",
                f"{change.reference} {change.title} ({change.get_state_display().lower()})",
                change.planned_start,
                change.planned_end,
                change,
                change.get_absolute_url(),
                flags,
            )
        )
    return sorted(entries, key=lambda e: (e.start, e.kind))


# The action plan


def plans_for(user: Any, program: Any) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.visible_to(user).filter(program=program)


def current_plan(user: Any, program: Any) -> ActionPlan | None:
    return plans_for(user, program).filter(status=PlanStatus.IN_EFFECT).first()


def items_of(plan: ActionPlan) -> list[ActionItem]:
    return list(
        plan.items.select_related("owner", "service").prefetch_related(
            Prefetch("depends_on", ActionItem.objects.only("pk", "key", "what", "plan_id"))
        )
    )


COMPARED_FIELDS = ("what", "owner", "service", "due_on", "status")


def _value(item: ActionItem, name: str) -> Any:
    value = getattr(item, name)
    return str(value) if hasattr(value, "pk") else value


def compare_versions(old: ActionPlan, new: ActionPlan) -> dict[str, list[Any]]:
    """What a new version adds, removes and changes, item by item (matched by key)."""
    before = {i.key: i for i in items_of(old)}
    after = {i.key: i for i in items_of(new)}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        a, b = before[key], after[key]
        fields = [(name, _value(a, name), _value(b, name)) for name in COMPARED_FIELDS]
        deps_a = sorted(d.key for d in a.depends_on.all())
        deps_b = sorted(d.key for d in b.depends_on.all())
        fields.append(("depends on", ", ".join(deps_a), ", ".join(deps_b)))
        differences = [(name, x, y) for name, x, y in fields if x != y]
        if differences:
            changed.append((b, differences))
    return {
        "added": [after[k] for k in sorted(after.keys() - before.keys())],
        "removed": [before[k] for k in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


@dataclass
class OwnerSlippage:
    owner: Any
    items: int = 0
    late: list[ActionItem] = field(default_factory=list)
    moved: list[tuple[ActionItem, int]] = field(default_factory=list)  # (item, days moved)

    @property
    def on_track(self) -> int:
        return self.items - len({i.pk for i in self.late} | {i.pk for i, _ in self.moved})


def slippage(plan: ActionPlan, today: dt.date) -> list[OwnerSlippage]:
    """Per owner: items past due and not done, and items whose due date moved after it was approved."""
    rows: dict[int, OwnerSlippage] = {}
    for item in plan.items.select_related("owner").order_by("owner__full_name", "due_on"):
        row = rows.setdefault(item.owner_id, OwnerSlippage(item.owner))
        row.items += 1
        if item.status not in CLOSED_ITEM_STATUSES and item.due_on < today:
            row.late.append(item)
        if item.baseline_due_on and item.due_on > item.baseline_due_on:
            row.moved.append((item, (item.due_on - item.baseline_due_on).days))
    return sorted(rows.values(), key=lambda r: (-(len(r.late) + len(r.moved)), str(r.owner)))


# Measures


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    value: float | None
    display: str
    detail: str
    over_threshold: bool


def thresholds_of(program: Any) -> ChangeMeasureThresholds:
    """The program's thresholds, or the defaults (unsaved) when it has set none (one query)."""
    return ChangeMeasureThresholds.objects.filter(program=program).first() or ChangeMeasureThresholds(
        program=program
    )


def measures(*, program: Any, user: Any, today: dt.date, days: int = MEASURE_PERIOD_DAYS) -> list[Measure]:
    """Success rate, emergency share, changes causing incidents and CAB lead time over the last `days`, each
    against the program's threshold (3 queries)."""
    limits = thresholds_of(program)
    min_success = limits.min_success_rate_percent / 100
    max_share = limits.max_emergency_share_percent / 100
    max_causing = limits.max_changes_causing_incidents
    max_lead = float(limits.max_cab_lead_time_days)
    since = dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min, tzinfo=dt.UTC)
    rows = list(
        ChangeRequest.objects.visible_to(user)
        .filter(program=program)
        .filter(Q(submitted_at__gte=since) | Q(reviewed_at__gte=since) | Q(decided_at__gte=since))
        .values_list(
            "change_type", "submitted_at", "decided_at", "reviewed_at", "review_result", "incidents_caused"
        )
    )
    reviewed = [r for r in rows if r[3] and r[3] >= since and r[4]]
    successful = sum(1 for r in reviewed if r[4] == ReviewResult.SUCCESSFUL)
    submitted = [r for r in rows if r[1] and r[1] >= since]
    emergencies = sum(1 for r in submitted if r[0] == ChangeType.EMERGENCY)
    causing = sum(1 for r in reviewed if r[5] > 0)
    causing += (
        ReconciliationFinding.objects.visible_to(user)
        .filter(program=program, kind=FindingKind.UNAPPROVED_CAUSE, occurred_at__gte=since)
        .count()
    )
    lead_days = [
        (r[2] - r[1]).total_seconds() / 86400
        for r in rows
        if r[0] == ChangeType.NORMAL and r[1] and r[2] and r[2] >= since
    ]
    success = successful / len(reviewed) if reviewed else None
    share = emergencies / len(submitted) if submitted else None
    lead = statistics.median(lead_days) if lead_days else None
    return [
        Measure(
            "success_rate",
            "Change success rate",
            success,
            f"{success:.0%}" if success is not None else "no reviews yet",
            f"{successful} of {len(reviewed)} reviewed changes succeeded (target at least {min_success:.0%}).",
            success is not None and success < min_success,
        ),
        Measure(
            "emergency_share",
            "Emergency share",
            share,
            f"{share:.0%}" if share is not None else "no changes submitted",
            f"{emergencies} of {len(submitted)} submitted changes were emergencies (at most {max_share:.0%}).",
            share is not None and share > max_share,
        ),
        Measure(
            "causing_incidents",
            "Changes causing incidents",
            float(causing),
            str(causing),
            f"Reviewed changes that caused incidents, and incidents traced to unapproved changes "
            f"(at most {max_causing}).",
            causing > max_causing,
        ),
        Measure(
            "cab_lead_time",
            "CAB lead time",
            lead,
            f"{lead:.1f} days" if lead is not None else "no decisions yet",
            f"Median from submission to the CAB's decision over {len(lead_days)} normal changes "
            f"(at most {max_lead:g} days).",
            lead is not None and lead > max_lead,
        ),
    ]


def dashboard_tile(*, program: Any, user: Any) -> dict[str, Any] | None:
    """The change measures as a tile of the transition dashboard (hook `accord_transition_dashboard_tiles`)."""
    if not can_in_program(user, Action.VIEW, "changes", program.pk):
        return None
    import django.utils.timezone as tz

    return {
        "title": "Change control",
        "template": "change_control/_dashboard_tile.html",
        "measures": measures(program=program, user=user, today=tz.localdate()),
        "url": reverse("change_control:change_list", kwargs={"program_id": program.pk}),
        "period_days": MEASURE_PERIOD_DAYS,
    }


def agenda_candidates(*, program: Any, body: str, user: Any, today: dt.date) -> list[Any]:
    """For meetings (hook `accord_agenda_sources`): a CAB's agenda gets the changes awaiting its decision;
    the board's gets the change measures that are over their thresholds."""
    from accord.meetings.agenda import Candidate
    from accord.meetings.choices import AgendaKind, Body

    if body == Body.CAB:
        waiting = (
            changes_for(user, program)
            .filter(state__in=AWAITING_DECISION)
            .exclude(change_type=ChangeType.STANDARD)
            .order_by("planned_start", "number")
        )
        conflicts = conflicts_by_change(user, program)
        result = []
        for change in waiting:
            window = (
                f"{change.planned_start:%d %b %Y %H:%M} to {change.planned_end:%d %b %Y %H:%M} UTC"
                if change.planned_start and change.planned_end
                else "no window yet"
            )
            notes = (
                f"{change.get_change_type_display()} change, {change.get_state_display().lower()}; risk "
                f"{change.risk_score} (likelihood {change.likelihood} x impact {change.impact}); window {window}"
                f"{'; conflicts with ' + ', '.join(c.reference for c in conflicts[change.pk]) if conflicts.get(change.pk) else ''}"
                f"; requested by {change.requester}."
            )
            result.append(
                Candidate(
                    AgendaKind.OTHER,
                    f"Change awaiting approval: {change}",
                    change,
                    notes,
                    change.visibility,
                    change.get_absolute_url(),
                )
            )
        return result
    if body == Body.BOARD:
        over = [m for m in measures(program=program, user=user, today=today) if m.over_threshold]
        if not over:
            return []
        # The item needs a record to point at; the CAB record is what the measures are about.
        board = ChangeAdvisoryBoard.objects.filter(program=program).first()
        if board is None:
            return []
        return [
            Candidate(
                AgendaKind.OTHER,
                "Change control measures over threshold: " + ", ".join(m.label.lower() for m in over),
                board,
                " ".join(f"{m.label}: {m.display}. {m.detail}" for m in over),
                "internal",
                reverse("change_control:change_list", kwargs={"program_id": program.pk}),
            )
        ]
    return []


def home_panel(*, program: Any, user: Any, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The program home's change-control block: the plan in effect and its slippage, changes needing attention.

    With `as_of`, as it stood at the end of that day: the plan's slippage on that day, the changes awaiting
    the CAB then (exact, from the transitions' audit rows), the changes scheduled then to start within the
    following week (their planned start read as it is now) and the findings recorded by then.
    """
    import django.utils.timezone as tz

    today = as_of or tz.localdate()
    plan = (
        current_plan(user, program) if can_in_program(user, Action.VIEW, "action_plans", program.pk) else None
    )
    visible = ChangeRequest.objects.visible_to(user).filter(program=program)
    findings = ReconciliationFinding.objects.visible_to(user).filter(program=program, red_flag__isnull=True)
    if as_of is None:
        now = tz.now()
        # Both counts in one query: the home page pays one query per panel, not one per figure.
        counts = visible.aggregate(
            awaiting=Count("pk", filter=Q(state__in=AWAITING_DECISION)),
            upcoming=Count(
                "pk",
                filter=Q(
                    state=ChangeState.SCHEDULED,
                    planned_start__gte=now,
                    planned_start__lt=now + dt.timedelta(days=7),
                ),
            ),
        )
        awaiting, upcoming, awaiting_changes = counts["awaiting"], counts["upcoming"], None
    else:
        now = end_of_day(as_of)
        rows = list(visible.filter(created_at__lte=now))
        wind_back(rows, at=now, fields=("state",))
        awaiting_changes = sorted(
            (c for c in rows if c.state in AWAITING_DECISION), key=lambda c: (c.created_at, c.pk)
        )
        awaiting = len(awaiting_changes)
        upcoming = sum(
            1
            for c in rows
            if c.state == ChangeState.SCHEDULED
            and c.planned_start is not None
            and now <= c.planned_start < now + dt.timedelta(days=7)
        )
        findings = findings.filter(created_at__lte=now)
    findings = findings.count()
    if plan is None and not awaiting and not upcoming and not findings:
        return None
    late = moved = 0
    if plan is not None:
        rows = slippage(plan, today)
        late = sum(len(r.late) for r in rows)
        moved = sum(len(r.moved) for r in rows)
    return {
        "as_of": as_of,
        "plan": plan,
        "late": late,
        "moved": moved,
        "awaiting": awaiting,
        "awaiting_changes": awaiting_changes,
        "upcoming": upcoming,
        "findings": findings,
    }


def board_pack_exceptions(*, program: Any, user: Any, as_of: dt.date) -> dict[str, Any] | None:
    """The board pack's change exceptions: the changes awaiting the CAB at the end of `as_of`, oldest first,
    their states wound back from the audit rows of their transitions (None when changes are not readable)."""
    if not can_in_program(user, Action.VIEW, "changes", program.pk):
        return None
    at = end_of_day(as_of)
    rows = list(ChangeRequest.objects.visible_to(user).filter(program=program, created_at__lte=at))
    wind_back(rows, at=at, fields=("state",))
    waiting = sorted((c for c in rows if c.state in AWAITING_DECISION), key=lambda c: (c.created_at, c.pk))
    return {
        "title": "Changes awaiting the CAB",
        "template": "change_control/_board_pack_exceptions.html",
        "changes": waiting,
    }
