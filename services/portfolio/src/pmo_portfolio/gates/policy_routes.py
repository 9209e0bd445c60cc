from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pmo_common.auth import PortfolioWriter, Reader
from pmo_common.http import SessionDep, check_if_match, set_etag
from pmo_common.responses import GET_RESPONSES, PUT_RESPONSES

from pmo_portfolio.gates import policy_repository as repository
from pmo_portfolio.gates import policy_service as service
from pmo_portfolio.gates.policy_schemas import (
    GateCheckRead,
    GateCriteriaIn,
    GateCriteriaRead,
    GateCriterion,
    GatePolicyBody,
)
from pmo_portfolio.logic.lifecycle import Stage
from pmo_portfolio.portfolios.dependencies import PortfolioDep
from pmo_portfolio.projects.dependencies import ProjectDep

router = APIRouter(tags=["gate decisions"])

FACTS_DOC = (
    "Facts: `risks.open_count`, `risks.max_open_score` (open threats and their highest current score, "
    "0 with none), `risks.escalated_without_response`, `evm.cpi`, `evm.spi`, `status_report.age_days`, "
    "`status_report.overall` (from the latest status report; null before one), `scores.complete`, "
    "`baseline.exists`, `actions.overdue`, `benefits.count`, and `field.<key>` for each custom field of "
    "the portfolio (a number field as a number, text and choice fields as text, a date field as a date). "
    "Texts take only `==` and `!=`; a date is compared as a date with a quoted ISO date "
    "(`field.opened >= '2027-01-01'`). A comparison whose fact is null is false, except `== null`."
)


@router.get(
    "/portfolios/{portfolio_id}/gate-criteria",
    response_model=GateCriteriaRead,
    responses=GET_RESPONSES,
    summary="Get a portfolio's gate criteria",
    description="Every criterion, per target stage, in the order they were stored (`[]` before the first "
    "PUT): an `approve` into `to_stage` needs each of that stage's rules to pass on the project's facts, "
    "which `GET /projects/{id}/gate-check?to_stage=` shows beforehand. The ETag is the set's version "
    '(`"0"` before the first PUT). Every reader role. ' + FACTS_DOC,
)
async def get_gate_criteria(
    portfolio: PortfolioDep, session: SessionDep, response: Response, _: Reader
) -> list[GateCriterion]:
    stored = await repository.criteria_of(session, portfolio.id)
    set_etag(response, 0 if stored is None else stored.version)
    return service.read_criteria(stored)


@router.put(
    "/portfolios/{portfolio_id}/gate-criteria",
    response_model=GateCriteriaRead,
    responses=PUT_RESPONSES,
    summary="Replace a portfolio's gate criteria",
    description="pmo or admin. Replaces the whole list (at most 50; `key` unique per `to_stage`). Each "
    "`rule` is parsed now against the known facts: a malformed rule, a rule that looks like code, an "
    "unknown fact or a type mismatch is a 422 naming `body[i].rule` with what to fix. Honours `If-Match` "
    "(the set's version) when sent (412 when stale); the same list again changes nothing, `[]` removes "
    "every criterion. Audited, announced by no event. " + FACTS_DOC,
)
async def put_gate_criteria(
    body: GateCriteriaIn,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> list[GateCriterion]:
    current = await repository.criteria_of(session, portfolio.id)
    check_if_match(request, 0 if current is None else current.version, required=False)
    stored = await service.put_criteria(session, portfolio, current, body, principal)
    set_etag(response, stored.version)
    return service.read_criteria(stored)


@router.get(
    "/portfolios/{portfolio_id}/gate-policy",
    response_model=GatePolicyBody,
    responses=GET_RESPONSES,
    summary="Get a portfolio's gate policy",
    description="`approvals_required`: {stage: n distinct approvers} for an `approve` into proposal, "
    "approved or in_progress; a stage not named needs one (`{}` before the first PUT). The ETag is the "
    'policy\'s version (`"0"` before the first PUT). Every reader role.',
)
async def get_gate_policy(
    portfolio: PortfolioDep, session: SessionDep, response: Response, _: Reader
) -> GatePolicyBody:
    stored = await repository.policy_of(session, portfolio.id)
    set_etag(response, 0 if stored is None else stored.version)
    return service.read_policy(stored)


@router.put(
    "/portfolios/{portfolio_id}/gate-policy",
    response_model=GatePolicyBody,
    responses=PUT_RESPONSES,
    summary="Set a portfolio's gate policy",
    description="pmo or admin. Until `n` distinct approvers have approved a move into a stage, an "
    '`approve` is answered 201 with `status: "pending"` and the project stays; the same approver again '
    "is a 409; the n-th approval moves it. Approvals count while the project stays in its stage. Each n "
    "is 1–5 and each stage one of proposal, approved, in_progress (a 422 otherwise); the body replaces "
    "the whole policy. Honours `If-Match` (the "
    "policy's version) when sent (412 when stale). Audited, announced by no event.",
)
async def put_gate_policy(
    body: GatePolicyBody,
    portfolio: PortfolioDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PortfolioWriter,
) -> GatePolicyBody:
    current = await repository.policy_of(session, portfolio.id)
    check_if_match(request, 0 if current is None else current.version, required=False)
    stored = await service.put_policy(session, portfolio, current, body, principal)
    set_etag(response, stored.version)
    return service.read_policy(stored)


@router.get(
    "/projects/{project_id}/gate-check",
    response_model=GateCheckRead,
    responses=GET_RESPONSES,
    summary="Check a project against a stage's gate criteria",
    description="Evaluates the criteria of `to_stage` (any stage of the lifecycle; one without criteria "
    "passes) on the project's facts now, e.g. `?to_stage=approved` → `{passed: false, criteria: [{key, "
    "rule, passed, facts: {name: value}}]}`, each criterion with the facts its rule read. Changes "
    "nothing: ask it before taking a gate decision, which fails (409) on the same criteria. A criterion "
    "whose fact has gone (a custom field deleted since) fails. Every reader role. " + FACTS_DOC,
)
async def gate_check(
    project: ProjectDep,
    session: SessionDep,
    _: Reader,
    to_stage: Annotated[Stage, Query(description="The stage the project would move to.")],
) -> GateCheckRead:
    return await service.gate_check(session, project, to_stage)
