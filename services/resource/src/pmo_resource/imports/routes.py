from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.http import SessionDep
from pmo_common.mspdi import upload
from pmo_common.responses import GET_RESPONSES, problem

from pmo_resource.access import Importer, IntegrationReader
from pmo_resource.imports import msproject, service
from pmo_resource.imports.dependencies import ImportDep, ReportUrlDep
from pmo_resource.imports.msproject_schemas import MsProjectOptions, MsProjectPeopleImport
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
    "HR-00042,Ada Lovelace,ada@example.com,developer,python;sql,R&D,0.8,40,95.00,true\n"
)
CAPACITY_CSV = "external_id,period,available_hours\nHR-00042,2027-01,120\nHR-00042,2027-02,160\n"
DESCRIPTION = (
    'An upsert by {key} from JSON `{{"rows": [...]}}` or `text/csv` (header row), in one '
    "transaction. Valid rows are applied and bad rows reported; `atomic=true` applies nothing "
    "if any row is rejected (422 with the report); `dry_run=true` validates and counts only. "
    "Re-sending the same rows changes nothing (`unchanged` = all). At most {max_rows} rows. The report "
    "stays readable at `Content-Location` (`GET /imports/{{import_id}}`). Admin, pmo, resource_manager or "
    "an integration key."
)
Options = Annotated[ImportOptions, Query()]


@router.post(
    "/resources",
    status_code=status.HTTP_200_OK,
    response_model=ImportReport,
    responses=IMPORT_RESPONSES,
    summary="Import people (JSON or CSV)",
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
    summary="Import monthly capacity (JSON or CSV)",
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


MSPROJECT_DESCRIPTION = """\
Imports the people and hours of a Microsoft Project plan saved as XML (MSPDI: File > Save As > XML
Format in Project desktop, or an export from Project Online) for a project known from the portfolio
service (import the plan there first: `POST /portfolio/v1/portfolios/{portfolio_id}/imports/msproject`).
Send the file as the body (`Content-Type: application/xml` or `text/xml`) or as the multipart/form-data
field `file`:

    curl -X POST "$RESOURCE/resource/v1/imports/msproject?project_id=$PROJECT_ID&dry_run=true" \\
         -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/xml" --data-binary @plan.xml

- **People**: each work resource (Type 1; material and cost resources are ignored) is upserted by its
  GUID (else `<project GUID>:<resource UID>`) as `external_id`: created with its Name, EmailAddress and
  Group (as `role`, else `unassigned`), fte from MaxUnits and hours per week from the plan's
  MinutesPerWeek; an existing person's name, e-mail and role follow the file, their capacity fields not.
- **Allocations**: each assignment's Work (`PT120H0M0S`) is spread linearly by day over its Start..Finish,
  summed per person and month (consecutive months with equal hours make one allocation, kind `planned`).
  Work assigned to no resource (ResourceUID -65535) is role demand, its role the task's name.
- A re-import of the same file replaces the allocations earlier imports of it made for this project
  (others are left alone), and the same file twice changes nothing the second time. `dry_run=true`
  answers with the same report and writes nothing.

One transaction: a file that is not usable MSPDI, or hostile XML (a DOCTYPE: entity-expansion bombs,
external entities), is a 422 that says what is wrong and nothing is applied. Demand and over-allocation
events follow as for any allocation change. Admin, pmo, resource_manager or an integration key.
"""


@router.post(
    "/msproject",
    response_model=MsProjectPeopleImport,
    summary="Import the people and hours of a Microsoft Project plan (MSPDI XML)",
    description=MSPROJECT_DESCRIPTION,
    responses={
        **upload.UPLOAD_RESPONSES,
        409: problem("A concurrent import of the same file ran first; retry."),
    },
    openapi_extra=upload.request_body_doc(upload.EXAMPLE_FILE),
)
async def import_msproject(
    request: Request,
    session: SessionDep,
    principal: Importer,
    options: Annotated[MsProjectOptions, Query()],
) -> MsProjectPeopleImport:
    plan = await upload.parse_upload(request)
    return await msproject.import_plan(session, plan, options, principal)


@router.get(
    "/{import_id}", response_model=ImportReport, responses=GET_RESPONSES, summary="An import's report"
)
async def get_import(run: ImportDep, _: IntegrationReader) -> ImportReport:
    """The report of an earlier people or capacity import, as it answered (its rejected rows
    included). An unknown id is a 404. Every reader role and integration keys."""
    return ImportReport.of(run)
