"""Loaders and query readers of the dashboards: the programme (404 when reporting has not heard of
one), what a dashboard is narrowed to (`programme_id`, `tag`, `field.<key>`) and what a breakdown
groups by (`by`); each refusal is a 422 naming the parameter."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request
from pmo_common.contracts.problem import FieldError
from pmo_common.errors import NotFound, Unprocessable, invalid
from pmo_common.http import SessionDep
from pmo_common.queries import field_filters

from pmo_reporting.logic.structure import Dimension, Scope, filter_value, parse_dimension
from pmo_reporting.readmodels.dependencies import PortfolioDep
from pmo_reporting.readmodels.models import PortfolioView, ProgrammeView
from pmo_reporting.readmodels.repository import read_portfolio, read_programme

MAX_TAGS = 20


async def valid_programme(programme_id: uuid.UUID, request: Request) -> ProgrammeView:
    programme = await read_programme(request.app.state.db, programme_id)
    if programme is None:
        raise NotFound(
            f"No programme with id {programme_id} is known to reporting (from the portfolio service's events)."
        )
    return programme


async def programme_portfolio(programme: ProgrammeDep, request: Request) -> PortfolioView:
    portfolio = await read_portfolio(request.app.state.db, programme.portfolio_id)
    if portfolio is None:
        raise NotFound(f"The portfolio of programme {programme.id} is not known to reporting.")
    return portfolio


def field_scope(portfolio: PortfolioView, filters: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """`field.<key>=<value>` filters against the portfolio's definitions, values made canonical."""
    definitions = {d["key"]: d for d in portfolio.fields}
    errors, values = [], []
    for key, raw in filters.items():
        definition = definitions.get(key)
        if definition is None:
            known = ", ".join(sorted(definitions)) or "none"
            errors.append(
                FieldError(
                    field=f"query.field.{key}",
                    message=f"not a custom field of this portfolio (its fields: {known})",
                )
            )
            continue
        value, message = filter_value(definition, raw)
        if value is None:
            errors.append(FieldError(field=f"query.field.{key}", message=message or "can never match"))
        else:
            values.append((key, value))
    if errors:
        raise Unprocessable(
            "The query names fields or values this portfolio's projects cannot have.", errors=errors
        )
    return tuple(values)


async def dashboard_scope(
    portfolio: PortfolioDep,
    session: SessionDep,
    fields: Annotated[dict[str, str], Depends(field_filters)],
    programme_id: Annotated[
        uuid.UUID | None, Query(description="Only the projects of this programme (of the portfolio).")
    ] = None,
    tag: Annotated[
        list[str], Query(description="Only the projects carrying every tag given (repeatable).")
    ] = [],  # noqa: B006 - FastAPI copies query defaults
) -> Scope:
    """The projects the dashboard covers (`field.<key>=<value>`: only those with that field value)."""
    if programme_id is not None:
        programme = await session.get(ProgrammeView, programme_id)
        if programme is None or programme.deleted or programme.portfolio_id != portfolio.id:
            raise invalid("query.programme_id", "not a programme of this portfolio")
    if len(tag) > MAX_TAGS:
        raise invalid("query.tag", f"at most {MAX_TAGS} tags (a project has no more)")
    return Scope(programme_id=programme_id, tags=tuple(tag), fields=field_scope(portfolio, fields))


async def breakdown_dimension(
    portfolio: PortfolioDep,
    by: Annotated[
        str,
        Query(
            description="`stage`, `programme` (keyed by programme code), `manager` or `field.<key>` "
            "(a custom field of the portfolio).",
            max_length=200,
        ),
    ],
) -> Dimension:
    dimension, message = parse_dimension(by, (d["key"] for d in portfolio.fields))
    if dimension is None:
        raise invalid("query.by", message or "not a dimension")
    return dimension


ProgrammeDep = Annotated[ProgrammeView, Depends(valid_programme)]
ProgrammePortfolioDep = Annotated[PortfolioView, Depends(programme_portfolio)]
ScopeDep = Annotated[Scope, Depends(dashboard_scope)]
DimensionDep = Annotated[Dimension, Depends(breakdown_dimension)]
