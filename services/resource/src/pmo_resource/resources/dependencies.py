from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_resource.resources import repository
from pmo_resource.resources.models import Resource


async def valid_resource(resource_id: uuid.UUID, session: SessionDep) -> Resource:
    resource = await repository.get(session, resource_id)
    if resource is None:
        raise NotFound(f"No resource with id {resource_id}.")
    return resource


ResourceDep = Annotated[Resource, Depends(valid_resource)]
