"""Structure, forecast and benefit rules as pure functions (contract §7.8): canonical field values and
query filters, breakdown dimensions, a portfolio's forecast sums and a dashboard's benefit mean."""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from pmo_reporting.logic.benefits import BenefitFigures, latest_value, realised_percent, summarise
from pmo_reporting.logic.evm import Baseline, Progress, compute_evm
from pmo_reporting.logic.forecast import forecast_of, slip_days
from pmo_reporting.logic.structure import (
    Dimension,
    KeyOrder,
    Scope,
    canonical,
    facets_of,
    filter_value,
    parse_dimension,
)

NUMBER = {"key": "capex", "type": "number"}
DATE = {"key": "go_live", "type": "date"}
CHOICE = {"key": "tier", "type": "choice", "choices": ["gold", "silver"]}
TEXT = {"key": "unit", "type": "text"}


def test_a_number_is_compared_in_one_form_whatever_its_spelling():
    assert canonical(5) == canonical(5.0) == filter_value(NUMBER, "5.00")[0] == "5"
    assert canonical(5.5) == filter_value(NUMBER, "5.50")[0] == "5.5"
    assert canonical(1_000_000_000_000_000) == filter_value(NUMBER, "1e15")[0]
    assert canonical(True) == "true" and canonical(None) is None and canonical(float("nan")) is None


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_any_stored_number_is_found_by_its_own_text(value):
    assert filter_value(NUMBER, repr(value)) == (canonical(value), None)
    assert filter_value(NUMBER, str(value)) == (canonical(value), None)


def test_a_filter_value_that_can_never_match_says_why():
    assert filter_value(NUMBER, "lots") == (None, "must be a number")
    assert filter_value(NUMBER, "inf") == (None, "must be a finite number")
    assert filter_value(DATE, "20270101") == (None, "must be a date YYYY-MM-DD")
    assert filter_value(DATE, "2027-02-30") == (None, "must be a date YYYY-MM-DD")
    assert filter_value(DATE, "2027-02-03") == ("2027-02-03", None)
    assert filter_value(CHOICE, "bronze")[1] == "must be one of 'gold', 'silver'"
    assert filter_value(CHOICE, "gold") == ("gold", None)
    assert filter_value(TEXT, "Ops & Co") == ("Ops & Co", None)


def test_facets_hold_each_tag_once_and_each_field_in_canonical_form():
    rows = facets_of({"capex": 12.0, "tier": "gold", "odd": [1]}, ["cloud", "cloud", "eu"])
    assert sorted(rows) == [
        ("field", "capex", "12"),
        ("field", "tier", "gold"),
        ("tag", "cloud", ""),
        ("tag", "eu", ""),
    ]


def test_a_scope_covers_the_projects_with_the_programme_every_tag_and_every_value():
    programme = uuid.uuid4()
    scope = Scope(programme_id=programme, tags=("cloud", "eu"), fields=(("capex", "12"),))
    assert scope.covers(programme, ["eu", "cloud", "x"], {"capex": 12.0})
    assert not scope.covers(programme, ["cloud"], {"capex": 12})
    assert not scope.covers(None, ["eu", "cloud"], {"capex": 12})
    assert not scope.covers(programme, ["eu", "cloud"], {"capex": 13})
    assert Scope().covers(None, [], {}) and not Scope().narrowed and scope.narrowed
    assert Scope(tags=("b", "a", "a")).key == Scope(tags=("a", "b")).key


def test_breakdown_dimensions_are_the_fixed_ones_and_the_portfolio_s_fields():
    assert parse_dimension("stage", []) == (Dimension("stage"), None)
    assert parse_dimension("field.tier", ["tier"]) == (Dimension("field", "tier"), None)
    assert (
        parse_dimension("field.tier", ["unit"])[1]
        == "'tier' is not a custom field of this portfolio (its fields: unit)"
    )
    assert parse_dimension("owner", ["tier"])[1] == "must be one of stage, programme, manager, field.tier"
    assert Dimension("field", "tier").name == "field.tier" and Dimension("manager").name == "manager"


def test_breakdown_rows_come_stages_in_lifecycle_order_then_the_row_without_a_value():
    stages = ["closed", None, "proposal", "in_progress"]
    assert sorted(stages, key=KeyOrder(Dimension("stage"))) == ["proposal", "in_progress", "closed", None]
    assert sorted(["b", None, "B", "a"], key=KeyOrder(Dimension("manager"))) == ["B", "a", "b", None]


# --- forecasts -----------------------------------------------------------------------------------

PLAN = Baseline(bac=Decimal("100000.00"), start_date=date(2025, 1, 1), finish_date=date(2025, 12, 31))


def _evm(ac: str | None, ev: str | None, forecast: str | None = None):
    progress = Progress(
        percent_complete=None,
        actual_cost=None if ac is None else Decimal(ac),
        earned_value=None if ev is None else Decimal(ev),
        forecast_cost=None if forecast is None else Decimal(forecast),
    )
    return compute_evm(PLAN, progress, date(2025, 6, 30))


def test_the_forecast_sums_the_known_figures_and_growth_is_over_the_projects_with_an_eac():
    behind = _evm("60000.00", "40000.00")  # EAC = 100,000 × 60,000 / 40,000 = 150,000
    forecast = _evm(None, None, "90000.00")  # a reported EAC, no AC: no ETC
    unknown = compute_evm(PLAN, None, date(2025, 6, 30))  # no report: no EAC
    result = forecast_of([(behind, 30), (forecast, -5), (unknown, None)])
    assert (result.eac, result.etc, result.vac) == (
        Decimal("240000.00"),
        Decimal("90000.00"),
        Decimal("-40000.00"),
    )
    assert result.budget_growth == Decimal("40000.00")  # 240,000 − 200,000: `unknown` adds neither
    assert (result.slipped_projects, result.avg_slip_days) == (1, 30.0)
    assert forecast_of([]).avg_slip_days is None


def test_the_forecast_finish_is_the_report_s_else_the_project_s_own():
    baseline = date(2025, 12, 31)
    assert slip_days(date(2026, 1, 10), date(2025, 12, 1), baseline) == 10
    assert slip_days(None, date(2026, 1, 31), baseline) == 31
    assert slip_days(None, None, baseline) is None and slip_days(date(2026, 1, 1), None, None) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(-400, 400) | st.none()),
        max_size=12,
    )
)
def test_budget_growth_is_minus_vac_and_the_mean_slip_lies_between_the_slips(items):
    figures = [(_evm(f"{ac}.00", f"{ev}.00"), slip) for ac, ev, slip in items]
    result = forecast_of(figures)
    assert result.budget_growth == -result.vac
    slips = [s for _, _, s in items if s is not None and s > 0]
    assert result.slipped_projects == len(slips)
    if slips:
        assert min(slips) - 0.01 <= (result.avg_slip_days or 0) <= max(slips) + 0.01


# --- benefits ------------------------------------------------------------------------------------


def test_a_benefit_is_measured_by_its_newest_measurement_on_or_before_the_date():
    measurements = [(date(2025, 3, 31), 10.0), (date(2025, 1, 31), 5.0), (date(2025, 6, 30), 20.0)]
    assert latest_value(measurements, date(2025, 5, 1)) == 10.0
    assert latest_value(measurements, date(2025, 6, 30)) == 20.0
    assert latest_value(measurements, date(2024, 12, 31)) is None


def test_realised_percent_is_direction_neutral_and_undefined_without_a_planned_change():
    assert realised_percent(12, 8, 10) == 50.0  # cost per ticket falls from 12 to 8
    assert realised_percent(0, 200, 50) == 25.0
    assert realised_percent(5, 5, 7) is None and realised_percent(0, 10, None) is None


def test_the_summary_counts_every_benefit_and_averages_those_that_have_a_percent():
    totals = summarise([BenefitFigures(0, 100, 50), BenefitFigures(0, 100, None), BenefitFigures(12, 8, 8)])
    assert (totals.count, totals.realised_percent) == (3, 75.0)
    assert summarise([]).realised_percent is None


@given(
    st.lists(
        st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6) | st.none()),
        max_size=20,
    ),
    st.randoms(),
)
def test_the_benefit_mean_does_not_depend_on_the_order_of_the_rows(rows, rnd):
    benefits = [BenefitFigures(*row) for row in rows]
    shuffled = list(benefits)
    rnd.shuffle(shuffled)
    a, b = summarise(benefits), summarise(shuffled)
    assert a == b
    percents = [p for p in (realised_percent(*row) for row in rows) if p is not None]
    if percents:
        assert a.realised_percent is not None and math.isfinite(a.realised_percent)
        assert min(percents) - 1e-6 * max(1, abs(min(percents))) <= a.realised_percent
        assert a.realised_percent <= max(percents) + 1e-6 * max(1, abs(max(percents)))


def test_dates_outside_the_measurements_are_answered_at_both_ends():
    start = date(2025, 1, 1)
    measurements = [(start + timedelta(days=i * 30), float(i)) for i in range(5)]
    assert latest_value(measurements, start + timedelta(days=1000)) == 4.0
