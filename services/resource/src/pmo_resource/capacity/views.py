"""The read views of capacity: `GET /capacity` and `GET /overallocations`, a page at a time in a
stable order. Cells are computed, not stored, so a cursor is the last cell's sort key rather than
a row's: (key, period) for capacity, (period, resource) for over-allocations."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.errors import invalid
from pmo_common.http import Page, decode_cursor, encode_cursor
from pmo_common.queries import MonthRange
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.capacity import repository as repo
from pmo_resource.capacity.schemas import CapacityItem, GroupBy, OverallocationItem
from pmo_resource.capacity.service import capacity_by_group, person_overallocations
from pmo_resource.logic.capacity import CapacityCell, capacity_cells, sum_by_key_and_month

_NOT_OURS = "not a cursor for this listing; pass `next_cursor` unchanged"


def _position(cursor: str | None) -> tuple[str | None, str] | None:
    """The sort key a capacity page starts after: (key, period), the key null for the people
    without an org unit."""
    if cursor is None:
        return None
    first, second = decode_cursor(cursor, 2)
    if not isinstance(second, str) or not (first is None or isinstance(first, str)):
        raise invalid("query.cursor", _NOT_OURS)
    return first, second


def _pair(cursor: str | None) -> tuple[str, str] | None:
    """The sort key an over-allocation page starts after: (period, resource)."""
    position = _position(cursor)
    if position is not None and position[0] is None:
        raise invalid("query.cursor", _NOT_OURS)
    return None if position is None else (str(position[0]), position[1])


def _first_person(after: tuple[str | None, str] | None) -> uuid.UUID | None:
    if after is None or after[0] is None:
        return None
    try:
        return uuid.UUID(after[0])
    except ValueError:
        raise invalid("query.cursor", _NOT_OURS) from None


def _sort_key(key: Any) -> tuple[bool, str]:
    return (key is not None, "" if key is None else str(key))


def _is_after(cell: CapacityCell[Any], after: tuple[str | None, str] | None) -> bool:
    return after is None or (_sort_key(cell.key), cell.period) > (_sort_key(after[0]), after[1])


async def _cells(
    session: AsyncSession,
    group_by: GroupBy,
    months: MonthRange,
    limit: int,
    after: tuple[str | None, str] | None,
) -> list[CapacityCell[Any]]:
    """Every cell a page may draw from: all keys' for role and org unit (few), and for people
    only those from the cursor's person on, enough of them to fill the page."""
    first, last, periods = months.first, months.last, months.months
    if group_by is GroupBy.resource:
        people = await repo.active_people_from(session, _first_person(after), (limit + 1) // len(periods) + 2)
        ids = [p.id for p in people]
        imported = await repo.imported_for(session, ids, first, last)
        capacity = {(p.id, m): imported.get((p.id, m), p.default_hours) for p in people for m in periods}
        demand = sum_by_key_and_month(await repo.staffed_spans(session, ids, first, last), first, last)
        return [
            CapacityCell(str(c.key), c.period, c.capacity_hours, c.demand_hours, c.free_hours, c.utilisation)
            for c in capacity_cells(capacity, demand, ids, periods)
        ]
    capacity = await capacity_by_group(session, group_by.value, first, last)
    demand = sum_by_key_and_month(await repo.demand_spans(session, group_by.value, first, last), first, last)
    keys = sorted({k for k, _ in capacity} | {k for k, _ in demand}, key=_sort_key)
    return capacity_cells(capacity, demand, keys, periods)


async def capacity_page(
    session: AsyncSession, group_by: GroupBy, months: MonthRange, limit: int, cursor: str | None
) -> Page[CapacityItem]:
    """Cells of `GET /capacity` in (key, period) order after the cursor."""
    after = _position(cursor)
    selected = [c for c in await _cells(session, group_by, months, limit, after) if _is_after(c, after)]
    page = selected[:limit]
    more = len(selected) > limit
    next_cursor = encode_cursor([page[-1].key, page[-1].period]) if more and page else None
    return Page(items=[CapacityItem(**vars(c)) for c in page], next_cursor=next_cursor)


async def overallocation_page(
    session: AsyncSession, months: MonthRange, limit: int, cursor: str | None
) -> Page[OverallocationItem]:
    """Over-allocated (person, month) pairs in the months, in (period, resource) order."""
    after = _pair(cursor)
    spans = await repo.active_staffed_spans(session, months.first, months.last)
    found, _ = await person_overallocations(session, {s.key for s in spans}, months.first, months.last)
    selected = [o for o in found if after is None or (o.period, str(o.resource)) > after]
    page = selected[:limit]
    more = len(selected) > limit
    items = [
        OverallocationItem(
            resource_id=o.resource,
            period=o.period,
            capacity_hours=o.capacity_hours,
            demand_hours=o.demand_hours,
            excess_hours=o.excess_hours,
        )
        for o in page
    ]
    next_cursor = encode_cursor([page[-1].period, str(page[-1].resource)]) if more and page else None
    return Page(items=items, next_cursor=next_cursor)
