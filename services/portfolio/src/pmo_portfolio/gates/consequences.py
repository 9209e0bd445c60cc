"""What a gate decision entails beyond the stage change, in the same transaction: baseline 1 when a
project first enters `approved`, and the decision log entry (kind `gate`) every decision writes.
Called by `gates.service.decide` once the stage has changed and the decision is logged, inside the
project's change, so that the `stage_changed` event already names the new baseline."""

from __future__ import annotations

from typing import Any

from pmo_common.auth import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.baselines import repository as baselines
from pmo_portfolio.baselines import service as baseline_service
from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.gates.models import GateDecision
from pmo_portfolio.projects.models import Project


async def after_decision(
    session: AsyncSession, project: Project, decision: GateDecision, principal: Principal
) -> None:
    """Baseline 1 (from the project's fields now, in force from `decision.decided_at`) on the first
    entry into `approved`; then the decision log entry linking the gate decision, the project and
    that baseline."""
    await session.flush()  # the gate decision's row, which the log entry refers to
    links: list[dict[str, Any]] = [
        {"type": "gate_decision", "id": decision.id},
        {"type": "project", "id": project.id},
    ]
    if decision.to_stage == "approved" and not await baselines.exists(session, project.id):
        baseline = await baseline_service.take_first(
            session,
            project,
            principal,
            approved_by=decision.decided_by,
            approved_at=decision.decided_at,
            rationale=decision.rationale,
        )
        links.append({"type": "baseline", "id": baseline.id})
    await decisions.record(
        session,
        principal,
        portfolio_id=project.portfolio_id,
        project_id=project.id,
        kind="gate",
        title=f"{project.code}: {decision.decision} {decision.from_stage} → {decision.to_stage}",
        rationale=decision.rationale,
        links=links,
        decided_at=decision.decided_at,
    )
