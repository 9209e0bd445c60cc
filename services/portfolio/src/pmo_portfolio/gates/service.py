"""Gate decisions: the only way a project's stage changes. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.contracts.events import ProjectStageChanged
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates import checks, consequences, repository
from pmo_portfolio.gates.models import GateDecision
from pmo_portfolio.gates.policy_models import GateApproval
from pmo_portfolio.gates.schemas import GateDecisionCreate
from pmo_portfolio.logic.lifecycle import IllegalTransition, check_transition
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.service import PROJECTS

CLOCK_SKEW = timedelta(seconds=5)
"""How far in the future a client's `decided_at` may be (its clock running ahead of ours)."""


async def _decision_time(session: AsyncSession, project: Project, requested: datetime | None) -> datetime:
    """`requested` (UTC), or now: never in the future (beyond CLOCK_SKEW) and never before the
    project's previous gate decision, so the log's times follow its order (422 otherwise)."""
    now = utcnow()
    previous = await repository.last_decided_at(session, project.id)
    if requested is None:
        # Only a previous decision dated within the skew allowance can be "later" than now.
        return max(now, previous) if previous is not None else now
    decided_at = requested.astimezone(UTC)
    if decided_at > now + CLOCK_SKEW:
        raise invalid("body.decided_at", f"must not be in the future (now is {now.isoformat()})")
    if previous is not None and decided_at < previous:
        raise invalid(
            "body.decided_at",
            f"must not be earlier than the project's previous gate decision ({previous.isoformat()})",
        )
    return decided_at


async def decide(
    session: AsyncSession, project: Project, body: GateDecisionCreate, principal: Principal
) -> GateDecision | GateApproval:
    """Move `project` to `body.to_stage` (409 naming the allowed stages when the lifecycle forbids
    it), log the decision, emit `stage_changed` and audit it, all in the caller's transaction.
    `body.decided_at` back-dates the decision (default now; 422 when in the future or before the
    previous decision). `checks` first: pmo/admin only and never on a project one manages (403), gate
    criteria (409 unless overridden), and a pending approval while the stage needs more approvers."""
    if (
        pending := await checks.before_decision(session, project, body, principal, _decision_time)
    ) is not None:
        return pending
    ensure_can_write_project(principal, project.manager)
    from_stage = project.stage
    try:
        check_transition(from_stage, body.to_stage, body.decision, project.held_from)
    except IllegalTransition as exc:
        raise Conflict(f"Illegal transition: {exc}.", extra={"allowed": exc.allowed}) from None
    when = await _decision_time(session, project, body.decided_at)
    async with PROJECTS.change(session, project, principal, ProjectStageChanged, action="stage_changed") as c:
        project.stage = body.to_stage
        # on_hold remembers where it came from so that a resume can return there.
        project.held_from = from_stage if body.to_stage == "on_hold" else None
        await session.flush()  # the project's new version, which the log entry records
        entry = GateDecision(
            id=uuid.uuid4(),
            project_id=project.id,
            from_stage=from_stage,
            to_stage=body.to_stage,
            decision=body.decision,
            rationale=body.rationale,
            decided_by=principal.sub,
            decided_at=when,
            project_version=project.version,
        )
        session.add(entry)
        await consequences.after_decision(session, project, entry, principal)  # baseline 1, decision log
        c.changed = ["stage"]  # `held_from` is the service's own bookkeeping, not in the event
        c.extra = {
            "from_stage": from_stage,
            "to_stage": body.to_stage,
            "decision": body.decision,
            "rationale": body.rationale,
            "decided_by": principal.sub,
            "decided_at": when,
        }
    return entry
