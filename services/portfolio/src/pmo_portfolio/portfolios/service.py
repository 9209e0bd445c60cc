"""Portfolio rules. Never commits: the request's session dependency is the transaction boundary."""

from __future__ import annotations

from typing import Any

from pmo_common.contracts.events import PortfolioCreated, PortfolioData, PortfolioDeleted, PortfolioUpdated
from pmo_common.errors import Conflict
from pmo_common.events.outbox import emit
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.audit import service as audit
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioRead, PortfolioUpdate
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.validation import revalidate


def read(portfolio: Portfolio) -> PortfolioRead:
    return PortfolioRead.model_validate(portfolio)


def event_data(portfolio: Portfolio, changed: list[str], *, deleted: bool = False) -> PortfolioData:
    return PortfolioData(
        id=portfolio.id,
        version=portfolio.version,
        changed=changed,
        name=portfolio.name,
        description=portfolio.description,
        currency=portfolio.currency,
        budget=portfolio.budget,
        start_date=portfolio.start_date,
        end_date=portfolio.end_date,
        deleted=deleted,
    )


async def _record(
    session: AsyncSession,
    portfolio: Portfolio,
    version: int,
    action: str,
    actor: str,
    changes: dict[str, Any],
) -> None:
    await audit.record(
        session,
        entity_type="portfolio",
        entity_id=portfolio.id,
        version=version,
        action=action,
        actor=actor,
        changes=changes,
    )


async def create(session: AsyncSession, body: PortfolioCreate, actor: str) -> Portfolio:
    portfolio = Portfolio(**body.model_dump())
    session.add(portfolio)
    await session.flush()
    await emit(session, PortfolioCreated, event_data(portfolio, sorted(body.model_fields_set)))
    await _record(session, portfolio, portfolio.version, "created", actor, audit.snapshot(read(portfolio)))
    return portfolio


async def update(session: AsyncSession, portfolio: Portfolio, body: PortfolioUpdate, actor: str) -> Portfolio:
    changes = body.model_dump(exclude_unset=True)
    merged = revalidate(
        PortfolioCreate, {**{k: getattr(portfolio, k) for k in PortfolioCreate.model_fields}, **changes}
    )  # re-checks cross-field rules (dates ordered) against the stored values
    changed = [k for k in changes if getattr(portfolio, k) != getattr(merged, k)]
    if not changed:
        return portfolio
    if "currency" in changed and await project_repository.count_in_portfolio(session, portfolio.id):
        raise Conflict(
            "The portfolio's projects carry amounts in its currency; "
            "the currency cannot change while it has projects."
        )
    before = audit.snapshot(read(portfolio))
    for key in changed:
        setattr(portfolio, key, getattr(merged, key))
    await session.flush()
    await emit(session, PortfolioUpdated, event_data(portfolio, changed))
    await _record(
        session,
        portfolio,
        portfolio.version,
        "updated",
        actor,
        audit.diff(before, audit.snapshot(read(portfolio))),
    )
    return portfolio


async def delete(session: AsyncSession, portfolio: Portfolio, actor: str) -> None:
    """Refused (409) while the portfolio has projects; its criteria and scenarios go with it."""
    count = await project_repository.count_in_portfolio(session, portfolio.id)
    if count:
        raise Conflict(
            f"The portfolio has {count} project(s); delete or move them before deleting the portfolio."
        )
    data = event_data(portfolio, [], deleted=True)
    data.version = portfolio.version + 1
    await _record(session, portfolio, data.version, "deleted", actor, audit.snapshot(read(portfolio)))
    await session.delete(portfolio)
    await session.flush()
    await emit(session, PortfolioDeleted, data)
