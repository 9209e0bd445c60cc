from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag
from pmo_common.responses import CONFLICT, GET_RESPONSES

from pmo_portfolio.gates import repository, service
from pmo_portfolio.gates.schemas import GateDecisionCreate, GateDecisionRead
from pmo_portfolio.projects.dependencies import ProjectDep

router = APIRouter(prefix="/projects/{project_id}/gate-decisions", tags=["gate decisions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GateDecisionRead,
    responses=GET_RESPONSES | CONFLICT,
)
async def create_gate_decision(
    body: GateDecisionCreate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> GateDecisionRead:
    """Move the project to `to_stage`. An illegal transition is a 409 whose `allowed` lists the stages
    reachable now; a project on hold resumes only to the stage it left (`held_from`) or is cancelled.
    Honours `If-Match` (the project's ETag) when sent; the response's ETag is the project's new version.
    `decided_at` back-dates the decision (not in the future, not before the previous decision): a 422
    naming `body.decided_at` otherwise.

    Gate decisions are taken by `pmo` or `admin`, never by the project's own `manager` (403). An
    `approve` into a stage whose gate criteria fail is a 409 whose `failing_criteria` lists each
    `{key, description, rule, passed, facts}`, unless the body carries `override: {"rationale": "..."}`
    (recorded in the decision log). When the portfolio's gate policy needs n approvers for the stage,
    the first n − 1 distinct approvals are answered 201 with `status: "pending"` (the project does not
    move), the same approver again is a 409, and the n-th is `status: "applied"`."""
    check_if_match(request, project.version, required=False)
    entry = await service.decide(session, project, body, principal)
    set_etag(response, project.version)
    return GateDecisionRead.model_validate(entry)


@router.get("", response_model=Page[GateDecisionRead], responses=GET_RESPONSES)
async def list_gate_decisions(
    project: ProjectDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[GateDecisionRead]:
    """The project's decision log, oldest first."""
    rows, next_cursor = await repository.list_page(session, project.id, limit=limit, cursor=cursor)
    return Page(items=[GateDecisionRead.model_validate(r) for r in rows], next_cursor=next_cursor)
