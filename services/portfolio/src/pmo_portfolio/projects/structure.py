"""A project's place in its portfolio's structure (contract §7.2): its programme, its custom field
values (checked against the portfolio's definitions) and its tags. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pmo_common.errors import Unprocessable, field_errors, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.logic.fields import check_tags, check_values, definitions_of
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.programmes import repository as programmes


async def check_programme(
    session: AsyncSession, portfolio_id: uuid.UUID, programme_id: uuid.UUID | None
) -> None:
    """A project's programme is one of its own portfolio's (a 422 naming `programme_id` otherwise)."""
    if programme_id is None:
        return
    programme = await programmes.get(session, programme_id)
    if programme is None or programme.portfolio_id != portfolio_id:
        raise invalid("programme_id", f"{programme_id} is not a programme of the project's portfolio")


def checked_values(
    portfolio: Portfolio, fields: Mapping[str, Any] | None, tags: Sequence[str] | None
) -> dict[str, Any]:
    """The stored form of whichever of `fields` and `tags` is given (None: not being changed); every
    problem of either in one 422, naming `fields.<key>`, `tags[i]` or `tags`."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    if fields is not None:
        values["fields"], found = check_values(definitions_of(portfolio.fields), fields)
        problems += found
    if tags is not None:
        values["tags"], found = check_tags(tags)
        problems += found
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(
            f"The project's custom fields or tags are invalid — {summary}", errors=field_errors(problems)
        )
    return values
