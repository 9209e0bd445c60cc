from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import SessionDep, check_if_match, set_etag
from pmo_common.responses import GET_RESPONSES, PUT_RESPONSES

from pmo_risk.matrices import service
from pmo_risk.matrices.dependencies import MatrixDep
from pmo_risk.matrices.schemas import MatrixRead, MatrixWrite

router = APIRouter(prefix="/matrices", tags=["matrices"])


@router.get(
    "/{portfolio_id}",
    response_model=MatrixRead,
    responses=GET_RESPONSES,
    summary="A portfolio's risk matrix",
    description="The probability of each of the five probability levels, the named levels by minimum "
    "score and the escalation score that risks of the portfolio are scored with. An unknown portfolio is "
    "a 404. A portfolio without a stored matrix gets the defaults — probability 10, 30, 50, 70, 90 %; "
    "levels low ≥ 1, medium ≥ 5, high ≥ 10, critical ≥ 17; escalation 15 — with `version` 0 and "
    '`is_default` true (ETag `"0"`). Every reader role.',
)
async def get_matrix(portfolio_id: uuid.UUID, matrix: MatrixDep, response: Response, _: Reader) -> MatrixRead:
    read = service.read(portfolio_id, matrix)
    set_etag(response, read.version)
    return read


@router.put(
    "/{portfolio_id}",
    response_model=MatrixRead,
    responses=PUT_RESPONSES,
    summary="Set a portfolio's risk matrix",
    description='Admin or pmo. Honours `If-Match` when sent (`"0"` for a portfolio still on the defaults). '
    "In the same transaction the portfolio's open risks are re-levelled: each risk whose level, EMV or "
    "escalation changes gets a new version and a `risk.updated` event, plus `risk.escalated`/"
    "`risk.deescalated` when it crosses the new escalation score.",
)
async def put_matrix(
    portfolio_id: uuid.UUID,
    body: MatrixWrite,
    matrix: MatrixDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> MatrixRead:
    check_if_match(request, matrix.version if matrix else 0, required=False)
    matrix = await service.put(session, portfolio_id, matrix, body, principal)
    set_etag(response, matrix.version)
    return service.read(portfolio_id, matrix)
