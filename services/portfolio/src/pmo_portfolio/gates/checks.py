"""What a gate decision must pass before it moves a project (contract §7.5), checked at the start of
`gates.service.decide`:

1. Separation of duties: gate decisions are taken by `pmo` or `admin`, never by the project's own
   `manager` (403), whatever their roles.
2. Gates as code: an `approve` into a stage whose criteria fail is a 409 listing each failing
   criterion with the facts it saw, unless the body carries `override: {rationale}`; an override is
   written to the decision log.
3. Several approvers: while fewer than the stage's `approvals_required` distinct approvers have
   approved, an approval is kept as pending (the project does not move); the same approver twice is a
   409; the approval that completes the count lets the decision apply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.types import Role
from pmo_common.db import serialize
from pmo_common.errors import Conflict, Forbidden, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.gates import policy_repository as repository
from pmo_portfolio.gates import policy_service
from pmo_portfolio.gates.policy_models import GateApproval
from pmo_portfolio.gates.policy_schemas import GateApprovalRead, GateCheckRead
from pmo_portfolio.gates.schemas import GateDecisionCreate
from pmo_portfolio.logic.lifecycle import IllegalTransition, check_transition
from pmo_portfolio.projects.models import Project

DecisionTime = Callable[[AsyncSession, Project, datetime | None], Awaitable[datetime]]

# Audited like every write; pending approvals are announced by no event (the stage did not change).
GATE_APPROVALS = Aggregate[GateApproval]("gate_approval", read=GateApprovalRead.model_validate)


def ensure_gate_decider(principal: Principal, project: Project) -> None:
    """Gate decisions are the PMO's: `pmo` or `admin`, and never the project's own manager."""
    if not principal.has(Role.pmo, Role.admin):
        raise Forbidden("Gate decisions are taken by the pmo or admin roles.")
    if project.manager is not None and project.manager == principal.sub:
        raise Forbidden(f"You manage project {project.code}: a gate decision on it is taken by someone else.")


async def before_decision(
    session: AsyncSession,
    project: Project,
    body: GateDecisionCreate,
    principal: Principal,
    decision_time: DecisionTime,
) -> GateApproval | None:
    """Refuse the decision (403, 409, 422) or keep it as a pending approval (returned); None: the
    decision may apply."""
    ensure_gate_decider(principal, project)
    if body.decision != "approve":
        if body.override is not None:
            raise invalid("body.override", "only an approve decision is checked against gate criteria")
        return None
    try:
        check_transition(project.stage, body.to_stage, body.decision, project.held_from)
    except IllegalTransition:
        return None  # `decide` answers it, with the stages allowed
    await serialize(session, f"gate:{project.id}")  # approvals of one project, one at a time
    await _check_criteria(session, project, body, principal)
    return await _count_approval(session, project, body, principal, decision_time)


async def _check_criteria(
    session: AsyncSession, project: Project, body: GateDecisionCreate, principal: Principal
) -> None:
    check = await policy_service.gate_check(session, project, body.to_stage)
    if check.passed:
        return
    failing = [c for c in check.criteria if not c.passed]
    if body.override is None:
        raise Conflict(
            f"Project {project.code} does not meet the gate criteria of {body.to_stage}: "
            f"{', '.join(c.key for c in failing)}. Fix them, or override with a rationale.",
            extra={"failing_criteria": [c.model_dump(mode="json") for c in failing]},
        )
    await record_override(session, principal, project, body, check)


async def _count_approval(
    session: AsyncSession,
    project: Project,
    body: GateDecisionCreate,
    principal: Principal,
    decision_time: DecisionTime,
) -> GateApproval | None:
    required = await policy_service.approvals_required(session, project.portfolio_id, body.to_stage)
    if required <= 1:
        return None
    entry = await repository.stage_entry(session, project.id)
    approvers = await repository.pending_approvers(session, project.id, body.to_stage, entry)
    if principal.sub in approvers:
        raise Conflict(
            f"You have already approved moving {project.code} to {body.to_stage}; "
            f"{required} distinct approvers are needed ({len(approvers)} so far).",
            extra={"approvers": approvers, "approvals_required": required},
        )
    if len(approvers) + 1 >= required:
        return None  # this approval completes the count: the decision applies
    approval = GateApproval(
        project_id=project.id,
        stage_entry=entry,
        from_stage=project.stage,
        to_stage=body.to_stage,
        decision=body.decision,
        rationale=body.rationale,
        override_rationale=None if body.override is None else body.override.rationale,
        decided_by=principal.sub,
        decided_at=await decision_time(session, project, body.decided_at),
        project_version=project.version,
    )
    await GATE_APPROVALS.create(session, approval, principal, None)
    return approval


async def record_override(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    body: GateDecisionCreate,
    check: GateCheckRead,
) -> None:
    """Write the override to the portfolio's decision log, in the decision's transaction."""
    assert body.override is not None
    failing = ", ".join(c.key for c in check.criteria if not c.passed)
    await record_decision(
        session,
        principal,
        portfolio_id=project.portfolio_id,
        kind="gate",
        title=f"Gate override: {project.code} to {body.to_stage} despite failing criteria ({failing})",
        rationale=body.override.rationale,
        project_id=project.id,
        links=[{"type": "project", "id": project.id}],
    )


async def record_decision(session: AsyncSession, principal: Principal, **entry: Any) -> None:
    """The one place this module meets the decision log (its own package)."""
    await decisions.record(session, principal, **entry)
