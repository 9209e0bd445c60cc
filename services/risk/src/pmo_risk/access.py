"""Who may write what: project managers write the risks and issues of the projects they manage
(learned from the portfolio service's events); portfolio-level items need admin or pmo."""

from __future__ import annotations

import uuid

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.errors import Forbidden, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.catalog import repository as catalog


async def resolve_scope(
    session: AsyncSession,
    principal: Principal,
    portfolio_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    *,
    what: str,
) -> uuid.UUID:
    """Check that the project (or, without one, the portfolio) is known and writable by the
    principal; returns the portfolio id the item belongs to."""
    if project_id is None:
        if portfolio_id is None:
            raise invalid("portfolio_id", f"required for a portfolio-level {what} (one without project_id)")
        if not principal.is_privileged:
            raise Forbidden(f"A portfolio-level {what} (no project_id) needs the admin or pmo role.")
        portfolio = await catalog.get_portfolio(session, portfolio_id)
        if portfolio is None or portfolio.deleted:
            raise invalid("portfolio_id", f"no portfolio {portfolio_id} is known to the risk service")
        return portfolio_id
    project = await catalog.get_project(session, project_id)
    if project is None or project.deleted:
        raise invalid(
            "project_id",
            f"no project {project_id} is known to the risk service (projects arrive as portfolio events; "
            "retry shortly after creating one)",
        )
    if portfolio_id is not None and portfolio_id != project.portfolio_id:
        raise invalid("portfolio_id", f"must be the project's portfolio {project.portfolio_id}")
    ensure_can_write_project(principal, project.manager, what=what)
    return project.portfolio_id


async def ensure_can_write(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID | None, *, what: str
) -> None:
    """Object-level check for changing an existing risk, response or issue."""
    if principal.is_privileged:
        return
    if project_id is None:
        raise Forbidden(f"A portfolio-level {what} (no project_id) is changed only by admin or pmo.")
    project = await catalog.get_project(session, project_id)
    ensure_can_write_project(principal, project.manager if project is not None else None, what=what)
