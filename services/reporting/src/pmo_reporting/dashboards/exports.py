"""The portfolio's CSV export (pure formatting, no I/O): one row per project with its figures as of
the date, its structure and forecasts, and a `field.<key>` column per custom field of the portfolio
(in definition order)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common.contracts.types import format_money

from pmo_reporting.logic.evm import Evm, rounded_ratio

CSV_COLUMNS = (
    "project_id",
    "code",
    "name",
    "stage",
    "manager",
    "report_as_of",
    "overall",
    "percent_complete",
    "bac",
    "pv",
    "ev",
    "ac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac",
    "etc",
    "vac",
    "tcpi",
    "schedule_slip_days",
    "suggested_rag",
    "escalated_risks",
    "programme",
    "sponsor",
    "baseline_start",
    "baseline_finish",
    "baseline_cost",
    "forecast_finish",
    "forecast_cost",
    "tags",
)
"""The fixed columns; `field.<key>` columns follow, one per custom field of the portfolio."""
TAG_SEPARATOR = ";"


def _text(value: str | None) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection): a leading =, +, -, @ is quoted."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


@dataclass(frozen=True)
class ProjectLine:
    """One project's row of the CSV export: the project, its report in effect and its figures."""

    project_id: uuid.UUID
    code: str
    name: str
    stage: str
    manager: str | None
    report_as_of: date | None
    overall: str | None
    percent_complete: float | None
    evm: Evm
    escalated_risks: int
    programme: str | None = None
    """The code of the project's programme."""
    sponsor: str | None = None
    baseline_start: date | None = None
    baseline_finish: date | None = None
    """The dates of the plan in force on the as-of date (the baseline, else the project's own)."""
    forecast_finish: date | None = None
    forecast_cost: Decimal | None = None
    """The report's forecasts, else the project's own finish date and budget."""
    tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OverdueAction:
    """A line of the board report's overdue actions."""

    title: str
    owner: str | None
    due_date: date
    status: str


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def field_value(value: Any) -> str:
    """A custom field's value as text: numbers and dates as stored (JSON numbers, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return _text(str(value))


def portfolio_csv(lines: Sequence[ProjectLine], field_keys: Sequence[str] = ()) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *(f"field.{key}" for key in field_keys)])
    for line in lines:
        e = line.evm
        writer.writerow(
            [
                str(line.project_id),
                _text(line.code),
                _text(line.name),
                line.stage,
                _text(line.manager),
                line.report_as_of.isoformat() if line.report_as_of else "",
                line.overall or "",
                "" if line.percent_complete is None else line.percent_complete,
                _cell(e.bac),
                _cell(e.pv),
                _cell(e.ev),
                _cell(e.ac),
                _cell(e.sv),
                _cell(e.cv),
                _cell(rounded_ratio(e.spi)),
                _cell(rounded_ratio(e.cpi)),
                _cell(e.eac),
                _cell(e.etc),
                _cell(e.vac),
                _cell(rounded_ratio(e.tcpi)),
                _cell(e.schedule_slip_days),
                e.suggested_rag or "",
                line.escalated_risks,
                _text(line.programme),
                _text(line.sponsor),
                _date(line.baseline_start),
                _date(line.baseline_finish),
                _cell(e.bac),
                _date(line.forecast_finish),
                _cell(line.forecast_cost),
                _text(TAG_SEPARATOR.join(line.tags)),
                *(field_value(line.fields.get(key)) for key in field_keys),
            ]
        )
    return buffer.getvalue()
