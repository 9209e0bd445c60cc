"""Portfolio rules. Never commits: the request's session dependency is the transaction boundary."""

from __future__ import annotations

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import PortfolioCreated, PortfolioDeleted, PortfolioUpdated
from pmo_common.errors import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioRead, PortfolioUpdate
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.validation import revalidate

PORTFOLIOS = Aggregate[Portfolio]("portfolio", read=PortfolioRead.model_validate)


def read(portfolio: Portfolio) -> PortfolioRead:
    return PortfolioRead.model_validate(portfolio)


async def create(session: AsyncSession, body: PortfolioCreate, principal: Principal) -> Portfolio:
    portfolio = Portfolio(**body.model_dump())
    await PORTFOLIOS.create(
        session, portfolio, principal, PortfolioCreated, changed=sorted(body.model_fields_set)
    )
    return portfolio


async def update(
    session: AsyncSession, portfolio: Portfolio, body: PortfolioUpdate, principal: Principal
) -> Portfolio:
    changes = body.model_dump(exclude_unset=True)
    merged = revalidate(
        PortfolioCreate, {**{k: getattr(portfolio, k) for k in PortfolioCreate.model_fields}, **changes}
    )  # re-checks cross-field rules (dates ordered) against the stored values
    values = {k: getattr(merged, k) for k in changes}
    currency_changes = values.get("currency", portfolio.currency) != portfolio.currency
    if currency_changes and await project_repository.count_in_portfolio(session, portfolio.id):
        raise Conflict(
            "The portfolio's projects carry amounts in its currency; "
            "the currency cannot change while it has projects."
        )
    await PORTFOLIOS.update(session, portfolio, principal, values, PortfolioUpdated)
    return portfolio


async def delete(session: AsyncSession, portfolio: Portfolio, principal: Principal) -> None:
    """Refused (409) while the portfolio has projects; its criteria and scenarios go with it."""
    count = await project_repository.count_in_portfolio(session, portfolio.id)
    if count:
        raise Conflict(
            f"The portfolio has {count} project(s); delete or move them before deleting the portfolio."
        )
    await PORTFOLIOS.delete(session, portfolio, principal, PortfolioDeleted)
