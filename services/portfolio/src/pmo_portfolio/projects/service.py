"""Project rules. Never commits: the request's session dependency is the transaction boundary.

The stage is not changed here: only gate decisions move a project (see `pmo_portfolio.gates`)."""

from __future__ import annotations

import uuid
from typing import Any

from pmo_common.auth import Principal, ensure_can_write_project
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ProjectCreated, ProjectDeleted, ProjectUpdated
from pmo_common.contracts.types import Role
from pmo_common.errors import Conflict, Forbidden, Unprocessable, field_errors, invalid
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.criteria import repository as criteria_repository
from pmo_portfolio.logic import profiles
from pmo_portfolio.portfolios import repository as portfolio_repository
from pmo_portfolio.projects import repository, structure
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.schemas import ProjectCreate, ProjectFields, ProjectRead, ProjectUpdate
from pmo_portfolio.validation import revalidate

PROJECTS = Aggregate[Project]("project", read=ProjectRead.model_validate)

USE_GATE_DECISIONS = (
    "the stage changes only through gate decisions: POST /portfolio/v1/projects/{id}/gate-decisions "
    "with {to_stage, decision, rationale}"
)


def read(project: Project) -> ProjectRead:
    return ProjectRead.model_validate(project)


def read_from_row(row: Row[Any]) -> ProjectRead:
    """`read` of a `repository.read_row` row: the project's columns and its baseline's terms."""
    values = dict(row._mapping)
    terms = {name: values.pop(f"baseline_{name}") for name in repository.BASELINE_TERMS}
    values["baseline"] = None if terms["number"] is None else terms
    return ProjectRead.model_validate(values)


def _check_manager(principal: Principal, manager: str | None) -> None:
    """A project manager may name only themselves as a project's manager."""
    if principal.is_privileged or not principal.has(Role.project_manager):
        return
    if manager != principal.sub:
        raise Forbidden(f"A project manager may only set `manager` to themselves ({principal.sub!r}).")


def _columns(fields: ProjectFields) -> dict[str, Any]:
    values = fields.model_dump(include=set(ProjectFields.model_fields) - {"start_date", "finish_date"})
    values["start_date"], values["finish_date"] = fields.start_date, fields.finish_date
    values["depends_on"] = [str(i) for i in fields.depends_on]
    values["excludes"] = [str(i) for i in fields.excludes]
    values["cost_profile"] = profiles.stored(fields.cost_profile or [])
    return values


def check_cost_profile(profile: list[Any], budget: Any, start: Any, finish: Any) -> None:
    """422 naming `cost_profile[i].period` or `cost_profile` unless the profile fits the budget and
    dates (contract §7.3); shared with re-baselines, which fix a profile of their own."""
    problems = profiles.profile_problems(profiles.pairs(profile), budget, start, finish)
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(f"The cost profile is invalid — {summary}", errors=field_errors(problems))


async def _check_links(
    session: AsyncSession, portfolio_id: uuid.UUID, project_id: uuid.UUID | None, fields: ProjectFields
) -> None:
    for name in ("depends_on", "excludes"):
        ids: list[uuid.UUID] = getattr(fields, name)
        if len(set(ids)) != len(ids):
            raise invalid(name, "lists a project more than once")
        if project_id is not None and project_id in ids:
            raise invalid(name, "a project cannot refer to itself")
        unknown = set(ids) - await repository.ids_in_portfolio(session, portfolio_id, ids)
        if unknown:
            shown = ", ".join(sorted(str(i) for i in unknown))
            raise invalid(name, f"not projects of this portfolio: {shown}")
    both = set(fields.depends_on) & set(fields.excludes)
    if both:
        raise invalid("excludes", f"a project cannot both depend on and exclude {', '.join(map(str, both))}")


async def _check_code(
    session: AsyncSession, portfolio_id: uuid.UUID, code: str, exclude_id: uuid.UUID | None = None
) -> None:
    if await repository.code_taken(session, portfolio_id, code, exclude_id):
        raise Conflict(
            f"The portfolio already has a project with code {code!r}; codes are unique per portfolio."
        )


async def create(session: AsyncSession, body: ProjectCreate, principal: Principal) -> Project:
    if body.stage is not None and body.stage != "proposal":
        raise invalid("stage", "a project starts in proposal; " + USE_GATE_DECISIONS)
    _check_manager(principal, body.manager)
    # Shared with other project writes, exclusive to a change of the field definitions.
    portfolio = await portfolio_repository.locked(session, body.portfolio_id, exclusive=False)
    if portfolio is None:
        raise invalid("portfolio_id", f"no portfolio with id {body.portfolio_id}")
    check_cost_profile(body.cost_profile or [], body.budget, body.start_date, body.finish_date)
    structured = structure.checked_values(portfolio, body.fields, body.tags)
    await structure.check_programme(session, body.portfolio_id, body.programme_id)
    await _check_code(session, body.portfolio_id, body.code)
    await _check_links(session, body.portfolio_id, None, body)
    project = Project(
        id=uuid.uuid4(),
        portfolio_id=body.portfolio_id,
        stage="proposal",
        scores={},
        baselines=[],  # none yet (and an initialised collection is never lazily loaded)
        **{**_columns(body), **structured},
    )
    changed = sorted(body.model_fields_set - {"stage"})
    await PROJECTS.create(session, project, principal, ProjectCreated, changed=changed)
    return project


async def update(
    session: AsyncSession, project: Project, body: ProjectUpdate, principal: Principal
) -> Project:
    """Any field but `stage` (only gate decisions move a project); a project manager changes only
    the projects they manage, and names only themselves as `manager`. After approval, budget, dates
    and cost profile are the forecast: the baseline in force stays as it was (a re-baseline changes it)."""
    ensure_can_write_project(principal, project.manager)
    changes = body.model_dump(exclude_unset=True)
    stage = changes.pop("stage", None)
    if stage is not None and stage != project.stage:
        raise invalid("stage", USE_GATE_DECISIONS)
    if "manager" in changes:
        _check_manager(principal, changes["manager"])
    for name, empty in (("fields", {}), ("tags", [])):
        if name in changes and changes[name] is None:
            changes[name] = empty  # null clears them
    current = {k: getattr(project, k) for k in ProjectFields.model_fields}
    merged = revalidate(ProjectFields, {**current, **changes})  # re-checks dates against stored values
    # A changed budget or date must still fit the stored profile (send `cost_profile` with it).
    check_cost_profile(merged.cost_profile or [], merged.budget, merged.start_date, merged.finish_date)
    columns = {**_columns(merged), **await _structured(session, project, changes)}
    values = {k: v for k, v in columns.items() if k in changes and getattr(project, k) != v}
    if "programme_id" in values:
        await structure.check_programme(session, project.portfolio_id, merged.programme_id)
    if "code" in values:
        await _check_code(session, project.portfolio_id, merged.code, project.id)
    if "depends_on" in values or "excludes" in values:
        await _check_links(session, project.portfolio_id, project.id, merged)
    await PROJECTS.update(session, project, principal, values, ProjectUpdated)
    return project


async def _structured(session: AsyncSession, project: Project, changes: dict[str, Any]) -> dict[str, Any]:
    """The stored form of the custom fields and tags a PATCH sends (each checked against the
    portfolio's definitions only when sent: the stored values are valid by construction)."""
    if "fields" not in changes and "tags" not in changes:
        return {}
    if "fields" in changes:  # checked against the definitions as committed, which wait for this write
        portfolio = await portfolio_repository.locked(session, project.portfolio_id, exclusive=False)
    else:
        portfolio = await portfolio_repository.get(session, project.portfolio_id)
    assert portfolio is not None  # RESTRICT: a portfolio with projects is never deleted
    return structure.checked_values(portfolio, changes.get("fields"), changes.get("tags"))


async def set_scores(
    session: AsyncSession, project: Project, scores: dict[uuid.UUID, float], principal: Principal
) -> Project:
    """Replace the project's scores; each must be within its criterion's range."""
    ensure_can_write_project(principal, project.manager)
    criteria = {c.id: c for c in await criteria_repository.in_portfolio(session, project.portfolio_id)}
    for criterion_id, score in scores.items():
        criterion = criteria.get(criterion_id)
        field = f"body.{criterion_id}"
        if criterion is None:
            raise invalid(field, f"{criterion_id} is not a criterion of the project's portfolio")
        if not criterion.min_score <= score <= criterion.max_score:
            raise invalid(
                field,
                f"score {score:g} for criterion {criterion.name!r} is outside its range "
                f"{criterion.min_score:g}..{criterion.max_score:g}",
            )
    new_scores = {str(k): float(v) for k, v in scores.items()}
    await replace_scores(session, project, new_scores, principal, action="scores_set")
    return project


async def replace_scores(
    session: AsyncSession, project: Project, scores: dict[str, float], principal: Principal, *, action: str
) -> None:
    """Set the project's scores as a whole (a new dict, so the JSON column sees the change)."""
    await PROJECTS.update(session, project, principal, {"scores": scores}, ProjectUpdated, action=action)


async def delete(session: AsyncSession, project: Project, principal: Principal) -> None:
    """409 while other projects list this one in `depends_on` or `excludes`."""
    ensure_can_write_project(principal, project.manager)
    referrers = [
        p.code
        for p in await repository.in_portfolio(session, project.portfolio_id)
        if str(project.id) in p.depends_on or str(project.id) in p.excludes
    ]
    if referrers:
        raise Conflict(
            f"Projects {', '.join(referrers)} refer to this project in depends_on or excludes; "
            "remove those references first."
        )
    await PROJECTS.delete(session, project, principal, ProjectDeleted)
