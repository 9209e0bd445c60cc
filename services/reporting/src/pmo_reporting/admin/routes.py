from __future__ import annotations

from fastapi import APIRouter, Request, status
from pmo_common.auth import Admin
from pmo_common.responses import CONFLICT

from pmo_reporting.admin import service
from pmo_reporting.admin.service import RebuildResult

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/rebuild", status_code=status.HTTP_202_ACCEPTED, response_model=RebuildResult, responses=CONFLICT
)
async def rebuild_read_models(request: Request, _: Admin) -> RebuildResult:
    """Rebuild every read model by replaying the upstream streams from the start (admin only).
    Answers once the replay has started; the read models fill up again asynchronously."""
    return await service.rebuild(request.app)
