"""Pure alignment arithmetic: the Mendelow quadrant, the ADKAR barrier point, the plus-sum ledger and the
explainable alignment index. No Django here: dataclasses in, explainable parts out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# --- Mendelow power/interest grid --------------------------------------------------------------------

# On a 1-5 scale, 3 is the midpoint; a group at or above it counts as high on that axis.
HIGH_FROM = 3


class Quadrant(StrEnum):
    MANAGE_CLOSELY = "manage_closely"
    KEEP_SATISFIED = "keep_satisfied"
    KEEP_INFORMED = "keep_informed"
    MONITOR = "monitor"

    @property
    def label(self) -> str:
        return QUADRANT_TEXT[self][0]

    @property
    def approach(self) -> str:
        return QUADRANT_TEXT[self][1]


QUADRANT_TEXT: dict[Quadrant, tuple[str, str]] = {
    Quadrant.MANAGE_CLOSELY: (
        "Manage closely",
        "Key players: craft the strategy with them, give them a seat on the board, agree commitments and "
        "review them every week.",
    ),
    Quadrant.KEEP_SATISFIED: (
        "Keep satisfied",
        "Powerful but less engaged: consult them on the decisions that touch them, brief them before "
        "publication, make sure their concerns are answered so they do not block.",
    ),
    Quadrant.KEEP_INFORMED: (
        "Keep informed",
        "Interested but with little power: keep them informed regularly, involve them in design and "
        "testing, use them as champions and early warning.",
    ),
    Quadrant.MONITOR: (
        "Monitor",
        "Low power and interest: general communication, watch for changes in their position.",
    ),
}


def quadrant(power: int, interest: int) -> Quadrant:
    """The Mendelow quadrant of a group with the given power and interest (1-5 each)."""
    for name, value in (("power", power), ("interest", interest)):
        if not 1 <= value <= 5:
            raise ValueError(f"{name} must be between 1 and 5, not {value}")
    high_power, high_interest = power >= HIGH_FROM, interest >= HIGH_FROM
    if high_power and high_interest:
        return Quadrant.MANAGE_CLOSELY
    if high_power:
        return Quadrant.KEEP_SATISFIED
    if high_interest:
        return Quadrant.KEEP_INFORMED
    return Quadrant.MONITOR


# --- ADKAR readiness ----------------------------------------------------------------------------------

ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
# ADKAR is sequential: the first element at or below this score is where change stalls.
BARRIER_AT_OR_BELOW = 3


def barrier_point(scores: Mapping[str, int]) -> str | None:
    """The first ADKAR element (in order) scoring 3 or less, or None when every element is above 3."""
    for element in ADKAR:
        if scores[element] <= BARRIER_AT_OR_BELOW:
            return element
    return None


def readiness_percent(scores: Mapping[str, int]) -> float:
    """Mean ADKAR score mapped from 1..5 onto 0..100."""
    mean = sum(scores[e] for e in ADKAR) / len(ADKAR)
    return (mean - 1) / 4 * 100


# --- The plus-sum ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactRow:
    """One change's effect on one group."""

    change: Hashable
    group: Hashable
    score: int


@dataclass(frozen=True)
class Ledger:
    """Changes x groups, each group's net, and the plus-sum verdict."""

    cells: dict[tuple[Hashable, Hashable], int]
    nets: dict[Hashable, int]
    costs: dict[Hashable, list[ImpactRow]]  # per group, most costly first
    gains: dict[Hashable, list[ImpactRow]]  # per group, largest gain first

    @property
    def negative_groups(self) -> list[Hashable]:
        return [group for group, net in self.nets.items() if net < 0]

    @property
    def plus_sum(self) -> bool:
        """Every group gains overall (net >= 0), even if single changes cost some of them."""
        return all(net >= 0 for net in self.nets.values())


def ledger(impacts: Iterable[ImpactRow], groups: Sequence[Hashable]) -> Ledger:
    """Sum impacts per group; groups with no impacts have a net of 0. Two impacts of the same change on
    the same group add up (the cell shows their sum)."""
    cells: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    nets: dict[Hashable, int] = {group: 0 for group in groups}
    costs: dict[Hashable, list[ImpactRow]] = {group: [] for group in groups}
    gains: dict[Hashable, list[ImpactRow]] = {group: [] for group in groups}
    for row in impacts:
        if not -3 <= row.score <= 3:
            raise ValueError(f"impact scores run from -3 to +3, not {row.score}")
        cells[(row.change, row.group)] += row.score
        nets[row.group] = nets.get(row.group, 0) + row.score
        if row.score < 0:
            costs.setdefault(row.group, []).append(row)
        elif row.score > 0:
            gains.setdefault(row.group, []).append(row)
    for rows in costs.values():
        rows.sort(key=lambda r: r.score)
    for rows in gains.values():
        rows.sort(key=lambda r: -r.score)
    return Ledger(cells=dict(cells), nets=nets, costs=costs, gains=gains)


# --- The alignment index ------------------------------------------------------------------------------

PART_NAMES = ("endorsement", "delivery", "readiness", "impact", "red_flags")
PART_LABELS = {
    "endorsement": "Endorsement of the current strategy",
    "delivery": "On-time commitment delivery",
    "readiness": "Latest ADKAR readiness",
    "impact": "Net impact",
    "red_flags": "Open red flags",
}
DEFAULT_WEIGHTS = {"endorsement": 30, "delivery": 25, "readiness": 20, "impact": 15, "red_flags": 10}

ENDORSEMENT_VALUES = {
    "endorsed": 100.0,
    "endorsed_with_conditions": 70.0,
    "requested": 25.0,  # asked but not yet answered
    "objected": 0.0,
}
# Each open red flag on a group costs this many points of the red-flag part.
POINTS_PER_RED_FLAG = 25.0


@dataclass(frozen=True)
class GroupInputs:
    """What the index needs to know about one group; None means the fact does not exist yet."""

    endorsement: str | None = None  # status for the current published version
    commitments_considered: int = 0  # not dropped, and done or due by today
    commitments_on_time: int = 0  # of those: done on or before the due date
    adkar: Mapping[str, int] | None = None
    impact_net: int = 0
    impact_count: int = 0
    open_red_flags: int = 0


@dataclass(frozen=True)
class Part:
    """One ingredient of a score: the raw value, its 0-100 normalisation, its weight and contribution."""

    name: str
    raw: str
    normalised: float | None  # None: nothing to judge yet; the part's weight goes to the others
    weight: float
    contribution: float
    explanation: str

    @property
    def label(self) -> str:
        return PART_LABELS[self.name]

    @property
    def available(self) -> bool:
        return self.normalised is not None


@dataclass(frozen=True)
class Score:
    value: float | None
    parts: tuple[Part, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "score": None if self.value is None else round(self.value, 1),
            "parts": [
                {
                    "name": p.name,
                    "label": p.label,
                    "raw": p.raw,
                    "normalised": None if p.normalised is None else round(p.normalised, 1),
                    "weight": p.weight,
                    "contribution": round(p.contribution, 1),
                    "explanation": p.explanation,
                }
                for p in self.parts
            ],
        }


def validate_weights(weights: Mapping[str, float]) -> None:
    """Weights are non-negative, cover every part and are not all zero."""
    missing = set(PART_NAMES) - set(weights)
    if missing:
        raise ValueError(f"missing weights for {sorted(missing)}")
    if any(weights[name] < 0 for name in PART_NAMES):
        raise ValueError("weights cannot be negative")
    if not any(weights[name] > 0 for name in PART_NAMES):
        raise ValueError("at least one weight must be above zero")


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def group_parts(inputs: GroupInputs) -> dict[str, tuple[str, float | None, str]]:
    """name -> (raw value as shown, normalised 0-100 or None, explanation)."""
    parts: dict[str, tuple[str, float | None, str]] = {}
    if inputs.endorsement is None:
        parts["endorsement"] = ("no published version", None, "No strategy version has been published yet.")
    else:
        value = ENDORSEMENT_VALUES.get(inputs.endorsement, 0.0)
        parts["endorsement"] = (
            inputs.endorsement.replace("_", " "),
            value,
            "Endorsed 100, with conditions 70, not yet answered 25, objected 0.",
        )
    if inputs.commitments_considered == 0:
        parts["delivery"] = ("no commitments due yet", None, "No commitment was due or done yet.")
    else:
        value = inputs.commitments_on_time / inputs.commitments_considered * 100
        parts["delivery"] = (
            f"{inputs.commitments_on_time} of {inputs.commitments_considered} on time",
            value,
            "Share of commitments due or done that were done by their due date.",
        )
    if inputs.adkar is None:
        parts["readiness"] = ("not assessed", None, "No readiness assessment yet.")
    else:
        raw = " ".join(f"{e[0].upper()}{inputs.adkar[e]}" for e in ADKAR)
        parts["readiness"] = (
            raw,
            readiness_percent(inputs.adkar),
            "Mean of the latest ADKAR scores, 1 = 0 and 5 = 100.",
        )
    if inputs.impact_count == 0:
        parts["impact"] = ("no impacts recorded", None, "No impact on this group has been assessed.")
    else:
        value = _clamp(50 + 50 * inputs.impact_net / (3 * inputs.impact_count))
        parts["impact"] = (
            f"net {inputs.impact_net:+d} over {inputs.impact_count}",
            value,
            "Net impact relative to its maximum: all +3 = 100, balanced = 50, all -3 = 0.",
        )
    parts["red_flags"] = (
        f"{inputs.open_red_flags} open",
        _clamp(100 - POINTS_PER_RED_FLAG * inputs.open_red_flags),
        f"100 with none open, minus {POINTS_PER_RED_FLAG:g} per open red flag.",
    )
    return parts


def combine(raw_parts: Mapping[str, tuple[str, float | None, str]], weights: Mapping[str, float]) -> Score:
    """Weighted mean of the available parts; an unavailable part's weight is spread over the others."""
    validate_weights(weights)
    available_weight = sum(weights[n] for n in PART_NAMES if raw_parts[n][1] is not None)
    parts = []
    total = 0.0
    for name in PART_NAMES:
        raw, normalised, explanation = raw_parts[name]
        weight = float(weights[name])
        contribution = 0.0
        if normalised is not None and available_weight > 0:
            contribution = normalised * weight / available_weight
            total += contribution
        parts.append(Part(name, raw, normalised, weight, contribution, explanation))
    return Score(value=total if available_weight > 0 else None, parts=tuple(parts))


def score_group(inputs: GroupInputs, weights: Mapping[str, float]) -> Score:
    return combine(group_parts(inputs), weights)


def score_program(groups: Sequence[GroupInputs], weights: Mapping[str, float]) -> Score:
    """The program's parts are the mean of its groups' normalised parts (over groups where they exist)."""
    per_group = [group_parts(g) for g in groups]
    raw_parts: dict[str, tuple[str, float | None, str]] = {}
    for name in PART_NAMES:
        values = [p[name][1] for p in per_group if p[name][1] is not None]
        if values:
            mean = sum(values) / len(values)
            raw_parts[name] = (
                f"mean of {len(values)} group{'s' if len(values) != 1 else ''}",
                mean,
                f"Mean of the groups' {PART_LABELS[name].lower()} scores.",
            )
        else:
            raw_parts[name] = ("no group has this yet", None, "No group has a value for this part yet.")
    return combine(raw_parts, weights)
