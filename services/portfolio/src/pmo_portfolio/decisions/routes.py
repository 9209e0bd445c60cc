from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, set_location
from pmo_common.responses import CREATE_RESPONSES, GET_RESPONSES

from pmo_portfolio.decisions import repository, service
from pmo_portfolio.decisions.dependencies import DecisionDep, DecisionFiltersDep
from pmo_portfolio.decisions.schemas import DecisionCreate, DecisionRead, VerificationRead
from pmo_portfolio.portfolios.dependencies import PortfolioDep

router = APIRouter(tags=["decisions"])


@router.post(
    "/decisions",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses=CREATE_RESPONSES,
    summary="Record a decision",
    description="Appends an entry to the portfolio's hash-chained decision log and publishes "
    "`pmo.portfolio.decision.recorded` (carrying the new head: `sequence` and `hash`). Needs admin or pmo. "
    "Gate decisions, scenario approvals and re-baselines write their own entries; use this for what "
    "happens elsewhere (a risk acceptance, a board decision) and for corrections: an entry never "
    "changes, a new one `supersedes` it. 422 when `portfolio_id` is unknown, `project_id` is not a "
    "project of it, `programme_id` is not a programme of it, `supersedes` is not an entry of it or "
    "`decided_at` is in the future. `decided_at` (default now) may lie in the past; "
    "entries are chained in the order they are recorded. Answers 201 with `Location`; honours "
    "`Idempotency-Key`.",
)
async def create_decision(
    body: DecisionCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> DecisionRead:
    decision = await service.create(session, body, principal)
    set_location(request, response, "decisions", decision.id)
    return service.read(decision)


@router.get(
    "/decisions",
    response_model=Page[DecisionRead],
    summary="List the decision log",
    description="Entries oldest first (by `decided_at`, then `sequence`), a page at a time (`limit`, "
    "`cursor`); filters combine with AND, e.g. `?portfolio_id=…&kind=gate&from=2027-01-01&to=2027-03-31` "
    "(days in UTC, both included; `to` before `from` is a 422 naming `query.to`). Kinds: gate, scenario, "
    "baseline, risk_acceptance, other. An unknown `kind` or parameter is a 422. Every reader role.",
)
async def list_decisions(
    session: SessionDep, _: Reader, filters: DecisionFiltersDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[DecisionRead]:
    rows, next_cursor = await repository.list_page(session, filters, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionRead,
    responses=GET_RESPONSES,
    summary="Get a decision log entry",
    description="Served exactly as stored, so anyone can recompute `hash` from it, e.g. in Python "
    "`sha256(json.dumps({k: v for k, v in entry.items() if k != 'hash'}, sort_keys=True, "
    "separators=(',', ':'), ensure_ascii=False).encode()).hexdigest()`, and check `previous_hash` against "
    "the entry before it (`sequence` − 1). An unknown id is a 404. Every reader role.",
)
async def get_decision(decision: DecisionDep, _: Reader) -> DecisionRead:
    return service.read(decision)


@router.get(
    "/portfolios/{portfolio_id}/decisions/verify",
    response_model=VerificationRead,
    responses=GET_RESPONSES,
    summary="Verify a portfolio's decision log",
    description='Recomputes the whole chain: `{"ok": false, "entries": 12, "first_bad_sequence": 7}` '
    "names the first entry that was changed, removed or reordered inside the database. It cannot see a "
    "log rewritten consistently from some entry on; compare the head with one kept elsewhere (each "
    "`decision.recorded` event carries it) for that. An empty log is `ok` with 0 entries. An unknown "
    "portfolio is a 404. Every reader role.",
)
async def verify_decisions(portfolio: PortfolioDep, session: SessionDep, _: Reader) -> VerificationRead:
    return await service.verify(session, portfolio.id)
