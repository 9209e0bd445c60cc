from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pmo_common.contracts.problem import FieldError
from pmo_common.errors import NotFound, Unprocessable, problem_response
from pmo_common.http import SessionDep
from pmo_common.responses import GET_RESPONSES, problem

from pmo_resource.access import Importer, IntegrationReader
from pmo_resource.imports import repository, service
from pmo_resource.imports.schemas import MAX_ROWS, CapacityRow, ImportReport, request_body_doc
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


async def _run(
    kind: str,
    request: Request,
    session: SessionDep,
    response: Response,
    principal: Any,
    atomic: bool,
    dry_run: bool,
) -> Any:
    body = await request.body()
    run = await service.run_import(
        session,
        kind,
        body,
        request.headers.get("content-type"),
        atomic=atomic,
        dry_run=dry_run,
        principal=principal,
    )
    report = ImportReport.of(run)
    location = f"/resource/v1/imports/{run.id}"
    if atomic and run.rejected_count:
        errors = [
            FieldError(field=f"rows[{r.row}].{e.field}", message=e.message)
            for r in report.rejected[:100]
            for e in r.errors
        ]
        refused = Unprocessable(
            f"{run.rejected_count} of {run.received} rows were rejected; this atomic import applied nothing.",
            title="Import rejected",
            errors=errors[:100],
            extra=report.model_dump(mode="json"),
            headers={"Content-Location": location},
        )
        return problem_response(refused, request)
    response.headers["Content-Location"] = location
    return report


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
    atomic: bool = False,
    dry_run: bool = False,
) -> Any:
    return await _run("resources", request, session, response, principal, atomic, dry_run)


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
    atomic: bool = False,
    dry_run: bool = False,
) -> Any:
    return await _run("capacity", request, session, response, principal, atomic, dry_run)


@router.get("/{import_id}", response_model=ImportReport, responses=GET_RESPONSES)
async def get_import(import_id: uuid.UUID, session: SessionDep, _: IntegrationReader) -> ImportReport:
    run = await repository.get(session, import_id)
    if run is None:
        raise NotFound(f"No import with id {import_id}.")
    return ImportReport.of(run)
