"""Benefit arithmetic (contract §7.7): which measurement is the latest, and how much of the planned
change from baseline to target it shows.

The percentage is direction-neutral: a benefit whose target lies below its baseline ("cost per
ticket falls from 12 to 8") is 50 % realised at 10, as one whose target lies above it is halfway
there — both numerator and denominator change sign together. Past the target it exceeds 100; moved
the wrong way it is negative. Neither is clipped: the board needs to see both."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

# Every value a benefit carries (baseline, target, measurements) lies within ±VALUE_LIMIT: large
# enough for any amount of money or count a benefit names, small enough that differences of two
# values and their products with 100 stay exact-enough finite floats.
VALUE_LIMIT = 1e12


class Dated(Protocol):
    @property
    def as_of(self) -> date: ...


D = TypeVar("D", bound=Dated)


def latest_measurement(measurements: Iterable[D], today: date) -> D | None:
    """The newest measurement on or before `today` (later-dated ones count from their day on)."""
    current = [m for m in measurements if m.as_of <= today]
    return max(current, key=lambda m: m.as_of, default=None)


def realised_percent(baseline: float, target: float, latest: float | None) -> float | None:
    """(latest − baseline) / (target − baseline) × 100; None without a measurement, when target equals
    baseline (no planned change to measure against), or when the ratio is not a finite float (a
    target and baseline that differ by less than float precision can divide to infinity)."""
    if latest is None or target == baseline:
        return None
    percent = (latest - baseline) / (target - baseline) * 100
    return percent if math.isfinite(percent) else None
