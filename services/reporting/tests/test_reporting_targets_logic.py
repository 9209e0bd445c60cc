"""KPI targets: bands, the worst colour, and reasons printed at the precision they are compared at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from pmo_reporting.logic.targets import Band, Targets, judged, report_age_days, shown, suggested_rag

DEFAULT = Targets()


def test_a_figure_just_below_the_line_says_so_at_the_precision_it_is_compared_at():
    assert judged("SPI", Decimal("0.8491"), DEFAULT.spi) == ("red", "SPI 0.8491 below 0.85")
    assert judged("SPI", Decimal("0.84996"), DEFAULT.spi) == (
        "amber",
        "SPI 0.8500 below 0.95",
    )  # printed 0.8500
    assert judged("CPI", Decimal("0.9"), DEFAULT.cpi) == ("amber", "CPI 0.9000 below 0.95")
    assert judged("CPI", Decimal("0.95"), DEFAULT.cpi) == ("green", None)


def test_report_age_is_better_when_lower():
    band = DEFAULT.report_age_days
    assert judged("report age", Decimal(31), band, Decimal(1)) == ("green", None)
    assert judged("report age", Decimal(35), band, Decimal(1)) == ("amber", "report age 35 above 31")
    assert judged("report age", Decimal(36), band, Decimal(1)) == ("red", "report age 36 above 35")


def test_report_age_counts_only_for_a_project_expected_to_report():
    assert report_age_days(date(2025, 5, 31), date(2025, 6, 30), "in_progress") == 30
    assert report_age_days(date(2025, 5, 31), date(2025, 6, 30), "closed") is None
    assert report_age_days(None, date(2025, 6, 30), "in_progress") is None


def test_suggested_rag_is_the_worst_colour_under_the_portfolio_s_targets():
    strict = Targets(spi=Band(Decimal("1.0"), Decimal("0.9")))
    assert suggested_rag(Decimal("0.96"), Decimal("1.2"), 5, DEFAULT) == "green"
    assert suggested_rag(Decimal("0.96"), Decimal("1.2"), 5, strict) == "amber"
    assert suggested_rag(Decimal("0.96"), Decimal("0.5"), 5, strict) == "red"
    assert suggested_rag(None, None, None, DEFAULT) is None
    assert suggested_rag(None, None, 100, DEFAULT) == "red"


@given(st.decimals(min_value=0, max_value=3, places=6))
def test_the_colour_never_contradicts_the_printed_figure(value):
    colour, reason = judged("SPI", value, DEFAULT.spi)
    printed = shown(value)
    assert colour == (
        "green" if printed >= Decimal("0.95") else "amber" if printed >= Decimal("0.85") else "red"
    )
    if reason is not None:
        figure, limit = Decimal(reason.split()[1]), Decimal(reason.split()[-1])
        assert figure < limit  # "x below y" is always true as printed
