from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import PortfolioWriter
from pmo_common.http import SessionDep, set_location
from pmo_common.mspdi.upload import EXAMPLE_FILE, UPLOAD_RESPONSES, parse_upload, request_body_doc
from pmo_common.responses import NOT_FOUND, problem

from pmo_portfolio.imports import service
from pmo_portfolio.imports.schemas import ImportOptions, MsProjectImport
from pmo_portfolio.portfolios.dependencies import PortfolioDep

router = APIRouter(prefix="/portfolios/{portfolio_id}/imports", tags=["imports"])

DESCRIPTION = """\
Imports a Microsoft Project plan saved as XML (MSPDI: File > Save As > XML Format in Project desktop,
or an export from Project Online) into the portfolio. Send the file as the body
(`Content-Type: application/xml` or `text/xml`) or as the multipart/form-data field `file`:

    curl -X POST "$PORTFOLIO/portfolio/v1/portfolios/$PORTFOLIO_ID/imports/msproject?dry_run=true" \\
         -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/xml" --data-binary @plan.xml

The project the file describes is **created** (stage `proposal`, code made from its name), or found
again by the file's project GUID (else the SHA-256 of its Name and CreationDate) and **updated**:

- `name`: the file's Title (else its summary task's name);
- `start_date`, `finish_date`: the project's StartDate and FinishDate;
- `budget`: the project summary task's (UID 0) Cost — MSPDI stores currency in hundredths, so
  `<Cost>1200000</Cost>` is 12000.00;
- `cost_profile`: each leaf task's Cost spread linearly by day over its Start..Finish, summed per
  month, in cents that add up exactly to the budget;
- the **baseline** when the file has one (the summary task's Baseline 0 cost, start and finish, its
  profile from the leaf tasks' Baseline 0): baseline 1 when the project has none, else a
  re-baseline; both are recorded in the decision log.

Re-importing the same file changes nothing (`action: "unchanged"`). `dry_run=true` answers with the
same report and writes nothing. The whole import is one transaction: a bad file (not XML, not MSPDI,
no project summary task, a bad number, a task outside the project's dates, a currency other than the
portfolio's) or a hostile one (a DOCTYPE: entity-expansion bombs, external entities) is a 422 that
says what is wrong, and nothing is applied. Files up to the import body limit (64 MiB by default).
People and their hours are imported into the resource service: `POST /resource/v1/imports/msproject`.
"""


@router.post(
    "/msproject",
    response_model=MsProjectImport,
    summary="Import a Microsoft Project plan (MSPDI XML)",
    description=DESCRIPTION,
    responses={
        201: {"model": MsProjectImport, "description": "A new project was created from the file."},
        **NOT_FOUND,
        409: problem("A concurrent import created the same project first; retry."),
        **UPLOAD_RESPONSES,
    },
    openapi_extra=request_body_doc(EXAMPLE_FILE),
)
async def import_msproject(
    portfolio: PortfolioDep,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PortfolioWriter,
    options: Annotated[ImportOptions, Query()],
) -> MsProjectImport:
    plan = await parse_upload(request)
    result, created = await service.import_plan(session, portfolio, plan, principal, dry_run=options.dry_run)
    if created and not options.dry_run and result.project_id is not None:
        response.status_code = status.HTTP_201_CREATED
        set_location(request, response, "projects", result.project_id)
    return result
