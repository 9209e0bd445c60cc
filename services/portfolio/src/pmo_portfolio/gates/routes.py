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
    summary="Take a gate decision",
)
async def create_gate_decision(
    body: GateDecisionCreate,
    project: ProjectDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> GateDecisionRead:
    """The only way a project's stage changes: move it to `to_stage` with the decision that leads there
    — `approve` into approved or in_progress (and to resume from on_hold), `reject` (from proposal),
    `hold`, `cancel`, `close` (from in_progress). closed, cancelled and rejected are final. An illegal
    transition is a 409 whose `allowed` lists the stages reachable now; a project on hold resumes only to
    the stage it left (`held_from`) or is cancelled.
    Honours `If-Match` (the project's ETag) when sent; the response's ETag is the project's new version.
    `decided_at` back-dates the decision (not in the future, not before the previous decision): a 422
    naming `body.decided_at` otherwise.

    Gate decisions are taken by `pmo` or `admin`, never by the project's own `manager` (403). An
    `approve` into a stage whose gate criteria fail is a 409 whose `failing_criteria` lists each
    `{key, description, rule, passed, facts}`, unless the body carries `override: {"rationale": "..."}`
    (recorded in the decision log). When the portfolio's gate policy needs n approvers for the stage,
    the first n − 1 distinct approvals are answered 201 with `status: "pending"` (the project does not
    move), the same approver again is a 409, and the n-th is `status: "applied"`.

    Each applied decision is written to the project's log (`GET .../gate-decisions`) and to the
    portfolio's decision log (kind `gate`), and publishes `project.stage_changed`; the first entry into
    `approved` also takes baseline 1 from the project's plan and publishes `baseline.approved`.
    Honours `Idempotency-Key`."""
    check_if_match(request, project.version, required=False)
    entry = await service.decide(session, project, body, principal)
    set_etag(response, project.version)
    return GateDecisionRead.model_validate(entry)


@router.get(
    "",
    response_model=Page[GateDecisionRead],
    responses=GET_RESPONSES,
    summary="List a project's gate decisions",
)
async def list_gate_decisions(
    project: ProjectDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[GateDecisionRead]:
    """The project's stage history, oldest first: who moved it from which stage to which, when and why
    (`decided_at` may be back-dated, never out of order). Pending approvals are not listed: they have not
    moved the project. A page at a time (`limit`, `cursor`). An unknown project is a 404. Every reader
    role."""
    rows, next_cursor = await repository.list_page(session, project.id, limit=limit, cursor=cursor)
    return Page(items=[GateDecisionRead.model_validate(r) for r in rows], next_cursor=next_cursor)
