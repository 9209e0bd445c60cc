"""Risk rules: scoring against the portfolio's matrix, escalation crossings, assessments and
responses, and the events they publish. Never commits: the request's session is the transaction.

Versions: every change bumps the risk's `version` once; `risk.escalated`/`risk.deescalated`
published by that change carry the same version (and the same data) as its `risk.updated` (or
`risk.raised`/`risk.closed`), so consumers de-duplicate by event id, not by version."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pmo_common.auth import Principal
from pmo_common.contracts.events import (
    Event,
    EventData,
    RiskClosed,
    RiskData,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
)
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from pmo_common.events.outbox import emit_many
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk import access
from pmo_risk.logic import scoring
from pmo_risk.logic.scoring import MatrixRules
from pmo_risk.matrices import repository as matrices
from pmo_risk.risks import repository
from pmo_risk.risks.models import Assessment, Risk, RiskResponse
from pmo_risk.risks.schemas import (
    OPPORTUNITY_STRATEGIES,
    THREAT_STRATEGIES,
    AssessmentCreate,
    CostImpact,
    ResponseCreate,
    ResponseUpdate,
    RiskCreate,
    RiskUpdate,
    Strategy,
)

_DERIVED = ("score", "level", "emv", "escalated")
_PLAIN = (
    "title",
    "description",
    "cause",
    "effect",
    "category",
    "owner",
    "probability",
    "impact",
    "proximity_date",
)
Pending = list[tuple[type[Event], EventData]]


def event_data(risk: Risk, changed: list[str], *, deleted: bool = False) -> RiskData:
    return RiskData.model_validate(
        {
            "id": risk.id,
            "version": risk.version,
            "changed": changed,
            "portfolio_id": risk.portfolio_id,
            "project_id": risk.project_id,
            "kind": risk.kind,
            "title": risk.title,
            "category": risk.category,
            "owner": risk.owner,
            "probability": risk.probability,
            "impact": risk.impact,
            "score": risk.score,
            "level": risk.level,
            "emv": risk.emv,
            "escalated": risk.escalated,
            "residual": risk.residual,
            "cost_impact": risk.cost_impact,
            "proximity_date": risk.proximity_date,
            "status": risk.status,
            "deleted": deleted,
            "issue_id": risk.issue_id,  # an extra field: the issue a materialised risk became
        }
    )


def rescore(risk: Risk, rules: MatrixRules) -> list[str]:
    """Recompute the derived fields from the risk's inputs and the matrix; returns those that changed."""
    before = {name: getattr(risk, name, None) for name in _DERIVED}
    risk.score = scoring.score(risk.probability, risk.impact)
    risk.level = scoring.level_for(risk.score, rules.levels)
    risk.emv = scoring.emv(risk.kind, rules.percent_for(risk.probability), risk.cost_triple)
    current = scoring.current_score(risk.score, risk.residual_score)
    risk.escalated = scoring.is_escalated(current, rules.escalation_score)
    return [name for name in _DERIVED if before[name] != getattr(risk, name)]


def change_events(risk: Risk, event: type[Event], changed: list[str], was_escalated: bool) -> Pending:
    """The event of a change plus, when it crossed the escalation score, escalated/deescalated."""
    data = event_data(risk, changed)
    events: Pending = [(event, data)]
    crossing = scoring.escalation_crossing(was_escalated, risk.escalated)
    if crossing == "escalated":
        events.append((RiskEscalated, data))
    elif crossing == "deescalated":
        events.append((RiskDeescalated, data))
    return events


async def create(session: AsyncSession, body: RiskCreate, principal: Principal) -> Risk:
    portfolio_id = await access.resolve_scope(
        session, principal, body.portfolio_id, body.project_id, what="risk"
    )
    values = body.model_dump(exclude={"portfolio_id", "cost_impact"})
    risk = Risk(id=uuid.uuid4(), portfolio_id=portfolio_id, created_by=principal.sub, **values)
    _set_cost(risk, body.cost_impact)
    if risk.status == "closed":
        risk.closed_at = utcnow()
    rescore(risk, await matrices.rules_for(session, portfolio_id))
    session.add(risk)
    await session.flush()  # the risk row first: assessments reference it
    session.add(_assessment(risk, "inherent", risk.probability, risk.impact, "initial assessment", principal))
    await session.flush()
    await emit_many(session, change_events(risk, RiskRaised, sorted(body.model_fields_set), False))
    return risk


def _set_cost(risk: Risk, cost: CostImpact | None) -> None:
    risk.cost_min = cost.min if cost else None
    risk.cost_most_likely = cost.most_likely if cost else None
    risk.cost_max = cost.max if cost else None


def _triple(cost: CostImpact | None) -> tuple[Decimal, Decimal, Decimal] | None:
    return None if cost is None else (cost.min, cost.most_likely, cost.max)


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


async def update(session: AsyncSession, risk: Risk, body: RiskUpdate, principal: Principal) -> Risk:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    changes = body.model_dump(exclude_unset=True)
    was_escalated = risk.escalated
    changed = [k for k in _PLAIN if k in changes and getattr(risk, k) != changes[k]]
    for key in changed:
        setattr(risk, key, changes[key])
    if "cost_impact" in changes and risk.cost_triple != (_triple(body.cost_impact)):
        _set_cost(risk, body.cost_impact)
        changed.append("cost_impact")
    event: type[Event] = RiskUpdated
    if "status" in changes and changes["status"] != risk.status:
        risk.status = changes["status"]
        risk.closed_at = utcnow() if risk.status == "closed" else None
        changed.append("status")
        event = RiskClosed if risk.status == "closed" else RiskUpdated
    if not changed:
        return risk
    if "probability" in changed or "impact" in changed:
        session.add(
            _assessment(risk, "inherent", risk.probability, risk.impact, "changed by PATCH", principal)
        )
    changed += rescore(risk, await matrices.rules_for(session, risk.portfolio_id))
    await session.flush()
    await emit_many(session, change_events(risk, event, sorted(set(changed)), was_escalated))
    return risk


async def delete(session: AsyncSession, risk: Risk, principal: Principal) -> None:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    data = event_data(risk, [], deleted=True)
    data.version = risk.version + 1
    await session.delete(risk)
    await session.flush()
    await emit_many(session, [(RiskClosed, data)])


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
    was_escalated = risk.escalated
    changed: list[str] = []
    if body.basis == "inherent":
        changed = [k for k in ("probability", "impact") if getattr(risk, k) != getattr(body, k)]
        risk.probability, risk.impact = body.probability, body.impact
    elif (risk.residual_probability, risk.residual_impact) != (body.probability, body.impact):
        risk.residual_probability, risk.residual_impact = body.probability, body.impact
        risk.residual_score = assessment.score
        changed = ["residual"]
    if changed:
        changed += rescore(risk, await matrices.rules_for(session, risk.portfolio_id))
    await session.flush()
    if changed:
        await emit_many(session, change_events(risk, RiskUpdated, sorted(changed), was_escalated))
    return assessment


async def relevel_portfolio(session: AsyncSession, portfolio_id: uuid.UUID, rules: MatrixRules) -> int:
    """Re-score the portfolio's open risks under a new matrix and publish, per changed risk,
    `risk.updated` (and escalated/deescalated on a crossing). Returns how many changed."""
    risks = await repository.open_risks(session, portfolio_id=portfolio_id)
    touched: list[tuple[Risk, list[str], bool]] = []
    for risk in risks:
        was_escalated = risk.escalated
        changed = rescore(risk, rules)
        if changed:
            touched.append((risk, changed, was_escalated))
    if not touched:
        return 0
    await session.flush()
    events: Pending = []
    for risk, changed, was_escalated in touched:
        events += change_events(risk, RiskUpdated, changed, was_escalated)
    await emit_many(session, events)
    return len(touched)


def check_strategy(kind: str, strategy: Strategy) -> None:
    allowed = THREAT_STRATEGIES if kind == "threat" else OPPORTUNITY_STRATEGIES
    if strategy not in allowed:
        raise invalid("strategy", f"a {kind} takes one of {', '.join(sorted(allowed))}, not {strategy.value}")


async def add_response(
    session: AsyncSession, risk: Risk, body: ResponseCreate, principal: Principal
) -> RiskResponse:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    check_strategy(risk.kind, body.strategy)
    response = RiskResponse(risk_id=risk.id, **body.model_dump())
    session.add(response)
    await session.flush()
    return response


async def update_response(
    session: AsyncSession, risk: Risk, response: RiskResponse, body: ResponseUpdate, principal: Principal
) -> RiskResponse:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    changes = body.model_dump(exclude_unset=True)
    if "strategy" in changes:
        check_strategy(risk.kind, Strategy(changes["strategy"]))
    changed = [k for k, v in changes.items() if getattr(response, k) != v]
    for key in changed:
        setattr(response, key, changes[key])
    if changed:
        await session.flush()
    return response


def overdue_as_of(as_of: date | None) -> date:
    return as_of or utcnow().date()
