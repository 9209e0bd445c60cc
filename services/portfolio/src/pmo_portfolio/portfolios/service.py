"""Portfolio rules. Never commits: the request's session dependency is the transaction boundary."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.contracts.events import PortfolioCreated, PortfolioData, PortfolioDeleted, PortfolioUpdated
from pmo_common.events.outbox import emit
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioUpdate


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


async def create(session: AsyncSession, body: PortfolioCreate) -> Portfolio:
    portfolio = Portfolio(**body.model_dump())
    session.add(portfolio)
    await session.flush()
    await emit(session, PortfolioCreated, event_data(portfolio, sorted(body.model_fields_set)))
    return portfolio


async def update(session: AsyncSession, portfolio: Portfolio, body: PortfolioUpdate) -> Portfolio:
    changes = body.model_dump(exclude_unset=True)
    merged = PortfolioCreate.model_validate(
        {**{k: getattr(portfolio, k) for k in PortfolioCreate.model_fields}, **changes}
    )  # re-checks cross-field rules (dates ordered) against the stored values
    changed = [k for k, v in changes.items() if getattr(portfolio, k) != v]
    if not changed:
        return portfolio
    for key in changed:
        setattr(portfolio, key, getattr(merged, key))
    await session.flush()
    await emit(session, PortfolioUpdated, event_data(portfolio, changed))
    return portfolio


async def delete(session: AsyncSession, portfolio: Portfolio) -> None:
    data = event_data(portfolio, [], deleted=True)
    data.version = portfolio.version + 1
    await session.delete(portfolio)
    await session.flush()
    await emit(session, PortfolioDeleted, data)
