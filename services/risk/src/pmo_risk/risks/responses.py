"""Response rules: a strategy must fit the risk's kind; the risk's writers write its responses.
Responses publish no event (the catalogue has none), but every change joins the audit trail."""

from __future__ import annotations

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.db import utcnow
from pmo_common.errors import invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk import access
from pmo_risk.risks import repository
from pmo_risk.risks.models import Risk, RiskResponse
from pmo_risk.risks.schemas import (
    OPPORTUNITY_STRATEGIES,
    THREAT_STRATEGIES,
    OverdueFilters,
    ResponseCreate,
    ResponseRead,
    ResponseUpdate,
    Strategy,
)

RESPONSE = Aggregate("risk_response", read=ResponseRead.model_validate)


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
    await RESPONSE.create(session, response, principal, None)
    return response


async def update_response(
    session: AsyncSession, risk: Risk, response: RiskResponse, body: ResponseUpdate, principal: Principal
) -> RiskResponse:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    values = body.model_dump(exclude_unset=True)
    if "strategy" in values:
        check_strategy(risk.kind, values["strategy"])
    await RESPONSE.update(session, response, principal, values, None)
    return response


async def overdue(
    session: AsyncSession, filters: OverdueFilters, limit: int, cursor: str | None
) -> tuple[list[RiskResponse], str | None]:
    """Overdue as of `filters.as_of`, by default today (UTC)."""
    as_of = filters.as_of or utcnow().date()
    return await repository.overdue_responses_page(session, as_of, filters, limit, cursor)
