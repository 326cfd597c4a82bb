"""One FilterSet per programs model (and the audit trail read through programs), for the API."""

from __future__ import annotations

from django_filters import rest_framework as filters

from accord.core.filters import ProgramFilterSet
from accord.core.models import AuditEntry
from accord.programs.models import Membership


class MembershipFilterSet(ProgramFilterSet):
    class Meta:
        model = Membership
        fields = ["program", "role", "person"]


class AuditEntryFilterSet(ProgramFilterSet):
    actor = filters.NumberFilter(field_name="actor_id")
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["program", "actor", "action", "object_type", "object_id", "since", "until"]
