"""The dashboard and KPIs are aggregated in SQL (integer cents, superseded-at timelines); the
exports compute the same figures project by project in Python with `logic.evm`. On random data
with out-of-order events and reports, same-day resubmissions, odd budgets and fractional
percentages, both must agree exactly for every as-of date."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pmo_common.auth import Principal
from pmo_common.contracts.events import (
    PortfolioCreated,
    ProjectCreated,
    ProjectStageChanged,
    ProjectUpdated,
    RiskRaised,
    RiskUpdated,
)
from pmo_common.db import Database
from pmo_common.events.outbox import build_envelope
from pmo_common.migrations import upgrade_to_head
from pmo_reporting.dashboards import service
from pmo_reporting.handlers import on_portfolio_event, on_risk_event
from pmo_reporting.main import SPEC
from pmo_reporting.readmodels.models import PortfolioView, ProjectView
from pmo_reporting.status_reports import service as reports
from pmo_reporting.status_reports.schemas import StatusReportCreate

ADMIN = Principal("root", frozenset({"admin"}))
STAGES = ["proposal", "approved", "in_progress", "on_hold", "closed", "cancelled"]
LEVELS = ["low", "medium", "high", "critical"]


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def _apply(db: Database, handler: Any, event: Any, data: dict[str, Any], when: datetime) -> None:
    envelope = build_envelope(event, data).model_copy(update={"time": when})
    async with db.transaction() as session:
        await handler(session, envelope)


async def _seed(db: Database, rnd: random.Random, today: date) -> uuid.UUID:
    portfolio_id = uuid.uuid4()
    other_id = uuid.uuid4()
    start = today - timedelta(days=400)
    for pid in (portfolio_id, other_id):
        data = {"id": str(pid), "version": 1, "name": "P", "currency": "EUR", "budget": "1.00"}
        await _apply(db, on_portfolio_event, PortfolioCreated, data, at(start - timedelta(days=5)))
    projects = []
    for i in range(40):
        first = start + timedelta(days=rnd.randint(0, 300))
        dated = rnd.random() < 0.85
        data = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "code": rnd.choice(["A", "b", "Z", "ä"]) + f"-{rnd.randint(1, 5)}",  # duplicate codes: id decides
            "name": f"Project {i}",
            "budget": f"{rnd.randint(0, 5_000_000)}.{rnd.randint(0, 99):02d}",
            "start_date": (first - timedelta(days=rnd.randint(-30, 60))).isoformat() if dated else None,
            "finish_date": (first + timedelta(days=rnd.randint(1, 500))).isoformat() if dated else None,
            "stage": "proposal",
        }
        await _apply(db, on_portfolio_event, ProjectCreated, data, at(first))
        version, events = 1, []
        for _ in range(rnd.randint(0, 4)):
            version += 1
            stage = rnd.choice(STAGES)
            decided = first + timedelta(days=rnd.randint(-10, 380))
            events.append(
                (
                    ProjectStageChanged,
                    data
                    | {
                        "version": version,
                        "stage": stage,
                        "from_stage": data["stage"],
                        "to_stage": stage,
                        "decision": "approve",
                        "decided_by": "board",
                        "decided_at": at(min(decided, today), 9).isoformat(),
                    },
                    at(min(decided + timedelta(days=1), today)),
                )
            )
        if rnd.random() < 0.3:  # a budget change, or a move to the other portfolio, or a deletion
            version += 1
            change = rnd.choice(["budget", "move", "delete"])
            updated = data | {"version": version, "stage": "in_progress"}
            if change == "budget":
                updated["budget"] = f"{rnd.randint(1, 900_000)}.{rnd.randint(0, 99):02d}"
            elif change == "move":
                updated["portfolio_id"] = str(other_id)
            else:
                updated["deleted"] = True
            events.append((ProjectUpdated, updated, at(first + timedelta(days=rnd.randint(1, 390)))))
        rnd.shuffle(events)  # arrive out of order
        for event, payload, when in events:
            await _apply(db, on_portfolio_event, event, payload, min(when, at(today)))
        projects.append(uuid.UUID(data["id"]))
    for project_id in projects:
        for _ in range(rnd.randint(0, 8)):
            as_of = start + timedelta(days=rnd.randint(0, 400))
            body: dict[str, Any] = {
                "as_of": min(as_of, today).isoformat(),
                "overall": rnd.choice(["green", "amber", "red"]),
                **{k: "green" for k in ("scope", "schedule", "cost", "risk", "resources")},
                "percent_complete": rnd.choice([rnd.uniform(0, 100), rnd.randint(0, 100), 12.5, 0.5]),
                "actual_cost": f"{rnd.randint(0, 3_000_000)}.{rnd.randint(0, 99):02d}",
            }
            if rnd.random() < 0.3:
                body["planned_value"] = f"{rnd.randint(0, 3_000_000)}.00"
            if rnd.random() < 0.3:
                body["earned_value"] = f"{rnd.randint(0, 3_000_000)}.05"
            async with db.transaction() as session:
                project = await session.get(ProjectView, project_id)
                assert project is not None
                await reports.submit(session, project, StatusReportCreate.model_validate(body), ADMIN)
    for _ in range(120):
        probability, impact = rnd.randint(1, 5), rnd.randint(1, 5)
        data = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "project_id": str(rnd.choice(projects)) if rnd.random() < 0.9 else None,
            "kind": "threat",
            "title": "Risk",
            "probability": probability,
            "impact": impact,
            "score": probability * impact,
            "level": rnd.choice(LEVELS),
            "emv": f"{rnd.randint(0, 90_000)}.{rnd.randint(0, 99):02d}",
            "escalated": rnd.random() < 0.3,
            "status": "open",
        }
        raised = start + timedelta(days=rnd.randint(0, 400))
        changes = [(RiskRaised, data, at(raised))]
        for version in range(2, rnd.randint(2, 5)):
            changes.append(
                (
                    RiskUpdated,
                    data
                    | {
                        "version": version,
                        "escalated": rnd.random() < 0.5,
                        "status": rnd.choice(["open", "open", "closed"]),
                    },
                    at(raised + timedelta(days=rnd.randint(0, 200))),
                )
            )
        rnd.shuffle(changes)
        for event, payload, when in changes:
            await _apply(db, on_risk_event, event, payload, min(when, at(today)))
    return portfolio_id


async def test_sql_figures_match_per_project_figures(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_to_head(db.engine, SPEC.migrations)
        rnd = random.Random(7)
        today = datetime.now(UTC).date()
        portfolio_id = await _seed(db, rnd, today)
        async with db.sessionmaker() as session:
            portfolio = await session.get(PortfolioView, portfolio_id)
            assert portfolio is not None
            days = [today, today + timedelta(days=3)]
            days += [today - timedelta(days=rnd.randint(1, 420)) for _ in range(25)]
            for as_of in days:
                figures = await service.portfolio_figures(session, portfolio_id, as_of)
                expected = await service.dashboard_of(session, portfolio, figures)
                actual = await service.dashboard(session, portfolio, as_of)
                assert actual.model_dump() == expected.model_dump(), as_of
            first = f"{today.year - 1:04d}-{today.month:02d}"
            last = f"{today.year:04d}-{today.month:02d}"
            series = await service.kpis(session, portfolio, first, last)
            for point in series.items:
                figures = await service.portfolio_figures(session, portfolio_id, point.as_of, top_risks=0)
                assert point.projects == figures.counts() and point.evm == figures.evm(), point.month
                assert point.risks.open == figures.risks.open
                assert point.risks.emv_total == figures.risks.emv_total
    finally:
        await db.dispose()


def test_dashboard_money_sums_are_exact() -> None:
    assert service.totals_of([]).bac == Decimal("0.00")
