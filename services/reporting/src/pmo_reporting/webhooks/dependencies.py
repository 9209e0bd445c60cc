from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.auth import Principal, require_roles
from pmo_common.contracts.types import Role
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_reporting.webhooks import repository
from pmo_reporting.webhooks.models import Webhook

# Webhooks send the platform's events out of it: the PMO and admins manage them.
WebhookManager = Annotated[Principal, Depends(require_roles(Role.admin, Role.pmo))]


async def valid_webhook(webhook_id: uuid.UUID, session: SessionDep) -> Webhook:
    webhook = await repository.get(session, webhook_id)
    if webhook is None:
        raise NotFound(f"No webhook with id {webhook_id}.")
    return webhook


WebhookDep = Annotated[Webhook, Depends(valid_webhook)]
