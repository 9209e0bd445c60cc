from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_resource.imports.models import ImportRun
from pmo_resource.imports.repository import imports
from pmo_resource.imports.service import ReportUrl


async def valid_import(import_id: uuid.UUID, session: SessionDep) -> ImportRun:
    run = await imports.get(session, import_id)
    if run is None:
        raise NotFound(f"No import with id {import_id}.")
    return run


def report_url(request: Request) -> ReportUrl:
    """`GET /imports/{import_id}` of an import, under the prefix the service is mounted at."""
    return lambda import_id: request.url_for("get_import", import_id=str(import_id)).path


ImportDep = Annotated[ImportRun, Depends(valid_import)]
ReportUrlDep = Annotated[ReportUrl, Depends(report_url)]
