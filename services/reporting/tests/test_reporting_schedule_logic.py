"""The baseline's PV curve and earned schedule against Lipke's published examples and hand computations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st
from pmo_reporting.logic.schedule import (
    PlannedCost,
    earned_schedule,
    planned_value_at,
    profiled_value,
)

START = date(2026, 1, 1)
# "Months" of 30 days, so Lipke's monthly examples hold to the day on a linear plan.
TEN_MONTHS = PlannedCost(bac=Decimal("1000.00"), start=START, finish=START + timedelta(days=300))


def test_lipke_seven_months_gone_earned_schedule_at_month_five():
    # EV equals what the plan had earned after five months: ES = 5, AT = 7.
    result = earned_schedule(TEN_MONTHS, Decimal("500.00"), START + timedelta(days=210))
    assert result.es_days == 150 and result.at_days == 210
    assert result.spi_t == round(5 / 7, 4)  # 0.7143
    assert result.sv_t_days == -60  # −2 months
    assert result.es_date == START + timedelta(days=150)
    assert result.ieac_t_date == START + timedelta(days=420)  # 10 months / (5/7) = 14 months


def test_lipke_ten_month_plan_finished_in_twelve_spi_one_but_spi_t_083():
    as_of = START + timedelta(days=360)
    assert planned_value_at(TEN_MONTHS, as_of) == Decimal("1000.00")  # SPI = EV / PV = 1.0
    result = earned_schedule(TEN_MONTHS, Decimal("1000.00"), as_of)
    assert result.es_days == 300  # ES never passes the plan's completion
    assert result.spi_t == 0.8333
    assert result.sv_t_days == -60
    assert result.ieac_t_date == as_of  # IEAC(t) = 10 / 0.8333 = 12 months: when it really finished


def test_ahead_of_schedule_gives_spi_t_above_one():
    result = earned_schedule(TEN_MONTHS, Decimal("600.00"), START + timedelta(days=150))
    assert result.es_days == 180 and result.spi_t == 1.2 and result.sv_t_days == 30


def test_before_the_start_and_with_nothing_earned():
    before = earned_schedule(TEN_MONTHS, Decimal("0.00"), START - timedelta(days=10))
    assert (before.es_days, before.at_days, before.spi_t, before.sv_t_days) == (0, -10, None, 10)
    assert before.ieac_t_date is None
    on_day_one = earned_schedule(TEN_MONTHS, Decimal("0.00"), START)
    assert on_day_one.at_days == 0 and on_day_one.spi_t is None  # AT = 0: no ratio
    nothing = earned_schedule(TEN_MONTHS, Decimal("0.00"), START + timedelta(days=30))
    assert nothing.spi_t == 0.0 and nothing.ieac_t_date is None  # SPI(t) = 0: no forecast


def test_unknown_inputs_give_nulls_never_errors():
    assert earned_schedule(TEN_MONTHS, None, START).es_days is None
    undated = PlannedCost(bac=Decimal("10.00"), start=None, finish=None)
    assert earned_schedule(undated, Decimal("5.00"), START).at_days is None
    assert planned_value_at(undated, START) is None


def test_a_cost_profile_accrues_d_over_n_of_each_month():
    profile = (("2026-01", Decimal("310.00")), ("2026-02", Decimal("280.00")), ("2026-03", Decimal("0")))
    assert profiled_value(profile, date(2025, 12, 31)) == Decimal("0.00")
    assert profiled_value(profile, date(2026, 1, 1)) == Decimal("10.00")  # 1/31 of 310
    assert profiled_value(profile, date(2026, 1, 31)) == Decimal("310.00")
    assert profiled_value(profile, date(2026, 2, 14)) == Decimal("450.00")  # 310 + 14/28 of 280
    assert profiled_value(profile, date(2026, 6, 1)) == Decimal("590.00")


def test_earned_schedule_on_a_profile_interpolates_mid_month():
    plan = PlannedCost(
        bac=Decimal("590.00"),
        start=date(2026, 1, 1),
        finish=date(2026, 2, 28),
        profile=(("2026-01", Decimal("310.00")), ("2026-02", Decimal("280.00"))),
    )
    # EV 450 is reached on 14 February: t = 44 (the day's end on the axis D − start).
    result = earned_schedule(plan, Decimal("450.00"), date(2026, 2, 28))
    assert result.es_days == 44 and result.es_date == date(2026, 2, 14)
    assert result.at_days == 58 and result.spi_t == round(44 / 58, 4)


def test_a_flat_stretch_of_the_plan_is_not_credited_as_schedule():
    plan = PlannedCost(
        bac=Decimal("200.00"),
        start=date(2026, 1, 1),
        finish=date(2026, 3, 31),
        profile=(("2026-01", Decimal("100")), ("2026-02", Decimal("0")), ("2026-03", Decimal("100"))),
    )
    result = earned_schedule(plan, Decimal("100.00"), date(2026, 2, 28))
    assert result.es_date == date(2026, 1, 31)  # January's work: ES at January's end, not February's


@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=-30, max_value=400))
@example(cents=2500, day=0)  # ES = 0.075 day exactly: rounded half-even to 0.08
def test_es_grows_with_ev_and_pv_at_es_is_ev(cents, day):
    ev = Decimal(cents) / 100 / 100  # 0 .. 1000.00 with the BAC of 1000
    as_of = START + timedelta(days=day)
    result = earned_schedule(TEN_MONTHS, ev, as_of)
    more = earned_schedule(TEN_MONTHS, ev + Decimal("1.00"), as_of)
    assert result.es_days is not None and more.es_days is not None
    assert 0 <= result.es_days <= more.es_days <= 300
    # On the linear plan, ES is EV's share of the duration (es_days is rounded to 0.01 day).
    assert abs(Decimal(str(result.es_days)) - ev * 300 / 1000) <= Decimal("0.005")
