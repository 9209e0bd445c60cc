"""Queries over gate criteria, gate policies and pending approvals."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates.models import GateDecision
from pmo_portfolio.gates.policy_models import GateApproval, GateCriteriaSet, GatePolicy


async def criteria_of(session: AsyncSession, portfolio_id: uuid.UUID) -> GateCriteriaSet | None:
    return await session.get(GateCriteriaSet, portfolio_id)


async def policy_of(session: AsyncSession, portfolio_id: uuid.UUID) -> GatePolicy | None:
    return await session.get(GatePolicy, portfolio_id)


async def stage_entry(session: AsyncSession, project_id: uuid.UUID) -> int:
    """The project version of the gate decision that moved the project into its current stage (0:
    it has never moved), which tells approvals given in this stage from those of an earlier stay."""
    latest = await session.scalar(
        select(func.max(GateDecision.project_version)).where(GateDecision.project_id == project_id)
    )
    return int(latest or 0)


async def pending_approvers(
    session: AsyncSession, project_id: uuid.UUID, to_stage: str, entry: int
) -> list[str]:
    """Who has approved the move into `to_stage` during the project's current stay in its stage."""
    rows = await session.scalars(
        select(GateApproval.decided_by)
        .where(
            GateApproval.project_id == project_id,
            GateApproval.to_stage == to_stage,
            GateApproval.stage_entry == entry,
        )
        .order_by(GateApproval.decided_at, GateApproval.id)
    )
    return list(rows.all())
