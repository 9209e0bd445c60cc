from __future__ import annotations

import uuid
from typing import Any

from pmo_common.http import Repository

from pmo_resource.allocations.models import Allocation

allocations = Repository(Allocation, [(Allocation.created_at, False), (Allocation.id, False)])


def matching(*, project_id: uuid.UUID | None, resource_id: uuid.UUID | None, role: str | None) -> list[Any]:
    """The `where` clauses of `GET /allocations`' filters."""
    clauses: list[Any] = []
    if project_id is not None:
        clauses.append(Allocation.project_id == project_id)
    if resource_id is not None:
        clauses.append(Allocation.resource_id == resource_id)
    if role is not None:
        clauses.append(Allocation.role == role)
    return clauses
