from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_portfolio.baselines import repository
from pmo_portfolio.baselines.models import Baseline
from pmo_portfolio.projects.dependencies import ProjectDep


async def valid_baseline(baseline_id: uuid.UUID, project: ProjectDep, session: SessionDep) -> Baseline:
    baseline = await repository.get(session, baseline_id)
    if baseline is None or baseline.project_id != project.id:
        raise NotFound(f"Project {project.id} has no baseline with id {baseline_id}.")
    return baseline


BaselineDep = Annotated[Baseline, Depends(valid_baseline)]
