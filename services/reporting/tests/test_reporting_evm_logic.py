"""Earned value (PMI) against worked examples, every zero-denominator edge, and "as of" selection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from pmo_reporting.logic.evm import (
    Baseline,
    Progress,
    compute_evm,
    linear_planned_value,
    rounded_ratio,
)
from pmo_reporting.logic.periods import latest_on_or_before, month_end
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Band, Targets, suggested_rag

BASE = Baseline(bac=D("100000.00"), start_date=date(2025, 1, 1), finish_date=date(2025, 12, 31))


def reported(pv: str | None = "50000", ev: str | None = "40000", ac: str = "45000", **kw: object) -> Progress:
    return Progress(
        percent_complete=0,
        actual_cost=D(ac),
        planned_value=None if pv is None else D(pv),
        earned_value=None if ev is None else D(ev),
        **kw,  # type: ignore[arg-type]
    )


def test_worked_example_matches_pmi_answers() -> None:
    evm = compute_evm(BASE, reported(), date(2025, 6, 30))
    assert (evm.bac, evm.pv, evm.ev, evm.ac) == (D("100000.00"), D("50000"), D("40000"), D("45000"))
    assert evm.sv == D("-10000.00") and evm.cv == D("-5000.00")
    assert rounded_ratio(evm.spi) == 0.8 and rounded_ratio(evm.cpi) == 0.8889
    assert evm.eac == D("112500.00") and evm.etc == D("67500.00") and evm.vac == D("-12500.00")
    assert rounded_ratio(evm.tcpi) == 1.0909
    assert evm.suggested_rag == "red"


def test_reported_forecast_cost_is_the_eac() -> None:
    evm = compute_evm(BASE, reported(forecast_cost=D("120000.00")), date(2025, 6, 30))
    assert evm.eac == D("120000.00") and evm.etc == D("75000.00") and evm.vac == D("-20000.00")


def test_ev_defaults_to_percent_complete_of_bac() -> None:
    progress = Progress(percent_complete=37.5, actual_cost=D("30000"))
    assert compute_evm(BASE, progress, date(2025, 6, 30)).ev == D("37500.00")


def test_zero_planned_value_gives_null_spi_but_a_variance() -> None:
    evm = compute_evm(BASE, reported(pv="0"), date(2025, 6, 30))
    assert evm.spi is None and evm.sv == D("40000.00")


def test_zero_actual_cost_gives_null_cpi_and_no_computed_eac() -> None:
    evm = compute_evm(BASE, reported(ac="0"), date(2025, 6, 30))
    assert evm.cpi is None and evm.eac is None and evm.etc is None and evm.vac is None
    assert evm.cv == D("40000.00") and evm.suggested_rag == "red"  # SPI 0.8 alone still decides


def test_zero_earned_value_gives_null_eac() -> None:
    evm = compute_evm(BASE, reported(ev="0"), date(2025, 6, 30))
    assert evm.cpi == 0 and evm.eac is None and evm.vac is None


def test_actual_cost_equal_to_bac_gives_null_tcpi() -> None:
    evm = compute_evm(BASE, reported(ac="100000"), date(2025, 6, 30))
    assert evm.tcpi is None


def test_zero_budget_gives_null_ratios_without_error() -> None:
    evm = compute_evm(Baseline(D("0")), Progress(percent_complete=50, actual_cost=D("0")), date(2025, 6, 30))
    assert (evm.pv, evm.ev, evm.spi, evm.cpi, evm.tcpi, evm.suggested_rag) == (
        None,
        D("0.00"),
        None,
        None,
        None,
        None,
    )


def test_without_a_report_only_the_plan_is_known() -> None:
    evm = compute_evm(BASE, None, date(2025, 12, 31))
    assert evm.pv == D("100000.00") and evm.ev is None and evm.ac is None and evm.spi is None
    assert evm.suggested_rag is None


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2024, 12, 1), D("0.00")),
        (date(2025, 1, 1), D("0.00")),
        (date(2025, 7, 2), D("50000.00")),  # 182 of 364 days
        (date(2025, 12, 31), D("100000.00")),
        (date(2026, 3, 1), D("100000.00")),
    ],
)
def test_linear_planned_value_spreads_the_budget_over_the_baseline(as_of: date, expected: D) -> None:
    assert linear_planned_value(BASE, as_of) == expected


def test_linear_planned_value_needs_both_dates_and_handles_a_one_day_project() -> None:
    assert linear_planned_value(Baseline(D("10"), date(2025, 1, 1), None), date(2025, 6, 1)) is None
    one_day = Baseline(D("10"), date(2025, 1, 1), date(2025, 1, 1))
    assert linear_planned_value(one_day, date(2024, 12, 31)) == D("0.00")
    assert linear_planned_value(one_day, date(2025, 1, 1)) == D("10.00")


def test_schedule_slip_is_forecast_finish_minus_baseline_finish() -> None:
    evm = compute_evm(BASE, reported(forecast_finish_date=date(2026, 1, 30)), date(2025, 6, 30))
    assert evm.schedule_slip_days == 30
    assert compute_evm(BASE, reported(), date(2025, 6, 30)).schedule_slip_days is None


@pytest.mark.parametrize(
    ("spi", "cpi", "rag"),
    [
        ("0.95", "0.95", "green"),
        ("1.2", None, "green"),
        ("0.9499", "1.0", "amber"),
        ("0.85", "0.85", "amber"),
        ("0.8499", "1.5", "red"),
        ("1.0", "0.5", "red"),
        (None, None, None),
    ],
)
def test_suggested_rag_thresholds(spi: str | None, cpi: str | None, rag: str | None) -> None:
    figures = (None if spi is None else D(spi), None if cpi is None else D(cpi))
    assert suggested_rag(*figures, None, DEFAULT_TARGETS) == rag


def test_suggested_rag_follows_the_targets_and_the_report_age() -> None:
    strict = Targets(cpi=Band(D("1.0"), D("0.95")))
    assert compute_evm(BASE, reported(ev="50000", ac="48000"), date(2025, 6, 30)).suggested_rag == "green"
    assert (
        compute_evm(BASE, reported(ev="50000", ac="52000"), date(2025, 6, 30), targets=strict).suggested_rag
        == "amber"  # CPI 0.9615
    )
    stale = compute_evm(BASE, reported(ev="50000", ac="48000"), date(2025, 6, 30), report_age_days=36)
    assert stale.suggested_rag == "red"  # over the default 35 days


def test_a_report_without_percent_complete_or_actual_cost_invents_neither() -> None:
    forecast_only = Progress(
        percent_complete=None,
        actual_cost=None,
        forecast_cost=D("120000.00"),
        forecast_finish_date=date(2026, 1, 30),
    )
    evm = compute_evm(BASE, forecast_only, date(2025, 6, 30))
    assert evm.pv is not None and evm.bac == D("100000.00")
    unknown = (evm.ev, evm.ac, evm.sv, evm.cv, evm.spi, evm.cpi, evm.etc, evm.tcpi, evm.tcpi_eac)
    assert unknown == (None,) * 9
    assert (evm.eac, evm.vac, evm.schedule_slip_days) == (D("120000.00"), D("-20000.00"), 30)
    assert evm.suggested_rag is None


def test_without_actual_cost_only_the_cost_figures_are_unknown() -> None:
    evm = compute_evm(BASE, Progress(percent_complete=40, actual_cost=None), date(2025, 7, 2))
    assert (evm.ev, evm.sv, rounded_ratio(evm.spi)) == (D("40000.00"), D("-10000.00"), 0.8)
    assert (evm.ac, evm.cv, evm.cpi, evm.eac, evm.etc, evm.vac, evm.tcpi, evm.tcpi_eac) == (None,) * 8
    assert evm.suggested_rag == "red"  # SPI 0.8 is known and decides


def test_without_percent_complete_an_actual_cost_alone_gives_no_ratio() -> None:
    evm = compute_evm(BASE, Progress(percent_complete=None, actual_cost=D("30000")), date(2025, 7, 2))
    assert evm.ac == D("30000") and evm.ev is None
    assert (evm.cv, evm.spi, evm.cpi, evm.eac, evm.etc, evm.tcpi) == (None,) * 6


@dataclass
class R:
    name: str
    as_of: date
    submitted_at: datetime


def test_latest_on_or_before_ignores_later_dates_and_breaks_ties_by_submission() -> None:
    t = lambda h: datetime(2025, 7, 1, h, tzinfo=UTC)  # noqa: E731
    reports = [
        R("june-late", date(2025, 6, 30), t(9)),
        R("july", date(2025, 7, 31), t(1)),
        R("june-first", date(2025, 6, 30), t(2)),
        R("may", date(2025, 5, 31), t(3)),
    ]
    assert latest_on_or_before(reports, date(2025, 6, 30)).name == "june-late"  # type: ignore[union-attr]
    assert latest_on_or_before(reports, date(2025, 6, 29)).name == "may"  # type: ignore[union-attr]
    assert latest_on_or_before(reports, date(2025, 5, 1)) is None


def test_month_end_handles_leap_years() -> None:
    assert month_end("2024-02") == date(2024, 2, 29) and month_end("2025-02") == date(2025, 2, 28)


def test_tcpi_is_null_once_actual_cost_reaches_the_budget() -> None:
    # (BAC − EV) / (BAC − AC): 60,000 / 10,000 while AC < BAC; once AC ≥ BAC nothing finishes within it.
    assert rounded_ratio(compute_evm(BASE, reported(ac="90000"), date(2025, 6, 30)).tcpi) == 6.0
    assert compute_evm(BASE, reported(ac="100000"), date(2025, 6, 30)).tcpi is None
    assert compute_evm(BASE, reported(ac="120000"), date(2025, 6, 30)).tcpi is None  # not −3


def test_tcpi_eac_is_the_efficiency_to_finish_at_the_estimate() -> None:
    # EAC = BAC × AC / EV = 112,500; (BAC − EV) / (EAC − AC) = 60,000 / 67,500.
    assert rounded_ratio(compute_evm(BASE, reported(), date(2025, 6, 30)).tcpi_eac) == 0.8889
    # A reported forecast is the EAC: 60,000 / (150,000 − 45,000).
    forecast = reported(forecast_cost=D("150000"))
    assert rounded_ratio(compute_evm(BASE, forecast, date(2025, 6, 30)).tcpi_eac) == 0.5714


def test_tcpi_eac_is_null_on_a_zero_or_negative_denominator_or_an_unknown_eac() -> None:
    spent = reported(ac="50000", forecast_cost=D("50000"))  # EAC − AC = 0
    assert compute_evm(BASE, spent, date(2025, 6, 30)).tcpi_eac is None
    under = reported(ac="50000", forecast_cost=D("40000"))  # EAC − AC < 0
    assert compute_evm(BASE, under, date(2025, 6, 30)).tcpi_eac is None
    assert compute_evm(BASE, reported(ev="0"), date(2025, 6, 30)).tcpi_eac is None  # EAC unknown
    assert compute_evm(BASE, None, date(2025, 6, 30)).tcpi_eac is None


def test_pv_follows_the_baselines_cost_profile_when_it_has_one() -> None:
    profiled = Baseline(
        D("100000.00"),
        date(2025, 1, 1),
        date(2025, 12, 31),
        (("2025-01", D("31000")), ("2025-02", D("69000"))),
    )
    assert compute_evm(profiled, None, date(2025, 2, 7)).pv == D("48250.00")  # 31,000 + 7/28 of 69,000


def test_linear_planned_value_rounds_an_exact_half_cent_to_even() -> None:
    # 3,320,533.59 × 67/402 = 553,422.265 exactly: half-even gives .26 (a rounded 67/402 gave .27).
    plan = Baseline(D("3320533.59"), date(2026, 1, 5), date(2027, 2, 11))
    assert linear_planned_value(plan, date(2026, 3, 13)) == D("553422.26")
