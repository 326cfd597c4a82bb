"""Reads for the benefits pages and API: KPI readings, the dashboard, the strategy map; bounded in queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, Subquery

from accord.benefits import engine
from accord.benefits.choices import BenefitStatus, Perspective, Rag, ValueStepsCategory
from accord.benefits.models import (
    Benefit,
    Initiative,
    Kpi,
    Measurement,
    Objective,
    ObjectiveLink,
    SuccessFactor,
)
from accord.core.permissions import Action, can_in_program
from accord.core.timeline import as_of_day, end_of_day


def attach_readings(kpis: Sequence[Kpi], *, today: dt.date) -> Sequence[Kpi]:
    """Set `kpi.reading` (an engine.KpiReading) and `kpi.series` on each KPI, with one query in all."""
    series: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    ids = [k.pk for k in kpis]
    if ids:
        rows = Measurement.objects.filter(kpi_id__in=ids).order_by("measured_on")
        for kpi_id, measured_on, value in rows.values_list("kpi_id", "measured_on", "value"):
            series[kpi_id].append((measured_on, value))
    for kpi in kpis:
        kpi.series = series.get(kpi.pk, [])
        kpi.reading = engine.evaluate(kpi.spec(), kpi.series, today)
    return kpis


def attach_latest_readings(kpis: Sequence[Kpi], *, as_of: dt.date) -> Sequence[Kpi]:
    """Set `kpi.reading` from each KPI's latest measurement on or before `as_of`: one query in all.

    The database picks each KPI's latest row through the (kpi, -measured_on) index, so the cost does not
    grow with the length of the series (a dashboard over 100,000 measurements reads one row per KPI).
    `kpi.series` is not set: use `attach_readings` where the whole series is drawn.
    """
    latest: dict[int, tuple[dt.date, float]] = {}
    ids = [k.pk for k in kpis]
    if ids:
        # Two index look-ups per KPI (kpi, -measured_on), never a scan of the measurements.
        last = Measurement.objects.filter(kpi=OuterRef("pk"), measured_on__lte=as_of).order_by("-measured_on")
        rows = (
            Kpi.objects.filter(pk__in=ids)
            .annotate(
                latest_on=Subquery(last.values("measured_on")[:1]),
                latest_value=Subquery(last.values("value")[:1]),
            )
            .filter(latest_on__isnull=False)
            .values_list("pk", "latest_on", "latest_value")
        )
        for kpi_id, measured_on, value in rows:
            latest[kpi_id] = (measured_on, value)
    for kpi in kpis:
        known = [latest[kpi.pk]] if kpi.pk in latest else []
        kpi.reading = engine.evaluate(kpi.spec(), known, as_of)
    return kpis


def list_kpis(*, program: Any, user: Any, today: dt.date) -> list[Kpi]:
    kpis = list(Kpi.objects.visible_to(user).filter(program=program).select_related("benefit"))
    attach_readings(kpis, today=today)
    return kpis


@dataclass(frozen=True)
class MapNode:
    objective: Objective
    status: str
    x: int
    y: int


@dataclass(frozen=True)
class MapEdge:
    link: ObjectiveLink
    x1: int
    y1: int
    x2: int
    y2: int


NODE_WIDTH = 200
NODE_HEIGHT = 56
ROW_HEIGHT = 120
COLUMN_WIDTH = 230
MARGIN = 20


def get_strategy_map(*, program: Any, user: Any, today: dt.date) -> dict[str, Any]:
    """Objectives in perspective rows, their cause → effect links, and each objective's status colour.

    An objective's colour is the worst RAG among the KPIs of the live benefits that serve it (grey when
    none has data), so the map shows where the strategy is slipping.
    """
    objectives = list(Objective.objects.visible_to(user).filter(program=program).select_related("owner"))
    kpis = list(
        Kpi.objects.visible_to(user)
        .filter(program=program)
        .exclude(benefit__status=BenefitStatus.ABANDONED)
        .prefetch_related("benefit__objectives")
    )
    attach_readings(kpis, today=today)
    statuses: dict[int, list[str]] = defaultdict(list)
    for kpi in kpis:
        for objective in kpi.benefit.objectives.all():
            statuses[objective.pk].append(kpi.reading.status)
    rows: dict[str, list[Objective]] = {p.value: [] for p in Perspective}
    for objective in objectives:
        rows[objective.perspective].append(objective)
    widest = max((len(r) for r in rows.values()), default=0) or 1
    width = MARGIN * 2 + widest * COLUMN_WIDTH
    nodes: dict[int, MapNode] = {}
    perspective_rows = []
    for row_number, perspective in enumerate(Perspective):
        members = rows[perspective.value]
        offset = (width - len(members) * COLUMN_WIDTH) // 2
        y = MARGIN + row_number * ROW_HEIGHT + 24
        for column, objective in enumerate(members):
            status = engine.worst_status(statuses.get(objective.pk, []))
            nodes[objective.pk] = MapNode(objective, status, offset + column * COLUMN_WIDTH + 15, y)
        perspective_rows.append(
            {
                "label": perspective.label,
                "y": MARGIN + row_number * ROW_HEIGHT + 12,
                "nodes": [nodes[o.pk] for o in members],
            }
        )
    links = list(
        ObjectiveLink.objects.visible_to(user).filter(program=program).select_related("cause", "effect")
    )
    edges = []
    for link in links:
        cause, effect = nodes.get(link.cause_id), nodes.get(link.effect_id)
        if cause is None or effect is None:
            continue
        # Arrows leave the cause's top or bottom edge toward the effect, so they do not cross the boxes.
        upward = effect.y < cause.y
        edges.append(
            MapEdge(
                link,
                cause.x + NODE_WIDTH // 2,
                cause.y + (0 if upward else NODE_HEIGHT),
                effect.x + NODE_WIDTH // 2,
                effect.y + (NODE_HEIGHT if upward else 0) + (4 if upward else -4),
            )
        )
    return {
        "rows": perspective_rows,
        "edges": edges,
        "links": links,
        "nodes": list(nodes.values()),
        "width": width,
        "height": MARGIN * 2 + len(Perspective) * ROW_HEIGHT,
        "node_width": NODE_WIDTH,
        "node_height": NODE_HEIGHT,
    }


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    months = []
    year, month = start.year, start.month
    while True:
        first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        month_end = first_of_next - dt.timedelta(days=1)
        months.append(min(month_end, end))
        if month_end >= end:
            return months
        year, month = first_of_next.year, first_of_next.month


def realisation_over_time(kpis: Iterable[Kpi], *, start: dt.date, today: dt.date) -> list[dict[str, Any]]:
    """Per month: the mean realisation % of KPIs measured by then, and the mean the plan expected."""
    kpis = [k for k in kpis if k.series]
    points = []
    for month_end in _month_ends(start, today):
        actual: list[float] = []
        planned: list[float] = []
        for kpi in kpis:
            known = [m for m in kpi.series if m[0] <= month_end]
            if not known:
                continue
            spec = kpi.spec()
            actual.append(engine.realisation_percent(spec, known[-1][1]))
            planned.append(engine.realisation_percent(spec, engine.expected_value(spec, month_end)))
        if actual:
            points.append(
                {
                    "month": month_end,
                    "actual": sum(actual) / len(actual),
                    "planned": sum(planned) / len(planned),
                    "kpis": len(actual),
                }
            )
    return points


def _value_at(series: Sequence[tuple[dt.date, float]], day: dt.date) -> tuple[dt.date, float] | None:
    known = [m for m in series if m[0] <= day]
    return known[-1] if known else None


def summarise_benefits(*, program: Any, user: Any, today: dt.date) -> dict[str, Any]:
    """Everything the benefits dashboard shows, in a fixed number of queries whatever the data size."""
    kpi_queryset = Kpi.objects.visible_to(user).filter(program=program)
    benefits = list(
        Benefit.objects.visible_to(user)
        .filter(program=program)
        .select_related("owner")
        .prefetch_related(Prefetch("kpis", queryset=kpi_queryset, to_attr="visible_kpis"))
    )
    kpis = [kpi for benefit in benefits for kpi in benefit.visible_kpis]
    for benefit in benefits:
        for kpi in benefit.visible_kpis:
            kpi.benefit = benefit  # already loaded: avoids one query per KPI
    attach_readings(kpis, today=today)

    by_category = []
    for category in ValueStepsCategory:
        members = [b for b in benefits if b.category == category]
        by_category.append(
            {
                "category": category,
                "benefits": members,
                "count": len(members),
                "statuses": engine.worst_status(k.reading.status for b in members for k in b.visible_kpis),
            }
        )
    rag_counts = {status: 0 for status in (engine.GREEN, engine.AMBER, engine.RED, engine.NO_DATA)}
    for kpi in kpis:
        rag_counts[kpi.reading.status] += 1
    live = [k for k in kpis if k.benefit.status != BenefitStatus.ABANDONED]
    attention = sorted(
        (k for k in live if k.reading.status in (engine.RED, engine.AMBER) or k.reading.overdue),
        key=lambda k: ({engine.RED: 0, engine.AMBER: 1}.get(k.reading.status, 2), k.name),
    )
    go_live = program.go_live_date
    since_go_live = []
    if go_live:
        for kpi in live:
            at_go_live = _value_at(kpi.series, go_live)
            start_value = at_go_live[1] if at_go_live else kpi.baseline_value
            latest = kpi.reading.latest_value
            since_go_live.append(
                {
                    "kpi": kpi,
                    "at_go_live": start_value,
                    "from_baseline": at_go_live is None,
                    "latest": latest,
                    "change": None if latest is None else latest - start_value,
                    "realisation_at_go_live": engine.realisation_percent(kpi.spec(), start_value),
                    "measurements_since": sum(1 for m in kpi.series if go_live < m[0] <= today),
                }
            )
    start = min((k.baseline_date for k in kpis), default=today)
    factors = list(SuccessFactor.objects.visible_to(user).filter(program=program).select_related("owner"))
    return {
        "benefits": benefits,
        "kpis": kpis,
        "by_category": by_category,
        "rag_counts": rag_counts,
        "overdue_count": sum(1 for k in live if k.reading.overdue),
        "attention": attention,
        "over_time": realisation_over_time(live, start=start, today=today),
        "go_live": go_live,
        "since_go_live": since_go_live,
        "factors": factors,
        "factor_counts": {r.value: sum(1 for f in factors if f.status == r) for r in Rag},
    }


def home_panel(*, program: Any, user: Any, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The program-home block: KPI RAG counts and what needs attention (None when nothing is tracked yet).

    With `as_of`, as it stood at the end of that day: the KPIs and benefits that existed by then, each
    read from its latest measurement on or before it. Three queries whatever the number of measurements.
    """
    if not can_in_program(user, Action.VIEW, "benefits", program.pk):
        return None
    day = as_of_day(as_of)
    kpis = Kpi.objects.visible_to(user).filter(program=program).select_related("benefit")
    benefits = Benefit.objects.visible_to(user).filter(program=program)
    if as_of is not None:
        kpis = kpis.filter(created_at__lte=end_of_day(as_of))
        benefits = benefits.filter(created_at__lte=end_of_day(as_of))
    kpis = list(kpis.order_by("name", "pk"))
    if not kpis:
        return None
    attach_latest_readings(kpis, as_of=day)
    counts = {
        status: sum(1 for k in kpis if k.reading.status == status)
        for status in (engine.GREEN, engine.AMBER, engine.RED, engine.NO_DATA)
    }
    return {
        "program": program,
        "as_of": as_of,
        "counts": counts,
        "overdue": sum(1 for k in kpis if k.reading.overdue),
        "benefit_count": benefits.count(),
        "red": [k for k in kpis if k.reading.status == engine.RED],
        "worst": [k for k in kpis if k.reading.status == engine.RED][:3],
    }


def list_initiatives(*, program: Any, user: Any) -> list[Initiative]:
    return list(
        Initiative.objects.visible_to(user)
        .filter(program=program)
        .select_related("owner")
        .prefetch_related("objectives", visible_decisions(Initiative, user))
    )


def list_success_factors(*, program: Any, user: Any) -> list[SuccessFactor]:
    return list(
        SuccessFactor.objects.visible_to(user)
        .filter(program=program)
        .select_related("owner")
        .prefetch_related(visible_decisions(SuccessFactor, user))
    )


def visible_decisions(model: Any, user: Any) -> Prefetch:
    """The decision-log entries about each record that the reader may see, as `record.visible_decisions`.

    Reached through the reverse relation the decision log declares, so benefits need not import it.
    """
    decision_model = model._meta.get_field("decisions").related_model
    return Prefetch(
        "decisions",
        queryset=decision_model.objects.visible_to(user).order_by("-decided_on", "-pk"),
        to_attr="visible_decisions",
    )


def kpi_chart(kpi: Kpi, *, program: Any, today: dt.date) -> dict[str, Any]:
    """What the KPI chart draws (after `attach_readings`): plan, target, measurements, go-live, today."""
    return {
        "unit": kpi.unit,
        "trajectory": [{"x": d.isoformat(), "y": v} for d, v in engine.trajectory(kpi.spec())],
        "target": kpi.target_value,
        "measurements": [{"x": d.isoformat(), "y": v} for d, v in kpi.series],
        "goLive": program.go_live_date.isoformat() if program.go_live_date else None,
        "today": today.isoformat(),
    }


@dataclass
class BenefitConcerns:
    """Everything elsewhere in the program that concerns one benefit, as one reader may see it."""

    accountable_group: Any
    red_flags: list[Any]
    risks: list[Any]
    decisions: list[Any]
    commitments: list[Any]
    serves: list[dict[str, Any]]  # groups whose changes for this benefit gain them something
    costs: list[dict[str, Any]]  # groups those changes cost


def get_benefit_concerns(*, benefit: Benefit, user: Any, limit: int = 50) -> BenefitConcerns:
    """Red flags, risks, decisions, commitments and the ledger's groups for one benefit, in a fixed number
    of queries whatever the data (each list capped at `limit`, newest first).

    The other apps declare the links (flags threaten, decisions and commitments name, impacts serve a
    benefit); they are read through those reverse relations so benefits import none of them. Every
    list starts from the reader's `visible_to`, so a partner sees none of the internal records.
    """
    flag_model = Benefit._meta.get_field("red_flags").related_model
    risk_model = flag_model._meta.get_field("risk").related_model
    impact_model = Benefit._meta.get_field("stakeholder_impacts").related_model
    group_model = Benefit._meta.get_field("accountable_group").related_model
    red_flags = list(
        benefit.red_flags.visible_to(user).select_related("owner").order_by("-raised_at", "-pk")[:limit]
    )
    # A risk concerns the benefit when it was converted from a flag that threatens it, or a decision on
    # it names the benefit.
    risks = list(
        risk_model.objects.visible_to(user)
        .filter(Q(source_flag__threatens_benefit=benefit) | Q(decisions__benefits=benefit))
        .distinct()
        .order_by("-score", "title")[:limit]
    )
    decisions = list(benefit.decisions.visible_to(user).order_by("-decided_on", "-pk")[:limit])
    commitments = list(
        benefit.commitments.visible_to(user)
        .select_related("group", "owner")
        .order_by("due_date", "pk")[:limit]
    )
    impacts = list(
        impact_model.objects.visible_to(user)
        .filter(Q(benefits=benefit) | Q(initiative__objectives__benefits=benefit))
        .distinct()
        .select_related("group", "initiative")
        .order_by("group__name", "pk")
    )
    by_group: dict[int, dict[str, Any]] = {}
    for impact in impacts:
        row = by_group.setdefault(impact.group_id, {"group": impact.group, "net": 0, "changes": []})
        row["net"] += impact.score
        row["changes"].append({"label": impact.change_label, "score": impact.score})
    accountable = None
    if benefit.accountable_group_id:
        accountable = group_model.objects.visible_to(user).filter(pk=benefit.accountable_group_id).first()
    return BenefitConcerns(
        accountable_group=accountable,
        red_flags=red_flags,
        risks=risks,
        decisions=decisions,
        commitments=commitments,
        serves=[r for r in by_group.values() if r["net"] > 0],
        costs=[r for r in by_group.values() if r["net"] < 0],
    )
