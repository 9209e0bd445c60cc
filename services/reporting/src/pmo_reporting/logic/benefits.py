"""Benefits as of a date (contract §7.7, §7.8), as pure functions: the measurement in effect (the
newest dated on or before the date), the share of the planned change it shows, and a dashboard's
summary of several benefits.

realised_percent = (latest − baseline) / (target − baseline) × 100, the portfolio service's formula:
None without a measurement, when target equals baseline, or when the ratio is not finite. A
summary's `realised_percent` is the mean of the benefits that have one (None when none has), summed
with `math.fsum` so the order the rows come in does not change the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BenefitFigures:
    baseline_value: float
    target_value: float
    latest: float | None
    """The value of the newest measurement on or before the as-of date (None: none yet)."""


def latest_value(measurements: Iterable[tuple[date, float]], as_of: date) -> float | None:
    """The value measured on the latest date on or before `as_of`."""
    dated = [(day, value) for day, value in measurements if day <= as_of]
    return max(dated, key=lambda m: m[0])[1] if dated else None


def realised_percent(baseline: float, target: float, latest: float | None) -> float | None:
    if latest is None or target == baseline:
        return None
    percent = (latest - baseline) / (target - baseline) * 100
    return percent if math.isfinite(percent) else None


@dataclass(frozen=True)
class BenefitTotals:
    count: int
    realised_percent: float | None


def summarise(benefits: Iterable[BenefitFigures]) -> BenefitTotals:
    items = list(benefits)
    percents = [
        p
        for p in (realised_percent(b.baseline_value, b.target_value, b.latest) for b in items)
        if p is not None
    ]
    mean = math.fsum(percents) / len(percents) if percents else None
    return BenefitTotals(count=len(items), realised_percent=mean)
