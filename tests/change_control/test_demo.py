"""The demo's change control on the IT transition: a plan in effect with late and on-track items, changes in
every state (one emergency, one backed out, one conflict), freeze windows, and two unapproved changes found."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accord.change_control import queries
from accord.change_control.choices import (
    ChangeState,
    ChangeType,
    FindingKind,
    PlanStatus,
    TemplateStatus,
    WindowKind,
)
from accord.change_control.models import (
    ActionPlan,
    ChangeRequest,
    ChangeWindow,
    ReconciliationFinding,
    StandardChangeTemplate,
)
from accord.programs.demo import OUTSOURCING_NAME
from accord.programs.models import Program

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo(seeded_demo: str) -> Any:
    return Program.objects.get(name=OUTSOURCING_NAME)


def test_the_transition_has_30_to_50_changes_in_every_state(demo: Any) -> None:
    rows = ChangeRequest.objects.filter(program=demo)
    assert 30 <= rows.count() <= 50
    assert set(rows.values_list("state", flat=True)) == set(ChangeState.values)
    assert rows.filter(change_type=ChangeType.EMERGENCY).count() == 1
    assert rows.filter(review_result="backed_out", incidents_caused__gt=0).count() == 1


def test_two_assessed_changes_conflict_on_one_switch(demo: Any) -> None:
    manager = demo.memberships.get(role="program_manager").person
    conflicts = queries.conflicts_by_change(manager, demo)
    titles = {ChangeRequest.objects.get(pk=pk).title for pk in conflicts}
    assert titles == {"Upgrade core switch firmware", "Re-cable the core switch uplinks"}


def test_a_freeze_surrounds_the_go_live_and_no_scheduled_change_falls_into_it(demo: Any) -> None:
    freeze = ChangeWindow.objects.get(program=demo, kind=WindowKind.CLINICAL_FREEZE)
    assert "go-live" in freeze.name
    scheduled = ChangeRequest.objects.filter(program=demo, state=ChangeState.SCHEDULED)
    assert scheduled.count() >= 3
    assert not scheduled.filter(planned_start__lt=freeze.ends_at, planned_end__gt=freeze.starts_at).exists()


def test_the_plan_in_effect_is_version_two_with_late_and_moved_items(demo: Any) -> None:
    plan = ActionPlan.objects.get(program=demo, status=PlanStatus.IN_EFFECT)
    assert plan.version == 2 and plan.previous.status == PlanStatus.SUPERSEDED
    rows = queries.slippage(plan, timezone.localdate())
    assert sum(len(r.late) for r in rows) >= 1
    assert sum(len(r.moved) for r in rows) == 2
    assert sum(r.on_track for r in rows) >= 3


def test_the_export_reveals_two_unapproved_changes_and_the_unreviewed_emergency(demo: Any) -> None:
    findings = ReconciliationFinding.objects.filter(program=demo)
    assert sorted(
        findings.filter(kind=FindingKind.UNAPPROVED_CHANGE).values_list("external_reference", flat=True)
    ) == [
        "CHG0030418",
        "CHG0030422",
    ]
    assert findings.filter(kind=FindingKind.EMERGENCY_NOT_REVIEWED).count() == 1
    assert findings.filter(red_flag__isnull=False).count() == 1


def test_standard_changes_come_from_active_templates_and_month_end_recurs(demo: Any) -> None:
    standard = ChangeRequest.objects.filter(program=demo, change_type=ChangeType.STANDARD)
    assert standard.count() == 2
    assert all(c.template.status == TemplateStatus.ACTIVE for c in standard.select_related("template"))
    statuses = set(StandardChangeTemplate.objects.filter(program=demo).values_list("status", flat=True))
    assert statuses == {TemplateStatus.ACTIVE, TemplateStatus.RETIRED, TemplateStatus.PROPOSED}
    close = ChangeWindow.objects.get(program=demo, name="Month-end billing close")
    assert close.recurrence == "FREQ=MONTHLY;BYMONTHDAY=-2"
    assert (
        ChangeWindow.objects.get(program=demo, kind=WindowKind.MAINTENANCE).recurrence
        == "FREQ=WEEKLY;BYDAY=SU"
    )
