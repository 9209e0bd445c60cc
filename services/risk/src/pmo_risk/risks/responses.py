"""Response rules: a strategy must fit the risk's kind; the risk's writers write its responses.
Every change publishes `response.created`/`response.updated` (with the risk's portfolio and project,
so the portfolio's action register lists responses without calling back) and joins the audit trail.
Responses have no DELETE of their own; when their risk is deleted each publishes a last
`response.updated` with `deleted: true`."""

from __future__ import annotations

from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ResponseCreated, ResponseUpdated
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


def _scope(response: RiskResponse) -> dict[str, Any]:
    """What every response event carries beyond the response's own columns: its risk's scope."""
    return {"portfolio_id": response.risk.portfolio_id, "project_id": response.risk.project_id}


RESPONSE = Aggregate[RiskResponse]("risk_response", read=ResponseRead.model_validate, extra_fields=_scope)


def check_strategy(kind: str, strategy: Strategy) -> None:
    allowed = THREAT_STRATEGIES if kind == "threat" else OPPORTUNITY_STRATEGIES
    if strategy not in allowed:
        raise invalid("strategy", f"a {kind} takes one of {', '.join(sorted(allowed))}, not {strategy.value}")


async def add_response(
    session: AsyncSession, risk: Risk, body: ResponseCreate, principal: Principal
) -> RiskResponse:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    check_strategy(risk.kind, body.strategy)
    response = RiskResponse(risk_id=risk.id, risk=risk, **body.model_dump())
    await RESPONSE.create(session, response, principal, ResponseCreated, changed=body.model_fields_set)
    return response


async def update_response(
    session: AsyncSession, risk: Risk, response: RiskResponse, body: ResponseUpdate, principal: Principal
) -> RiskResponse:
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    values = body.model_dump(exclude_unset=True)
    if "strategy" in values:
        check_strategy(risk.kind, values["strategy"])
    await RESPONSE.update(session, response, principal, values, ResponseUpdated)
    return response


async def delete_with_risk(session: AsyncSession, risk: Risk, principal: Principal) -> None:
    """The risk is being deleted: each of its responses goes first, with its last event."""
    for response in await repository.responses_of(session, risk.id):
        await RESPONSE.delete(session, response, principal, ResponseUpdated)


async def overdue(
    session: AsyncSession, filters: OverdueFilters, limit: int, cursor: str | None
) -> tuple[list[RiskResponse], str | None]:
    """Overdue as of `filters.as_of`, by default today (UTC)."""
    as_of = filters.as_of or utcnow().date()
    return await repository.overdue_responses_page(session, as_of, filters, limit, cursor)
