"""Gate decisions: the only way a project's stage changes. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pmo_common.contracts.events import ProjectStageChanged
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from pmo_common.events.outbox import emit
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.audit import service as audit
from pmo_portfolio.gates.models import GateDecision
from pmo_portfolio.logic.lifecycle import IllegalTransition, check_transition
from pmo_portfolio.projects import service as project_service
from pmo_portfolio.projects.models import Project

CLOCK_SKEW = timedelta(seconds=5)
"""How far in the future a client's `decided_at` may be (its clock running ahead of ours)."""


async def _decision_time(session: AsyncSession, project: Project, requested: datetime | None) -> datetime:
    """`requested` (UTC), or now: never in the future (beyond CLOCK_SKEW) and never before the
    project's previous gate decision, so the log's times follow its order (422 otherwise)."""
    now = utcnow()
    previous = await session.scalar(
        select(GateDecision.decided_at)
        .where(GateDecision.project_id == project.id)
        .order_by(GateDecision.project_version.desc())
        .limit(1)
    )
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
    session: AsyncSession,
    project: Project,
    *,
    to_stage: str,
    decision: str,
    rationale: str,
    actor: str,
    decided_at: datetime | None = None,
) -> GateDecision:
    """Move `project` to `to_stage` (409 naming the allowed stages when the lifecycle forbids it),
    log the decision, emit `stage_changed` and audit it, all in the caller's transaction.
    `decided_at` back-dates the decision (default now; 422 when in the future or before the
    previous decision)."""
    from_stage = project.stage
    try:
        check_transition(from_stage, to_stage, decision, project.held_from)
    except IllegalTransition as exc:
        raise Conflict(f"Illegal transition: {exc}.", extra={"allowed": exc.allowed}) from None
    when = await _decision_time(session, project, decided_at)
    before = audit.snapshot(project_service.read(project))
    project.stage = to_stage
    # on_hold remembers where it came from so that a resume can return there.
    project.held_from = from_stage if to_stage == "on_hold" else None
    await session.flush()
    entry = GateDecision(
        id=uuid.uuid4(),
        project_id=project.id,
        from_stage=from_stage,
        to_stage=to_stage,
        decision=decision,
        rationale=rationale,
        decided_by=actor,
        decided_at=when,
        project_version=project.version,
    )
    session.add(entry)
    await session.flush()
    data = project_service.event_data(project, ["stage"])
    data |= {
        "from_stage": from_stage,
        "to_stage": to_stage,
        "decision": decision,
        "rationale": rationale,
        "decided_by": actor,
        "decided_at": entry.decided_at,
    }
    await emit(session, ProjectStageChanged, data)
    changes = audit.diff(before, audit.snapshot(project_service.read(project)))
    changes["decision"] = {"decision": decision, "rationale": rationale, "gate_decision_id": str(entry.id)}
    await audit.record(
        session,
        entity_type="project",
        entity_id=project.id,
        version=project.version,
        action="stage_changed",
        actor=actor,
        changes=changes,
    )
    return entry
