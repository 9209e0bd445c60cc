from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_resource.allocations.models import Allocation
from pmo_resource.allocations.repository import allocations


async def valid_allocation(allocation_id: uuid.UUID, session: SessionDep) -> Allocation:
    allocation = await allocations.get(session, allocation_id)
    if allocation is None:
        raise NotFound(f"No allocation with id {allocation_id}.")
    return allocation


AllocationDep = Annotated[Allocation, Depends(valid_allocation)]
