from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pmo_common.auth import Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep
from pmo_common.queries import MonthRange, month_range

from pmo_resource.access import IntegrationReader
from pmo_resource.capacity import views
from pmo_resource.capacity.schemas import CapacityItem, GroupBy, OverallocationItem
from pmo_resource.types import MAX_CAPACITY_RANGE_MONTHS

router = APIRouter(tags=["capacity"])

Months = Annotated[MonthRange, month_range(MAX_CAPACITY_RANGE_MONTHS)]


@router.get("/capacity", response_model=Page[CapacityItem], summary="Capacity against demand per month")
async def get_capacity(
    session: SessionDep,
    _: IntegrationReader,
    months: Months,
    group_by: GroupBy = GroupBy.role,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CapacityItem]:
    """Capacity against demand per key and month, in (key, period) order. Only active people
    count. A person's monthly capacity is the figure imported for the month, else
    `hours_per_week × fte × 52 / 12`. Demand sums `hours_per_period` of every allocation covering
    the month; with `group_by=role` unstaffed (role-only) demand counts too, with `resource` and
    `org_unit` only staffed allocations do. `from`/`to` (`YYYY-MM`, at most 60 months) are required.
    Every reader role and integration keys."""
    return await views.capacity_page(session, group_by, months, limit, cursor)


@router.get("/overallocations", response_model=Page[OverallocationItem], summary="Over-allocated people")
async def get_overallocations(
    session: SessionDep, _: Reader, months: Months, limit: Limit = 50, cursor: Cursor = None
) -> Page[OverallocationItem]:
    """Active people whose allocated hours exceed their capacity in a month, in (period, resource)
    order, over `from`..`to` (`YYYY-MM`, at most 60 months). Every reader role."""
    return await views.overallocation_page(session, months, limit, cursor)
