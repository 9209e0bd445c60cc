from __future__ import annotations

from fastapi import APIRouter, Request, status
from pmo_common.auth import Admin
from pmo_common.responses import CONFLICT

from pmo_reporting.admin import service
from pmo_reporting.admin.schemas import RebuildResult

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/rebuild",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RebuildResult,
    responses=CONFLICT,
    summary="Rebuild every read model from the event streams",
    description="What to do when the read models are in doubt (a restored backup, a handler fixed to "
    "read an event differently): stops this service's consumers, empties every read model and the "
    "inbox of handled events in one transaction, deletes the durable consumers and starts them again "
    "from the first event of each stream (`PORTFOLIO`, `RISK`, `RESOURCE`, and `REPORTING` for the "
    "webhooks), so every event is applied again. This service's own data — status reports, project "
    "health, the audit trail, the outbox, idempotency keys, webhooks and their deliveries — is kept, "
    "and a replayed event is not sent to a webhook again (nor is one older than the webhook).\n\n"
    "Answers 202 as soon as the replay has started, with the rows removed per table and the consumers "
    "recreated; the dashboards fill up again as the events are replayed (they answer from what has "
    "been replayed so far meanwhile). A second rebuild while one is starting is a 409. Admin only.",
)
async def rebuild_read_models(request: Request, _: Admin) -> RebuildResult:
    return await service.rebuild(request.app)
