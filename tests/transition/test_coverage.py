"""Knowledge coverage: the arithmetic, the criticality weighting and the program-wide matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from accord.core.permissions import Role
from accord.transition import engine, queries
from accord.transition.choices import ServiceKind
from tests.factories import MembershipFactory
from tests.transition.factories import (
    KnowledgeItemFactory,
    KnowledgeTemplateFactory,
    ServiceFactory,
    approved_item,
)

TODAY = dt.date(2026, 12, 3)


def test_coverage_is_the_share_of_required_templates_with_approved_knowledge() -> None:
    coverage = engine.coverage_of(required=[1, 2, 3], approved=[2, 9], criticality=2, clinical_impact=False)
    assert coverage.gaps == (1, 3)
    assert coverage.percent == Decimal("33.3")


def test_a_service_that_requires_nothing_is_fully_covered() -> None:
    assert engine.coverage_of(required=[], approved=[], criticality=4, clinical_impact=False).percent == 100


def test_critical_and_clinical_services_weigh_more_in_the_program_coverage() -> None:
    assert engine.service_weight(1, clinical_impact=True) == 8
    assert engine.service_weight(1, clinical_impact=False) == 4
    assert engine.service_weight(4, clinical_impact=False) == 1
    # A critical clinical service at 0 % and a low one at 100 %: (8*0 + 1*100) / 9.
    assert engine.weighted_coverage([(8, Decimal(0)), (1, Decimal(100))]) == Decimal("11.1")
    assert engine.weighted_coverage([]) is None


@pytest.mark.django_db
def test_only_approved_items_of_templates_that_apply_to_the_service_kind_count() -> None:
    service = ServiceFactory(kind=ServiceKind.INTEGRATION)
    runbook = KnowledgeTemplateFactory(program=service.program, name="Runbook")
    contacts = KnowledgeTemplateFactory(program=service.program, name="Vendor contacts")
    KnowledgeTemplateFactory(program=service.program, name="Desk script", required_for_kinds=["service_desk"])
    approved_item(service, runbook)
    KnowledgeItemFactory(service=service, template=contacts)  # a draft does not cover
    coverage = queries.service_coverage(service)
    assert coverage.required == tuple(sorted([runbook.pk, contacts.pk]))
    assert coverage.gaps == (contacts.pk,)
    assert coverage.percent == Decimal("50.0")


@pytest.mark.django_db
def test_the_matrix_marks_cells_and_weights_the_program_coverage(django_assert_max_num_queries: Any) -> None:
    critical = ServiceFactory(name="EHR interface engine", criticality=1, clinical_impact=True)
    program = critical.program
    low = ServiceFactory(program=program, name="Print server", criticality=4, knowledge_due_on=TODAY)
    critical.knowledge_due_on = TODAY - dt.timedelta(days=1)
    critical.save()
    runbook = KnowledgeTemplateFactory(program=program, name="Runbook")
    approved_item(low, runbook)
    KnowledgeItemFactory(service=critical, template=runbook)
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER).person
    with django_assert_max_num_queries(6):
        matrix = queries.coverage_matrix(program=program, user=manager, today=TODAY)
    states = {row["service"].name: [cell["state"] for cell in row["cells"]] for row in matrix.rows}
    assert states == {"EHR interface engine": ["in_progress"], "Print server": ["approved"]}
    assert matrix.weighted_percent == Decimal("11.1")
    overdue = {row["service"].name: row["overdue"] for row in matrix.rows}
    assert overdue == {"EHR interface engine": True, "Print server": False}
    by_level = {entry["criticality"]: entry["percent"] for entry in matrix.by_criticality}
    assert by_level[1] == Decimal("0.0") and by_level[4] == Decimal("100.0") and by_level[2] is None


@pytest.mark.django_db
def test_the_matrix_stays_within_its_query_budget_for_many_services(
    django_assert_max_num_queries: Any,
) -> None:
    first = ServiceFactory()
    program = first.program
    templates = [KnowledgeTemplateFactory(program=program) for _ in range(4)]
    for _ in range(15):
        service = ServiceFactory(program=program)
        KnowledgeItemFactory(service=service, template=templates[0])
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER).person
    with django_assert_max_num_queries(6):
        matrix = queries.coverage_matrix(program=program, user=manager, today=TODAY)
    assert len(matrix.rows) == 16
