"""Reads for alignment: the ledger, the strategy snapshot and its diff, commitments needing attention, and
the alignment index. Each is a fixed number of queries whatever the number of groups or records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accord.alignment import engine
from accord.alignment.choices import CommitmentStatus, EndorsementStatus
from accord.alignment.models import (
    AlignmentSnapshot,
    AlignmentWeights,
    Commitment,
    Endorsement,
    Impact,
    ReadinessAssessment,
    StakeholderGroup,
    StrategyVersion,
)
from accord.alignment.red_flags import open_red_flags_by_group
from accord.core.permissions import Action, Visibility, audience_in, can_in_program, role_in, sees_internal
from accord.core.timeline import end_of_day

SOON_DAYS = 7


# --- Groups and readiness ----------------------------------------------------------------------------------


def list_groups(*, program: Any, user: Any) -> QuerySet[StakeholderGroup]:
    return (
        StakeholderGroup.objects.visible_to(user)
        .filter(program=program)
        .select_related("lead", "organisation")
    )


def latest_assessments(group_ids: list[int], as_of: dt.date | None = None) -> dict[int, ReadinessAssessment]:
    """The newest readiness assessment of each group, on or before `as_of` (one query)."""
    latest: dict[int, ReadinessAssessment] = {}
    assessments = ReadinessAssessment.objects.filter(group_id__in=group_ids)
    if as_of is not None:
        assessments = assessments.filter(assessed_on__lte=as_of)
    for assessment in assessments.order_by("group_id", "-assessed_on", "-pk"):
        latest.setdefault(assessment.group_id, assessment)
    return latest


def readiness_trend(group: StakeholderGroup) -> list[ReadinessAssessment]:
    """The group's assessments, oldest first, each with its change in mean score from the one before."""
    rows = list(group.assessments.order_by("assessed_on", "pk").select_related("assessed_by"))
    previous = None
    for row in rows:
        mean = sum(row.scores.values()) / len(engine.ADKAR)
        row.mean = round(mean, 1)
        row.delta = None if previous is None else round(mean - previous, 1)
        previous = mean
    return rows


def grid(groups: list[StakeholderGroup]) -> list[dict[str, Any]]:
    """The four Mendelow quadrants, each with its groups and the engagement approach it calls for."""
    by_quadrant: dict[engine.Quadrant, list[StakeholderGroup]] = defaultdict(list)
    for group in groups:
        by_quadrant[group.quadrant].append(group)
    order = [
        engine.Quadrant.KEEP_SATISFIED,
        engine.Quadrant.MANAGE_CLOSELY,
        engine.Quadrant.MONITOR,
        engine.Quadrant.KEEP_INFORMED,
    ]
    return [
        {"quadrant": q, "label": q.label, "approach": q.approach, "groups": by_quadrant.get(q, [])}
        for q in order
    ]


# --- The plus-sum ledger ---------------------------------------------------------------------------------


@dataclass
class LedgerView:
    groups: list[StakeholderGroup]
    changes: list[dict[str, Any]]  # {"key", "label", "cells": [score or None per group]}
    nets: dict[int, int]
    plus_sum: bool
    negatives: list[dict[str, Any]] = field(default_factory=list)


def build_ledger(*, program: Any, user: Any) -> LedgerView:
    """Changes x groups with each group's net, for the groups the user may see."""
    groups = list(list_groups(program=program, user=user))
    from accord.benefits.models import Benefit

    impacts = list(
        Impact.objects.visible_to(user)
        .filter(program=program)
        .select_related("initiative", "group")
        .prefetch_related(
            "initiative__objectives",
            Prefetch("initiative__objectives__benefits", queryset=Benefit.objects.visible_to(user)),
            Prefetch("benefits", queryset=Benefit.objects.visible_to(user)),
        )
    )
    labels: dict[str, str] = {}
    rows = []
    for impact in impacts:
        labels.setdefault(impact.change_key, impact.change_label)
        rows.append(engine.ImpactRow(change=impact.change_key, group=impact.group_id, score=impact.score))
    result = engine.ledger(rows, [g.pk for g in groups])
    changes = [
        {"key": key, "label": label, "cells": [result.cells.get((key, g.pk)) for g in groups]}
        for key, label in sorted(labels.items(), key=lambda kv: kv[1].lower())
    ]
    by_key: dict[tuple[str, int], list[Impact]] = defaultdict(list)
    for impact in impacts:
        by_key[(impact.change_key, impact.group_id)].append(impact)
    negatives = []
    for group in groups:
        if result.nets[group.pk] >= 0:
            continue
        costs = [
            {
                "label": labels[r.change],
                "score": r.score,
                "rationale": "; ".join(i.rationale for i in by_key[(r.change, group.pk)] if i.rationale),
            }
            for r in result.costs[group.pk]
        ]
        gains = []
        for r in result.gains[group.pk]:
            # Through the initiative's objectives, and those the impact names itself (a change in words).
            impacts_here = by_key[(r.change, group.pk)]
            benefits = sorted(
                {
                    str(b)
                    for i in impacts_here
                    if i.initiative_id
                    for o in i.initiative.objectives.all()
                    for b in o.benefits.all()
                }
                | {str(b) for i in impacts_here for b in i.benefits.all()}
            )
            gains.append({"label": labels[r.change], "score": r.score, "benefits": benefits})
        negatives.append({"group": group, "net": result.nets[group.pk], "costs": costs, "gains": gains})
    return LedgerView(
        groups=groups, changes=changes, nets=result.nets, plus_sum=result.plus_sum, negatives=negatives
    )


# --- The strategy snapshot and its diff ----------------------------------------------------------------


def build_strategy_snapshot(program: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The strategy's elements as they stand: {section: {"kind:id": fields}}; frozen when published."""
    from accord.benefits.models import Benefit, Initiative, Objective

    objectives = {
        f"objective:{o.pk}": {"title": o.title, "perspective": o.perspective, "description": o.description}
        for o in Objective.objects.filter(program=program).order_by("pk")
    }
    benefits = {
        f"benefit:{b.pk}": {
            "title": b.title,
            "category": b.category,
            "status": b.status,
            "window_start": b.window_start.isoformat(),
            "window_end": b.window_end.isoformat(),
            "visibility": b.visibility,
            "objectives": sorted(o.pk for o in b.objectives.all()),
        }
        for b in Benefit.objects.filter(program=program).prefetch_related("objectives").order_by("pk")
    }
    initiatives = {
        f"initiative:{i.pk}": {
            "title": i.title,
            "status": i.status,
            "start": i.start.isoformat(),
            "end": i.end.isoformat(),
            "objectives": sorted(o.pk for o in i.objectives.all()),
        }
        for i in Initiative.objects.filter(program=program).prefetch_related("objectives").order_by("pk")
    }
    groups = {
        f"group:{g.pk}": {
            "title": g.name,
            "kind": g.kind,
            "power": g.power,
            "interest": g.interest,
            "wiifm": g.wiifm,
            "changes_asked": g.changes_asked,
            "visibility": g.visibility,
        }
        for g in StakeholderGroup.objects.filter(program=program).order_by("pk")
    }
    impacts = {
        f"impact:{i.pk}": {
            "title": f"{i.change_label} → {i.group.name}",
            "group": i.group_id,
            "score": i.score,
            "rationale": i.rationale,
            "visibility": i.group.visibility,
        }
        for i in Impact.objects.filter(program=program).select_related("group", "initiative").order_by("pk")
    }
    return {
        "objectives": objectives,
        "benefits": benefits,
        "initiatives": initiatives,
        "groups": groups,
        "impacts": impacts,
    }


SECTION_LABELS = {
    "objectives": "Objectives",
    "benefits": "Benefits",
    "initiatives": "Initiatives",
    "groups": "Stakeholder groups",
    "impacts": "Impacts",
}


def filter_snapshot_for(snapshot: dict[str, Any], user: Any, program_id: int) -> dict[str, Any]:
    """Partners see only the shared elements of a snapshot (hospital-internal groups stay hidden)."""
    role = role_in(user, program_id)
    if getattr(user, "is_superuser", False) or (role is not None and sees_internal(role)):
        return snapshot
    return {
        section: {
            key: values
            for key, values in elements.items()
            if values.get("visibility", Visibility.SHARED) == Visibility.SHARED
        }
        for section, elements in snapshot.items()
    }


# What a version freezes besides its snapshot of the elements; each is compared like an element's field.
FROZEN_VERSION_FIELDS = {"summary": "Summary"}


def diff_versions(
    before: StrategyVersion,
    after: StrategyVersion,
    before_snapshot: dict[str, Any],
    after_snapshot: dict[str, Any],
) -> list[dict[str, Any]]:
    """Everything a reader of `after` should know changed since `before`: the version's own frozen text
    (its summary) and then each section of elements (snapshots already limited to what the reader sees)."""
    changed = [
        {"field": label, "before": getattr(before, name), "after": getattr(after, name), "text": True}
        for name, label in FROZEN_VERSION_FIELDS.items()
        if getattr(before, name) != getattr(after, name)
    ]
    version_section = (
        [
            {
                "section": "The version",
                "added": [],
                "removed": [],
                "changed": [{"title": "", "fields": changed}],
            }
        ]
        if changed
        else []
    )
    return version_section + diff_snapshots(before_snapshot, after_snapshot)


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Per section: elements added, removed, and changed (with each changed field's before and after)."""
    sections = []
    for section, label in SECTION_LABELS.items():
        old, new = before.get(section, {}), after.get(section, {})
        added = [new[k].get("title", k) for k in new if k not in old]
        removed = [old[k].get("title", k) for k in old if k not in new]
        changed = []
        for key in new.keys() & old.keys():
            fields = [
                {"field": f, "before": old[key].get(f), "after": new[key].get(f)}
                for f in sorted(old[key].keys() | new[key].keys())
                if old[key].get(f) != new[key].get(f)
            ]
            if fields:
                changed.append({"title": new[key].get("title", key), "fields": fields})
        if added or removed or changed:
            sections.append(
                {
                    "section": label,
                    "added": added,
                    "removed": removed,
                    "changed": sorted(changed, key=lambda c: str(c["title"])),
                }
            )
    return sections


def _end_of(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


def current_version(program: Any, as_of: dt.date | None = None) -> StrategyVersion | None:
    """The newest published version (as it stood at the end of `as_of`, when given)."""
    versions = StrategyVersion.objects.filter(program=program, published_at__isnull=False)
    if as_of is not None:
        versions = versions.filter(published_at__lt=_end_of(as_of))
    return versions.order_by("-number").first()


def previous_published(version: StrategyVersion) -> StrategyVersion | None:
    return (
        StrategyVersion.objects.filter(
            program_id=version.program_id, published_at__isnull=False, number__lt=version.number
        )
        .order_by("-number")
        .first()
    )


# --- Commitments needing attention --------------------------------------------------------------------------


def open_commitments(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    return queryset.exclude(status__in=[CommitmentStatus.DONE, CommitmentStatus.DROPPED])


def late_q(today: dt.date) -> Q:
    return Q(status=CommitmentStatus.LATE) | Q(due_date__lt=today)


def commitments_needing_attention(
    queryset: QuerySet[Commitment], today: dt.date
) -> dict[str, list[Commitment]]:
    """Late (overdue, or marked late) and soon-due (within a week) open commitments."""
    rows = list(
        open_commitments(queryset)
        .filter(late_q(today) | Q(due_date__lte=today + dt.timedelta(days=SOON_DAYS)))
        .select_related("group", "owner")
        .order_by("due_date", "pk")
    )
    late = [c for c in rows if c.status == CommitmentStatus.LATE or c.due_date < today]
    soon = [c for c in rows if c not in late]
    return {"late": late, "soon": soon}


# --- The alignment index ----------------------------------------------------------------------------------


def weights_for(program: Any) -> dict[str, int]:
    row = AlignmentWeights.objects.filter(program=program).first()
    return row.as_dict() if row else dict(engine.DEFAULT_WEIGHTS)


@dataclass
class AlignmentResult:
    weights: dict[str, int]
    version: StrategyVersion | None
    groups: list[tuple[StakeholderGroup, engine.Score, engine.GroupInputs]]
    program_score: engine.Score
    nets: dict[int, int]
    plus_sum: bool


def compute_alignment(
    *, program: Any, today: dt.date, audience: str, groups: list[StakeholderGroup] | None = None
) -> AlignmentResult:
    """Every group's alignment score and the program's as they stood at the end of `today`, from a fixed
    number of queries.

    Every figure is computed from what `audience` sees (`audience_in(user, program)`): for partners, the
    shared groups and the shared red flags only, so no score or count reveals an internal record.
    `groups` only narrows the per-group list.
    """
    all_groups = list(
        StakeholderGroup.objects.filter(program=program).for_audience(audience).select_related("lead")
    )
    ids = [g.pk for g in all_groups]
    weights = weights_for(program)
    version = current_version(program, as_of=today)
    endorsement_of: dict[int, str] = {}
    if version is not None:
        # An answer given after `today` had not been given yet on that day.
        endorsement_of = dict(
            Endorsement.objects.filter(version=version, decided_at__lt=_end_of(today)).values_list(
                "group_id", "status"
            )
        )
    considered: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    for group_id, status, due, done_on in (
        Commitment.objects.filter(group_id__in=ids)
        .exclude(status=CommitmentStatus.DROPPED)
        .values_list("group_id", "status", "due_date", "done_on")
    ):
        delivered = status == CommitmentStatus.DONE and done_on is not None and done_on <= today
        if delivered or due <= today:
            considered[group_id] += 1
            if delivered and done_on <= due:
                on_time[group_id] += 1
    latest = latest_assessments(ids, as_of=today)
    impact_rows = [
        engine.ImpactRow(change=c, group=g, score=s)
        for c, g, s in Impact.objects.filter(group_id__in=ids).values_list("pk", "group_id", "score")
    ]
    ledger = engine.ledger(impact_rows, ids)
    impact_counts: dict[int, int] = defaultdict(int)
    for row in impact_rows:
        impact_counts[row.group] += 1
    red_flags = open_red_flags_by_group(program=program, audience=audience)
    inputs = {
        g.pk: engine.GroupInputs(
            endorsement=(endorsement_of.get(g.pk, EndorsementStatus.REQUESTED) if version else None),
            commitments_considered=considered[g.pk],
            commitments_on_time=on_time[g.pk],
            adkar=latest[g.pk].scores if g.pk in latest else None,
            impact_net=ledger.nets[g.pk],
            impact_count=impact_counts[g.pk],
            open_red_flags=red_flags.get(g.pk, 0),
        )
        for g in all_groups
    }
    shown = all_groups if groups is None else [g for g in all_groups if g.pk in {x.pk for x in groups}]
    scored = [(g, engine.score_group(inputs[g.pk], weights), inputs[g.pk]) for g in shown]
    scored.sort(key=lambda row: (-(row[1].value if row[1].value is not None else -1), row[0].name))
    program_score = engine.score_program(list(inputs.values()), weights)
    return AlignmentResult(
        weights=weights,
        version=version,
        groups=scored,
        program_score=program_score,
        nets=ledger.nets,
        plus_sum=ledger.plus_sum,
    )


def alignment_history(
    *, program: Any, user: Any, since: dt.date
) -> dict[int | None, list[AlignmentSnapshot]]:
    """Stored daily snapshots since a date, per group id (None: the program), as the user's audience saw them."""
    history: dict[int | None, list[AlignmentSnapshot]] = defaultdict(list)
    audience = audience_in(user, program.pk)
    for snap in (
        AlignmentSnapshot.objects.visible_to(user)
        .filter(program=program, taken_on__gte=since, visibility=audience)
        .order_by("taken_on")
    ):
        history[snap.group_id].append(snap)
    return history


def list_versions(*, program: Any, user: Any) -> QuerySet[StrategyVersion]:
    return (
        StrategyVersion.objects.visible_to(user)
        .filter(program=program)
        .select_related("published_by")
        .prefetch_related(
            Prefetch("endorsements", queryset=Endorsement.objects.visible_to(user).select_related("group"))
        )
    )


# --- The program home panel ---------------------------------------------------------------------------------


def commitments_late_on(queryset: QuerySet[Commitment], day: dt.date) -> dict[str, list[Commitment]]:
    """The commitments late at the end of `day` and those due within the week after it, as they stood.

    A commitment counts once it was made (created by then); it is late when its due date had passed and it
    had not been delivered by then (`done_on` after `day` or not yet). Dropped commitments are left out
    whenever they were dropped: the drop is not dated, so this is the one approximation.
    """
    rows = list(
        queryset.filter(created_at__lte=end_of_day(day), due_date__lte=day + dt.timedelta(days=SOON_DAYS))
        .exclude(status=CommitmentStatus.DROPPED)
        .exclude(status=CommitmentStatus.DONE, done_on__lte=day)
        .select_related("group", "owner")
        .order_by("due_date", "pk")
    )
    late = [c for c in rows if c.due_date < day]
    return {"late": late, "soon": [c for c in rows if c.due_date >= day]}


def alignment_trend(*, program: Any, user: Any, as_of: dt.date, points: int = 12) -> list[AlignmentSnapshot]:
    """The program's last `points` daily alignment snapshots up to `as_of`, oldest first, as the reader's
    audience sees them (partners read the snapshots computed from shared records)."""
    rows = list(
        AlignmentSnapshot.objects.visible_to(user)
        .filter(
            program=program, group__isnull=True, taken_on__lte=as_of, visibility=audience_in(user, program.pk)
        )
        .order_by("-taken_on")[:points]
    )
    return rows[::-1]


def home_panel(
    *, program: Any, user: Any, today: dt.date | None = None, as_of: dt.date | None = None
) -> dict[str, Any] | None:
    """Late and soon-due commitments, the program's alignment score and its trend.

    With `as_of` (or `today`), as it stood at the end of that day: the commitments late then and the index
    computed for that day (`compute_alignment` reads endorsements, readiness and versions as of it).
    """
    from django.utils import timezone

    day = as_of or today or timezone.localdate()
    visible = Commitment.objects.visible_to(user, Action.VIEW).filter(program=program)
    if as_of is None or as_of >= timezone.localdate():
        attention = commitments_needing_attention(visible, day)
    else:
        attention = commitments_late_on(visible, day)
    result = compute_alignment(program=program, today=day, audience=audience_in(user, program.pk), groups=[])
    trend = (
        alignment_trend(program=program, user=user, as_of=day)
        if can_in_program(user, Action.VIEW, "alignment", program.pk)
        else []
    )
    return {
        "program": program,
        "as_of": as_of,
        "late": attention["late"][:8],
        "late_all": attention["late"],
        "soon": attention["soon"][:8],
        "late_count": len(attention["late"]),
        "soon_count": len(attention["soon"]),
        "score": result.program_score.value,
        "plus_sum": result.plus_sum,
        "trend": [{"day": s.taken_on, "score": s.score} for s in trend],
    }
