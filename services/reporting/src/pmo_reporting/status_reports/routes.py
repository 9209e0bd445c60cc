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

UNKNOWN_PROJECT = (
    "A project reporting has not heard of is a 404 (a project just created in the portfolio service "
    "is known here once its `pmo.portfolio.project.created` event has been consumed)."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=StatusReportRead,
    responses=NOT_FOUND,
    summary="Submit a status report",
    description="A project manager's account of the project as of a date (`as_of`, not in the future: "
    "else a 422 naming `body.as_of`): six RAG colours, the progress figures and what was decided and "
    "is to be done. Leave out what you do not track: without `earned_value` EV is "
    "`percent_complete` × the BAC of the baseline in force on `as_of`; without `planned_value` PV is "
    "that baseline's time-phased cost; without `actual_cost` the cost figures stay null. "
    "`suggested_rag` is worked out once, at submission, from SPI, CPI and the report's age under the "
    "portfolio's KPI targets.\n\n"
    "Reports may arrive late and out of order: every figure as of a date uses the latest report on or "
    "before it, so a report for an earlier date fills in the history without replacing a newer one. "
    "Publishes `pmo.reporting.status_report.submitted`, and `pmo.reporting.project.health_changed` "
    "when the report becomes the project's latest and changes its overall or suggested RAG. Admin, "
    "pmo or the project's manager (403 for any other). " + UNKNOWN_PROJECT + " Answers 201 with "
    "`Location` and `ETag`; honours `Idempotency-Key`.",
)
async def submit_status_report(
    body: StatusReportCreate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> StatusReportRead:
    report = await service.submit(session, project, body, principal)
    set_etag(response, report.version)
    set_location(request, response, "projects", project.id, "status-reports", report.id)
    return StatusReportRead.model_validate(report)


@router.get(
    "",
    response_model=Page[StatusReportRead],
    responses=GET_RESPONSES,
    summary="List a project's status reports",
    description="The project's reports, newest `as_of` first (for one date, the later-submitted "
    "first), a page at a time (`limit`, `cursor`). " + UNKNOWN_PROJECT + " Every reader role.",
)
async def list_status_reports(
    project: ProjectDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[StatusReportRead]:
    rows, next_cursor = await repository.list_page(session, project.id, limit, cursor)
    return Page(items=[StatusReportRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/latest",
    response_model=StatusReportRead,
    responses=GET_RESPONSES,
    summary="The report in effect (the latest, or the latest on or before a date)",
    description="The report every figure as of a date is computed from: the one with the latest "
    "`as_of` on or before `?as_of=` (any date when left out; for one date, the later-submitted). "
    "E.g. `GET …/status-reports/latest?as_of=2026-11-15` answers the October report when the next "
    "one is dated 2026-11-30. A 404 when the project has no report by then. " + UNKNOWN_PROJECT + " "
    "Served with its `ETag`. Every reader role.",
)
async def latest_status_report(
    report: LatestStatusReportDep, response: Response, _: Reader
) -> StatusReportRead:
    set_etag(response, report.version)
    return StatusReportRead.model_validate(report)


@router.get(
    "/{report_id}",
    response_model=StatusReportRead,
    responses=GET_RESPONSES,
    summary="Get a status report",
    description="One report of the project, as submitted (a report is never changed: `version` stays "
    "1), with its `ETag`. A report id of another project is a 404, as is an unknown one. Every "
    "reader role.",
)
async def get_status_report(report: StatusReportDep, response: Response, _: Reader) -> StatusReportRead:
    set_etag(response, report.version)
    return StatusReportRead.model_validate(report)
