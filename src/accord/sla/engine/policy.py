"""SLA policy: the validated, immutable description of a contract's calendar, pauses and targets.

`load_policy` turns YAML/JSON text or an already-parsed mapping (the Django app stores policies as
JSON) into an `SlaPolicySpec`, naming the offending field in every `PolicyError`; `dump_policy`
writes it back as YAML that loads to an equal spec.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import yaml

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES: dict[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
CLOCKS: tuple[str, ...] = ("response", "resolution")
PARTIES: tuple[str, ...] = ("hospital", "vendor", "third_party")
CALENDAR_BUSINESS = "business"
CALENDAR_24X7 = "24x7"
CALENDARS: tuple[str, ...] = (CALENDAR_BUSINESS, CALENDAR_24X7)

_TOP_LEVEL_KEYS = (
    "timezone",
    "working_hours",
    "holidays",
    "pause_states",
    "pause_applies_to",
    "pause_parties",
    "targets",
    "warn_at",
)
_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class PolicyError(ValueError):
    """An SLA policy that cannot be used; `field` is the dotted path of the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class SlaTarget:
    """Response and resolution targets of one priority, in seconds of its calendar."""

    priority: str
    response_s: int
    resolution_s: int
    calendar: str = CALENDAR_BUSINESS

    def target_s(self, clock: str) -> int:
        return self.response_s if clock == "response" else self.resolution_s


@dataclass(frozen=True)
class HolidaySpec:
    """Closed local dates: a country's (and subdivision's) public holidays plus explicit dates."""

    country: str | None = None
    subdivision: str | None = None
    dates: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class SlaPolicySpec:
    """A validated SLA policy. Hashable, so calendars built from it can be cached by it.

    `working_hours[d]` holds the open intervals of weekday `d` (0 = Monday) as (start, end) seconds
    of local wall-clock time, sorted and non-overlapping; `end` may be 86400 ("24:00").
    """

    timezone: str
    working_hours: tuple[tuple[tuple[int, int], ...], ...]
    targets: tuple[SlaTarget, ...]
    holidays: HolidaySpec = field(default_factory=HolidaySpec)
    pause_states: tuple[str, ...] = ()
    pause_applies_to: tuple[str, ...] = ("resolution",)
    pause_parties: tuple[tuple[str, str], ...] = ()
    warn_at: tuple[float, ...] = ()

    @property
    def priorities(self) -> tuple[str, ...]:
        return tuple(t.priority for t in self.targets)

    def target_for(self, priority: str) -> SlaTarget | None:
        for target in self.targets:
            if target.priority == priority:
                return target
        return None

    def party_of(self, state: str) -> str | None:
        """The party a pause in `state` is attributed to, or None when the policy names none."""
        key = normalise_state(state)
        for pause_state, party in self.pause_parties:
            if normalise_state(pause_state) == key:
                return party
        return None

    def warn_threshold_s(self, target_s: int) -> int | None:
        """Elapsed seconds from which an open clock is at risk: the first warn_at fraction, rounded up."""
        if not self.warn_at:
            return None
        return math.ceil(Fraction(str(self.warn_at[0])) * target_s)

    @property
    def has_business_targets(self) -> bool:
        return any(t.calendar == CALENDAR_BUSINESS for t in self.targets)


def normalise_state(state: str) -> str:
    """States compare without case or surrounding blanks: exports disagree on both."""
    return state.strip().lower()


def parse_duration(value: object, where: str) -> int:
    """'90m', '8h', '1h30m', '45s' -> seconds (positive)."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise PolicyError(
            where, f"{value!r} is not a duration; write it as text such as '90m', '8h' or '1h30m'"
        )
    text = value.strip().replace(" ", "").lower()
    if re.fullmatch(r"\d+d", text) or "d" in text:
        raise PolicyError(where, f"{value!r}: days are ambiguous in business time; write hours, e.g. '72h'")
    match = _DURATION_RE.fullmatch(text)
    if not text or not match:
        raise PolicyError(where, f"{value!r} is not a duration; use forms like '90m', '8h', '1h30m'")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise PolicyError(where, f"{value!r}: a target must be longer than zero")
    return total


def format_duration(seconds: int) -> str:
    """Inverse of `parse_duration`: 5400 -> '1h30m'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts)


def _format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _expect_mapping(value: object, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _expect_list(value: object, where: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise PolicyError(where, f"expected a list, got {type(value).__name__}")
    return list(value)


def _parse_timezone(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError("timezone", "required: an IANA time zone name such as 'America/Chicago'")
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(
            "timezone", f"unknown time zone {name!r} (expected an IANA name such as 'America/Chicago')"
        ) from exc
    return name


def _parse_interval(value: object, where: str) -> tuple[int, int]:
    match = _INTERVAL_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise PolicyError(where, f"{value!r} is not an interval; write 'HH:MM-HH:MM', e.g. '08:00-17:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
            raise PolicyError(where, f"{value!r}: {hour:02d}:{minute:02d} is not a time of day")
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start == 86400:
        raise PolicyError(where, f"{value!r}: an interval cannot start at 24:00")
    if end <= start:
        raise PolicyError(
            where, f"{value!r}: the end must be after the start (use two intervals to cross midnight)"
        )
    return start, end


def _parse_working_hours(value: object) -> tuple[tuple[tuple[int, int], ...], ...]:
    days: list[tuple[tuple[int, int], ...]] = [() for _ in WEEKDAYS]
    if value is None:
        return tuple(days)
    mapping = _expect_mapping(value, "working_hours")
    seen: dict[int, str] = {}
    for raw_day, raw_intervals in mapping.items():
        day_name = str(raw_day).strip().lower()
        where = f"working_hours.{raw_day}"
        if day_name not in _WEEKDAY_ALIASES:
            raise PolicyError(where, f"unknown weekday {raw_day!r}; use mon, tue, wed, thu, fri, sat, sun")
        day = _WEEKDAY_ALIASES[day_name]
        if day in seen:
            raise PolicyError(where, f"weekday given twice (also as {seen[day]!r})")
        seen[day] = str(raw_day)
        if raw_intervals is None:
            continue
        if isinstance(raw_intervals, str):
            raw_intervals = [raw_intervals]
        intervals = [
            _parse_interval(item, f"{where}[{i}]")
            for i, item in enumerate(_expect_list(raw_intervals, where))
        ]
        intervals.sort()
        for (s1, e1), (s2, e2) in itertools.pairwise(intervals):
            if s2 < e1:
                raise PolicyError(
                    where,
                    f"intervals {_format_clock(s1)}-{_format_clock(e1)} and "
                    f"{_format_clock(s2)}-{_format_clock(e2)} overlap",
                )
        days[day] = tuple(intervals)
    return tuple(days)


def _parse_holidays(value: object) -> HolidaySpec:
    if value is None:
        return HolidaySpec()
    mapping = _expect_mapping(value, "holidays")
    unknown = sorted(str(k) for k in mapping if k not in ("country", "subdivision", "dates"))
    if unknown:
        raise PolicyError(f"holidays.{unknown[0]}", "unknown key; expected country, subdivision, dates")
    country = mapping.get("country")
    subdivision = mapping.get("subdivision")
    if country is not None:
        if not isinstance(country, str) or not country.strip():
            raise PolicyError("holidays.country", f"{country!r} is not a country code such as 'US'")
        country = country.strip().upper()
        if country not in holidays_lib.list_supported_countries():
            raise PolicyError(
                "holidays.country",
                f"unknown holiday country {country!r} (use an ISO 3166 code the holidays package supports, e.g. 'US')",
            )
    if subdivision is not None:
        if country is None:
            raise PolicyError("holidays.subdivision", "a subdivision needs a country")
        subdivision = str(subdivision).strip()
        try:
            holidays_lib.country_holidays(country, subdiv=subdivision)
        except NotImplementedError as exc:
            raise PolicyError(
                "holidays.subdivision", f"{country} has no subdivision {subdivision!r}"
            ) from exc
    dates: list[dt.date] = []
    raw_dates = mapping.get("dates")
    for i, item in enumerate(_expect_list(raw_dates, "holidays.dates") if raw_dates is not None else []):
        where = f"holidays.dates[{i}]"
        if isinstance(item, dt.datetime):
            raise PolicyError(where, f"{item!r} is a date and time; give a date 'YYYY-MM-DD'")
        if isinstance(item, dt.date):
            dates.append(item)
            continue
        try:
            dates.append(dt.date.fromisoformat(str(item).strip()))
        except ValueError as exc:
            raise PolicyError(where, f"{item!r} is not a date 'YYYY-MM-DD'") from exc
    return HolidaySpec(country=country, subdivision=subdivision, dates=tuple(sorted(set(dates))))


def _parse_states(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    states: list[str] = []
    keys: set[str] = set()
    for i, item in enumerate(_expect_list(value, where)):
        if not isinstance(item, str) or not item.strip():
            raise PolicyError(f"{where}[{i}]", f"{item!r} is not a state name")
        if normalise_state(item) not in keys:
            keys.add(normalise_state(item))
            states.append(item.strip())
    return tuple(states)


def _parse_applies_to(value: object) -> tuple[str, ...]:
    if value is None:
        return ("resolution",)
    chosen = set()
    for i, item in enumerate(_expect_list(value, "pause_applies_to")):
        if item not in CLOCKS:
            raise PolicyError(
                f"pause_applies_to[{i}]", f"{item!r} is not a clock; use response or resolution"
            )
        chosen.add(item)
    return tuple(c for c in CLOCKS if c in chosen)


def _parse_parties(value: object, pause_states: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    mapping = _expect_mapping(value, "pause_parties")
    by_key = {normalise_state(s): s for s in pause_states}
    pairs: dict[str, tuple[str, str]] = {}
    for raw_state, party in mapping.items():
        where = f"pause_parties.{raw_state}"
        state_key = normalise_state(str(raw_state))
        if state_key not in by_key:
            raise PolicyError(where, f"{raw_state!r} is not one of pause_states {list(pause_states)}")
        if party not in PARTIES:
            raise PolicyError(where, f"{party!r} is not a party; use hospital, vendor or third_party")
        if state_key in pairs:
            raise PolicyError(where, "state given twice")
        pairs[state_key] = (by_key[state_key], party)
    return tuple(pairs[normalise_state(s)] for s in pause_states if normalise_state(s) in pairs)


def _parse_targets(value: object) -> tuple[SlaTarget, ...]:
    if value is None:
        raise PolicyError("targets", "required: response and resolution targets per priority")
    mapping = _expect_mapping(value, "targets")
    if not mapping:
        raise PolicyError("targets", "at least one priority is needed")
    targets: dict[str, SlaTarget] = {}
    for raw_priority, spec in mapping.items():
        priority = str(raw_priority).strip()
        where = f"targets.{priority}"
        if not priority:
            raise PolicyError("targets", "a priority name is empty")
        if priority in targets:
            raise PolicyError(where, "priority given twice")
        spec = _expect_mapping(spec, where)
        unknown = sorted(str(k) for k in spec if k not in ("response", "resolution", "calendar"))
        if unknown:
            raise PolicyError(f"{where}.{unknown[0]}", "unknown key; expected response, resolution, calendar")
        for clock in CLOCKS:
            if clock not in spec:
                raise PolicyError(f"{where}.{clock}", "required")
        calendar = spec.get("calendar", CALENDAR_BUSINESS)
        calendar = calendar.strip().lower() if isinstance(calendar, str) else calendar
        if calendar not in CALENDARS:
            raise PolicyError(f"{where}.calendar", f"{calendar!r} is not a calendar; use business or 24x7")
        targets[priority] = SlaTarget(
            priority=priority,
            response_s=parse_duration(spec["response"], f"{where}.response"),
            resolution_s=parse_duration(spec["resolution"], f"{where}.resolution"),
            calendar=calendar,
        )
    return tuple(targets.values())


def _parse_warn_at(value: object) -> tuple[float, ...]:
    if value is None:
        return ()
    fractions: set[float] = set()
    for i, item in enumerate(_expect_list(value, "warn_at")):
        where = f"warn_at[{i}]"
        if isinstance(item, bool) or not isinstance(item, int | float) or math.isnan(item):
            raise PolicyError(where, f"{item!r} is not a number")
        if not 0 < item <= 1:
            raise PolicyError(
                where, f"{item!r} is outside (0, 1]: give a fraction of the target such as 0.75"
            )
        fractions.add(float(item))
    return tuple(sorted(fractions))


def load_policy(source: str | bytes | Mapping[str, Any]) -> SlaPolicySpec:
    """Validate a policy given as YAML/JSON text or as a parsed mapping."""
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig")
    if isinstance(source, str):
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise PolicyError("", f"not valid YAML: {exc}") from exc
    else:
        data = source
    mapping = _expect_mapping(data, "policy") if data is not None else {}
    unknown = sorted(str(k) for k in mapping if k not in _TOP_LEVEL_KEYS)
    if unknown:
        raise PolicyError(unknown[0], f"unknown key; expected one of {', '.join(_TOP_LEVEL_KEYS)}")
    timezone = _parse_timezone(mapping.get("timezone"))
    working_hours = _parse_working_hours(mapping.get("working_hours"))
    targets = _parse_targets(mapping.get("targets"))
    pause_states = _parse_states(mapping.get("pause_states"), "pause_states")
    spec = SlaPolicySpec(
        timezone=timezone,
        working_hours=working_hours,
        targets=targets,
        holidays=_parse_holidays(mapping.get("holidays")),
        pause_states=pause_states,
        pause_applies_to=_parse_applies_to(mapping.get("pause_applies_to")),
        pause_parties=_parse_parties(mapping.get("pause_parties"), pause_states),
        warn_at=_parse_warn_at(mapping.get("warn_at")),
    )
    if spec.has_business_targets and not any(spec.working_hours):
        business = [t.priority for t in targets if t.calendar == CALENDAR_BUSINESS]
        raise PolicyError(
            "working_hours",
            f"no working hours on any day, so business-time targets (priorities {', '.join(business)}) "
            "could never be reached; add working hours or mark those targets calendar: 24x7",
        )
    return spec


def policy_to_mapping(spec: SlaPolicySpec) -> dict[str, Any]:
    """The policy as plain data (what `load_policy` accepts), e.g. for a JSON field."""
    data: dict[str, Any] = {
        "timezone": spec.timezone,
        "working_hours": {
            WEEKDAYS[day]: [f"{_format_clock(s)}-{_format_clock(e)}" for s, e in intervals]
            for day, intervals in enumerate(spec.working_hours)
            if intervals
        },
    }
    holidays_data: dict[str, Any] = {}
    if spec.holidays.country:
        holidays_data["country"] = spec.holidays.country
    if spec.holidays.subdivision:
        holidays_data["subdivision"] = spec.holidays.subdivision
    if spec.holidays.dates:
        holidays_data["dates"] = [d.isoformat() for d in spec.holidays.dates]
    if holidays_data:
        data["holidays"] = holidays_data
    data["pause_states"] = list(spec.pause_states)
    data["pause_applies_to"] = list(spec.pause_applies_to)
    if spec.pause_parties:
        data["pause_parties"] = dict(spec.pause_parties)
    data["targets"] = {
        t.priority: {
            "response": format_duration(t.response_s),
            "resolution": format_duration(t.resolution_s),
            **({"calendar": t.calendar} if t.calendar != CALENDAR_BUSINESS else {}),
        }
        for t in spec.targets
    }
    data["warn_at"] = list(spec.warn_at)
    return data


def dump_policy(spec: SlaPolicySpec) -> str:
    """YAML text that `load_policy` turns back into an equal spec."""
    return yaml.safe_dump(
        policy_to_mapping(spec), sort_keys=False, allow_unicode=True, default_flow_style=None
    )
