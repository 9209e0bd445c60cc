"""Bulk imports from HR/ERP systems: an upsert by key in ONE transaction, never row by row through
the ORM. Rows are validated as a list (pydantic-core over the whole body; the row model itself only
for rows that fail). People are classified against their stored rows and written in batched Core
statements; capacity rows are staged into a temporary table (COPY on PostgreSQL) and classified and
upserted there in SQL. Never commits.

Default: valid rows are applied, bad rows reported. `atomic`: any rejected row means nothing is
applied. `dry_run`: validate and count only. Every import stores its report and announces it
(`import.completed`); the audit trail gets one entry per import (who ran it, with what outcome),
not one per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ImportCompleted
from pmo_common.contracts.problem import FieldError
from pmo_common.db import utcnow
from pmo_common.errors import Unprocessable
from pmo_common.events.outbox import emit_many
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.access import sees_cost_rate
from pmo_resource.capacity.repository import chunked
from pmo_resource.capacity.service import publish_capacity_if_changed, refresh_overallocations
from pmo_resource.imports import repository
from pmo_resource.imports.capacity_rows import capacity_rows
from pmo_resource.imports.models import ImportRun
from pmo_resource.imports.parsing import parse_rows, validate_rows
from pmo_resource.imports.plans import Plan, plan_capacity, plan_resources
from pmo_resource.imports.schemas import (
    MAX_REPORTED_REJECTIONS,
    ImportAudit,
    ImportOptions,
    ImportReport,
)
from pmo_resource.resources.schemas import ResourceCreate

IMPORT_ROWS = Counter(
    "pmo_resource_import_rows_total", "Imported rows by kind and result.", ["kind", "result"]
)
ReportUrl = Callable[[uuid.UUID], str]
"""Where the stored report of an import is served."""


def _completed(run: ImportRun) -> dict[str, Any]:
    """`import.completed`'s data: an import is announced once, so at version 1."""
    fields = ("id", "kind", "received", "created", "updated", "unchanged", "atomic", "dry_run")
    return {**{k: getattr(run, k) for k in fields}, "version": 1, "rejected": run.rejected_count}


IMPORTS = Aggregate("import", read=ImportAudit.model_validate, source=_completed)


class ImportRefused(Unprocessable):
    """An atomic import with rejected rows. Nothing of it was applied, but its report is stored and
    announced like any other's: the request's transaction keeps that, then answers this 422."""

    keeps_changes = True

    def __init__(self, report: ImportReport, location: str) -> None:
        errors = [
            FieldError(field=f"rows[{r.row}].{e.field}", message=e.message)
            for r in report.rejected[:100]
            for e in r.errors
        ]
        super().__init__(
            f"{report.rejected_count} of {report.received} rows were rejected; this atomic import applied nothing.",
            title="Import rejected",
            errors=errors[:100],
            extra=report.model_dump(mode="json"),
            headers={"Content-Location": location},
        )


async def _plan(
    session: AsyncSession, kind: str, body: bytes, content_type: str | None, principal: Principal
) -> tuple[int, Plan]:
    """Parse, validate and classify: how many rows were received, and what applying them does."""
    if kind == "resources":
        raw = parse_rows(body, content_type, ResourceCreate)
        received = len(raw)
        valid = validate_rows(raw, ResourceCreate, lambda r: r.external_id, "external_id")
        plan = await plan_resources(session, valid, sees_cost_rate=sees_cost_rate(principal))
    else:
        received, rows = capacity_rows(body, content_type)
        plan = await plan_capacity(session, rows)
    plan.rejected.sort(key=lambda r: r.row)
    return received, plan


async def _write(session: AsyncSession, plan: Plan) -> None:
    if not plan.staged:
        await repository.write_batched(session, plan.writes)
        return
    if plan.months is None or not plan.touches_capacity:
        return  # every staged row is unchanged, or of an unknown person
    # Asked before the write, which makes changed and unchanged rows look alike.
    plan.people_to_recheck = await repository.staged_people_to_recheck(session, *plan.months)
    await repository.write_staged_capacity(session, utcnow())


async def _apply(session: AsyncSession, plan: Plan) -> None:
    await _write(session, plan)
    for batch in chunked(plan.events, 2000):
        await emit_many(session, list(batch))
    if plan.touches_capacity:
        await publish_capacity_if_changed(session)
    if plan.people_to_recheck:
        first, last = plan.months or (None, None)
        await refresh_overallocations(session, plan.people_to_recheck, first, last)


async def run_import(
    session: AsyncSession,
    kind: str,
    body: bytes,
    content_type: str | None,
    options: ImportOptions,
    principal: Principal,
    report_url: ReportUrl,
) -> ImportReport:
    """Run one import (unless dry or refused, apply it); store, announce and audit its report.
    A refused atomic import raises `ImportRefused` once its report is stored."""
    received, plan = await _plan(session, kind, body, content_type, principal)
    refused = options.atomic and bool(plan.rejected)
    applied = not options.dry_run and not refused
    if applied:
        await _apply(session, plan)
    if plan.staged:
        await repository.unstage_capacity(session)
    if refused:
        plan.created = plan.updated = plan.unchanged = 0
    run = ImportRun(
        id=uuid.uuid4(),
        kind=kind,
        atomic=options.atomic,
        dry_run=options.dry_run,
        applied=applied,
        received=received,
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        rejected_count=len(plan.rejected),
        rejected=[r.model_dump(mode="json") for r in plan.rejected[:MAX_REPORTED_REJECTIONS]],
        created_by=principal.sub,
        created_at=utcnow(),
    )
    await IMPORTS.create(session, run, principal, ImportCompleted)
    _count(run)
    report = ImportReport.of(run)
    if refused:
        raise ImportRefused(report, report_url(run.id))
    return report


def _count(run: ImportRun) -> None:
    if not run.applied:
        IMPORT_ROWS.labels(run.kind, "not_applied").inc(run.received)
        return
    for result in ("created", "updated", "unchanged"):
        IMPORT_ROWS.labels(run.kind, result).inc(getattr(run, result))
    IMPORT_ROWS.labels(run.kind, "rejected").inc(run.rejected_count)
