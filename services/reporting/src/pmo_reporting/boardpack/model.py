"""What the HTML and PDF board reports show, gathered once (`dashboards.board.board_pack`) and
rendered by pure functions (`boardpack.html`, `boardpack.pdf`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_reporting.boardpack.money import DEFAULT_LOCALE, format_amount
from pmo_reporting.dashboards.exports import OverdueAction
from pmo_reporting.dashboards.schemas import Attention, Dashboard


@dataclass(frozen=True)
class Curve:
    """The S-curve: PV over every month of the span, EV and AC up to the as-of month (None after)."""

    months: Sequence[str]
    pv: Sequence[Decimal]
    ev: Sequence[Decimal | None]
    ac: Sequence[Decimal | None]


@dataclass(frozen=True)
class BoardPack:
    portfolio_name: str
    board: Dashboard
    attention: Sequence[Attention]
    """Every project that needs attention (the dashboard lists at most 100), most reasons first."""
    curve: Curve
    heatmap: Mapping[tuple[int, int], int]
    overdue: Sequence[OverdueAction]
    """Every overdue action, the longest overdue first."""
    generated: date
    locale: str = DEFAULT_LOCALE

    def amount(self, value: Decimal | None) -> str:
        return format_amount(value, self.board.currency, self.locale)

    @property
    def period(self) -> str:
        months = self.curve.months
        return f"{months[0]} – {months[-1]}" if months else ""

    def headline(self) -> list[tuple[str, str]]:
        """The summary figures, amounts formatted for reading."""
        e, r, p = self.board.evm, self.board.risks, self.board.projects
        return [
            ("Projects", str(p.total)),
            ("BAC", self.amount(e.bac)),
            ("PV", self.amount(e.pv)),
            ("EV", self.amount(e.ev)),
            ("AC", self.amount(e.ac)),
            ("SPI", ratio_text(e.spi)),
            ("CPI", ratio_text(e.cpi)),
            ("Open risks", str(r.open)),
            ("Escalated", str(r.escalated)),
            ("Risk EMV", self.amount(r.emv_total)),
        ]


def ratio_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def counts_text(mapping: Mapping[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(mapping.items())) or "—"
