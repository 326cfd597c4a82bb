"""The SLA computation over whole ticket arrays: elapsed business time, pauses, due instants, status.

Rules (the contract's semantics, applied identically by the CLI and the Django app):
- Business seconds are those of the policy's calendar (see calendar.py); a `24x7` target counts
  every second.
- Response runs from opened_at to the first response, or to the resolution when that came first
  or there was no response, or to `as_of` while neither has happened. Resolution runs from
  opened_at to resolved_at, or to `as_of`. A stop after `as_of` is not yet known at `as_of`, so
  the clock is still running then.
- The state at any instant is that of the latest event at or before it (file order breaks ties);
  an event before opened_at sets the state at opening. While the state is a pause state the
  clocks listed in pause_applies_to do not count. Only pauses up to the clock's stop are known.
- The due instant is the earliest instant at which elapsed time reaches the target, counting the
  pauses known up to the stop and none after it.
- Breached when elapsed exceeds the target (a stop exactly on target is met); an open clock that
  is not breached is at_risk from the first warn_at fraction of its target, else running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from .calendar import BusinessCalendar, calendar_for_instants
from .policy import CALENDAR_24X7, PARTIES, SlaPolicySpec, normalise_state
from .readers import EventArrays, TicketArrays
from .timeparse import epoch_seconds
from .zones import MISSING, format_instants

MET = "met"
BREACHED = "breached"
RUNNING = "running"
AT_RISK = "at_risk"
ERROR = "error"
UNATTRIBUTED = "unattributed"
_STATUS_NAMES = np.array([ERROR, MET, BREACHED, RUNNING, AT_RISK], dtype=object)
_ERROR, _MET, _BREACHED, _RUNNING, _AT_RISK = range(5)
_FAR_FUTURE = np.int64(2**62)


@dataclass(eq=False)
class SlaResults:
    """One entry per input ticket, in input order. Durations are whole seconds, instants int64
    UTC epoch seconds; both are MISSING on error rows, whose `error` says why (None elsewhere).

    `paused_by_party` splits `paused_s` (the resolution clock's paused business time) by the party
    that `pause_parties` attributes each pause state to, with UNATTRIBUTED for the others.
    `unknown_events` lists the events (line, id) whose ticket id is not among the tickets.
    """

    ids: pl.Series
    priority: pl.Series
    error: np.ndarray
    response_elapsed_s: np.ndarray
    resolution_elapsed_s: np.ndarray
    paused_s: np.ndarray
    response_paused_s: np.ndarray
    response_due: np.ndarray
    resolution_due: np.ndarray
    response_target_s: np.ndarray
    resolution_target_s: np.ndarray
    response_status: np.ndarray
    resolution_status: np.ndarray
    paused_by_party: dict[str, np.ndarray]
    unknown_events: pl.DataFrame
    timezone: str
    as_of: int

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def ok(self) -> np.ndarray:
        return np.equal(self.error, None)

    def frame(self) -> pl.DataFrame:
        """The results table of the CLI: exactly its columns, due instants in the policy's zone."""

        def seconds(values: np.ndarray) -> pl.Series:
            return pl.Series(values).set(pl.Series(values == MISSING), None)

        return pl.DataFrame(
            {
                "id": self.ids,
                "priority": self.priority,
                "response_elapsed_s": seconds(self.response_elapsed_s),
                "resolution_elapsed_s": seconds(self.resolution_elapsed_s),
                "paused_s": seconds(self.paused_s),
                "response_due": _strings(format_instants(self.response_due, self.timezone)),
                "resolution_due": _strings(format_instants(self.resolution_due, self.timezone)),
                "response_status": _strings(self.response_status),
                "resolution_status": _strings(self.resolution_status),
                "error": _strings(self.error),
            }
        )


def _strings(values: np.ndarray) -> pl.Series:
    """A string column from an object array of str/None (polars will not cast object arrays)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def compute(
    policy: SlaPolicySpec,
    tickets: TicketArrays,
    events: EventArrays | None = None,
    *,
    as_of: int | datetime,
) -> SlaResults:
    """Evaluate both SLA clocks of every ticket as of `as_of` (epoch seconds or aware datetime)."""
    as_of_s = epoch_seconds(as_of) if isinstance(as_of, datetime) else int(as_of)
    size = len(tickets)
    events = events if events is not None else EventArrays(ticket_id=[], at=np.empty(0, np.int64), state=[])

    first_line = _first_occurrence(tickets)
    event_rows, unknown_events, event_errors = _attach_events(tickets, events)
    errors = _ticket_errors(policy, tickets, as_of_s, first_line, event_errors)
    valid = np.flatnonzero(np.equal(errors, None))

    result = _empty_results(policy, tickets, errors, unknown_events, as_of_s)
    if valid.size == 0:
        return result

    target_index = (
        tickets.priority.gather(valid)
        .replace_strict(list(policy.priorities), list(range(len(policy.targets))), return_dtype=pl.Int64)
        .to_numpy()
    )
    targets = policy.targets
    is_24x7 = np.array([t.calendar == CALENDAR_24X7 for t in targets])[target_index]
    target = {
        clock: np.array([t.target_s(clock) for t in targets], dtype=np.int64)[target_index]
        for clock in ("response", "resolution")
    }
    opened = tickets.opened_at[valid]
    responded = tickets.first_response_at[valid]
    resolved = tickets.resolved_at[valid]
    resolved_known = (resolved != MISSING) & (resolved <= as_of_s)
    responded_known = (responded != MISSING) & (responded <= as_of_s)
    response_stop = np.minimum(
        np.where(responded_known, responded, _FAR_FUTURE), np.where(resolved_known, resolved, _FAR_FUTURE)
    )
    stops = {
        "response": (
            np.where(response_stop == _FAR_FUTURE, as_of_s, response_stop),
            response_stop == _FAR_FUTURE,
        ),
        "resolution": (np.where(resolved_known, resolved, as_of_s), ~resolved_known),
    }

    calendar = calendar_for_instants(policy, np.append(opened, as_of_s))
    pauses = _pause_intervals(policy, event_rows, valid, size)
    for clock in ("response", "resolution"):
        stop, running = stops[clock]
        clock_pauses = pauses if clock in policy.pause_applies_to else None
        elapsed, paused, due, attributed = _run_clock(
            calendar, is_24x7, opened, stop, target[clock], clock_pauses, valid.size
        )
        status = np.where(elapsed > target[clock], _BREACHED, np.where(running, _RUNNING, _MET))
        thresholds = np.array(
            [policy.warn_threshold_s(t.target_s(clock)) or 0 for t in targets], dtype=np.int64
        )
        if policy.warn_at:
            at_risk = (status == _RUNNING) & (elapsed >= thresholds[target_index])
            status = np.where(at_risk, _AT_RISK, status)
        getattr(result, f"{clock}_elapsed_s")[valid] = elapsed
        getattr(result, f"{clock}_due")[valid] = due
        getattr(result, f"{clock}_target_s")[valid] = target[clock]
        getattr(result, f"{clock}_status")[valid] = _STATUS_NAMES[status]
        if clock == "response":
            result.response_paused_s[valid] = paused
        else:
            result.paused_s[valid] = paused
            for party, seconds in attributed.items():
                result.paused_by_party[party][valid] = seconds
    return result


def _empty_results(
    policy: SlaPolicySpec, tickets: TicketArrays, errors: np.ndarray, unknown: pl.DataFrame, as_of: int
) -> SlaResults:
    size = len(tickets)
    ok = np.equal(errors, None)

    def instants() -> np.ndarray:
        return np.full(size, MISSING, dtype=np.int64)

    def status() -> np.ndarray:
        return np.where(ok, "", ERROR).astype(object)

    return SlaResults(
        ids=tickets.ids,
        priority=tickets.priority,
        error=errors,
        response_elapsed_s=instants(),
        resolution_elapsed_s=instants(),
        paused_s=instants(),
        response_paused_s=instants(),
        response_due=instants(),
        resolution_due=instants(),
        response_target_s=instants(),
        resolution_target_s=instants(),
        response_status=status(),
        resolution_status=status(),
        paused_by_party={party: np.where(ok, 0, MISSING) for party in (*PARTIES, UNATTRIBUTED)},
        unknown_events=unknown,
        timezone=policy.timezone,
        as_of=as_of,
    )


def _first_occurrence(tickets: TicketArrays) -> np.ndarray:
    """For each ticket, the line of the first ticket with its id (its own line when it is first)."""
    frame = pl.DataFrame({"id": tickets.ids, "line": tickets.line})
    return frame.select(pl.col("line").first().over("id")).to_series().to_numpy().astype(np.int64)


def _attach_events(
    tickets: TicketArrays, events: EventArrays
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """Events matched to ticket indices (the first ticket with each id).

    Returns (matched events: ticket, at, state, row; unknown events: line, id; and per ticket the
    reason of its first unreadable event, None when all were readable).
    """
    index = (
        pl.DataFrame({"id": tickets.ids})
        .with_row_index("ticket")
        .filter(pl.col("id").is_not_null() & pl.col("id").is_first_distinct())
    )
    frame = pl.DataFrame(
        {
            "id": events.ticket_id,
            "at": events.at,
            "state": events.state,
            "line": events.line,
            "error": _strings(events.error),
        }
    ).with_row_index("row")
    joined = frame.join(index, on="id", how="left", maintain_order="left")
    unknown = joined.filter(pl.col("ticket").is_null()).select("line", pl.col("id").fill_null(""))
    known = joined.filter(pl.col("ticket").is_not_null())
    event_errors = np.full(len(tickets), None, dtype=object)
    bad = known.filter(pl.col("error").is_not_null()).group_by("ticket").agg(pl.all().first())
    for ticket, line, row, reason in bad.select("ticket", "line", "row", "error").iter_rows():
        where = f"events line {line}" if line > 0 else f"event {row + 1}"
        event_errors[ticket] = f"{where}: {reason}"
    return known.select("ticket", "at", "state", "row"), unknown, event_errors


def _ticket_errors(
    policy: SlaPolicySpec,
    tickets: TicketArrays,
    as_of: int,
    first_line: np.ndarray,
    event_errors: np.ndarray,
) -> np.ndarray:
    """Why each ticket cannot be computed (None when it can), prefixed with its input line."""
    ids = tickets.ids
    no_id = (ids.is_null() | (ids.str.strip_chars() == "")).fill_null(True).to_numpy()
    duplicate = ~no_id & ~ids.is_first_distinct().to_numpy()
    unknown_priority = ~tickets.priority.is_in(list(policy.priorities)).fill_null(False).to_numpy()
    read_error = np.not_equal(tickets.error, None)
    opened, responded, resolved = tickets.opened_at, tickets.first_response_at, tickets.resolved_at
    has_opened = opened != MISSING
    checks: list[tuple[np.ndarray, Callable[[int], str]]] = [
        (read_error, lambda i: str(tickets.error[i])),
        (no_id, lambda i: "missing id"),
        (duplicate, lambda i: f"duplicate id {ids[i]!r} (first on line {first_line[i]})"),
        (
            unknown_priority,
            lambda i: (
                "missing priority"
                if not (tickets.priority[i] or "").strip()
                else f"unknown priority {tickets.priority[i]!r} (the policy defines {', '.join(policy.priorities)})"
            ),
        ),
        (~has_opened & ~read_error, lambda i: "missing opened_at"),
        (
            has_opened & (responded != MISSING) & (responded < opened),
            lambda i: (
                f"first_response_at {_iso(responded[i], policy)} is before opened_at {_iso(opened[i], policy)}"
            ),
        ),
        (
            has_opened & (resolved != MISSING) & (resolved < opened),
            lambda i: (
                f"resolved_at {_iso(resolved[i], policy)} is before opened_at {_iso(opened[i], policy)}"
            ),
        ),
        (
            has_opened & (opened > as_of),
            lambda i: f"opened_at {_iso(opened[i], policy)} is after the as-of instant {_iso(as_of, policy)}",
        ),
        (np.not_equal(event_errors, None), lambda i: str(event_errors[i])),
    ]
    failing = np.zeros(len(tickets), dtype=bool)
    for mask, _ in checks:
        failing |= mask
    errors = np.full(len(tickets), None, dtype=object)
    for i in map(int, np.flatnonzero(failing)):
        reasons = [describe(i) for mask, describe in checks if mask[i]]
        where = f"line {tickets.line[i]}" if tickets.line[i] > 0 else f"ticket {ids[i]!r}"
        errors[i] = f"{where}: {'; '.join(reasons)}"
    return errors


def _iso(instant: int, policy: SlaPolicySpec) -> str:
    return str(format_instants(np.array([instant], dtype=np.int64), policy.timezone)[0])


@dataclass(frozen=True)
class _Pauses:
    """Paused stretches [start, end) per valid ticket (its index among valid tickets), sorted."""

    ticket: np.ndarray
    start: np.ndarray
    end: np.ndarray
    party: np.ndarray  # index into (*PARTIES, UNATTRIBUTED)


def _pause_intervals(policy: SlaPolicySpec, events: pl.DataFrame, valid: np.ndarray, size: int) -> _Pauses:
    local = np.full(size, -1, dtype=np.int64)
    local[valid] = np.arange(valid.size)
    pause_keys = [normalise_state(s) for s in policy.pause_states]
    party_codes = {
        normalise_state(state): (*PARTIES, UNATTRIBUTED).index(policy.party_of(state) or UNATTRIBUTED)
        for state in policy.pause_states
    }
    ordered = (
        events.with_columns(local=pl.Series(local[events["ticket"].to_numpy().astype(np.int64)]))
        .filter(pl.col("local") >= 0)
        .sort(["local", "at", "row"])
        .with_columns(key=pl.col("state").str.strip_chars().str.to_lowercase())
    )
    ticket = ordered["local"].to_numpy()
    at = ordered["at"].to_numpy()
    following = np.append(ticket[1:] == ticket[:-1], False)
    next_at = np.where(following, np.append(at[1:], _FAR_FUTURE), _FAR_FUTURE)
    paused_mask = ordered["key"].is_in(pause_keys).to_numpy()
    party = (
        ordered["key"]
        .filter(pl.Series(paused_mask))
        .replace_strict(party_codes, return_dtype=pl.Int64)
        .to_numpy()
        if paused_mask.any()
        else np.empty(0, dtype=np.int64)
    )
    return _Pauses(ticket=ticket[paused_mask], start=at[paused_mask], end=next_at[paused_mask], party=party)


def _run_clock(
    calendar: BusinessCalendar,
    is_24x7: np.ndarray,
    opened: np.ndarray,
    stop: np.ndarray,
    target: np.ndarray,
    pauses: _Pauses | None,
    size: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(elapsed, paused, due, paused per party) of one clock for every valid ticket."""

    def position(instants: np.ndarray, which: np.ndarray) -> np.ndarray:
        return np.where(is_24x7[which], instants, calendar.position(instants))

    everyone = np.arange(size)
    start_position = position(opened, everyone)
    stop_position = position(stop, everyone)
    paused = np.zeros(size, dtype=np.int64)
    before_due = np.zeros(size, dtype=np.int64)
    by_party = {party: np.zeros(size, dtype=np.int64) for party in (*PARTIES, UNATTRIBUTED)}
    if pauses is not None and pauses.ticket.size:
        ticket = pauses.ticket
        start = np.maximum(pauses.start, opened[ticket])
        end = np.minimum(pauses.end, stop[ticket])
        keep = end > start
        ticket, start, end, party = ticket[keep], start[keep], end[keep], pauses.party[keep]
        pause_start = position(start, ticket)
        length = position(end, ticket) - pause_start
        np.add.at(paused, ticket, length)
        for code, name in enumerate((*PARTIES, UNATTRIBUTED)):
            chosen = party == code
            np.add.at(by_party[name], ticket[chosen], length[chosen])
        # Elapsed time when each pause begins: business time since opening minus earlier pauses
        # of the same ticket (a cumulative sum restarted at each ticket's first pause).
        total = np.cumsum(length)
        first = np.append(True, ticket[1:] != ticket[:-1])
        group_start = np.maximum.accumulate(np.where(first, np.arange(ticket.size), 0))
        earlier = total - length - (total[group_start] - length[group_start])
        elapsed_at_start = pause_start - start_position[ticket] - earlier
        counts = elapsed_at_start < target[ticket]
        np.add.at(before_due, ticket[counts], length[counts])
    elapsed = stop_position - start_position - paused
    due_position = start_position + target + before_due
    business = ~is_24x7
    due = due_position.copy()
    if business.any():
        calendar = calendar.covering_positions(due_position[business])
        due[business] = calendar.instant(due_position[business])
    return elapsed, paused, due, by_party
