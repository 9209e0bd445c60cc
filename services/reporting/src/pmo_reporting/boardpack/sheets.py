"""The workbook's sheets from the export's rows (pure): the Projects sheet has the CSV's columns
(`dashboards.exports.CSV_COLUMNS` and a `field.<key>` column per custom field), typed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from pmo_reporting.boardpack.xlsx import Sheet, SheetColumn, typed_field
from pmo_reporting.dashboards.exports import CSV_COLUMNS, TAG_SEPARATOR, ProjectLine
from pmo_reporting.dashboards.schemas import KpiPoint
from pmo_reporting.logic.evm import rounded_ratio
from pmo_reporting.logic.periods import end_of_day

_PROJECT_KINDS = {
    "report_as_of": "date",
    "percent_complete": "percent",
    "spi": "ratio",
    "cpi": "ratio",
    "tcpi": "ratio",
    "schedule_slip_days": "integer",
    "escalated_risks": "integer",
    "baseline_start": "date",
    "baseline_finish": "date",
    "forecast_finish": "date",
    **{name: "money" for name in ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "etc", "vac")},
    **{name: "money" for name in ("baseline_cost", "forecast_cost")},
}
_WIDTHS = {"project_id": 38, "name": 32, "code": 14, "tags": 24}
_FIELD_KINDS = {"number": "number", "date": "date"}


def project_sheet(lines: Sequence[ProjectLine], definitions: Sequence[Mapping[str, Any]]) -> Sheet:
    keys = [str(d["key"]) for d in definitions]
    types = {str(d["key"]): d.get("type") for d in definitions}
    columns = [
        SheetColumn(
            name, _PROJECT_KINDS.get(name, "text"), _WIDTHS.get(name, 16 if name in _PROJECT_KINDS else 14)
        )
        for name in CSV_COLUMNS
    ]
    columns += [SheetColumn(f"field.{key}", _FIELD_KINDS.get(str(types[key]), "text"), 16) for key in keys]

    def rows() -> Iterator[list[Any]]:
        for line in lines:
            values = project_values(line)
            yield [values[name] for name in CSV_COLUMNS] + [
                typed_field(line.fields.get(key), types[key]) for key in keys
            ]

    return Sheet("Projects", columns, rows())


def project_values(line: ProjectLine) -> dict[str, Any]:
    """A project's typed values by CSV column name."""
    e = line.evm
    money = {name: getattr(e, name) for name in ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "etc", "vac")}
    return {
        "project_id": str(line.project_id),
        "code": line.code,
        "name": line.name,
        "stage": line.stage,
        "manager": line.manager,
        "report_as_of": line.report_as_of,
        "overall": line.overall,
        "percent_complete": line.percent_complete,
        **money,
        "spi": rounded_ratio(e.spi),
        "cpi": rounded_ratio(e.cpi),
        "tcpi": rounded_ratio(e.tcpi),
        "schedule_slip_days": e.schedule_slip_days,
        "suggested_rag": e.suggested_rag,
        "escalated_risks": line.escalated_risks,
        "programme": line.programme,
        "sponsor": line.sponsor,
        "baseline_start": line.baseline_start,
        "baseline_finish": line.baseline_finish,
        "baseline_cost": e.bac,
        "forecast_finish": line.forecast_finish,
        "forecast_cost": line.forecast_cost,
        "tags": TAG_SEPARATOR.join(line.tags) or None,
    }


def risk_sheet(risks: Sequence[Any]) -> Sheet:
    columns = [
        SheetColumn("project", width=14),
        SheetColumn("title", width=48),
        SheetColumn("probability", "integer", 11),
        SheetColumn("impact", "integer", 9),
        SheetColumn("score", "integer", 8),
        SheetColumn("level", width=11),
        SheetColumn("emv", "money", 18),
        SheetColumn("escalated", "bool", 10),
    ]
    rows = (
        [r.project_code, r.title, r.probability, r.impact, r.score, r.level, r.emv, bool(r.escalated)]
        for r in risks
    )
    return Sheet("Risks", columns, rows)


def action_sheet(actions: Sequence[Any], as_of: date) -> Sheet:
    """`open` and `overdue` on the as-of date; `status` is the action's status now."""
    until = end_of_day(as_of)
    columns = [
        SheetColumn("title", width=48),
        SheetColumn("project", width=14),
        SheetColumn("owner", width=18),
        SheetColumn("status", width=12),
        SheetColumn("due_date", "date", 12),
        SheetColumn("closed_at", "datetime", 17),
        SheetColumn("open", "bool", 8),
        SheetColumn("overdue", "bool", 9),
        SheetColumn("days_overdue", "integer", 13),
    ]

    def row(a: Any) -> list[Any]:
        open_ = a.closed_at is None or a.closed_at >= until
        overdue = open_ and a.due_date is not None and a.due_date < as_of
        days = (as_of - a.due_date).days if overdue else None
        return [a.title, a.project_code, a.owner, a.status, a.due_date, a.closed_at, open_, overdue, days]

    return Sheet("Actions", columns, (row(a) for a in actions))


def decision_sheet(decisions: Sequence[Any]) -> Sheet:
    columns = [
        SheetColumn("sequence", "integer", 10),
        SheetColumn("decided_at", "datetime", 17),
        SheetColumn("kind", width=14),
        SheetColumn("title", width=48),
        SheetColumn("decided_by", width=18),
        SheetColumn("project", width=14),
        SheetColumn("hash", width=66),
    ]
    rows = (
        [d.sequence, d.decided_at, d.kind, d.title, d.decided_by, d.project_code, d.hash] for d in decisions
    )
    return Sheet("Decisions", columns, rows)


def kpi_sheet(points: Sequence[KpiPoint]) -> Sheet:
    columns = [
        SheetColumn("month", width=9),
        SheetColumn("as_of", "date", 12),
        SheetColumn("projects", "integer", 9),
        *(SheetColumn(name, "money", 18) for name in ("bac", "pv", "ev", "ac")),
        SheetColumn("spi", "ratio", 7),
        SheetColumn("cpi", "ratio", 7),
        SheetColumn("open_risks", "integer", 11),
        SheetColumn("escalated_risks", "integer", 15),
        SheetColumn("risk_emv", "money", 18),
    ]
    rows = (
        [
            p.month,
            p.as_of,
            p.projects.total,
            p.evm.bac,
            p.evm.pv,
            p.evm.ev,
            p.evm.ac,
            p.evm.spi,
            p.evm.cpi,
            p.risks.open,
            p.risks.escalated,
            p.risks.emv_total,
        ]
        for p in points
    )
    return Sheet("KPIs", columns, rows)
