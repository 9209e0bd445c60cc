"""Portfolio rules. Never commits: the request's session dependency is the transaction boundary."""

from __future__ import annotations

from typing import cast

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import PortfolioCreated, PortfolioDeleted, PortfolioUpdated
from pmo_common.db import new_id, utcnow
from pmo_common.errors import Conflict, PreconditionFailed, Unprocessable, field_errors
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.benefits import repository as benefit_repository
from pmo_portfolio.gates.policy_schemas import GateCriterion
from pmo_portfolio.gates.policy_service import criteria_refused_under
from pmo_portfolio.logic.fields import FieldDefinition, FieldType, check_definitions, invalidated
from pmo_portfolio.portfolios import repository
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.portfolios.schemas import (
    FieldDefinitionBody,
    PortfolioCreate,
    PortfolioRead,
    PortfolioUpdate,
)
from pmo_portfolio.programmes import repository as programme_repository
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.validation import revalidate

PORTFOLIOS = Aggregate[Portfolio]("portfolio", read=PortfolioRead.model_validate)


def read(portfolio: Portfolio) -> PortfolioRead:
    return PortfolioRead.model_validate(portfolio)


async def create(session: AsyncSession, body: PortfolioCreate, principal: Principal) -> Portfolio:
    # Every column set here, as the ORM's defaults would have: the row is written by one Core INSERT
    # (`Aggregate.insert`, the hot create of issue #17) and nothing is read back.
    now = utcnow()
    portfolio = Portfolio(
        id=new_id(), **body.model_dump(), fields=[], version=1, created_at=now, updated_at=now
    )
    await PORTFOLIOS.insert(
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
    """Refused (409) while the portfolio has projects, programmes or benefits; its criteria and scenarios go with it."""
    count = await project_repository.count_in_portfolio(session, portfolio.id)
    if count:
        raise Conflict(
            f"The portfolio has {count} project(s); delete or move them before deleting the portfolio."
        )
    programmes = await programme_repository.count_in_portfolio(session, portfolio.id)
    if programmes:
        raise Conflict(
            f"The portfolio has {programmes} programme(s); delete them before deleting the portfolio."
        )
    benefits = await benefit_repository.count_in_portfolio(session, portfolio.id)
    if benefits:
        raise Conflict(f"The portfolio has {benefits} benefit(s); delete them before deleting the portfolio.")
    await PORTFOLIOS.delete(session, portfolio, principal, PortfolioDeleted)


# At most this many refused values are listed in a 409: enough to act on, bounded for 5,000 projects.
MAX_LISTED = 50


def _definitions(body: list[FieldDefinitionBody]) -> list[FieldDefinition]:
    return [
        FieldDefinition(d.key, d.label, cast(FieldType, d.type), tuple(d.choices), d.required) for d in body
    ]


async def put_fields(
    session: AsyncSession, portfolio: Portfolio, body: list[FieldDefinitionBody], principal: Principal
) -> Portfolio:
    """Replace the portfolio's custom field definitions: a bad definition is a 422 naming `body[i].<field>`;
    definitions under which a project's stored values would be refused are a 409 listing them."""
    definitions = _definitions(body)
    problems = check_definitions(definitions)
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(f"The field definitions are invalid — {summary}", errors=field_errors(problems))
    checked = portfolio.version  # what If-Match was compared with
    current = await repository.locked(session, portfolio.id, exclusive=True)
    if current is None or current.version != checked:
        raise PreconditionFailed("The portfolio changed while this request ran: GET it again and retry.")
    stored = await project_repository.field_values(session, portfolio.id)
    refused = invalidated(definitions, stored)
    if refused:
        raise _would_invalidate(refused)
    unreadable = await criteria_refused_under(session, portfolio.id, definitions)
    if unreadable:
        raise _would_break_criteria(unreadable)
    values = [d.model_dump() for d in body]
    await PORTFOLIOS.update(session, portfolio, principal, {"fields": values}, PortfolioUpdated)
    return portfolio


def _would_break_criteria(refused: list[tuple[GateCriterion, str]]) -> Conflict:
    listed = "; ".join(f"{c.to_stage}/{c.key} ({c.rule}): {why}" for c, why in refused[:10])
    return Conflict(
        f"{len(refused)} gate criteria read fields these definitions would remove or retype — {listed}. "
        "Change or remove those criteria first (PUT /portfolios/{id}/gate-criteria), then PUT again.",
        errors=field_errors((f"gate_criteria.{c.to_stage}.{c.key}", why) for c, why in refused[:MAX_LISTED]),
        extra={"gate_criteria": [{"to_stage": c.to_stage, "key": c.key} for c, _ in refused[:MAX_LISTED]]},
    )


def _would_invalidate(refused: list[tuple[str, str, str]]) -> Conflict:
    codes = list(dict.fromkeys(code for code, _, _ in refused))
    shown = refused[:MAX_LISTED]
    listed = "; ".join(f"{code} {field}: {message}" for code, field, message in refused[:10])
    more = f" (and {len(refused) - 10} more)" if len(refused) > 10 else ""
    return Conflict(
        f"{len(codes)} project(s) hold values these definitions would refuse — {listed}{more}. "
        "Change or clear those projects' `fields` first (PATCH /projects/{id}), then PUT again.",
        errors=field_errors((field, f"project {code}: {message}") for code, field, message in shown),
        extra={"projects": codes[:MAX_LISTED]},
    )
