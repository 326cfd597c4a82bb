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
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from .calendar import BusinessCalendar, calendar_for_instants
from .policy import CALENDAR_24X7, PARTIES, SlaPolicySpec, normalise_state
from .readers import CLAIM_KINDS, EventArrays, TicketArrays
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
    vendor_claim: dict[str, np.ndarray] = field(default_factory=dict)
    """The vendor's own verdict per ticket, as read from its export (TicketArrays.vendor_claim):
    CLAIM_KINDS -> 'met' / 'breached' / None, beside the engine's own statuses."""

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def ok(self) -> np.ndarray:
        return np.equal(self.error, None)

    def frame(self, *, vendor_claims: bool = False) -> pl.DataFrame:
        """The results table of the CLI: exactly its columns, due instants in the policy's zone;
        with `vendor_claims`, then vendor_response_claim, vendor_resolution_claim and
        vendor_overall_claim."""

        def seconds(values: np.ndarray) -> pl.Series:
            return pl.Series(values).set(pl.Series(values == MISSING), None)

        return pl.DataFrame(
            {
                "id": self.ids,
                "priority": self.priority,
                "response_elapsed_s": seconds(self.response_elapsed_s),
                "resolution_elapsed_s": seconds(self.resolution_elapsed_s),
                "paused_s": seconds(self.paused_s),
                "response_due": format_instants(self.response_due, self.timezone),
                "resolution_due": format_instants(self.resolution_due, self.timezone),
                "response_status": _strings(self.response_status),
                "resolution_status": _strings(self.resolution_status),
                "error": _strings(self.error),
                **(
                    {f"vendor_{kind}_claim": _strings(self.vendor_claim[kind]) for kind in CLAIM_KINDS}
                    if vendor_claims
                    else {}
                ),
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

    first = _first_of_each_id(tickets.ids)
    event_ticket, unknown_events, event_errors = _attach_events(tickets, events, first)
    errors = _ticket_errors(policy, tickets, as_of_s, first, event_errors)
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

    timeline = _Timeline.build(calendar_for_instants(policy, np.append(opened, as_of_s)), is_24x7, opened)
    pauses = _pause_intervals(policy, events, event_ticket, valid, size)
    for clock in ("response", "resolution"):
        stop, running = stops[clock]
        clock_pauses = pauses if clock in policy.pause_applies_to else None
        elapsed, paused, due, attributed = _run_clock(timeline, stop, target[clock], clock_pauses)
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
        values = np.full(size, "", dtype=object)  # one shared str object, not one per ticket
        values[~ok] = ERROR
        return values

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
        vendor_claim=dict(tickets.vendor_claim),
    )


def _first_lines(tickets: TicketArrays, repeated: np.ndarray) -> np.ndarray:
    """For the tickets at `repeated`, the line of the first ticket with the same id."""
    frame = pl.DataFrame({"id": tickets.ids, "line": tickets.line})
    return frame.select(pl.col("line").first().over("id")).to_series().to_numpy()[repeated]


def _distinct_hashes(hashes: pl.Series) -> bool:
    # Counting distinct 64-bit integers is several times cheaper than finding which repeat.
    return hashes.n_unique() == hashes.len()


def _first_of_each_id(ids: pl.Series) -> np.ndarray:
    """Per ticket: whether it is the first with its id (and has one)."""
    if _distinct_hashes(ids.hash(seed=0)):  # distinct hashes: distinct ids, nothing repeats
        return ids.is_not_null().to_numpy()
    return (ids.is_first_distinct() & ids.is_not_null()).to_numpy()


def _match_ids(ticket_ids: pl.Series, event_ids: pl.Series, first: np.ndarray) -> np.ndarray:
    """Index of the first ticket with each event's id, -1 when no ticket has it.

    Joining on 64-bit hashes is about twice as fast as joining on the strings; the joined rows
    carry both ids, which are compared in the same pass, so a collision can never pair wrong ids.
    """
    if event_ids.len() == 0:
        return np.empty(0, dtype=np.int64)
    candidates = np.flatnonzero(first)
    if candidates.size == 0:
        return np.full(event_ids.len(), -1, dtype=np.int64)
    candidate_ids = ticket_ids if candidates.size == ticket_ids.len() else ticket_ids.gather(candidates)
    index = pl.DataFrame(
        {"hash": candidate_ids.hash(seed=0), "ticket_id": candidate_ids, "ticket": candidates}
    )
    if not _distinct_hashes(index["hash"]):  # two ids share a hash: join by string instead
        joined = pl.DataFrame({"ticket_id": event_ids}).join(
            index.drop("hash"), on="ticket_id", how="left", maintain_order="left"
        )
        return joined["ticket"].fill_null(-1).to_numpy().astype(np.int64)
    # An inner join in any order, scattered back by event row, costs about half a left join that
    # keeps the events' order; each event meets at most one ticket, since the hashes are distinct.
    joined = (
        pl.DataFrame({"hash": event_ids.hash(seed=0), "id": event_ids})
        .with_row_index("event")
        .join(index, on="hash", how="inner")
        .filter(pl.col("id") == pl.col("ticket_id"))
    )
    ticket = np.full(event_ids.len(), -1, dtype=np.int64)
    ticket[joined["event"].to_numpy()] = joined["ticket"].to_numpy()
    return ticket


def _attach_events(
    tickets: TicketArrays, events: EventArrays, first: np.ndarray
) -> tuple[np.ndarray, pl.DataFrame, np.ndarray]:
    """Match events to tickets (the first ticket with each id).

    Returns (per event the ticket index or -1; the unknown events as (line, id); per ticket the
    reason of its first unreadable event, None when all were readable).
    """
    ticket = _match_ids(tickets.ids, events.ticket_id, first)
    unknown_rows = np.flatnonzero(ticket < 0)
    unknown = pl.DataFrame(
        {"line": events.line[unknown_rows], "id": events.ticket_id.gather(unknown_rows).fill_null("")}
    )
    event_errors = np.full(len(tickets), None, dtype=object)
    unreadable = np.flatnonzero(np.not_equal(events.error, None) & (ticket >= 0))
    if unreadable.size:
        _, first = np.unique(ticket[unreadable], return_index=True)
        for row in map(int, unreadable[first]):
            line = int(events.line[row])
            where = f"events line {line}" if line > 0 else f"event {row + 1}"
            event_errors[ticket[row]] = f"{where}: {events.error[row]}"
    return ticket, unknown, event_errors


def _ticket_errors(
    policy: SlaPolicySpec,
    tickets: TicketArrays,
    as_of: int,
    first: np.ndarray,
    event_errors: np.ndarray,
) -> np.ndarray:
    """Why each ticket cannot be computed (None when it can), prefixed with its input line."""
    ids = tickets.ids
    no_id = (ids.is_null() | (ids.str.strip_chars() == "")).fill_null(True).to_numpy()
    duplicate = ~no_id & ~first
    first_line = np.zeros(len(tickets), dtype=np.int64)
    if duplicate.any():
        first_line[duplicate] = _first_lines(tickets, np.flatnonzero(duplicate))
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


def _state_codes(policy: SlaPolicySpec, states: pl.Series) -> np.ndarray:
    """Per event: -1 when its state is not a pause state, else the index of its party in
    (*PARTIES, UNATTRIBUTED).

    Distinct states are few: each is classified once, and events are matched to them by string
    hash (exact, because every event's state is one of those distinct strings and their hashes
    are checked to differ).
    """
    parties = (*PARTIES, UNATTRIBUTED)
    pause_keys = {normalise_state(s) for s in policy.pause_states}
    distinct = states.unique().drop_nulls()
    codes = np.array(
        [
            parties.index(policy.party_of(state) or UNATTRIBUTED)
            if normalise_state(state) in pause_keys
            else -1
            for state in distinct.to_list()
        ],
        dtype=np.int64,
    )
    if not (codes >= 0).any():
        return np.full(len(states), -1, dtype=np.int64)
    distinct_hashes = distinct.hash(seed=0).to_numpy()
    order = np.argsort(distinct_hashes)
    sorted_hashes = distinct_hashes[order]
    if np.any(sorted_hashes[1:] == sorted_hashes[:-1]):  # a hash collision between states: look up by string
        mapping = dict(zip(distinct.to_list(), codes.tolist(), strict=True))
        return states.replace_strict(mapping, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()
    hashes = states.hash(seed=0).to_numpy()
    position = np.minimum(np.searchsorted(sorted_hashes, hashes), sorted_hashes.size - 1)
    result = codes[order][position]
    result[states.is_null().to_numpy()] = -1
    return result


def _pause_intervals(
    policy: SlaPolicySpec, events: EventArrays, event_ticket: np.ndarray, valid: np.ndarray, size: int
) -> _Pauses:
    """Each valid ticket's paused stretches: from an event in a pause state to the ticket's next
    event (or indefinitely), sorted by ticket and time; ties keep the events' order."""
    local = np.full(size + 1, -1, dtype=np.int64)  # the extra slot maps unknown events (-1) to -1
    local[valid] = np.arange(valid.size)
    ticket = local[event_ticket]
    code = _state_codes(policy, events.state)
    known = ticket >= 0
    if known.all():  # the usual case: no gathers needed
        at = events.at
    else:
        rows = np.flatnonzero(known)
        ticket, at, code = ticket[rows], events.at[rows], code[rows]
    if ticket.size == 0 or not (code >= 0).any():
        empty = np.empty(0, dtype=np.int64)
        return _Pauses(ticket=empty, start=empty, end=empty, party=empty)
    first_at = int(at.min())
    span = int(at.max()) - first_at + 1
    if valid.size * span < 2**59 and len(PARTIES) + 2 <= 1 << _CODE_BITS:
        return _pauses_by_sorted_keys(ticket, at, code, first_at, span)
    if valid.size * span < 2**62:
        # One stable sort on one int64 key (ticket, then time) that also yields the sorted keys, so
        # tickets and times are read back from them; only the paused events are looked at after it.
        ordered = (
            pl.DataFrame({"key": ticket * span + (at - first_at)})
            .with_row_index("row")
            .sort("key", maintain_order=True)
        )
        order = ordered["row"].to_numpy()
        key = ordered["key"].to_numpy()
        paused = np.flatnonzero(code[order] >= 0)
        pause_key = key[paused]
        pause_ticket = pause_key // span
        start = pause_key - pause_ticket * span + first_at
        following = np.append(key, -1)[paused + 1]  # the next event in sorted order, -1 past the last
        next_ticket = following // span
        end = np.where(next_ticket == pause_ticket, following - next_ticket * span + first_at, _FAR_FUTURE)
        return _Pauses(ticket=pause_ticket, start=start, end=end, party=code[order[paused]])
    order = np.lexsort((np.arange(ticket.size), at, ticket))
    ticket, at, code = ticket[order], at[order], code[order]
    following = np.append(ticket[1:] == ticket[:-1], False)
    next_at = np.where(following, np.append(at[1:], _FAR_FUTURE), _FAR_FUTURE)
    paused = code >= 0
    return _Pauses(ticket=ticket[paused], start=at[paused], end=next_at[paused], party=code[paused])


_CODE_BITS = 3  # a state's code + 1 (0 not paused, 1.. the party) in the lowest bits of the sort key


def _pauses_by_sorted_keys(
    ticket: np.ndarray, at: np.ndarray, code: np.ndarray, first_at: int, span: int
) -> _Pauses:
    """`_pause_intervals` by sorting values instead of rows: each event is one int64 of ticket,
    time and (in the lowest bits) its state's code, so an unstable value sort (about a third of a
    stable sort that also carries row numbers) puts every event where the stable sort would, except
    among events of one ticket at one second, whose file order then decides; those few are put
    back in file order. Needs tickets x span < 2**59."""
    key = ticket * span
    key += at
    key -= first_at
    key <<= _CODE_BITS
    key += code + 1
    ordered = pl.Series(key).sort().to_numpy()
    moment = ordered >> _CODE_BITS  # ticket * span + time since first_at
    tied = moment[1:] == moment[:-1]
    if tied.any():
        # Ties sorted by code above: re-sort just the tied events by (moment, file order).
        in_tie = np.zeros(ordered.size, dtype=bool)
        in_tie[1:] |= tied
        in_tie[:-1] |= tied
        positions = np.flatnonzero(in_tie)
        tied_moments = np.unique(moment[positions])
        # A hash lookup: np.isin sorts all events once the tied moments number more than ~90.
        tied_rows = pl.Series(key >> _CODE_BITS).is_in(pl.Series(tied_moments).implode())
        rows = np.flatnonzero(tied_rows.to_numpy())  # ascending: file order
        tied_keys = key[rows]
        ordered = ordered.copy()  # polars' array is read-only
        ordered[positions] = tied_keys[np.argsort(tied_keys >> _CODE_BITS, kind="stable")]
    state = ordered & ((1 << _CODE_BITS) - 1)
    paused = np.flatnonzero(state)
    pause_moment = moment[paused]
    pause_ticket = pause_moment // span
    start = pause_moment - pause_ticket * span + first_at
    after = paused + 1  # the next event in sorted order, -1 past the last
    past_last = after == ordered.size
    np.minimum(after, ordered.size - 1, out=after)
    following = moment.take(after)
    following[past_last] = -1
    next_ticket = following // span
    end = np.where(next_ticket == pause_ticket, following - next_ticket * span + first_at, _FAR_FUTURE)
    return _Pauses(ticket=pause_ticket, start=start, end=end, party=state[paused] - 1)


@dataclass(frozen=True)
class _Timeline:
    """Business-time positions of instants for the valid tickets: their calendar's, or the
    instants themselves for 24x7 targets (every second counts)."""

    calendar: BusinessCalendar
    is_24x7: np.ndarray
    opened: np.ndarray
    opened_position: np.ndarray

    @classmethod
    def build(cls, calendar: BusinessCalendar, is_24x7: np.ndarray, opened: np.ndarray) -> _Timeline:
        return cls(calendar, is_24x7, opened, np.where(is_24x7, opened, calendar.position(opened)))

    def position(self, instants: np.ndarray, tickets: np.ndarray | None = None) -> np.ndarray:
        is_24x7 = self.is_24x7 if tickets is None else self.is_24x7[tickets]
        return np.where(is_24x7, instants, self.calendar.position(instants))

    def instant(self, positions: np.ndarray) -> np.ndarray:
        """Earliest instant at each position (extending the calendar as far as needed)."""
        result = positions.copy()
        business = ~self.is_24x7
        if business.any():
            calendar = self.calendar.covering_positions(positions[business])
            result[business] = calendar.instant(positions[business])
        return result


def _run_clock(
    timeline: _Timeline, stop: np.ndarray, target: np.ndarray, pauses: _Pauses | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(elapsed, paused, due, paused per party) of one clock for every valid ticket."""
    size = stop.size
    start_position = timeline.opened_position
    paused = np.zeros(size, dtype=np.int64)
    before_due = np.zeros(size, dtype=np.int64)
    by_party = np.zeros((size, len(PARTIES) + 1), dtype=np.int64)
    if pauses is not None and pauses.ticket.size:
        ticket = pauses.ticket
        start = np.maximum(pauses.start, timeline.opened[ticket])
        end = np.minimum(pauses.end, stop[ticket])
        keep = end > start
        ticket, start, end, party = ticket[keep], start[keep], end[keep], pauses.party[keep]
        pause_start = timeline.position(start, ticket)
        length = timeline.position(end, ticket) - pause_start
        np.add.at(paused, ticket, length)
        np.add.at(by_party, (ticket, party), length)
        # Elapsed time when each pause begins: business time since opening minus earlier pauses
        # of the same ticket (a cumulative sum restarted at each ticket's first pause).
        total = np.cumsum(length)
        first = np.append(True, ticket[1:] != ticket[:-1])
        group_start = np.maximum.accumulate(np.where(first, np.arange(ticket.size), 0))
        earlier = total - length - (total[group_start] - length[group_start])
        elapsed_at_start = pause_start - start_position[ticket] - earlier
        # A pause that begins once the target is reached cannot delay the due instant.
        counts = elapsed_at_start < target[ticket]
        np.add.at(before_due, ticket[counts], length[counts])
    elapsed = timeline.position(stop) - start_position - paused
    due = timeline.instant(start_position + target + before_due)
    parties = {name: by_party[:, code] for code, name in enumerate((*PARTIES, UNATTRIBUTED))}
    return elapsed, paused, due, parties
