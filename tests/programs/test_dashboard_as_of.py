"""The program home's panels read "as it stood at the end of a date": each area with records changed over
time, read for a day before the change and for today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accord.alignment import queries as alignment_queries
from accord.alignment.models import Commitment
from accord.benefits import queries as benefits_queries
from accord.benefits.models import Benefit, Kpi
from accord.change_control import queries as change_queries
from accord.change_control.choices import ChangeState
from accord.change_control.models import ChangeRequest
from accord.change_control.services import changes
from accord.core.permissions import Visibility
from accord.sla import queries as sla_queries
from accord.sla.choices import PeriodStatus
from accord.sla.models import SlaPeriod
from accord.transition import queries as transition_queries
from accord.transition.models import Service, StageChange
from tests.alignment.factories import CommitmentFactory, StakeholderGroupFactory
from tests.benefits.factories import KpiFactory, MeasurementFactory
from tests.change_control.factories import draft_change
from tests.sla.factories import ContractFactory
from tests.transition.factories import ServiceFactory

LONG_AGO = timezone.make_aware(dt.datetime(2024, 12, 1, 9, 0))


def _backdate(model, *records) -> None:
    # Records are made now; these stood long before the dates the tests read them at.
    model.objects.filter(pk__in=[r.pk for r in records]).update(created_at=LONG_AGO)


def test_a_kpi_reads_its_latest_measurement_on_or_before_the_date(world) -> None:
    kpi = KpiFactory(program=world.program, benefit__program=world.program, name="CPOE adoption")
    _backdate(Kpi, kpi)
    _backdate(Benefit, kpi.benefit)
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2025, 3, 1), value=12.0)  # far behind plan: red
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2025, 12, 1), value=79.0)  # on plan: green
    user = world.program_manager
    march = benefits_queries.home_panel(program=world.program, user=user, as_of=dt.date(2025, 6, 30))
    assert march["counts"]["red"] == 1 and [k.reading.latest_value for k in march["red"]] == [12.0]
    now = benefits_queries.home_panel(program=world.program, user=user)
    assert now["counts"]["red"] == 0 and now["counts"]["green"] == 1
    before = benefits_queries.home_panel(program=world.program, user=user, as_of=dt.date(2025, 2, 1))
    assert before["counts"]["no_data"] == 1


def test_a_kpi_made_after_the_date_is_not_on_that_days_dashboard(world) -> None:
    KpiFactory(program=world.program, benefit__program=world.program)  # made today
    assert (
        benefits_queries.home_panel(
            program=world.program, user=world.program_manager, as_of=dt.date(2025, 6, 1)
        )
        is None
    )


def test_a_commitment_is_late_between_its_due_date_and_its_delivery(world) -> None:
    group = StakeholderGroupFactory(program=world.program, name="Nursing", visibility=Visibility.SHARED)
    commitment = CommitmentFactory(
        group=group,
        what="Super-users rostered",
        due_date=dt.date(2026, 3, 1),
        status="done",
        done_on=dt.date(2026, 3, 10),
    )
    _backdate(Commitment, commitment)
    user = world.program_manager
    on = alignment_queries.home_panel(program=world.program, user=user, as_of=dt.date(2026, 3, 5))
    assert [c.what for c in on["late"]] == ["Super-users rostered"]
    assert (
        alignment_queries.home_panel(program=world.program, user=user, as_of=dt.date(2026, 3, 11))[
            "late_count"
        ]
        == 0
    )
    due_soon = alignment_queries.home_panel(program=world.program, user=user, as_of=dt.date(2026, 2, 26))
    assert due_soon["late_count"] == 0 and due_soon["soon_count"] == 1


def test_a_service_stands_at_the_stage_it_had_on_the_date(world) -> None:
    service = ServiceFactory(program=world.program, stage="shadow")
    _backdate(Service, service)
    StageChange.objects.create(
        program=world.program,
        service=service,
        from_stage="acquisition",
        to_stage="shadow",
        changed_at=timezone.make_aware(dt.datetime(2026, 5, 1, 12, 0)),
    )
    user = world.program_manager

    def counts(as_of):
        panel = transition_queries.summarise_for_home(program=world.program, user=user, as_of=as_of)
        return {row["stage"]: row["count"] for row in panel["stage_counts"] if row["count"]}

    assert counts(dt.date(2026, 4, 30)) == {"acquisition": 1}
    assert counts(dt.date(2026, 5, 1)) == {"shadow": 1}
    assert counts(None) == {"shadow": 1}


def _issued(contract, start: dt.date, issued_at: dt.datetime, breached: int) -> SlaPeriod:
    return SlaPeriod.objects.create(
        program=contract.program,
        contract=contract,
        start=start,
        end=start.replace(day=28),
        status=PeriodStatus.CLOSED,
        issued_at=issued_at,
        figures={
            "rows": [
                {
                    "priority": "P2",
                    "clock": "resolution",
                    "tickets": 100,
                    "met": 100 - breached,
                    "breached": breached,
                    "running": 0,
                    "target": "90",
                    "credit_percent": "5",
                }
            ],
            "ticket_count": 100,
            "period_fee": "10000.00",
            "credit_cap_percent": None,
        },
    )


def test_sla_figures_come_from_the_periods_issued_by_the_date(world) -> None:
    contract = ContractFactory(program=world.program, name="Service desk", visibility=Visibility.SHARED)
    _issued(contract, dt.date(2026, 1, 1), timezone.make_aware(dt.datetime(2026, 2, 3, 10, 0)), breached=2)
    _issued(contract, dt.date(2026, 2, 1), timezone.make_aware(dt.datetime(2026, 3, 3, 10, 0)), breached=20)
    user = world.program_manager
    february = sla_queries.summarise_for_home(program=world.program, user=user, as_of=dt.date(2026, 2, 28))
    row = february["contracts"][0]
    assert row["latest"].label == "Jan 2026" and row["latest"].breached == 2 and row["latest"].credit == 0
    now = sla_queries.summarise_for_home(program=world.program, user=user)["contracts"][0]
    # 80% met against a 90% target: 5% of the 10,000 fee.
    assert now["latest"].label == "Feb 2026" and now["latest"].credit == Decimal("500.00")
    assert now["issued_count"] == 2 and now["with_exceptions"] == 2
    pack = sla_queries.board_pack_exceptions(program=world.program, user=user, as_of=dt.date(2026, 2, 28))
    assert [p.label for p in pack["periods"]] == ["Jan 2026"]


def test_a_change_awaits_the_cab_only_from_its_submission(world) -> None:
    change = draft_change(world.program, world.program_manager, title="Patch the interface engine")
    ChangeRequest.objects.filter(pk=change.pk).update(created_at=LONG_AGO)
    changes.transition_change(
        change=change, to=ChangeState.SUBMITTED, actor=world.program_manager, now=timezone.now()
    )
    user = world.program_manager
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert (
        change_queries.board_pack_exceptions(program=world.program, user=user, as_of=yesterday)["changes"]
        == []
    )
    today = change_queries.board_pack_exceptions(program=world.program, user=user, as_of=timezone.localdate())
    assert [c.title for c in today["changes"]] == ["Patch the interface engine"]
    assert (
        change_queries.home_panel(program=world.program, user=user, as_of=timezone.localdate())["awaiting"]
        == 1
    )
