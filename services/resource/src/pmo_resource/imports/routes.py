from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES, problem

from pmo_resource.access import Importer, IntegrationReader
from pmo_resource.imports import service
from pmo_resource.imports.dependencies import ImportDep, ReportUrlDep
from pmo_resource.imports.schemas import MAX_ROWS, CapacityRow, ImportOptions, ImportReport, request_body_doc
from pmo_resource.resources.schemas import ResourceCreate

router = APIRouter(prefix="/imports", tags=["imports"])

IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: problem("The body is over the import size limit."),
    415: problem("The Content-Type is neither application/json nor text/csv (UTF-8)."),
    422: problem(
        f"A body that is not UTF-8, JSON or well-formed CSV (naming the row), more than {MAX_ROWS} rows, "
        "or an `atomic` import with rejected rows: then nothing was applied and the problem carries "
        "the report (import_id, counts, rejected)."
    ),
}
RESOURCE_CSV = "external_id,name,email,role,skills,org_unit,fte,hours_per_week,cost_rate,active\n" + (
    "HR-1,Ada Lovelace,ada@example.com,developer,python;sql,R&D,1,40,95.00,true\n"
)
CAPACITY_CSV = "external_id,period,available_hours\nHR-1,2026-01,120\nHR-1,2026-02,160\n"
DESCRIPTION = (
    'An upsert by {key} from JSON `{{"rows": [...]}}` or `text/csv` (header row), in one '
    "transaction. Valid rows are applied and bad rows reported; `atomic=true` applies nothing "
    "if any row is rejected (422 with the report); `dry_run=true` validates and counts only. "
    "Re-sending the same rows changes nothing (`unchanged` = all). At most {max_rows} rows."
)
Options = Annotated[ImportOptions, Query()]


@router.post(
    "/resources",
    status_code=status.HTTP_200_OK,
    response_model=ImportReport,
    responses=IMPORT_RESPONSES,
    description=DESCRIPTION.format(key="`external_id`", max_rows=MAX_ROWS),
    openapi_extra=request_body_doc(ResourceCreate, RESOURCE_CSV),
)
async def import_resources(
    request: Request,
    session: SessionDep,
    response: Response,
    principal: Importer,
    options: Options,
    report_url: ReportUrlDep,
) -> ImportReport:
    body, content_type = await request.body(), request.headers.get("content-type")
    report = await service.run_import(
        session, "resources", body, content_type, options, principal, report_url
    )
    response.headers["Content-Location"] = report_url(report.import_id)
    return report


@router.post(
    "/capacity",
    status_code=status.HTTP_200_OK,
    response_model=ImportReport,
    responses=IMPORT_RESPONSES,
    description=DESCRIPTION.format(key="`external_id` + `period`", max_rows=MAX_ROWS)
    + " Rows for unknown `external_id`s are rejected.",
    openapi_extra=request_body_doc(CapacityRow, CAPACITY_CSV),
)
async def import_capacity(
    request: Request,
    session: SessionDep,
    response: Response,
    principal: Importer,
    options: Options,
    report_url: ReportUrlDep,
) -> ImportReport:
    body, content_type = await request.body(), request.headers.get("content-type")
    report = await service.run_import(session, "capacity", body, content_type, options, principal, report_url)
    response.headers["Content-Location"] = report_url(report.import_id)
    return report


@router.get("/{import_id}", response_model=ImportReport, responses=GET_RESPONSES)
async def get_import(run: ImportDep, _: IntegrationReader) -> ImportReport:
    return ImportReport.of(run)
