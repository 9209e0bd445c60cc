"""KPI target rules. Never commits: the request's session dependency is the transaction boundary.
Targets publish no event (they are reporting's own configuration); their changes join the audit
trail, and storing them bumps the portfolio's data version so no cached dashboard outlives them.
Figures computed from now on use them; a submitted status report keeps the suggested RAG it was
given (history is not rewritten)."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.errors import Conflict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.targets import Targets
from pmo_reporting.readmodels.models import Figures
from pmo_reporting.readmodels.repository import bump_versions
from pmo_reporting.targets.models import KpiTargets
from pmo_reporting.targets.repository import targets_of, to_bp
from pmo_reporting.targets.schemas import AgeBand, KpiTargetsRead, KpiTargetsWrite, RatioBand


def read(portfolio_id: uuid.UUID, row: KpiTargets | None) -> KpiTargetsRead:
    targets: Targets = targets_of(row)
    return KpiTargetsRead(
        portfolio_id=portfolio_id,
        spi=RatioBand(green=float(targets.spi.green), amber=float(targets.spi.amber)),
        cpi=RatioBand(green=float(targets.cpi.green), amber=float(targets.cpi.amber)),
        report_age_days=AgeBand(
            green=int(targets.report_age_days.green), amber=int(targets.report_age_days.amber)
        ),
        version=row.version if row else 0,
        is_default=row is None,
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
    )


TARGETS: Aggregate[KpiTargets] = Aggregate("kpi_targets", read=lambda row: read(row.portfolio_id, row))


def _stored(body: KpiTargetsWrite) -> dict[str, Any]:
    return {
        "spi_green_bp": to_bp(body.spi.green),
        "spi_amber_bp": to_bp(body.spi.amber),
        "cpi_green_bp": to_bp(body.cpi.green),
        "cpi_amber_bp": to_bp(body.cpi.amber),
        "report_age_green_days": body.report_age_days.green,
        "report_age_amber_days": body.report_age_days.amber,
    }


async def put(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    row: KpiTargets | None,
    body: KpiTargetsWrite,
    principal: Principal,
) -> KpiTargets:
    """Store the targets (the same ones again: no new version)."""
    values = _stored(body)
    if row is None:
        row = KpiTargets(portfolio_id=portfolio_id, updated_by=principal.sub, **values)
        try:
            await TARGETS.create(session, row, principal, None)
        except IntegrityError:
            raise Conflict(
                "Another request stored this portfolio's first targets meanwhile; GET them and retry."
            ) from None
    elif all(getattr(row, key) == value for key, value in values.items()):
        return row
    else:
        await TARGETS.update(session, row, principal, {**values, "updated_by": principal.sub}, None)
    await bump_versions(session, portfolio_id, figures=Figures.REPORTS)
    return row
