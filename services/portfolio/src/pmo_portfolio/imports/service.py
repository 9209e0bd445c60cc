"""Importing a Microsoft Project plan into a portfolio: the project the file describes is created,
or found again by the file's project GUID and updated, through the project service (its rules,
events and audit trail), with its baseline through the baselines service. Never commits: the whole
import is the request's one transaction, so nothing of it is half-applied."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from pmo_common import mspdi
from pmo_common.auth import Principal
from pmo_common.errors import Unprocessable, field_errors
from pmo_common.mspdi.upload import file_error
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.imports import repository
from pmo_portfolio.imports.baseline import apply_baseline, plan_baseline, stored_profile
from pmo_portfolio.imports.schemas import IMPORTED_FIELDS, FieldChange, MsProjectImport
from pmo_portfolio.logic.fields import definitions_of
from pmo_portfolio.logic.profiles import MAX_PERIODS
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.projects import repository as project_repository
from pmo_portfolio.projects import service as projects
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.schemas import ProjectCreate, ProjectUpdate
from pmo_portfolio.validation import revalidate


def _terms(plan: mspdi.MspdiProject, portfolio: Portfolio) -> tuple[mspdi.Terms, mspdi.Terms | None]:
    """The plan's and its baseline's budget, dates and monthly profile, checked against the portfolio."""
    if plan.currency and plan.currency.upper() != portfolio.currency:
        raise file_error(
            mspdi.MspdiError(
                f"The plan's amounts are in {plan.currency} but the portfolio's currency is {portfolio.currency}; "
                "import it into a portfolio in its currency, or change the plan's currency in Project."
            )
        )
    try:
        terms, baseline = mspdi.plan_terms(plan), mspdi.baseline_terms(plan)
    except mspdi.MspdiError as exc:
        raise file_error(exc) from None
    for t in (terms, baseline):
        if t is not None and len(t.cost_profile) > MAX_PERIODS:
            raise file_error(mspdi.MspdiError(f"The plan spans more than {MAX_PERIODS} months; split it up."))
    return terms, baseline


def _values(plan: mspdi.MspdiProject, terms: mspdi.Terms) -> dict[str, Any]:
    return {
        "name": plan.name,
        "start_date": terms.start,
        "finish_date": terms.finish,
        "budget": terms.budget,
        "cost_profile": stored_profile(terms),
    }


def _shown(value: Any) -> Any:
    """A field's value as the response's JSON shows it."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _changes(project: Project | None, values: dict[str, Any]) -> dict[str, FieldChange]:
    before = {k: None if project is None else getattr(project, k) for k in values}
    return {
        k: FieldChange(before=_shown(before[k]), after=_shown(v)) for k, v in values.items() if before[k] != v
    }


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-._")[:40] or "MSP"


async def _free_code(session: AsyncSession, portfolio: Portfolio, plan: mspdi.MspdiProject) -> str:
    """A code for a new project: its name made a code, else that with the GUID's start, else numbered."""
    base = _slug(plan.name)
    candidates = [base, f"{base}-{plan.guid[:8]}", *(f"{base}-{plan.guid[:8]}-{n}" for n in range(2, 100))]
    for code in candidates:
        if not await project_repository.code_taken(session, portfolio.id, code):
            return code
    raise file_error(mspdi.MspdiError(f"Every code derived from {plan.name!r} is taken in this portfolio."))


def _check_required_fields(portfolio: Portfolio) -> None:
    """A plan carries no custom field values, so a portfolio that requires some cannot take a new
    project from one (a dry run says so too); updating a project found again keeps its values."""
    required = [d for d in definitions_of(portfolio.fields) if d.required]
    if required:
        names = ", ".join(d.key for d in required)
        raise Unprocessable(
            f"The portfolio requires the custom fields {names}, which a Microsoft Project file does not "
            "carry: make them optional while importing (PUT /portfolios/{id}/fields), then set the imported "
            "project's `fields` and require them again.",
            errors=field_errors((f"fields.{d.key}", f"{d.label!r} is required") for d in required),
        )


async def import_plan(
    session: AsyncSession,
    portfolio: Portfolio,
    plan: mspdi.MspdiProject,
    principal: Principal,
    *,
    dry_run: bool,
) -> tuple[MsProjectImport, bool]:
    """Import (or, with `dry_run`, work out) the plan; also whether a project was created."""
    terms, baseline_terms = _terms(plan, portfolio)
    values = _values(plan, terms)
    project = await repository.by_guid(session, portfolio.id, plan.guid)
    changes = _changes(project, values)
    created = project is None
    new_project: ProjectCreate | None = None
    if created:
        _check_required_fields(portfolio)
        code = await _free_code(session, portfolio, plan)
        changes = {"code": FieldChange(before=None, after=code), **changes}
        new_project = revalidate(ProjectCreate, {"portfolio_id": portfolio.id, "code": code, **values})
        projects.check_cost_profile(values["cost_profile"], terms.budget, terms.start, terms.finish)
    if dry_run:
        baseline = None if baseline_terms is None else await plan_baseline(session, project, baseline_terms)
        return _result(plan, project, changes, baseline, dry_run=True, created=created), created
    if new_project is not None:
        project = await projects.create(session, new_project, principal)
        await repository.stamp_guid(session, project, plan.guid)
    elif project is not None and changes:
        update = revalidate(ProjectUpdate, {k: values[k] for k in changes if k in IMPORTED_FIELDS})
        project = await projects.update(session, project, update, principal)
    source = f"{plan.name!r} ({plan.guid})"
    baseline = None
    if baseline_terms is not None:
        baseline = await apply_baseline(session, project, baseline_terms, principal, source)
    return _result(plan, project, changes, baseline, dry_run=False, created=created), created


def _result(
    plan: mspdi.MspdiProject,
    project: Project | None,
    changes: dict[str, FieldChange],
    baseline: Any,
    *,
    dry_run: bool,
    created: bool,
) -> MsProjectImport:
    touched = bool(changes) or (baseline is not None and baseline.action == "recorded")
    return MsProjectImport(
        dry_run=dry_run,
        action="created" if created else ("updated" if touched else "unchanged"),
        project_id=None if project is None else project.id,
        msproject_guid=plan.guid,
        guid_in_file=plan.guid_in_file,
        changes=changes,
        baseline=baseline,
        project=None if project is None else projects.read(project),
    )
