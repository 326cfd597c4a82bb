"""Factories and small hand-checkable policies for the SLA app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from accord.accounts.models import OrganisationKind
from accord.core.demo import SYSTEM_ACTOR
from accord.sla import services
from accord.sla.choices import Clock, ReportingFrequency
from accord.sla.models import AttainmentTarget, Contract, SlaPolicyVersion, Ticket
from tests.factories import OrganisationFactory, ProgramFactory

# Round-the-clock UTC calendar so that expected durations can be checked by hand.
POLICY_24X7 = """\
timezone: UTC
pause_states: [Awaiting customer, Awaiting supplier, Vendor hold]
pause_parties:
  Awaiting customer: hospital
  Awaiting supplier: third_party
  Vendor hold: vendor
targets:
  P1: {response: 30m, resolution: 4h, calendar: 24x7}
  P2: {response: 1h, resolution: 8h, calendar: 24x7}
warn_at: [0.75]
"""

# The same targets, with P2 resolution doubled: a later, more lenient version.
POLICY_24X7_LENIENT = POLICY_24X7.replace("resolution: 8h", "resolution: 16h")

BUSINESS_POLICY = """\
timezone: America/Chicago
working_hours: {mon: "08:00-17:00", tue: "08:00-17:00", wed: "08:00-17:00", thu: "08:00-17:00", fri: "08:00-17:00"}
holidays: {country: US, subdivision: IL}
targets:
  P2: {response: 1h, resolution: 8h}
"""


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    program = factory.SubFactory(ProgramFactory)
    vendor = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.OUTSOURCER)
    name = factory.Sequence(lambda n: f"Service desk contract {n}")
    start_date = dt.date(2024, 1, 1)
    end_date = dt.date(2026, 12, 31)
    reporting_frequency = ReportingFrequency.MONTHLY
    period_fee = Decimal("10000.00")
    currency = "USD"


class AttainmentTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttainmentTarget

    contract = factory.SubFactory(ContractFactory)
    program = factory.LazyAttribute(lambda o: o.contract.program)
    priority = "P2"
    clock = Clock.RESOLUTION
    target_percent = Decimal("90")
    service_credit_percent = Decimal("5")


def policy_for(
    contract: Contract,
    text: str = POLICY_24X7,
    effective_from: dt.date = dt.date(2024, 1, 1),
    actor: Any = SYSTEM_ACTOR,
) -> SlaPolicyVersion:
    """A contract's policy with one version (created through the service, as the app does)."""
    return services.create_policy(
        contract=contract,
        name=f"{contract.name} SLA",
        yaml_text=text,
        effective_from=effective_from,
        actor=actor,
        check=False,
    )


def tickets_csv(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    header = "id,priority,opened_at,first_response_at,resolved_at\n"
    return (header + "".join(",".join(r) + "\n" for r in rows)).encode()


def events_csv(rows: list[tuple[str, str, str]]) -> bytes:
    return ("id,at,state\n" + "".join(",".join(r) + "\n" for r in rows)).encode()


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket as an import stores it (tests of reports and disputes need no file)."""

    class Meta:
        model = Ticket

    contract = factory.SubFactory(ContractFactory)
    program = factory.LazyAttribute(lambda o: o.contract.program)
    external_id = factory.Sequence(lambda n: f"INC{n:05d}")
    priority = "P2"
    opened_at = dt.datetime(2024, 1, 2, 8, tzinfo=dt.UTC)
    first_response_at = None
    resolved_at = None
