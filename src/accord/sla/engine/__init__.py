"""The SLA engine: pure, vectorised computation of SLA clocks from tickets and state events.

No Django here: the CLI (`accord.sla.cli`) and the Django app both call `compute` with arrays.
"""

from .calendar import BusinessCalendar, build_calendar
from .compute import AT_RISK, BREACHED, ERROR, MET, RUNNING, UNATTRIBUTED, SlaResults, compute
from .policy import (
    PARTIES,
    HolidaySpec,
    PolicyError,
    SlaPolicySpec,
    SlaTarget,
    dump_policy,
    load_policy,
    policy_to_mapping,
)
from .readers import (
    CLAIM_BREACHED,
    CLAIM_KINDS,
    CLAIM_MET,
    JIRA_DEFAULT_PRIORITIES,
    EventArrays,
    InputError,
    TicketArrays,
    read_events,
    read_generic_tickets,
    read_jira,
    read_jira_history,
    read_servicenow,
)
from .timeparse import epoch_seconds, parse_instant
from .zones import MISSING, format_instants

__all__ = [
    "AT_RISK",
    "BREACHED",
    "CLAIM_BREACHED",
    "CLAIM_KINDS",
    "CLAIM_MET",
    "ERROR",
    "JIRA_DEFAULT_PRIORITIES",
    "MET",
    "MISSING",
    "PARTIES",
    "RUNNING",
    "UNATTRIBUTED",
    "BusinessCalendar",
    "EventArrays",
    "HolidaySpec",
    "InputError",
    "PolicyError",
    "SlaPolicySpec",
    "SlaResults",
    "SlaTarget",
    "TicketArrays",
    "build_calendar",
    "compute",
    "dump_policy",
    "epoch_seconds",
    "format_instants",
    "load_policy",
    "parse_instant",
    "policy_to_mapping",
    "read_events",
    "read_generic_tickets",
    "read_jira",
    "read_jira_history",
    "read_servicenow",
]
