from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_resource.resources.models import Resource
from pmo_resource.resources.repository import resources


async def valid_resource(resource_id: uuid.UUID, session: SessionDep) -> Resource:
    resource = await resources.get(session, resource_id)
    if resource is None:
        raise NotFound(f"No resource with id {resource_id}.")
    return resource


ResourceDep = Annotated[Resource, Depends(valid_resource)]
