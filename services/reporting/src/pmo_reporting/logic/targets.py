"""KPI targets per portfolio (contract §7.8) as pure functions: a figure at or above `green` is green,
at or above `amber` amber, else red (for report age: at or below). A figure is compared at the
precision it is printed with, so a reason never reads "SPI 0.85 below 0.85" for an SPI of 0.8491:
it reads "SPI 0.8491 below 0.85".

Defaults: SPI and CPI green from 0.95, amber from 0.85 (the fixed thresholds before targets); report
age green up to 31 days (a monthly report) and amber up to 35 (the staleness after which a project in
progress has always needed attention), red beyond. Report age counts only for a project in a stage
that reports (`REPORTING_STAGES`): a proposal or a closed project is not expected to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

RATIO_PLACES = Decimal("0.0001")
RANK = {"green": 0, "amber": 1, "red": 2}


@dataclass(frozen=True)
class Band:
    green: Decimal
    amber: Decimal
    higher_is_better: bool = True

    def colour(self, value: Decimal) -> str:
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


@dataclass(frozen=True)
class Targets:
    spi: Band = Band(Decimal("0.95"), Decimal("0.85"))
    cpi: Band = Band(Decimal("0.95"), Decimal("0.85"))
    report_age_days: Band = Band(Decimal(31), Decimal(35), higher_is_better=False)


DEFAULT_TARGETS = Targets()
REPORTING_STAGES = ("in_progress",)
"""The stages in which a project is expected to report (its report's age counts)."""


def report_age_days(report_as_of: date | None, as_of: date, stage: str | None) -> int | None:
    """Days since the report in effect, for a project expected to report on `as_of` (else None)."""
    if report_as_of is None or stage not in REPORTING_STAGES:
        return None
    return (as_of - report_as_of).days


def shown(value: Decimal, places: Decimal = RATIO_PLACES) -> Decimal:
    """The figure as printed (and so as compared)."""
    return value.quantize(places, rounding=ROUND_HALF_EVEN)


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def judged(
    name: str, value: Decimal | None, band: Band, places: Decimal = RATIO_PLACES
) -> tuple[str | None, str | None]:
    """(colour, reason) of one figure: the reason says what missed which target, at print precision."""
    if value is None:
        return None, None
    figure = shown(value, places)
    colour = band.colour(figure)
    if colour == "green":
        return colour, None
    limit = band.green if colour == "amber" else band.amber
    relation = "below" if band.higher_is_better else "above"
    return colour, f"{name} {_text(figure)} {relation} {_text(limit)}"


def worst(colours: list[str | None]) -> str | None:
    known = [c for c in colours if c is not None]
    return max(known, key=RANK.__getitem__) if known else None


def suggested_rag(
    spi: Decimal | None, cpi: Decimal | None, age_days: int | None, targets: Targets
) -> str | None:
    """The worst of the three colours (None when no figure is known)."""
    colours = [
        judged("SPI", spi, targets.spi)[0],
        judged("CPI", cpi, targets.cpi)[0],
        judged(
            "report age", None if age_days is None else Decimal(age_days), targets.report_age_days, Decimal(1)
        )[0],
    ]
    return worst(colours)
