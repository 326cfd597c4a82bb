"""The pure KPI rules: realisation, trajectory, RAG and overdue, for increasing and decreasing KPIs."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.benefits import engine

D = dt.date


def increasing(**overrides: object) -> engine.KpiSpec:
    values = {
        "direction": engine.INCREASE,
        "baseline_value": 20.0,
        "baseline_date": D(2025, 1, 1),
        "target_value": 80.0,
        "target_date": D(2025, 12, 27),
        "amber_tolerance": 5.0,
        "red_tolerance": 10.0,
        "frequency_days": 31,
    }
    values.update(overrides)
    return engine.KpiSpec(**values)


def decreasing(**overrides: object) -> engine.KpiSpec:
    values = {
        "direction": engine.DECREASE,
        "baseline_value": 16.0,
        "baseline_date": D(2025, 1, 1),
        "target_value": 11.0,
        "target_date": D(2026, 1, 1),
        "amber_tolerance": 0.5,
        "red_tolerance": 1.5,
        "frequency_days": 31,
    }
    values.update(overrides)
    return engine.KpiSpec(**values)


def test_realisation_of_an_increasing_kpi_is_the_share_of_the_span_achieved() -> None:
    assert engine.realisation_percent(increasing(), 50.0) == pytest.approx(50.0)
    assert engine.realisation_percent(increasing(), 20.0) == 0.0


def test_realisation_of_a_decreasing_kpi_counts_the_fall_toward_target() -> None:
    assert engine.realisation_percent(decreasing(), 13.5) == pytest.approx(50.0)


def test_realisation_is_not_capped_but_the_display_value_is() -> None:
    beyond = engine.realisation_percent(increasing(), 92.0)
    worse = engine.realisation_percent(increasing(), 14.0)
    assert beyond == pytest.approx(120.0)
    assert worse == pytest.approx(-10.0)
    assert engine.cap_for_display(beyond) == 100.0
    assert engine.cap_for_display(worse) == 0.0


def test_a_target_equal_to_the_baseline_is_a_zero_span_error() -> None:
    with pytest.raises(engine.ZeroSpanError, match="nothing to realise"):
        increasing(target_value=20.0)


def test_expected_value_is_linear_between_baseline_and_target_and_flat_outside() -> None:
    spec = increasing(target_date=D(2025, 1, 1) + dt.timedelta(days=100))
    assert engine.expected_value(spec, D(2025, 1, 1) + dt.timedelta(days=25)) == pytest.approx(35.0)
    assert engine.expected_value(spec, D(2024, 6, 1)) == 20.0
    assert engine.expected_value(spec, D(2027, 1, 1)) == 80.0


def test_milestones_bend_the_trajectory() -> None:
    start = D(2025, 1, 1)
    spec = increasing(
        target_date=start + dt.timedelta(days=100), milestones=((start + dt.timedelta(days=50), 30.0),)
    )
    # Slow first half (20 -> 30), fast second half (30 -> 80).
    assert engine.expected_value(spec, start + dt.timedelta(days=25)) == pytest.approx(25.0)
    assert engine.expected_value(spec, start + dt.timedelta(days=75)) == pytest.approx(55.0)
    assert engine.trajectory(spec)[1] == (start + dt.timedelta(days=50), 30.0)


def test_rag_for_an_increasing_kpi_follows_the_shortfall_against_the_expected_value() -> None:
    spec = increasing(target_date=D(2025, 1, 1) + dt.timedelta(days=100))
    day = D(2025, 1, 1) + dt.timedelta(days=50)  # expected 50
    assert engine.rag(spec, 46.0, day) == engine.GREEN
    assert engine.rag(spec, 45.0, day) == engine.GREEN  # exactly at the amber tolerance
    assert engine.rag(spec, 44.9, day) == engine.AMBER
    assert engine.rag(spec, 40.0, day) == engine.AMBER
    assert engine.rag(spec, 39.9, day) == engine.RED
    assert engine.rag(spec, 70.0, day) == engine.GREEN  # ahead of plan


def test_rag_for_a_decreasing_kpi_treats_higher_values_as_behind() -> None:
    spec = decreasing()
    day = D(2026, 6, 1)  # past target: expected 11
    assert engine.rag(spec, 11.4, day) == engine.GREEN
    assert engine.rag(spec, 12.0, day) == engine.AMBER
    assert engine.rag(spec, 12.6, day) == engine.RED
    assert engine.rag(spec, 9.0, day) == engine.GREEN


def test_a_kpi_is_overdue_when_no_measurement_arrived_within_its_frequency() -> None:
    spec = increasing()
    assert not engine.is_overdue(spec, D(2025, 3, 1), D(2025, 4, 1))
    assert engine.is_overdue(spec, D(2025, 3, 1), D(2025, 4, 2))
    # Never measured: counted from the baseline date.
    assert engine.is_overdue(spec, None, D(2025, 2, 5))


def test_evaluate_reads_the_latest_measurement_and_ignores_future_ones() -> None:
    spec = increasing(target_date=D(2025, 1, 1) + dt.timedelta(days=100))
    series = [(D(2025, 1, 26), 30.0), (D(2025, 2, 20), 38.0), (D(2025, 6, 1), 99.0)]
    reading = engine.evaluate(spec, series, today=D(2025, 3, 1))
    assert reading.latest_value == 38.0
    assert reading.latest_date == D(2025, 2, 20)
    assert reading.expected_value == pytest.approx(20 + 60 * 50 / 100)
    assert reading.realisation_percent == pytest.approx(30.0)
    assert reading.status == engine.RED
    assert not reading.overdue


def test_evaluate_without_measurements_has_no_data() -> None:
    reading = engine.evaluate(increasing(), [], today=D(2025, 1, 10))
    assert reading.status == engine.NO_DATA
    assert reading.latest_value is None and reading.realisation_percent is None


def test_find_path_detects_the_path_that_would_close_a_cycle() -> None:
    edges = [(1, 2), (2, 3), (3, 4)]
    assert engine.find_path(edges, start=1, goal=4) == [1, 2, 3, 4]
    assert engine.find_path(edges, start=4, goal=1) is None
