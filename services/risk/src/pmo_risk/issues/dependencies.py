from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pmo_common.errors import NotFound
from pmo_common.http import SessionDep

from pmo_risk.issues import repository
from pmo_risk.issues.models import Issue


async def valid_issue(issue_id: uuid.UUID, session: SessionDep) -> Issue:
    issue = await repository.ISSUES.get(session, issue_id)
    if issue is None:
        raise NotFound(f"No issue with id {issue_id}.")
    return issue


IssueDep = Annotated[Issue, Depends(valid_issue)]
