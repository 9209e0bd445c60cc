"""A portfolio's stored targets, and the `logic.targets.Targets` every figure is judged by."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.targets import DEFAULT_TARGETS, RATIO_PLACES, Band, Targets
from pmo_reporting.targets.models import KpiTargets


async def get(session: AsyncSession, portfolio_id: uuid.UUID) -> KpiTargets | None:
    return await session.get(KpiTargets, portfolio_id)


def targets_of(row: KpiTargets | None) -> Targets:
    if row is None:
        return DEFAULT_TARGETS
    return Targets(
        spi=Band(from_bp(row.spi_green_bp), from_bp(row.spi_amber_bp)),
        cpi=Band(from_bp(row.cpi_green_bp), from_bp(row.cpi_amber_bp)),
        report_age_days=Band(
            Decimal(row.report_age_green_days), Decimal(row.report_age_amber_days), higher_is_better=False
        ),
    )


async def targets_for(session: AsyncSession, portfolio_id: uuid.UUID) -> Targets:
    """The portfolio's targets, or the defaults when none are stored."""
    return targets_of(await get(session, portfolio_id))


def from_bp(basis_points: int) -> Decimal:
    return (Decimal(basis_points) * RATIO_PLACES).normalize()


def to_bp(value: float | Decimal) -> int:
    return int(Decimal(str(value)) / RATIO_PLACES)
