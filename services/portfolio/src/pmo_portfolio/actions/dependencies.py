from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.actions import repository
from pmo_portfolio.actions.models import Action


async def valid_action(action_id: uuid.UUID, session: SessionDep) -> Action:
    action = await repository.get(session, action_id)
    if action is None:
        raise NotFound(f"No action with id {action_id}.")
    return action


ActionDep = Annotated[Action, Depends(valid_action)]
