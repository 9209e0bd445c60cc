"""Risk rules: who writes, scoring against the portfolio's matrix, assessments, and re-levelling a
portfolio's risks under a new matrix. Never commits: the request's session is the transaction."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pmo_common import audit
from pmo_common.auth import Principal
from pmo_common.contracts.events import Event, RiskClosed, RiskRaised, RiskUpdated
from pmo_common.db import utcnow
from pmo_common.errors import Conflict
from pmo_common.events.outbox import emit_many
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk import access
from pmo_risk.logic import scoring
from pmo_risk.logic.scoring import MatrixRules
from pmo_risk.matrices import repository as matrices
from pmo_risk.risks import repository, responses
from pmo_risk.risks.aggregate import RISK, crossing_events, rescore, rescored_change
from pmo_risk.risks.models import Assessment, Risk
from pmo_risk.risks.schemas import AssessmentCreate, CostImpact, RiskCreate, RiskUpdate, Status


def _cost_columns(cost: CostImpact | None) -> dict[str, Decimal | None]:
    return {
        "cost_min": cost.min if cost else None,
        "cost_most_likely": cost.most_likely if cost else None,
        "cost_max": cost.max if cost else None,
    }


def _assessment(
    risk: Risk, basis: str, probability: int, impact: int, note: str, principal: Principal
) -> Assessment:
    return Assessment(
        risk_id=risk.id,
        basis=basis,
        probability=probability,
        impact=impact,
        score=scoring.score(probability, impact),
        note=note,
        assessed_by=principal.sub,
    )


async def create(session: AsyncSession, body: RiskCreate, principal: Principal) -> Risk:
    portfolio_id = await access.resolve_scope(
        session, principal, body.portfolio_id, body.project_id, what="risk"
    )
    risk = Risk(
        id=uuid.uuid4(),
        portfolio_id=portfolio_id,
        created_by=principal.sub,
        closed_at=utcnow() if body.status == Status.closed else None,
        **body.model_dump(exclude={"portfolio_id", "cost_impact"}),
        **_cost_columns(body.cost_impact),
    )
    rescore(risk, await matrices.rules_for(session, portfolio_id))
    also = crossing_events(False, risk.escalated)
    await RISK.create(session, risk, principal, RiskRaised, changed=body.model_fields_set, also=also)
    # After the risk's row, which the assessment references.
    session.add(_assessment(risk, "inherent", risk.probability, risk.impact, "initial assessment", principal))
    await session.flush()
    return risk


def _inputs(body: RiskUpdate) -> dict[str, Any]:
    """The columns a PATCH sets (the cost impact is stored as three)."""
    values = body.model_dump(exclude_unset=True, exclude={"cost_impact"})
    if "cost_impact" in body.model_fields_set:
        values.update(_cost_columns(body.cost_impact))
    return values


async def update(session: AsyncSession, risk: Risk, body: RiskUpdate, principal: Principal) -> Risk:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    values = _inputs(body)
    changed = {key for key, value in values.items() if getattr(risk, key) != value}
    if not changed:
        return risk
    closing = "status" in changed and values["status"] == Status.closed
    event: type[Event[Any]] = RiskClosed if closing else RiskUpdated
    async with rescored_change(session, risk, principal, event):
        for key in changed:
            setattr(risk, key, values[key])
        if "status" in changed:
            risk.closed_at = utcnow() if closing else None  # reopening clears it
        if changed & {"probability", "impact"}:
            note = "changed by PATCH"
            session.add(_assessment(risk, "inherent", risk.probability, risk.impact, note, principal))
    return risk


async def delete(session: AsyncSession, risk: Risk, principal: Principal) -> None:
    """Deletes the risk (its assessments and responses go with it); `risk.closed` with `deleted`,
    and for each response `response.updated` with `deleted`."""
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    await responses.delete_with_risk(session, risk, principal)
    await RISK.delete(session, risk, principal, RiskClosed)


async def assess(
    session: AsyncSession, risk: Risk, body: AssessmentCreate, principal: Principal
) -> Assessment:
    """Record an assessment; an inherent one sets the risk's probability and impact, a residual
    one its `residual` (which then decides escalation)."""
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    if risk.status != "open":
        raise Conflict("A closed risk is not assessed; reopen it first (PATCH status=open).")
    assessment = _assessment(risk, body.basis, body.probability, body.impact, body.note, principal)
    session.add(assessment)
    async with rescored_change(session, risk, principal, RiskUpdated, action="assessed"):
        if body.basis == "inherent":
            risk.probability, risk.impact = body.probability, body.impact
        else:
            risk.residual_probability, risk.residual_impact = body.probability, body.impact
            risk.residual_score = assessment.score
    return assessment


async def relevel_portfolio(
    session: AsyncSession, portfolio_id: uuid.UUID, rules: MatrixRules, principal: Principal
) -> int:
    """Re-score the portfolio's open risks under a new matrix: per changed risk one new version,
    `risk.updated` (and escalated/deescalated on a crossing) and an audit entry, written in bulk
    rather than risk by risk. Returns how many changed."""
    touched: list[tuple[Risk, dict[str, Any], bool, list[str]]] = []
    for risk in await repository.open_risks(session, portfolio_id=portfolio_id):
        before, was_escalated = RISK.state(risk), risk.escalated
        changed = rescore(risk, rules)
        if changed:
            touched.append((risk, before, was_escalated, changed))
    if not touched:
        return 0
    await session.flush()
    events: list[Event[Any]] = []
    for risk, before, was_escalated, changed in touched:
        data = RISK.data(risk, RiskUpdated, changed)
        published = [RiskUpdated, *crossing_events(was_escalated, risk.escalated)]
        events += [cls.model_validate({"data": data}) for cls in published]
        await audit.record(
            session,
            entity_type=RISK.entity_type,
            entity_id=risk.id,
            version=risk.version,
            action="relevelled",
            principal=principal,
            changes=audit.diff(before, RISK.state(risk)),
        )
    await emit_many(session, events)
    return len(touched)
