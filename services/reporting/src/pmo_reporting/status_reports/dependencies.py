"""Loaders of a project's status reports: each answers the report or a 404 saying what is missing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_reporting.readmodels.dependencies import ProjectDep
from pmo_reporting.status_reports import repository
from pmo_reporting.status_reports.models import StatusReport


async def valid_status_report(report_id: uuid.UUID, project: ProjectDep, session: SessionDep) -> StatusReport:
    report = await repository.get(session, project.id, report_id)
    if report is None:
        raise NotFound(f"Project {project.id} has no status report {report_id}.")
    return report


async def latest_status_report(
    project: ProjectDep,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="Latest on or before this date; default: any.")] = None,
) -> StatusReport:
    report = await repository.latest(session, project.id, as_of)
    if report is None:
        raise NotFound(
            f"Project {project.id} has no status report" + (f" on or before {as_of}." if as_of else ".")
        )
    return report


StatusReportDep = Annotated[StatusReport, Depends(valid_status_report)]
LatestStatusReportDep = Annotated[StatusReport, Depends(latest_status_report)]
