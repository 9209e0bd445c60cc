from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, set_etag, set_location
from pmo_common.responses import GET_RESPONSES, NOT_FOUND

from pmo_reporting.readmodels.dependencies import ProjectDep
from pmo_reporting.status_reports import repository, service
from pmo_reporting.status_reports.dependencies import LatestStatusReportDep, StatusReportDep
from pmo_reporting.status_reports.schemas import StatusReportCreate, StatusReportRead

router = APIRouter(prefix="/projects/{project_id}/status-reports", tags=["status reports"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StatusReportRead, responses=NOT_FOUND)
async def submit_status_report(
    body: StatusReportCreate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> StatusReportRead:
    """Submit a status report; project managers only for projects they manage."""
    report = await service.submit(session, project, body, principal)
    set_etag(response, report.version)
    set_location(request, response, "projects", project.id, "status-reports", report.id)
    return StatusReportRead.model_validate(report)


@router.get("", response_model=Page[StatusReportRead], responses=GET_RESPONSES)
async def list_status_reports(
    project: ProjectDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[StatusReportRead]:
    """The project's reports, newest `as_of` first (ties: the later-submitted first)."""
    rows, next_cursor = await repository.list_page(session, project.id, limit, cursor)
    return Page(items=[StatusReportRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/latest", response_model=StatusReportRead, responses=GET_RESPONSES)
async def latest_status_report(
    report: LatestStatusReportDep, response: Response, _: Reader
) -> StatusReportRead:
    set_etag(response, report.version)
    return StatusReportRead.model_validate(report)


@router.get("/{report_id}", response_model=StatusReportRead, responses=GET_RESPONSES)
async def get_status_report(report: StatusReportDep, response: Response, _: Reader) -> StatusReportRead:
    set_etag(response, report.version)
    return StatusReportRead.model_validate(report)
