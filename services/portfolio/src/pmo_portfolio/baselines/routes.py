from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, set_etag, set_location
from pmo_common.responses import CONFLICT, GET_RESPONSES

from pmo_portfolio.baselines import repository, service
from pmo_portfolio.baselines.dependencies import BaselineDep
from pmo_portfolio.baselines.schemas import BaselineCreate, BaselineRead
from pmo_portfolio.projects.dependencies import ProjectDep

router = APIRouter(prefix="/projects/{project_id}/baselines", tags=["baselines"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BaselineRead,
    responses=GET_RESPONSES | CONFLICT,
    summary="Re-baseline a project",
    description="Makes a new baseline (number 2, 3, …) the one in force from now, e.g. "
    '`{"budget": "1500000.00", "finish_date": "2027-09-30", "cost_profile": […], "rationale": "CR-17"}`; '
    "what the body leaves out is taken from the project as it stands (its forecast), so "
    '`{"rationale": "…"}` alone makes the current forecast the plan. A baseline is what EVM and board '
    "reports measure the project against: editing the project changes its forecast, never a baseline. "
    "Needs pmo or admin (403 for a "
    "project manager, even their own project's); `rationale` is required. Writes a decision log entry "
    "(kind `baseline`), publishes `pmo.portfolio.baseline.approved` and a `project.updated` naming the new "
    "baseline. 409 before the project's baseline 1 (taken when it is first approved) and once it is closed "
    "or cancelled. 422 when the "
    "cost profile does not fit this baseline's budget and dates (naming `cost_profile[i].period` or "
    "`cost_profile`; send a `cost_profile` with a new budget or new dates). Answers 201 with `Location`; "
    "honours `Idempotency-Key`.",
)
async def create_baseline(
    body: BaselineCreate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> BaselineRead:
    baseline = await service.rebaseline(session, project, body, principal)
    set_etag(response, baseline.version)
    set_location(request, response, "projects", project.id, "baselines", baseline.id)
    return service.read(baseline)


@router.get(
    "",
    response_model=Page[BaselineRead],
    responses=GET_RESPONSES,
    summary="List a project's baselines",
    description="Every baseline of the project in number order, a page at a time (`limit`, `cursor`): "
    "baseline 1 taken when it was first approved, then each re-baseline; the one in force is the latest "
    "(also served as the project's `baseline`). Empty before approval. Reporting reads, for a date D, the "
    "baseline in force on D. An unknown project is a 404. Every reader role.",
)
async def list_baselines(
    project: ProjectDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[BaselineRead]:
    rows, next_cursor = await repository.list_page(session, project.id, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{baseline_id}",
    response_model=BaselineRead,
    responses=GET_RESPONSES,
    summary="Get a baseline",
    description="One baseline of the project: the budget (BAC), dates and monthly cost it fixed, who "
    "approved it and when it came into force. A baseline never changes (its `version` is 1). A baseline "
    "of another project is a 404, as is an unknown id. Every reader role.",
)
async def get_baseline(baseline: BaselineDep, response: Response, _: Reader) -> BaselineRead:
    set_etag(response, baseline.version)
    return service.read(baseline)
