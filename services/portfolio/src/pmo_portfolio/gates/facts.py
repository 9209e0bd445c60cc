"""Facts about projects that gate criteria read (contract §7.5), kept from other services' events.

Risks, their responses and status reports arrive as events and are kept as read models ("newest
version wins": a redelivered or reordered event changes nothing); the rest is the portfolio's own
data. What each fact means:

- `risks.open_count`, `risks.max_open_score`: the project's open threats (opportunities are not
  counted) and the highest current score among them (residual once assessed; 0 with none open).
- `risks.escalated_without_response`: open escalated threats with no (undeleted) response.
- `status_report.age_days`, `status_report.overall`, `evm.cpi`, `evm.spi`: from the report with the
  latest `as_of` (age = today − as_of); null before the first report or when it has no SPI/CPI.
- `scores.complete`: every criterion of the portfolio has a score; `baseline.exists`: the project has
  an approved baseline; `actions.overdue`: its open actions past their due date; `benefits.count`: the
  benefits in the register that name the project (`project_id`).
- `field.<key>`: the project's value of each custom field its portfolio defines (null without one); a
  number field is a number fact, a text, choice or date field a text fact (a date as `YYYY-MM-DD`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TypeAlias

from pmo_common.contracts.events import (
    ResponseCreated,
    ResponseUpdated,
    RiskClosed,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
    StatusReportSubmitted,
)
from pmo_common.events.consumer import apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.actions import repository as actions
from pmo_portfolio.baselines import repository as baselines
from pmo_portfolio.benefits import repository as benefits
from pmo_portfolio.criteria import repository as criteria
from pmo_portfolio.gates import fact_repository
from pmo_portfolio.gates.fact_models import ResponseFact, RiskFact, StatusReportFact
from pmo_portfolio.logic.fields import FieldDefinition, definitions_of
from pmo_portfolio.logic.rules import FactKind, FactValue
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects.models import Project

RiskEvent: TypeAlias = RiskRaised | RiskUpdated | RiskClosed | RiskEscalated | RiskDeescalated

FACTS: dict[str, FactKind] = {
    "risks.open_count": "number",
    "risks.max_open_score": "number",
    "risks.escalated_without_response": "number",
    "evm.cpi": "number",
    "evm.spi": "number",
    "status_report.age_days": "number",
    "status_report.overall": "text",
    "scores.complete": "boolean",
    "baseline.exists": "boolean",
    "actions.overdue": "number",
    "benefits.count": "number",
}


async def on_status_report(session: AsyncSession, event: StatusReportSubmitted) -> None:
    """The latest report's date, overall RAG, SPI and CPI per project."""
    data = event.data
    values = {
        "id": data.id,
        "project_id": data.project_id,
        "as_of": data.as_of,
        "overall": data.overall,
        "spi": data.spi,
        "cpi": data.cpi,
        "submitted_at": event.envelope.time,
    }
    await apply_if_newer(session, StatusReportFact, data.id, data.version, values)


async def on_risk(session: AsyncSession, event: RiskEvent) -> None:
    """Open risks per project: count, highest score, escalated ones."""
    data = event.data
    values = {
        "id": data.id,
        "project_id": data.project_id,
        "kind": data.kind,
        "status": data.status,
        "score": data.residual.score if data.residual is not None else data.score,
        "escalated": data.escalated,
        "deleted": data.deleted,
    }
    await apply_if_newer(session, RiskFact, data.id, data.version, values)


async def on_response(session: AsyncSession, event: ResponseCreated | ResponseUpdated) -> None:
    """Which escalated risks have a response."""
    data = event.data
    values = {"id": data.id, "risk_id": data.risk_id, "status": data.status, "deleted": data.deleted}
    await apply_if_newer(session, ResponseFact, data.id, data.version, values)


async def project_facts(session: AsyncSession, project: Project, today: date) -> dict[str, FactValue]:
    """Every fact of FACTS for `project` as of `today`."""
    risks = await fact_repository.open_risks(session, project.id)
    report = await fact_repository.latest_report(session, project.id)
    portfolio_criteria = await criteria.in_portfolio(session, project.portfolio_id)
    return {
        **await field_facts(session, project),
        "risks.open_count": risks.count,
        "risks.max_open_score": risks.max_score,
        "risks.escalated_without_response": risks.escalated_without_response,
        "evm.cpi": None if report is None else report.cpi,
        "evm.spi": None if report is None else report.spi,
        "status_report.age_days": None if report is None else (today - report.as_of).days,
        "status_report.overall": None if report is None else report.overall,
        "scores.complete": all(str(c.id) in project.scores for c in portfolio_criteria),
        "baseline.exists": await baseline_exists(session, project.id),
        "actions.overdue": await overdue_actions(session, project.id, today),
        "benefits.count": await benefit_count(session, project.id),
    }


def known_facts(portfolio: Portfolio | None) -> dict[str, FactKind]:
    """The facts a rule of this portfolio may name: FACTS and `field.<key>` for its custom fields."""
    return facts_under([] if portfolio is None else definitions_of(portfolio.fields))


def facts_under(definitions: Sequence[FieldDefinition]) -> dict[str, FactKind]:
    """FACTS and `field.<key>` for these custom field definitions."""
    kinds: dict[str, FactKind] = {"number": "number", "date": "date"}
    custom: dict[str, FactKind] = {f"field.{d.key}": kinds.get(d.type, "text") for d in definitions}
    return {**FACTS, **custom}


async def known_facts_of(session: AsyncSession, portfolio_id: uuid.UUID) -> dict[str, FactKind]:
    return known_facts(await session.get(Portfolio, portfolio_id))


async def field_facts(session: AsyncSession, project: Project) -> dict[str, FactValue]:
    """`field.<key>` for every custom field of the project's portfolio (null where it holds none)."""
    portfolio = await session.get(Portfolio, project.portfolio_id)
    definitions = [] if portfolio is None else definitions_of(portfolio.fields)
    return {f"field.{d.key}": project.fields.get(d.key) for d in definitions}


# The one place this module meets the baseline, action and benefit registers (their own packages).


async def baseline_exists(session: AsyncSession, project_id: uuid.UUID) -> bool:
    return await baselines.exists(session, project_id)


async def overdue_actions(session: AsyncSession, project_id: uuid.UUID, today: date) -> int:
    return await actions.overdue_count(session, project_id, today)


async def benefit_count(session: AsyncSession, project_id: uuid.UUID) -> int:
    return await benefits.count_for_project(session, project_id)
