"""A critical service with a knowledge gap past its due date raises a red flag, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from accord.core.permissions import Role
from accord.governance.models import RedFlag
from accord.transition import services
from tests.factories import MembershipFactory
from tests.transition.factories import KnowledgeTemplateFactory, ServiceFactory, approved_item

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 7, tzinfo=dt.UTC)


def test_a_critical_gap_past_due_raises_one_red_flag_however_often_the_check_runs(
    django_capture_on_commit_callbacks: Any,
) -> None:
    service = ServiceFactory(
        name="EHR interface engine", criticality=1, knowledge_due_on=dt.date(2026, 12, 1)
    )
    manager = MembershipFactory(program=service.program, role=Role.PROGRAM_MANAGER).person
    KnowledgeTemplateFactory(program=service.program, name="Runbook")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue_knowledge_gaps(now=NOW) == [service]
    assert services.flag_overdue_knowledge_gaps(now=NOW + dt.timedelta(days=1)) == []
    flag = RedFlag.objects.get()
    assert flag.title == "Knowledge gap on critical service EHR interface engine"
    assert "Runbook" in flag.description and flag.raised_by == service.internal_owner
    service.refresh_from_db()
    assert service.coverage_red_flag == flag
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_no_flag_before_the_due_date_for_a_covered_or_a_less_critical_service() -> None:
    covered = ServiceFactory(criticality=1, knowledge_due_on=dt.date(2026, 12, 1))
    runbook = KnowledgeTemplateFactory(program=covered.program)
    approved_item(covered, runbook)
    ServiceFactory(program=covered.program, criticality=1, knowledge_due_on=dt.date(2026, 12, 3))
    ServiceFactory(program=covered.program, criticality=2, knowledge_due_on=dt.date(2026, 11, 1))
    assert services.flag_overdue_knowledge_gaps(now=NOW) == []
    assert not RedFlag.objects.exists()
