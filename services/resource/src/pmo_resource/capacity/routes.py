from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pmo_common.auth import Reader
from pmo_common.contracts.types import month_index
from pmo_common.errors import invalid
from pmo_common.http import Cursor, Limit, Page, SessionDep, decode_cursor, encode_cursor

from pmo_resource.access import IntegrationReader
from pmo_resource.capacity import service
from pmo_resource.capacity.schemas import CapacityItem, GroupBy, OverallocationItem
from pmo_resource.types import MAX_CAPACITY_RANGE_MONTHS

router = APIRouter(tags=["capacity"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
From = Annotated[str, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM.")]
To = Annotated[
    str,
    Query(
        pattern=MONTH, description=f"Last month, YYYY-MM; at most {MAX_CAPACITY_RANGE_MONTHS} months in all."
    ),
]


def _check_range(first: str, last: str) -> None:
    if last < first:
        raise invalid("query.to", "must not be before `from`")
    if month_index(last) - month_index(first) + 1 > MAX_CAPACITY_RANGE_MONTHS:
        raise invalid("query.to", f"the range spans at most {MAX_CAPACITY_RANGE_MONTHS} months")


def _after(cursor: str | None) -> Any:
    if cursor is None:
        return None
    key, period = decode_cursor(cursor, 2)
    if not isinstance(period, str) or not (key is None or isinstance(key, str)):
        raise invalid("query.cursor", "not a cursor for this listing; pass `next_cursor` unchanged")
    return key, period


@router.get("/capacity", response_model=Page[CapacityItem])
async def get_capacity(
    session: SessionDep,
    _: IntegrationReader,
    first: From,
    to: To,
    group_by: GroupBy = GroupBy.role,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CapacityItem]:
    """Capacity against demand per key and month, in (key, period) order. Only active people
    count. A person's monthly capacity is the figure imported for the month, else
    `hours_per_week × fte × 52 / 12`. Demand sums `hours_per_period` of every allocation covering
    the month; with `group_by=role` unstaffed (role-only) demand counts too, with `resource` and
    `org_unit` only staffed allocations do."""
    _check_range(first, to)
    cells, more = await service.capacity_view(session, group_by.value, first, to, limit, _after(cursor))
    items = [CapacityItem(**vars(c)) for c in cells]
    next_cursor = encode_cursor([cells[-1].key, cells[-1].period]) if more and cells else None
    return Page(items=items, next_cursor=next_cursor)


@router.get("/overallocations", response_model=Page[OverallocationItem])
async def get_overallocations(
    session: SessionDep, _: Reader, first: From, to: To, limit: Limit = 50, cursor: Cursor = None
) -> Page[OverallocationItem]:
    """Active people whose allocated hours exceed their capacity in a month, in (period, resource) order."""
    _check_range(first, to)
    after = None
    if cursor is not None:
        period, resource = _after(cursor)
        after = (period, resource)
    found, more = await service.overallocation_view(session, first, to, limit, after)
    items = [
        OverallocationItem(
            resource_id=o.resource,
            period=o.period,
            capacity_hours=o.capacity_hours,
            demand_hours=o.demand_hours,
            excess_hours=o.excess_hours,
        )
        for o in found
    ]
    next_cursor = encode_cursor([str(found[-1].period), str(found[-1].resource)]) if more and found else None
    return Page(items=items, next_cursor=next_cursor)
