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
    '`{"budget": "1500000.00", "finish_date": "2027-12-31", "rationale": "Scope change CR-17"}`; what the '
    "body leaves out is taken from the project as it stands (its forecast). Needs pmo or admin (403 for a "
    "project manager, even their own project's); `rationale` is required. Writes a decision log entry "
    "(kind `baseline`), publishes `pmo.portfolio.baseline.approved` and a `project.updated` naming the new "
    "baseline. 409 before the project's baseline 1 (taken when it is first approved) and once it is closed "
    "or cancelled. 422 when the "
    "cost profile does not fit this baseline's budget and dates.",
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
    summary="A project's baselines",
    description='Every baseline of the project in number order, e.g. `[{"number": 1, "budget": "1200000.00", '
    '"approved_at": "2027-01-15T09:30:00Z", …}, {"number": 2, "budget": "1500000.00", …}]`; the one in force '
    "is the latest approved (also served as the project's `baseline`).",
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
    summary="One baseline",
    description='A baseline never changes (its `version` is 1), e.g. `{"number": 1, "budget": "1200000.00", '
    '"start_date": "2027-01-01", "finish_date": "2027-12-31", "cost_profile": [{"period": "2027-01", '
    '"amount": "100000.00"}, …], "approved_by": "pat", "approved_at": "2027-01-15T09:30:00Z", …}`.',
)
async def get_baseline(baseline: BaselineDep, response: Response, _: Reader) -> BaselineRead:
    set_etag(response, baseline.version)
    return service.read(baseline)
