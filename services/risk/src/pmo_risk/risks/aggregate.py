"""How a risk changes: its derived fields (score, level, EMV, escalation) recomputed from its inputs
and the portfolio's matrix, and the events of the change.

Versions: every change bumps the risk's `version` once; `risk.escalated`/`risk.deescalated`
published by that change carry the same version (and the same data) as its `risk.updated` (or
`risk.raised`/`risk.closed`), so consumers de-duplicate by event id, not by version."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate, Change
from pmo_common.contracts.events import Event, RiskDeescalated, RiskEscalated
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.logic import scoring
from pmo_risk.logic.scoring import MatrixRules
from pmo_risk.matrices import repository as matrices
from pmo_risk.risks.models import Risk
from pmo_risk.risks.schemas import RiskRead

_DERIVED = ("score", "level", "emv", "escalated")


def _issue_link(risk: Risk) -> dict[str, Any]:
    """Beyond `RiskData`, every risk event carries `issue_id`: the issue a materialised risk became
    (consumers link the two without asking this service)."""
    return {"issue_id": risk.issue_id}


RISK = Aggregate[Risk]("risk", read=RiskRead.model_validate, extra_fields=_issue_link)


def rescore(risk: Risk, rules: MatrixRules) -> list[str]:
    """Recompute the derived fields from the risk's inputs and the matrix; returns those that changed."""
    before = {name: getattr(risk, name, None) for name in _DERIVED}
    risk.score = scoring.score(risk.probability, risk.impact)
    risk.level = scoring.level_for(risk.score, rules.levels)
    risk.emv = scoring.emv(risk.kind, rules.percent_for(risk.probability), risk.cost_triple)
    current = scoring.current_score(risk.score, risk.residual_score)
    risk.escalated = scoring.is_escalated(current, rules.escalation_score)
    return [name for name in _DERIVED if before[name] != getattr(risk, name)]


def crossing_events(was_escalated: bool, escalated: bool) -> list[type[Event[Any]]]:
    """The event a change adds to its own when it crossed the escalation score, if it did."""
    crossing = scoring.escalation_crossing(was_escalated, escalated)
    if crossing is None:
        return []
    return [RiskEscalated if crossing == "escalated" else RiskDeescalated]


@asynccontextmanager
async def rescored_change(
    session: AsyncSession,
    risk: Risk,
    principal: Principal,
    event: type[Event[Any]],
    *,
    action: str = "updated",
) -> AsyncIterator[Change[Risk]]:
    """A change to a risk's inputs (the block makes it): on leaving, the derived fields follow under
    the portfolio's matrix, and a crossing of the escalation score publishes its event too."""
    was_escalated = risk.escalated
    async with RISK.change(session, risk, principal, event, action=action) as change:
        yield change
        rescore(risk, await matrices.rules_for(session, risk.portfolio_id))
        change.also = crossing_events(was_escalated, risk.escalated)
