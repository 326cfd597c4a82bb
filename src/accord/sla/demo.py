"""Demo: the Northbridge service-desk contract with a versioned policy and a year of realistic tickets.

Tickets go through the real import (a generated export, uploaded by Northbridge's service manager)
and the real computation, so the demo report shows what a customer would see.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from accord.core.demo import DemoContext
from accord.core.services import create_record
from accord.sla import services
from accord.sla.choices import Clock, ImportMode, ReportingFrequency
from accord.sla.models import AttainmentTarget, Contract

TIMEZONE = "America/Chicago"
ZONE = ZoneInfo(TIMEZONE)
POLICY_V1 = """\
# Northbridge service desk SLA (schedule 4 of the master services agreement).
timezone: America/Chicago
working_hours:
  mon: "07:00-19:00"
  tue: "07:00-19:00"
  wed: "07:00-19:00"
  thu: "07:00-19:00"
  fri: "07:00-19:00"
holidays:
  country: US
  subdivision: IL
pause_states: [Awaiting Customer, Awaiting Third Party, Vendor Hold]
pause_applies_to: [resolution]
pause_parties:
  Awaiting Customer: hospital
  Awaiting Third Party: third_party
  Vendor Hold: vendor
targets:
  P1: {response: 15m, resolution: 4h, calendar: 24x7}
  P2: {response: 1h, resolution: 8h}
  P3: {response: 4h, resolution: 24h}
  P4: {response: 8h, resolution: 72h}
warn_at: [0.75, 0.9]
"""
# Version 2 (after the quarterly service review): P3 resolution tightened to 20 business hours.
POLICY_V2 = POLICY_V1.replace(
    "P3: {response: 4h, resolution: 24h}", "P3: {response: 4h, resolution: 20h}"
).replace(
    "# Northbridge service desk SLA (schedule 4 of the master services agreement).",
    "# Northbridge service desk SLA, amended at the Q2 service review: P3 resolution 20h.",
)

# priority: (share of tickets, response target h, resolution target h, business calendar?)
PRIORITIES = {
    "P1": (0.03, 0.25, 4, False),
    "P2": (0.17, 1, 8, True),
    "P3": (0.50, 4, 24, True),
    "P4": (0.30, 8, 72, True),
}
# Business hours per wall-clock hour on this calendar (60 open hours a week of 168).
BUSINESS_SHARE = 60 / 168
TICKETS = 4000

TARGETS = [  # priority, clock, target %, credit % of the monthly fee when missed
    ("P1", Clock.RESPONSE, "95", "5"),
    ("P1", Clock.RESOLUTION, "95", "10"),
    ("P2", Clock.RESPONSE, "95", "3"),
    ("P2", Clock.RESOLUTION, "90", "5"),
    ("P3", Clock.RESOLUTION, "85", "2"),
    ("P4", Clock.RESOLUTION, "80", "1"),
]


def seed(demo: DemoContext) -> None:
    program = demo.outsourcing
    manager = demo.people["transition_pm"]
    start = demo.today.replace(day=1) - dt.timedelta(days=365)
    start = start.replace(day=1)
    contract = create_record(
        model=Contract,
        actor=manager,
        data={
            "program": program,
            "vendor": demo.organisations["northbridge"],
            "name": "Northbridge Managed Service Desk",
            "start_date": start,
            "end_date": start.replace(year=start.year + 5) - dt.timedelta(days=1),
            "reporting_frequency": ReportingFrequency.MONTHLY,
            "period_fee": Decimal("85000.00"),
            "currency": "USD",
        },
    )
    for priority, clock, target, credit in TARGETS:
        create_record(
            model=AttainmentTarget,
            actor=manager,
            data={
                "program": program,
                "contract": contract,
                "priority": priority,
                "clock": clock,
                "target_percent": Decimal(target),
                "service_credit_percent": Decimal(credit),
            },
        )
    first = services.create_policy(
        contract=contract,
        name="Service desk SLA (schedule 4)",
        yaml_text=POLICY_V1,
        effective_from=start,
        actor=manager,
        note="As signed.",
    )
    amended_from = (demo.today - dt.timedelta(days=120)).replace(day=1)
    second = services.create_policy_version(
        policy=first.policy,
        yaml_text=POLICY_V2,
        effective_from=amended_from,
        actor=manager,
        note="Q2 service review: P3 resolution 24h → 20h.",
    )

    tickets, events = generate_export(start=start, end=demo.today - dt.timedelta(days=1), seed=20261123)
    services.import_tickets(
        contract=contract,
        source=tickets,
        events_source=events,
        file_name="northbridge-incidents-12-months.csv",
        actor=demo.people["nb_service"],
        mode=ImportMode.VALID_ROWS,
    )
    as_of = dt.datetime.combine(demo.today, dt.time(8, 0), tzinfo=ZONE)
    services.compute_results(contract=contract, as_of=as_of, actor=manager)
    demo.extra["sla"] = {"contract": contract, "versions": [first, second]}


def generate_export(*, start: dt.date, end: dt.date, seed: int, count: int = TICKETS) -> tuple[bytes, bytes]:
    """A deterministic year of incidents (generic CSV) and their state changes.

    Breaches cluster in the transition's difficult months (months 3 to 5), and a share of tickets sits
    in "Awaiting Customer", which the policy attributes to the hospital.
    """
    rng = random.Random(seed)
    days = (end - start).days
    names, weights = list(PRIORITIES), [p[0] for p in PRIORITIES.values()]
    ticket_lines = ["id,priority,opened_at,first_response_at,resolved_at"]
    event_lines = ["id,at,state"]
    openings = sorted(_opening(rng, start, days) for _ in range(count))
    for n, opened in enumerate(openings, start=1):
        priority = rng.choices(names, weights)[0]
        _share, response_h, resolution_h, business = PRIORITIES[priority]
        month = (opened.year - start.year) * 12 + opened.month - start.month
        strain = 1.5 if 2 <= month <= 4 else 1.0  # the hard months of the transition
        wall = (1 / BUSINESS_SHARE) if business else 1.0
        response = opened + dt.timedelta(hours=response_h * wall * _factor(rng, 0.12 * strain))
        resolved = response + dt.timedelta(hours=resolution_h * wall * _factor(rng, 0.25 * strain))
        ticket_id = f"INC{100000 + n}"
        age_days = (dt.datetime.combine(end, dt.time(23, 59)) - opened).total_seconds() / 86400
        still_open = age_days < 12 and rng.random() < 0.5 - age_days / 30
        event_lines.append(f"{ticket_id},{_iso(opened)},New")
        event_lines.append(f"{ticket_id},{_iso(response)},In Progress")
        horizon = dt.datetime.combine(end, dt.time(7, 0)) if still_open else resolved
        roll = rng.random()
        pause_state = (
            "Awaiting Customer"
            if roll < 0.25
            else "Vendor Hold"
            if roll < 0.31
            else "Awaiting Third Party"
            if roll < 0.35
            else None
        )
        if pause_state and horizon > response + dt.timedelta(minutes=30):
            pause_start = response + (horizon - response) * rng.uniform(0.1, 0.5)
            pause_end = min(
                pause_start + dt.timedelta(hours=rng.uniform(1, 30)), horizon - dt.timedelta(minutes=5)
            )
            if pause_end > pause_start:
                event_lines.append(f"{ticket_id},{_iso(pause_start)},{pause_state}")
                event_lines.append(f"{ticket_id},{_iso(pause_end)},In Progress")
                # A pause stops the clock, so the fix lands that much later on the wall clock.
                if not still_open:
                    resolved += pause_end - pause_start
        if still_open:
            ticket_lines.append(f"{ticket_id},{priority},{_iso(opened)},{_iso(response)},")
            if response > dt.datetime.combine(end, dt.time(7, 0)):
                ticket_lines[-1] = f"{ticket_id},{priority},{_iso(opened)},,"
        else:
            ticket_lines.append(f"{ticket_id},{priority},{_iso(opened)},{_iso(response)},{_iso(resolved)}")
            event_lines.append(f"{ticket_id},{_iso(resolved)},Resolved")
    return ("\n".join(ticket_lines) + "\n").encode(), ("\n".join(event_lines) + "\n").encode()


def _opening(rng: random.Random, start: dt.date, days: int) -> dt.datetime:
    """Most incidents are raised in working hours on weekdays; some at night and at weekends."""
    while True:
        day = start + dt.timedelta(days=rng.randrange(days))
        weekend = day.weekday() >= 5
        if weekend and rng.random() < 0.7:
            continue
        hour = rng.uniform(7, 18.5) if rng.random() < 0.85 else rng.uniform(0, 24)
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)


def _factor(rng: random.Random, median: float) -> float:
    """A right-skewed share of the target: most tickets well within it, a tail beyond it."""
    return median * math.exp(rng.gauss(0, 0.75))


def _iso(moment: dt.datetime) -> str:
    """Local wall-clock time with its offset, as service desk tools export it (unambiguous around DST)."""
    return moment.replace(tzinfo=ZONE).isoformat(timespec="minutes")
