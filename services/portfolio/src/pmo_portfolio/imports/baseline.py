"""The baseline of an imported plan: the project summary task's Baseline 0 becomes the project's
baseline in force — baseline 1 when the project has none yet (the import is then what fixes it, and
the gate decision to `approved` keeps it rather than taking another), else a re-baseline through
the baselines service. Both are recorded in the decision log. Never commits."""

from __future__ import annotations

from typing import Any

from pmo_common import mspdi
from pmo_common.auth import Principal
from pmo_common.contracts.events import ProjectUpdated
from pmo_common.db import serialize, utcnow
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.baselines import repository as baselines
from pmo_portfolio.baselines import service as baseline_service
from pmo_portfolio.baselines.models import Baseline
from pmo_portfolio.baselines.schemas import BaselineCreate
from pmo_portfolio.decisions import service as decisions
from pmo_portfolio.imports.schemas import ImportedBaseline
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.service import PROJECTS, check_cost_profile
from pmo_portfolio.validation import revalidate


def stored_profile(terms: mspdi.Terms) -> list[dict[str, str]]:
    return [{"period": period, "amount": f"{amount:.2f}"} for period, amount in terms.cost_profile]


def _same(baseline: Baseline, terms: mspdi.Terms) -> bool:
    fixed = (baseline.budget, baseline.start_date, baseline.finish_date, list(baseline.cost_profile))
    return fixed == (terms.budget, terms.start, terms.finish, stored_profile(terms))


def _outcome(action: str, number: int, terms: mspdi.Terms) -> ImportedBaseline:
    return ImportedBaseline.model_validate(
        {
            "action": action,
            "number": number,
            "budget": terms.budget,
            "start_date": terms.start,
            "finish_date": terms.finish,
            "cost_profile": stored_profile(terms),
        }
    )


async def plan_baseline(
    session: AsyncSession, project: Project | None, terms: mspdi.Terms
) -> ImportedBaseline:
    """What importing `terms` does to the project's baselines (nothing is written)."""
    check_cost_profile(stored_profile(terms), terms.budget, terms.start, terms.finish)
    if project is None:
        return _outcome("recorded", 1, terms)
    in_force = await baselines.in_force(session, project.id)
    if in_force is not None and _same(in_force, terms):
        return _outcome("unchanged", in_force.number, terms)
    return _outcome("recorded", await baselines.last_number(session, project.id) + 1, terms)


async def apply_baseline(
    session: AsyncSession, project: Project, terms: mspdi.Terms, principal: Principal, source: str
) -> ImportedBaseline:
    await serialize(session, f"baselines:{project.id}")  # as a re-baseline does: numbers never collide
    planned = await plan_baseline(session, project, terms)
    if planned.action == "unchanged":
        return planned
    rationale = f"Imported from Microsoft Project: Baseline 0 of {source}."
    if planned.number > 1:
        body = revalidate(
            BaselineCreate,
            {
                "budget": terms.budget,
                "start_date": terms.start,
                "finish_date": terms.finish,
                "cost_profile": stored_profile(terms),
                "rationale": rationale,
            },
        )
        done = await baseline_service.rebaseline(session, project, body, principal)
        return _outcome("recorded", done.number, terms)
    await _first(session, project, terms, principal, rationale)
    return planned


async def _first(
    session: AsyncSession, project: Project, terms: mspdi.Terms, principal: Principal, rationale: str
) -> None:
    approved_at = utcnow()
    if "baselines" in inspect(project).unloaded:  # loaded before the change reads the project, never lazily
        await session.refresh(project, ["baselines"])
    async with PROJECTS.change(session, project, principal, ProjectUpdated, action="baseline_imported") as c:
        baseline = await baseline_service.take_first(
            session,
            project,
            principal,
            approved_by=principal.sub,
            approved_at=approved_at,
            rationale=rationale,
            terms={
                "budget": terms.budget,
                "start_date": terms.start,
                "finish_date": terms.finish,
                "cost_profile": stored_profile(terms),
            },
        )
        project.updated_at = approved_at  # a new version of the project, whose events carry the baseline
        c.changed = ["baseline"]
    links: list[dict[str, Any]] = [
        {"type": "baseline", "id": baseline.id},
        {"type": "project", "id": project.id},
    ]
    await decisions.record(
        session,
        principal,
        portfolio_id=project.portfolio_id,
        project_id=project.id,
        kind="baseline",
        title=f"{project.code}: baseline 1 imported from Microsoft Project (budget {terms.budget:.2f})",
        rationale=rationale,
        links=links,
        decided_at=approved_at,
    )
