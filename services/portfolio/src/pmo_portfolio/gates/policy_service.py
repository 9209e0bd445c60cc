"""Gate criteria and the gate policy of a portfolio, and the gate check of a project. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.gates import policy_repository as repository
from pmo_portfolio.gates.facts import facts_under, known_facts, known_facts_of, project_facts
from pmo_portfolio.gates.policy_models import GateCriteriaSet, GatePolicy
from pmo_portfolio.gates.policy_schemas import (
    CriterionResult,
    GateCheckRead,
    GateCriteriaState,
    GateCriterion,
    GatePolicyBody,
    GatePolicyState,
)
from pmo_portfolio.logic.fields import FieldDefinition
from pmo_portfolio.logic.rules import FactKind, RuleError, evaluate, facts_of, parse_rule
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects.models import Project


def read_criteria(criteria_set: GateCriteriaSet | None) -> list[GateCriterion]:
    return [] if criteria_set is None else [GateCriterion.model_validate(c) for c in criteria_set.criteria]


async def criteria_refused_under(
    session: AsyncSession, portfolio_id: uuid.UUID, definitions: Sequence[FieldDefinition]
) -> list[tuple[GateCriterion, str]]:
    """The portfolio's stored gate criteria that would no longer parse under these custom field
    definitions (a field they read removed, or its type changed), each with why."""
    facts = facts_under(definitions)
    refused = []
    for criterion in read_criteria(await repository.criteria_of(session, portfolio_id)):
        try:
            parse_rule(criterion.rule, facts)
        except RuleError as exc:
            refused.append((criterion, str(exc)))
    return refused


def read_policy(policy: GatePolicy | None) -> GatePolicyBody:
    return GatePolicyBody(approvals_required={} if policy is None else policy.approvals_required)


# A portfolio's own configuration: audited, announced by no event of the catalogue.
GATE_CRITERIA = Aggregate[GateCriteriaSet](
    "gate_criteria",
    read=lambda s: GateCriteriaState(
        portfolio_id=s.portfolio_id, criteria=read_criteria(s), version=s.version
    ),
)
GATE_POLICY = Aggregate[GatePolicy](
    "gate_policy",
    read=lambda p: GatePolicyState(
        portfolio_id=p.portfolio_id, approvals_required=p.approvals_required, version=p.version
    ),
)


def _check_criteria(criteria: list[GateCriterion], facts: dict[str, FactKind]) -> None:
    """Each rule parses against the known facts and each key is unique per stage (422 naming it)."""
    seen: set[tuple[str, str]] = set()
    for i, criterion in enumerate(criteria):
        if (criterion.to_stage, criterion.key) in seen:
            raise invalid(f"body[{i}].key", f"{criterion.key!r} is used twice for {criterion.to_stage}")
        seen.add((criterion.to_stage, criterion.key))
        try:
            parse_rule(criterion.rule, facts)
        except RuleError as exc:
            raise invalid(f"body[{i}].rule", str(exc)) from None


async def _store(
    session: AsyncSession,
    aggregate: Aggregate[Any],
    row: Any,
    new: Any,
    values: dict[str, Any],
    principal: Principal,
) -> Any:
    """Create the portfolio's first row, or update it when `values` differ (no new version otherwise)."""
    if row is None:
        try:
            await aggregate.create(session, new, principal, None)
        except IntegrityError:
            raise Conflict(
                "Another request stored this portfolio's first one meanwhile; GET it and retry."
            ) from None
        return new
    if any(getattr(row, key) != value for key, value in values.items()):
        await aggregate.update(session, row, principal, {**values, "updated_by": principal.sub}, None)
    return row


async def put_criteria(
    session: AsyncSession,
    portfolio: Portfolio,
    current: GateCriteriaSet | None,
    criteria: list[GateCriterion],
    principal: Principal,
) -> GateCriteriaSet:
    """Replace the portfolio's gate criteria (each rule parsed now: a bad one is a 422 naming it)."""
    _check_criteria(criteria, known_facts(portfolio))
    values = {"criteria": [c.model_dump() for c in criteria]}
    new = GateCriteriaSet(portfolio_id=portfolio.id, updated_by=principal.sub, **values)
    stored: GateCriteriaSet = await _store(session, GATE_CRITERIA, current, new, values, principal)
    return stored


async def put_policy(
    session: AsyncSession,
    portfolio: Portfolio,
    current: GatePolicy | None,
    body: GatePolicyBody,
    principal: Principal,
) -> GatePolicy:
    values = {"approvals_required": dict(body.approvals_required)}
    new = GatePolicy(portfolio_id=portfolio.id, updated_by=principal.sub, **values)
    stored: GatePolicy = await _store(session, GATE_POLICY, current, new, values, principal)
    return stored


async def approvals_required(session: AsyncSession, portfolio_id: uuid.UUID, to_stage: str) -> int:
    policy = await repository.policy_of(session, portfolio_id)
    return 1 if policy is None else int(policy.approvals_required.get(to_stage, 1))


def _result(criterion: GateCriterion, facts: dict[str, Any], known: dict[str, FactKind]) -> CriterionResult:
    try:
        rule = parse_rule(criterion.rule, known)
    except RuleError:  # a fact that has since gone (a custom field deleted): it cannot pass
        return CriterionResult(**criterion.model_dump(exclude={"to_stage"}), passed=False, facts={})
    return CriterionResult(
        **criterion.model_dump(exclude={"to_stage"}),
        passed=evaluate(rule, facts),
        facts={name: facts.get(name) for name in facts_of(rule)},
    )


async def gate_check(session: AsyncSession, project: Project, to_stage: str) -> GateCheckRead:
    """Evaluate the criteria of `to_stage` on the project's facts now (the facts are gathered only
    when the stage has criteria)."""
    stored = read_criteria(await repository.criteria_of(session, project.portfolio_id))
    criteria = [c for c in stored if c.to_stage == to_stage]
    facts = await project_facts(session, project, utcnow().date()) if criteria else {}
    known = await known_facts_of(session, project.portfolio_id) if criteria else {}
    results = [_result(c, facts, known) for c in criteria]
    return GateCheckRead(to_stage=to_stage, passed=all(r.passed for r in results), criteria=results)
