"""Queries over the gate facts' read models."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates.fact_models import ResponseFact, RiskFact, StatusReportFact

# Opportunities are not what a gate guards against: the risk facts count threats only.
THREAT = "threat"


@dataclass(frozen=True)
class OpenRisks:
    count: int
    max_score: int
    escalated_without_response: int


async def open_risks(session: AsyncSession, project_id: uuid.UUID) -> OpenRisks:
    rows = (
        await session.execute(
            select(RiskFact.id, RiskFact.score, RiskFact.escalated).where(
                RiskFact.project_id == project_id,
                RiskFact.kind == THREAT,
                RiskFact.status == "open",
                RiskFact.deleted.is_(False),
            )
        )
    ).all()
    escalated = [row.id for row in rows if row.escalated]
    answered: set[uuid.UUID] = set()
    if escalated:
        answered = set(
            (
                await session.scalars(
                    select(ResponseFact.risk_id)
                    .where(ResponseFact.risk_id.in_(escalated), ResponseFact.deleted.is_(False))
                    .distinct()
                )
            ).all()
        )
    return OpenRisks(
        count=len(rows),
        max_score=max((row.score for row in rows), default=0),
        escalated_without_response=sum(1 for risk_id in escalated if risk_id not in answered),
    )


async def latest_report(session: AsyncSession, project_id: uuid.UUID) -> StatusReportFact | None:
    """The report with the latest `as_of` (of two on the same day, the one published last)."""
    return await session.scalar(
        select(StatusReportFact)
        .where(StatusReportFact.project_id == project_id)
        .order_by(
            StatusReportFact.as_of.desc(), StatusReportFact.submitted_at.desc(), StatusReportFact.id.desc()
        )
        .limit(1)
    )
