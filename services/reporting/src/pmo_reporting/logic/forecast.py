"""A portfolio's forecast (contract §7.8), as pure functions over its projects' figures: the
Python statement of what `dashboards.repository` sums in SQL (and the tests' oracle).

- `eac`, `etc`, `vac`: the sums of the projects' EAC, ETC and VAC (`logic.evm`: EAC is the reported
  forecast cost, else BAC / CPI), over the projects whose figure is known.
- `budget_growth` = Σ EAC − Σ BAC over the projects that have an EAC (a project without a forecast
  adds neither, rather than showing as a saving of its whole budget); it equals −`vac`.
- A project's slip: forecast finish − baseline finish in days, the forecast finish being the
  report's `forecast_finish_date`, else the project's own finish date (in force on the as-of date);
  unknown without a baseline finish. `slipped_projects` counts those with a slip > 0 and
  `avg_slip_days` is their mean (2 decimals; None when none slipped).
The figures cover the projects the portfolio's EVM sums cover (`logic.dashboard.EVM_STAGES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_reporting.logic.evm import Evm

ZERO = Decimal("0.00")


def slip_days(
    forecast_finish: date | None, project_finish: date | None, baseline_finish: date | None
) -> int | None:
    finish = forecast_finish or project_finish
    if finish is None or baseline_finish is None:
        return None
    return (finish - baseline_finish).days


@dataclass(frozen=True)
class Forecast:
    eac: Decimal
    etc: Decimal
    vac: Decimal
    budget_growth: Decimal
    slipped_projects: int
    avg_slip_days: float | None


def average_slip(slipped: int, total_days: int) -> float | None:
    return round(total_days / slipped, 2) if slipped else None


def forecast_of(projects: Iterable[tuple[Evm, int | None]]) -> Forecast:
    """From each covered project's EVM figures and slip."""
    eac = etc = vac = growth = ZERO
    slipped, slip_total = 0, 0
    for evm, slip in projects:
        if evm.eac is not None:
            eac += evm.eac
            growth += evm.eac - evm.bac
        etc += evm.etc if evm.etc is not None else ZERO
        vac += evm.vac if evm.vac is not None else ZERO
        if slip is not None and slip > 0:
            slipped += 1
            slip_total += slip
    return Forecast(eac, etc, vac, growth, slipped, average_slip(slipped, slip_total))
