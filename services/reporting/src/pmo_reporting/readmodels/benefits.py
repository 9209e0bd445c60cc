"""The portfolio's benefits and their measurements, from `pmo.portfolio.benefit.*`: one row per
benefit (newest version wins; a deleted one stays as a tombstone) and one per benefit and
measurement date, so a figure as of D reads the newest measurement dated on or before D.

Every benefit event carries the benefit's `latest` measurement and `measured` the one just recorded:
both are kept (a measurement redelivered, or seen in a later event's `latest`, changes nothing; of
two for one date the one from the higher benefit version wins). A benefit counts as of D from the
first event seen of it (`created_at`; or from its first measurement's date, if earlier) until its
deletion (`deleted_at`), both the events' times; its definition (baseline, target, project,
programme) is the current one, as for actions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pmo_common.contracts.events import BenefitData, BenefitMeasured, Measurement
from pmo_common.db import UTCDateTime
from pmo_common.events.consumer import apply_if_newer
from sqlalchemy import Boolean, Date, Float, Index, Integer, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pmo_reporting.db import Base


class BenefitView(Base):
    __tablename__ = "rm_benefits"
    __table_args__ = (
        Index("ix_rm_benefits_portfolio", "portfolio_id"),
        Index("ix_rm_benefits_project", "project_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    baseline_value: Mapped[float] = mapped_column(Float)
    target_value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BenefitMeasurementView(Base):
    __tablename__ = "rm_benefit_measurements"

    benefit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer)
    """The benefit's version that carried this value."""


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def record_benefit(
    session: AsyncSession, data: BenefitData, happened: datetime, measured: Measurement | None
) -> uuid.UUID | None:
    """Apply a benefit event (published at `happened`); returns the benefit's portfolio before it
    (None if it was unknown)."""
    happened = _utc(happened)
    before = await session.get(BenefitView, data.id)
    old_portfolio = None if before is None else before.portfolio_id
    created_at = happened if before is None else min(happened, _utc(before.created_at))
    deleted_at = before.deleted_at if before is not None and before.deleted_at else happened
    values: dict[str, Any] = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "programme_id": data.programme_id,
        "project_id": data.project_id,
        "baseline_value": data.baseline_value,
        "target_value": data.target_value,
        "created_at": created_at,
        "deleted": data.deleted,
        "deleted_at": deleted_at if data.deleted else None,
    }
    applied = await apply_if_newer(session, BenefitView, data.id, data.version, values)
    if not applied and before is not None and created_at < _utc(before.created_at):
        before.created_at = created_at  # an older event, late: only its time is news
    for measurement in (data.latest, measured):
        if measurement is not None:
            await _record_measurement(session, data.id, data.version, measurement)
    await session.flush()
    return old_portfolio


async def _record_measurement(
    session: AsyncSession, benefit_id: uuid.UUID, version: int, measurement: Measurement
) -> None:
    values = {"benefit_id": benefit_id, "as_of": measurement.as_of, "value": measurement.value}
    await apply_if_newer(session, BenefitMeasurementView, (benefit_id, measurement.as_of), version, values)


def measured(event: Any) -> Measurement | None:
    """The measurement a `benefit.measured` event records (other benefit events record none)."""
    return event.data.measurement if isinstance(event, BenefitMeasured) else None
