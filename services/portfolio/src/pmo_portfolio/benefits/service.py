"""Benefits register rules: where a benefit belongs, who writes it, and its measurements — one per
date, a second one for the same date superseding the first (measurements have no PATCH or DELETE:
that is how a wrong value is corrected; the audit trail keeps what it was). Events:
`benefit.created|updated|deleted`, and `benefit.measured` for each recorded measurement (the
benefit's version goes up with it, as what it serves — `latest`, `realised_percent` — may change).
Never commits."""

from __future__ import annotations

import uuid

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import BenefitCreated, BenefitDeleted, BenefitMeasured, BenefitUpdated
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, Forbidden, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.benefits import repository
from pmo_portfolio.benefits.models import Benefit, BenefitMeasurement
from pmo_portfolio.benefits.schemas import (
    BenefitCreate,
    BenefitRead,
    BenefitUpdate,
    MeasurementCreate,
    MeasurementRead,
)
from pmo_portfolio.portfolios import repository as portfolio_repository
from pmo_portfolio.projects import repository as project_repository

BENEFITS = Aggregate[Benefit]("benefit", read=BenefitRead.model_validate)
# Measurements announce nothing of their own (the benefit's `benefit.measured` does) but are audited,
# so a superseded value stays on record.
MEASUREMENTS = Aggregate[BenefitMeasurement]("benefit_measurement", read=MeasurementRead.model_validate)
# Every read loads a benefit's measurements: about three years of daily values, twenty of monthly ones.
MAX_MEASUREMENTS = 1000
PORTFOLIO_LEVEL = (
    "A benefit without project_id (of a portfolio or programme) is written only by admin or pmo."
)


def read(benefit: Benefit) -> BenefitRead:
    return BenefitRead.model_validate(benefit)


async def _check_project(
    session: AsyncSession, principal: Principal, portfolio_id: uuid.UUID, project_id: uuid.UUID | None
) -> None:
    """The project must be of the benefit's portfolio and writable by the principal; without a
    project, only admin and pmo write the benefit."""
    if project_id is None:
        if not principal.is_privileged:
            raise Forbidden(PORTFOLIO_LEVEL)
        return
    project = await project_repository.get(session, project_id)
    if project is None:
        raise invalid("project_id", f"no project with id {project_id}")
    ensure_can_write_project(principal, project.manager, what="benefit")
    if project.portfolio_id != portfolio_id:
        raise invalid(
            "project_id",
            f"project {project_id} belongs to portfolio {project.portfolio_id}, not {portfolio_id}",
        )


async def _check_programme(
    session: AsyncSession, portfolio_id: uuid.UUID, programme_id: uuid.UUID | None
) -> None:
    if programme_id is None:
        return
    owner = await repository.programme_portfolio(session, programme_id)
    if owner is None:
        raise invalid("programme_id", f"no programme with id {programme_id}")
    if owner != portfolio_id:
        raise invalid(
            "programme_id", f"programme {programme_id} belongs to portfolio {owner}, not {portfolio_id}"
        )


async def _ensure_can_write(session: AsyncSession, principal: Principal, benefit: Benefit) -> None:
    """Admins and the PMO write every benefit; a project manager those of the projects they manage
    (a benefit whose project is gone: admin and pmo only)."""
    if principal.is_privileged:
        return
    if benefit.project_id is None:
        raise Forbidden(PORTFOLIO_LEVEL)
    project = await project_repository.get(session, benefit.project_id)
    ensure_can_write_project(principal, None if project is None else project.manager, what="benefit")


async def create(session: AsyncSession, body: BenefitCreate, principal: Principal) -> Benefit:
    await _check_project(session, principal, body.portfolio_id, body.project_id)
    if await portfolio_repository.get(session, body.portfolio_id) is None:
        raise invalid("portfolio_id", f"no portfolio with id {body.portfolio_id}")
    await _check_programme(session, body.portfolio_id, body.programme_id)
    benefit = Benefit(id=uuid.uuid4(), measurements=[], **body.model_dump())
    await BENEFITS.create(session, benefit, principal, BenefitCreated, changed=sorted(body.model_fields_set))
    return benefit


async def update(
    session: AsyncSession, benefit: Benefit, body: BenefitUpdate, principal: Principal
) -> Benefit:
    """Any field but `portfolio_id`; a new project must be one of the portfolio's that the principal
    may write, a new programme one of the portfolio's."""
    await _ensure_can_write(session, principal, benefit)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if getattr(benefit, k) != v}
    if "project_id" in values:
        await _check_project(session, principal, benefit.portfolio_id, values["project_id"])
    if "programme_id" in values:
        await _check_programme(session, benefit.portfolio_id, values["programme_id"])
    await BENEFITS.update(session, benefit, principal, values, BenefitUpdated)
    return benefit


async def delete(session: AsyncSession, benefit: Benefit, principal: Principal) -> None:
    """The benefit goes with its measurements; `benefit.deleted` carries its last state."""
    await _ensure_can_write(session, principal, benefit)
    await BENEFITS.delete(session, benefit, principal, BenefitDeleted)


async def measure(
    session: AsyncSession, benefit: Benefit, body: MeasurementCreate, principal: Principal
) -> BenefitMeasurement:
    """Record a measurement; one for a date that has one supersedes it (the same value and note
    again change nothing). Publishes `benefit.measured` at the benefit's next version."""
    await _ensure_can_write(session, principal, benefit)
    existing = next((m for m in benefit.measurements if m.as_of == body.as_of), None)
    if existing is not None and (existing.value, existing.note) == (body.value, body.note):
        return existing
    if existing is None and len(benefit.measurements) >= MAX_MEASUREMENTS:
        raise Conflict(f"The benefit has {MAX_MEASUREMENTS} measurements, the most it may have.")
    async with BENEFITS.change(session, benefit, principal, BenefitMeasured, action="measured") as change:
        if existing is None:
            measurement = BenefitMeasurement(
                id=uuid.uuid4(), benefit_id=benefit.id, recorded_by=principal.sub, **body.model_dump()
            )
            benefit.measurements.append(measurement)
            await MEASUREMENTS.create(session, measurement, principal, None)
        else:
            measurement = existing
            values = {"value": body.value, "note": body.note, "recorded_by": principal.sub}
            await MEASUREMENTS.update(session, measurement, principal, values, None, action="superseded")
        # What the benefit serves may not change (a back-dated value), yet it was measured: a new version.
        benefit.updated_at = utcnow()
        change.changed = ["measurements"]
        change.extra = {"measurement": measurement.served()}
    return measurement
