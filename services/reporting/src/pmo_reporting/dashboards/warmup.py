"""The dashboard's statements, run once at startup over a portfolio nobody has.

Why: the first dashboard after a start paid for compiling its dozen statements (SQLAlchemy's
compiled cache belongs to the engine, built at startup) and for opening the read connections it
runs them on at once:
157 ms for a first request against 80-90 ms for the next ones, over 5,000 projects (issue #17).
Over no rows the statements cost next to nothing to run, and what they leave compiled is frozen
with the rest of startup (`pmo_common.app`)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from pmo_common.db import Database

from pmo_reporting.dashboards import repository
from pmo_reporting.dashboards.cache import cache_key
from pmo_reporting.dashboards.service import dashboard
from pmo_reporting.logic.periods import month_of, today
from pmo_reporting.logic.structure import EVERYTHING, Scope
from pmo_reporting.readmodels.models import PortfolioView
from pmo_reporting.readmodels.repository import read_portfolio, read_programme


async def warm_up(db: Database) -> None:
    """What a portfolio's and a programme's dashboard request run, today's and a past date's
    (different statements: current figures are copied on the project rows, past ones come from the
    timelines), on the engines a request runs them on; and the capacity statements, which run only
    when a role is in use. (A dashboard narrowed by tags or fields has a statement per how many.)"""
    nobody = PortfolioView(
        id=uuid.uuid4(), name="", currency="EUR", budget=Decimal("0"), fields=[], version=0
    )
    await read_portfolio(db, nobody.id)
    await read_programme(db, nobody.id)
    await cache_key(db, nobody.id, today(), True)  # one statement whatever the key's parts
    async with db.transaction(read_only=True) as session:
        for scope in (EVERYTHING, Scope(programme_id=nobody.id)):
            for as_of in (today(), today() - timedelta(days=1)):
                await dashboard(session, nobody, as_of, scope, db=db)
        await repository.capacity_figures(session, ["-"], month_of(today()))
        await repository.overallocations(session, ["-"], month_of(today()))
