"""Baselines (contract §7.3): the approved plan a project is measured against. Baseline 1 is taken
when a project first enters `approved`, from its fields at that moment and in force from that gate
decision's `decided_at`; later ones are re-baselines by `pmo` or `admin`, with a rationale, each
recorded in the decision log. A project's own budget, dates and cost profile are its forecast:
editing them never changes a baseline. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import BaselineApproved, ProjectUpdated
from pmo_common.db import serialize, utcnow
from pmo_common.errors import Conflict, Forbidden
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.baselines import repository
from pmo_portfolio.baselines.models import Baseline
from pmo_portfolio.baselines.schemas import BaselineCreate, BaselineRead
from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.logic import profiles
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.service import PROJECTS, check_cost_profile
from pmo_portfolio.validation import revalidate

FINAL_STAGES = ("closed", "cancelled", "rejected")

BASELINES = Aggregate[Baseline]("baseline", read=BaselineRead.model_validate)


def read(baseline: Baseline) -> BaselineRead:
    return BaselineRead.model_validate(baseline)


async def _new(session: AsyncSession, project: Project, baseline: Baseline, principal: Principal) -> Baseline:
    """Add `baseline` to the project (whose events then carry it as the one in force) and publish it."""
    if "baselines" in inspect(project).unloaded:  # loaded here, never lazily
        await session.refresh(project, ["baselines"])
    project.baselines.append(baseline)
    await BASELINES.create(session, baseline, principal, BaselineApproved)
    return baseline


async def take_first(
    session: AsyncSession,
    project: Project,
    principal: Principal,
    *,
    approved_by: str,
    approved_at: datetime,
    rationale: str,
    terms: Mapping[str, Any] | None = None,
) -> Baseline:
    """Baseline 1: from the project as it is now (called as it enters `approved`), or from `terms`
    (`budget`, `start_date`, `finish_date`, `cost_profile`: an imported plan's)."""
    fixed = terms or {
        "budget": project.budget,
        "start_date": project.start_date,
        "finish_date": project.finish_date,
        "cost_profile": list(project.cost_profile),
    }
    baseline = Baseline(
        id=uuid.uuid4(),
        project_id=project.id,
        portfolio_id=project.portfolio_id,
        number=1,
        **fixed,
        rationale=rationale,
        approved_by=approved_by,
        approved_at=approved_at,
        version=1,
    )
    return await _new(session, project, baseline, principal)


def _terms(project: Project, body: BaselineCreate) -> BaselineCreate:
    """The body with what it leaves out taken from the project (its forecast), checked as a whole."""
    current = {
        "budget": project.budget,
        "start_date": project.start_date,
        "finish_date": project.finish_date,
        "cost_profile": project.cost_profile,
    }
    terms = revalidate(BaselineCreate, {**current, **body.model_dump(exclude_unset=True)})
    check_cost_profile(terms.cost_profile or [], terms.budget, terms.start_date, terms.finish_date)
    return terms


async def rebaseline(
    session: AsyncSession, project: Project, body: BaselineCreate, principal: Principal
) -> Baseline:
    """The next baseline (403 unless pmo or admin; 409 before baseline 1 or once the project is closed
    or cancelled; 422 for a profile that does not fit), in force from now: the project's events name it from here on, and the decision log
    records it (kind `baseline`) in the same transaction."""
    if not principal.is_privileged:
        raise Forbidden(
            "A re-baseline needs the pmo or admin role: the baseline is what a project is held to."
        )
    if project.stage in FINAL_STAGES:
        raise Conflict(
            f"Project {project.code} is {project.stage}: its baseline is history and stays as it is."
        )
    await serialize(session, f"baselines:{project.id}")  # numbers never collide
    number = await repository.last_number(session, project.id)
    if number == 0:
        raise Conflict(
            f"Project {project.code} has no baseline yet: baseline 1 is taken when it is first approved "
            "(a gate decision to `approved`); re-baselines follow it."
        )
    terms = _terms(project, body)
    in_force = await repository.in_force(session, project.id)
    # Never before the one in force (a back-dated approval may lie a few seconds ahead): the newest
    # baseline is always the one in force.
    approved_at = utcnow() if in_force is None else max(utcnow(), in_force.approved_at)
    baseline = Baseline(
        id=uuid.uuid4(),
        project_id=project.id,
        portfolio_id=project.portfolio_id,
        number=number + 1,
        budget=terms.budget,
        start_date=terms.start_date,
        finish_date=terms.finish_date,
        cost_profile=profiles.stored(terms.cost_profile or []),
        rationale=body.rationale,
        approved_by=principal.sub,
        approved_at=approved_at,
        version=1,
    )
    async with PROJECTS.change(session, project, principal, ProjectUpdated, action="rebaselined") as change:
        await _new(session, project, baseline, principal)
        project.updated_at = utcnow()  # a new version of the project, whose events carry the baseline
        change.changed = ["baseline"]
    await decisions.record(
        session,
        principal,
        portfolio_id=project.portfolio_id,
        project_id=project.id,
        kind="baseline",
        title=f"{project.code}: re-baseline to baseline {baseline.number} (budget {baseline.budget:.2f})",
        rationale=body.rationale,
        links=[{"type": "baseline", "id": baseline.id}, {"type": "project", "id": project.id}],
        decided_at=approved_at,
    )
    return baseline
