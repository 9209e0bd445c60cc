"""Earned value management (PMI definitions) as pure functions over exact decimals.

Definitions:
- BAC: the budget of the baseline in force (`logic.plans`). PV: the reported planned value, else the
  baseline's time-phased cost (`logic.schedule.planned_value_at`: its cost profile, d/n of a month's
  amount by day d of an n-day month; without one the budget spread linearly over the baseline dates, 0 up
  to the start date, BAC from the finish date). EV: the reported earned value, else
  percent_complete × BAC / 100. AC: the reported actual cost.
- SV = EV − PV, CV = EV − AC, SPI = EV / PV, CPI = EV / AC.
- EAC: the reported forecast cost, else BAC / CPI (computed as BAC × AC / EV, which is exact).
  ETC = EAC − AC, VAC = BAC − EAC.
- TCPI = (BAC − EV) / (BAC − AC), None once AC ≥ BAC (the budget is spent: no efficiency finishes
  within it); TCPI(EAC) = (BAC − EV) / (EAC − AC), None when EAC − AC ≤ 0.
- schedule_slip_days = forecast finish − baseline finish.
A ratio whose denominator is zero, or a figure whose inputs are unknown, is None — never an error.

A report may give neither percent complete nor earned value (EV unknown) and may omit the actual
cost (AC unknown) — a programme that tracks only forecasts. Nothing is invented for them:
- without EV: EV, SV, CV, SPI, CPI, the computed EAC (BAC / CPI), TCPI, TCPI(EAC) and the earned
  schedule are None;
- without AC: AC, CV, CPI, the computed EAC, ETC, TCPI and TCPI(EAC) are None;
- PV, BAC, a reported forecast cost as EAC, VAC (from that EAC) and the schedule slip stay known.

Suggested RAG: the worst colour of SPI, CPI and the report's age under the portfolio's KPI targets
(`logic.targets`), None when none of them is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import overload

from pmo_reporting.logic.schedule import PlannedCost, planned_value_at
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Targets, suggested_rag

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Baseline:
    """The plan figures are measured against: a baseline's terms (or, before a project has one, its
    current budget, dates and cost profile)."""

    bac: Decimal
    start_date: date | None = None
    finish_date: date | None = None
    cost_profile: tuple[tuple[str, Decimal], ...] = ()
    number: int | None = None
    """The baseline's number; None for a project's current fields (no baseline yet)."""

    @property
    def planned_cost(self) -> PlannedCost:
        """Its PV curve (`logic.schedule`)."""
        return PlannedCost(self.bac, self.start_date, self.finish_date, self.cost_profile)


@dataclass(frozen=True)
class Progress:
    """What one status report says (the latest on or before the as-of date); None: not reported."""

    percent_complete: float | None
    actual_cost: Decimal | None
    planned_value: Decimal | None = None
    earned_value: Decimal | None = None
    forecast_cost: Decimal | None = None
    forecast_finish_date: date | None = None


@dataclass(frozen=True)
class Evm:
    bac: Decimal
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None
    sv: Decimal | None
    cv: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    tcpi: Decimal | None
    tcpi_eac: Decimal | None
    schedule_slip_days: int | None
    suggested_rag: str | None


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


@overload
def from_cents(cents: int) -> Decimal: ...
@overload
def from_cents(cents: None) -> None: ...
def from_cents(cents: int | None) -> Decimal | None:
    """An amount the database worked out in integer cents (None: unknown)."""
    return None if cents is None else (Decimal(int(cents)) / 100).quantize(CENT)


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator, or None when either is unknown or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def rounded_ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


def linear_planned_value(baseline: Baseline, as_of: date) -> Decimal | None:
    """The budget spread evenly over start..finish; None without both baseline dates."""
    return planned_value_at(PlannedCost(baseline.bac, baseline.start_date, baseline.finish_date), as_of)


def planned_value(baseline: Baseline, progress: Progress | None, as_of: date) -> Decimal | None:
    if progress is not None and progress.planned_value is not None:
        return progress.planned_value
    return planned_value_at(baseline.planned_cost, as_of)


def earned_value(baseline: Baseline, progress: Progress | None) -> Decimal | None:
    if progress is None:
        return None
    if progress.earned_value is not None:
        return progress.earned_value
    if progress.percent_complete is None:
        return None  # neither earned value nor percent complete: unknown, not zero
    return money(Decimal(str(progress.percent_complete)) * baseline.bac / 100)


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else money(a - b)


def estimate_at_completion(
    bac: Decimal, ev: Decimal | None, ac: Decimal | None, forecast: Decimal | None
) -> Decimal | None:
    if forecast is not None:
        return forecast
    if ev is None or ac is None or ev == 0 or ac == 0:
        return None  # BAC / CPI with CPI unknown (AC = 0) or zero (EV = 0)
    return money(bac * ac / ev)  # = BAC / CPI, without rounding CPI first


def compute_evm(
    baseline: Baseline,
    progress: Progress | None,
    as_of: date,
    *,
    targets: Targets = DEFAULT_TARGETS,
    report_age_days: int | None = None,
) -> Evm:
    """A project's earned value as of a date, from the report in effect then (None: no report);
    `report_age_days` counts towards the suggested RAG (None: it does not)."""
    return derive_evm(
        money(baseline.bac),
        planned_value(baseline, progress, as_of),
        earned_value(baseline, progress),
        None if progress is None else progress.actual_cost,
        forecast_cost=None if progress is None else progress.forecast_cost,
        forecast_finish=None if progress is None else progress.forecast_finish_date,
        baseline_finish=baseline.finish_date,
        targets=targets,
        report_age_days=report_age_days,
    )


def derive_evm(
    bac: Decimal,
    pv: Decimal | None,
    ev: Decimal | None,
    ac: Decimal | None,
    *,
    forecast_cost: Decimal | None = None,
    forecast_finish: date | None = None,
    baseline_finish: date | None = None,
    targets: Targets = DEFAULT_TARGETS,
    report_age_days: int | None = None,
) -> Evm:
    """Every other figure from BAC, PV, EV and AC (worked out here, or by the database for a
    portfolio's projects) and the report's forecasts; the suggested RAG under `targets`."""
    spi, cpi = ratio(ev, pv), ratio(ev, ac)
    eac = estimate_at_completion(bac, ev, ac, forecast_cost)
    slip = (
        (forecast_finish - baseline_finish).days
        if forecast_finish is not None and baseline_finish is not None
        else None
    )
    return Evm(
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=_minus(ev, pv),
        cv=_minus(ev, ac),
        spi=spi,
        cpi=cpi,
        eac=eac,
        etc=_minus(eac, ac),
        vac=_minus(bac, eac),
        tcpi=to_complete(bac, ev, ac, bac),
        tcpi_eac=to_complete(bac, ev, ac, eac),
        schedule_slip_days=slip,
        suggested_rag=suggested_rag(spi, cpi, report_age_days, targets),
    )


def to_complete(
    bac: Decimal, ev: Decimal | None, ac: Decimal | None, target: Decimal | None
) -> Decimal | None:
    """The cost efficiency the remaining work needs to finish at `target` (BAC or EAC):
    (BAC − EV) / (target − AC); None when nothing is left of the target (target − AC ≤ 0)."""
    if ev is None or ac is None or target is None or target - ac <= 0:
        return None
    return (bac - ev) / (target - ac)


@dataclass(frozen=True)
class Totals:
    """Portfolio sums of the figures known (the database adds them up, see `dashboards.repository`)
    and the ratios of sums over matched pairs: SPI = Σ EV / Σ PV over the projects that have both, CPI
    = Σ EV / Σ AC over those that have both. A project that reports no AC (or no EV) is left out of
    that ratio rather than counted as zero: its earned value against nobody's cost would inflate CPI,
    and a PV against an EV nobody claimed would deflate SPI."""

    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    schedule_ev: Decimal
    """Σ EV of the projects with both EV and PV (SPI's numerator)."""
    schedule_pv: Decimal
    """Σ PV of the projects with both EV and PV (SPI's denominator)."""
    cost_ev: Decimal
    """Σ EV of the projects with both EV and AC (CPI's numerator)."""
    cost_ac: Decimal
    """Σ AC of the projects with both EV and AC (CPI's denominator)."""

    @property
    def spi(self) -> Decimal | None:
        return ratio(self.schedule_ev, self.schedule_pv)

    @property
    def cpi(self) -> Decimal | None:
        return ratio(self.cost_ev, self.cost_ac)
