"""Pure arithmetic for pulse surveys: k-anonymous cuts and the explainable trust index. No Django here.

A cut of a survey's respondents into groups never shows a group of fewer than K people. Groups below K
are pooled into one "other groups" bucket; when the pool itself stays below K, the smallest shown
group joins it until it reaches K (or everything is pooled, when the total is then below K too and
nothing is shown). Every shown bucket therefore has at least K respondents and the buckets partition
the respondents, so the difference of any two shown figures (the total minus a group, one filter minus
another) is a union of buckets: at least K people, or nobody.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

K = 5

# The trust index weights each pulse dimension; trust in the partner weighs most because it is what the
# transition needs from staff (they tell what they know only to a partner they trust).
TRUST_WEIGHTS: dict[str, float] = {
    "trust_in_partner": 0.4,
    "clarity_of_future": 0.25,
    "knowledge_transfer": 0.2,
    "workload": 0.15,
}
# A fall of this many points since the previous survey puts the trust index on the board's agenda.
FALLING_BY_POINTS = 5.0


@dataclass(frozen=True)
class Bucket:
    """One shown cell of a cut: the groups it covers and how many respondents it has (always >= K)."""

    groups: tuple[Hashable, ...]
    respondents: int

    @property
    def merged(self) -> bool:
        return len(self.groups) > 1


@dataclass(frozen=True)
class Cut:
    """A survey cut into buckets; `suppressed` groups answered but are shown nowhere (nor is the total)."""

    buckets: tuple[Bucket, ...]
    suppressed: tuple[Hashable, ...]
    total: int | None  # None when fewer than K answered altogether

    def bucket_of(self, group: Hashable) -> Bucket | None:
        for bucket in self.buckets:
            if group in bucket.groups:
                return bucket
        return None


def cut(respondents_by_group: Mapping[Hashable, int], k: int = K) -> Cut:
    """Partition groups into buckets of at least `k` respondents (see the module docstring)."""
    counts = {group: n for group, n in respondents_by_group.items() if n > 0}
    if any(n < 0 for n in respondents_by_group.values()):
        raise ValueError("A group cannot have fewer than zero respondents.")
    shown = sorted((g for g, n in counts.items() if n >= k), key=lambda g: (counts[g], str(g)))
    pool = [g for g, n in counts.items() if n < k]
    while pool and sum(counts[g] for g in pool) < k and shown:
        pool.append(shown.pop(0))
    pooled = sum(counts[g] for g in pool)
    buckets = [Bucket((g,), counts[g]) for g in sorted(shown, key=str)]
    suppressed: tuple[Hashable, ...] = ()
    if pool:
        if pooled >= k:
            buckets.append(Bucket(tuple(sorted(pool, key=str)), pooled))
        else:
            suppressed = tuple(sorted(pool, key=str))
    total = sum(counts.values())
    return Cut(tuple(buckets), suppressed, total if total >= k and not suppressed else None)


@dataclass(frozen=True)
class TrustPart:
    """One dimension's share of a trust index: its mean score, mapped to 0-100, and its weight."""

    dimension: str
    mean_score: float
    points: float
    weight: float

    @property
    def contribution(self) -> float:
        return self.points * self.weight


@dataclass(frozen=True)
class TrustIndex:
    """A 0-100 trust index with the parts it is made of; weights are re-normalised over dimensions asked."""

    value: float
    parts: tuple[TrustPart, ...] = field(default=())


def likert_points(mean_score: float) -> float:
    """A mean Likert score (1-5) on 0-100."""
    if not 1 <= mean_score <= 5:
        raise ValueError(f"A Likert mean lies between 1 and 5, not {mean_score}")
    return (mean_score - 1) / 4 * 100


def trust_index(mean_by_dimension: Mapping[str, float]) -> TrustIndex | None:
    """The weighted trust index of one bucket, or None when no dimension of the index was asked."""
    asked = {d: m for d, m in mean_by_dimension.items() if d in TRUST_WEIGHTS}
    if not asked:
        return None
    weight_sum = sum(TRUST_WEIGHTS[d] for d in asked)
    parts = tuple(
        TrustPart(d, round(m, 2), round(likert_points(m), 1), TRUST_WEIGHTS[d] / weight_sum)
        for d, m in sorted(asked.items(), key=lambda item: -TRUST_WEIGHTS[item[0]])
    )
    return TrustIndex(round(sum(p.contribution for p in parts), 1), parts)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float | None  # None: suppressed in that survey
    change: float | None  # since the previous shown value


def trend(series: Sequence[tuple[str, float | None]]) -> list[TrendPoint]:
    """Each survey's value with its change since the last survey in which it was shown."""
    points: list[TrendPoint] = []
    previous: float | None = None
    for label, value in series:
        change = round(value - previous, 1) if value is not None and previous is not None else None
        points.append(TrendPoint(label, value, change))
        if value is not None:
            previous = value
    return points


def is_falling(points: Sequence[TrendPoint], by: float = FALLING_BY_POINTS) -> bool:
    """True when the latest survey's value fell by at least `by` points since the previous shown one."""
    return bool(points) and points[-1].change is not None and points[-1].change <= -by
