"""The demo's transition: real-shaped services at every stage, knowledge in every status, interviews, training."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accord.programs.demo import OUTSOURCING_NAME
from accord.programs.models import Program
from accord.transition import queries
from accord.transition.choices import HandoverStage, KnowledgeStatus, TrainingStatus
from accord.transition.models import Interview, KnowledgeItem, Service

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo(seeded_demo: str) -> Any:
    return Program.objects.get(name=OUTSOURCING_NAME)


def test_the_transition_has_twelve_to_fifteen_services_at_every_stage(demo: Any) -> None:
    services = Service.objects.filter(program=demo)
    assert 12 <= services.count() <= 15
    assert set(services.values_list("stage", flat=True)) == set(HandoverStage.values)
    assert services.filter(name="EHR interface engine", clinical_impact=True, criticality=1).exists()


def test_knowledge_is_in_every_status_and_interviews_produced_some(demo: Any) -> None:
    statuses = set(KnowledgeItem.objects.filter(program=demo).values_list("status", flat=True))
    assert statuses == set(KnowledgeStatus.values)
    assert Interview.objects.filter(program=demo, knowledge_items__isnull=False).exists()
    assert Interview.objects.filter(program=demo, scheduled_at__gt=timezone.now()).exists()


def test_the_overdue_critical_gap_raised_its_red_flag(demo: Any) -> None:
    flagged = Service.objects.filter(program=demo, coverage_red_flag__isnull=False)
    assert list(flagged.values_list("name", flat=True)) == ["EHR interface engine"]


def test_training_shows_overdue_expiring_and_expired_completions(demo: Any) -> None:
    manager = demo.memberships.get(role="program_manager").person
    matrix = queries.training_matrix(program=demo, user=manager, today=timezone.localdate())
    for status in (
        TrainingStatus.OVERDUE,
        TrainingStatus.EXPIRING,
        TrainingStatus.EXPIRED,
        TrainingStatus.DONE,
    ):
        assert matrix.counts.get(status), status


def test_the_partner_sees_shared_knowledge_only(demo: Any) -> None:
    vendor = demo.memberships.filter(role="vendor").first().person
    visible = KnowledgeItem.objects.visible_to(vendor).filter(program=demo)
    assert visible.exists()
    assert not visible.filter(visibility="internal").exists()
    assert KnowledgeItem.objects.filter(program=demo, visibility="internal").exists()
