"""Queries behind capacity, demand and over-allocation: aggregated in SQL where the volume is
(imported monthly figures), plain rows where the arithmetic is done in `logic.capacity`."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from pmo_common.db import upsert_insert
from sqlalchemy import BigInteger, and_, delete, func, insert, inspect, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.util import identity_key

from pmo_resource.allocations.models import Allocation
from pmo_resource.capacity.models import EventCounter, KnownOverallocation, MonthlyCapacity
from pmo_resource.logic.capacity import WEEKS_PER_MONTH, Span, default_monthly_capacity
from pmo_resource.resources.models import Resource

T = TypeVar("T")
IN_CHUNK = 5000
# hours_per_week is stored in hundredths and fte in thousandths: their raw product is 1e5 × h×fte.
_RAW_PRODUCT_SCALE = 100_000


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _raw_weekly_hours() -> Any:
    return type_coerce(Resource.hours_per_week, BigInteger) * type_coerce(Resource.fte, BigInteger)


def _to_monthly(raw: Any) -> float:
    return float(raw or 0) / _RAW_PRODUCT_SCALE * WEEKS_PER_MONTH


def group_column(group_by: str) -> InstrumentedAttribute[Any]:
    return {"role": Resource.role, "org_unit": Resource.org_unit, "resource": Resource.id}[group_by]


async def default_hours_by(session: AsyncSession, group_by: str) -> dict[Any, float]:
    """Σ default monthly capacity of the active people, per group."""
    col = group_column(group_by)
    stmt = select(col, func.sum(_raw_weekly_hours())).where(Resource.active.is_(True)).group_by(col)
    return {key: _to_monthly(raw) for key, raw in (await session.execute(stmt)).all()}


def _imported_period(session: AsyncSession) -> Any:
    """The period column to range over in a sum across people. SQLite's planner would walk the
    period index and fetch each row, then its person, one by one (about twice the time of going
    person by person through the primary key, which it does when the index cannot serve the range)."""
    if session.get_bind().dialect.name == "sqlite":
        return MonthlyCapacity.period.concat("")
    return MonthlyCapacity.period


async def imported_by(
    session: AsyncSession, group_by: str, first: str, last: str
) -> dict[tuple[Any, str], tuple[float, float]]:
    """Per group and month: Σ imported hours and Σ the defaults those figures replace."""
    col = group_column(group_by)
    stmt = (
        select(
            col,
            MonthlyCapacity.period,
            func.sum(type_coerce(MonthlyCapacity.available_hours, BigInteger)),
            func.sum(_raw_weekly_hours()),
        )
        .join(Resource, Resource.id == MonthlyCapacity.resource_id)
        .where(Resource.active.is_(True), _imported_period(session).between(first, last))
        .group_by(col, MonthlyCapacity.period)
    )
    return {
        (key, period): (float(hours or 0) / 100, _to_monthly(raw))
        for key, period, hours, raw in (await session.execute(stmt)).all()
    }


async def imported_period_bounds(session: AsyncSession) -> tuple[str | None, str | None]:
    """The first and last month with an imported figure. Two scalar subqueries: SQLite reads a lone
    min() or max() off the period index, but scans the whole table for both in one SELECT."""
    first = select(func.min(MonthlyCapacity.period)).scalar_subquery()
    last = select(func.max(MonthlyCapacity.period)).scalar_subquery()
    row = (await session.execute(select(first, last))).one()
    return row[0], row[1]


class Person(NamedTuple):
    id: uuid.UUID
    role: str
    active: bool
    default_hours: float


_PERSON = (Resource.id, Resource.role, Resource.active, Resource.hours_per_week, Resource.fte)
"""The columns a `Person` is made of."""


def _person(row: Any) -> Person:
    return Person(
        row.id, row.role, row.active, default_monthly_capacity(float(row.hours_per_week), float(row.fte))
    )


async def people(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The people with these ids: those the transaction has loaded already (an allocation's write
    loaded its person to check it) from the session, with its changes; the others in a SELECT."""
    found: dict[uuid.UUID, Person] = {}
    missing: list[uuid.UUID] = []
    identity_map = session.sync_session.identity_map
    for person_id in ids:
        loaded = identity_map.get(identity_key(Resource, person_id))
        if loaded is not None and not inspect(loaded).expired_attributes:
            found[person_id] = _person(loaded)
        else:
            missing.append(person_id)
    for chunk in chunked(missing):
        for row in (await session.execute(select(*_PERSON).where(Resource.id.in_(chunk)))).all():
            found[row.id] = _person(row)
    return found


async def active_people_from(session: AsyncSession, first_id: uuid.UUID | None, count: int) -> list[Person]:
    """Active people in id order, starting at `first_id` (a page of `GET /capacity?group_by=resource`)."""
    stmt = select(*_PERSON).where(Resource.active.is_(True))
    if first_id is not None:
        stmt = stmt.where(Resource.id >= first_id)
    rows = (await session.execute(stmt.order_by(Resource.id).limit(count))).all()
    return [_person(r) for r in rows]


async def imported_for(
    session: AsyncSession, ids: Collection[uuid.UUID], first: str | None, last: str | None
) -> dict[tuple[uuid.UUID, str], float]:
    found: dict[tuple[uuid.UUID, str], float] = {}
    for chunk in chunked(list(ids)):
        stmt = select(
            MonthlyCapacity.resource_id, MonthlyCapacity.period, MonthlyCapacity.available_hours
        ).where(MonthlyCapacity.resource_id.in_(chunk))
        if first is not None and last is not None:
            stmt = stmt.where(MonthlyCapacity.period.between(first, last))
        for rid, period, hours in (await session.execute(stmt)).all():
            found[(rid, period)] = float(hours)
    return found


def _overlapping(first: str | None, last: str | None) -> list[Any]:
    clauses = []
    if last is not None:
        clauses.append(Allocation.start_period <= last)
    if first is not None:
        clauses.append(Allocation.end_period >= first)
    return clauses


async def demand_spans(session: AsyncSession, group_by: str, first: str, last: str) -> list[Span[Any]]:
    """Allocations overlapping `first..last`, keyed by role (staffed or not), org unit or person.
    Allocations of inactive people do not count."""
    key_col = {"role": Allocation.role, "org_unit": Resource.org_unit, "resource": Allocation.resource_id}[
        group_by
    ]
    stmt = (
        select(key_col, Allocation.start_period, Allocation.end_period, Allocation.hours_per_period)
        .outerjoin(Resource, Resource.id == Allocation.resource_id)
        .where(*_overlapping(first, last))
    )
    if group_by == "role":
        stmt = stmt.where(or_(Allocation.resource_id.is_(None), Resource.active.is_(True)))
    else:
        stmt = stmt.where(Allocation.resource_id.is_not(None), Resource.active.is_(True))
    rows = (await session.execute(stmt)).all()
    return [Span(key, start, end, float(hours)) for key, start, end, hours in rows]


async def staffed_spans(
    session: AsyncSession, ids: Collection[uuid.UUID], first: str | None, last: str | None
) -> list[Span[uuid.UUID]]:
    spans: list[Span[uuid.UUID]] = []
    cols = (
        Allocation.resource_id,
        Allocation.start_period,
        Allocation.end_period,
        Allocation.hours_per_period,
    )
    for chunk in chunked(list(ids)):
        stmt = select(*cols).where(Allocation.resource_id.in_(chunk), *_overlapping(first, last))
        spans.extend(Span(rid, s, e, float(h)) for rid, s, e, h in (await session.execute(stmt)).all())
    return spans


async def active_staffed_spans(session: AsyncSession, first: str, last: str) -> list[Span[uuid.UUID]]:
    stmt = (
        select(
            Allocation.resource_id,
            Allocation.start_period,
            Allocation.end_period,
            Allocation.hours_per_period,
        )
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Resource.active.is_(True), *_overlapping(first, last))
    )
    return [Span(rid, s, e, float(h)) for rid, s, e, h in (await session.execute(stmt)).all()]


async def project_spans(session: AsyncSession, project_id: uuid.UUID) -> list[Span[str]]:
    stmt = select(
        Allocation.role, Allocation.start_period, Allocation.end_period, Allocation.hours_per_period
    ).where(Allocation.project_id == project_id)
    return [Span(role, s, e, float(h)) for role, s, e, h in (await session.execute(stmt)).all()]


# --- event counters -----------------------------------------------------------------------------


async def counters(
    session: AsyncSession, kind: str, keys: Collection[str]
) -> dict[str, tuple[int, str | None]]:
    """`key → (version, digest)` of the counters that exist."""
    found: dict[str, tuple[int, str | None]] = {}
    for chunk in chunked(list(keys)):
        stmt = select(EventCounter.key, EventCounter.version, EventCounter.digest).where(
            EventCounter.kind == kind, EventCounter.key.in_(chunk)
        )
        found.update({key: (version, digest) for key, version, digest in (await session.execute(stmt)).all()})
    return found


async def save_counters(session: AsyncSession, kind: str, values: dict[str, tuple[int, str | None]]) -> None:
    """Write `key → (version, digest)` for `kind` in one batched upsert."""
    if not values:
        return
    rows = [{"kind": kind, "key": k, "version": v, "digest": d} for k, (v, d) in values.items()]
    stmt = upsert_insert(session, EventCounter.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"version": stmt.excluded.version, "digest": stmt.excluded.digest},
    )
    for chunk in chunked(rows):
        await session.execute(stmt, list(chunk))


# --- over-allocations already announced ----------------------------------------------------------


async def known_overallocations(
    session: AsyncSession, ids: Collection[uuid.UUID], first: str | None, last: str | None
) -> set[tuple[uuid.UUID, str]]:
    found: set[tuple[uuid.UUID, str]] = set()
    for chunk in chunked(list(ids)):
        stmt = select(KnownOverallocation.resource_id, KnownOverallocation.period).where(
            KnownOverallocation.resource_id.in_(chunk)
        )
        if first is not None and last is not None:
            stmt = stmt.where(KnownOverallocation.period.between(first, last))
        found.update((rid, p) for rid, p in (await session.execute(stmt)).all())
    return found


async def add_known(session: AsyncSession, pairs: Collection[tuple[uuid.UUID, str]]) -> None:
    rows = [{"resource_id": rid, "period": p} for rid, p in pairs]
    for chunk in chunked(rows):
        await session.execute(insert(KnownOverallocation.__table__), list(chunk))


async def forget_known(session: AsyncSession, pairs: Collection[tuple[uuid.UUID, str]]) -> None:
    for chunk in chunked(list(pairs), 500):
        await session.execute(
            delete(KnownOverallocation.__table__).where(
                or_(
                    *(
                        and_(KnownOverallocation.resource_id == rid, KnownOverallocation.period == p)
                        for rid, p in chunk
                    )
                )
            )
        )
