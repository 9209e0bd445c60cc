"""Issue rules, including a risk materialising into an issue. Never commits."""

from __future__ import annotations

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import IssueOpened, IssueUpdated, RiskClosed
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk import access
from pmo_risk.issues.models import Issue
from pmo_risk.issues.schemas import IssueCreate, IssueRead, IssueUpdate, MaterialiseRequest, Priority
from pmo_risk.risks import repository as risks
from pmo_risk.risks.aggregate import RISK
from pmo_risk.risks.models import Risk

ISSUE = Aggregate("issue", read=IssueRead.model_validate)


async def create(session: AsyncSession, body: IssueCreate, principal: Principal) -> Issue:
    portfolio_id = await access.resolve_scope(
        session, principal, body.portfolio_id, body.project_id, what="issue"
    )
    if body.risk_id is not None:
        risk = await risks.RISKS.get(session, body.risk_id)
        if risk is None:
            raise invalid("risk_id", f"no risk {body.risk_id}")
        if risk.portfolio_id != portfolio_id or (body.project_id and risk.project_id != body.project_id):
            raise invalid("risk_id", "the risk belongs to another portfolio or project")
    issue = Issue(
        **body.model_dump(exclude={"portfolio_id"}), portfolio_id=portfolio_id, created_by=principal.sub
    )
    await ISSUE.create(session, issue, principal, IssueOpened, changed=body.model_fields_set)
    return issue


async def update(session: AsyncSession, issue: Issue, body: IssueUpdate, principal: Principal) -> Issue:
    await access.ensure_can_write(session, principal, issue.project_id, what="issue")
    await ISSUE.update(session, issue, principal, body.model_dump(exclude_unset=True), IssueUpdated)
    return issue


def default_priority(level: str) -> Priority:
    return Priority(level) if level in Priority.__members__ else Priority.high


async def materialise(
    session: AsyncSession, risk: Risk, body: MaterialiseRequest, principal: Principal
) -> Issue:
    """The risk happened: open an issue linked to it and close the risk (`issue.opened` and
    `risk.closed` in this transaction). A risk materialises once; a closed risk is a 409."""
    await access.ensure_can_write(session, principal, risk.project_id, what="risk")
    if risk.issue_id is not None:
        raise Conflict(f"Risk {risk.id} already materialised as issue {risk.issue_id}.")
    if risk.status != "open":
        raise Conflict(f"Risk {risk.id} is closed; only an open risk materialises.")
    issue = Issue(
        portfolio_id=risk.portfolio_id,
        project_id=risk.project_id,
        risk_id=risk.id,
        title=body.title or risk.title,
        description=risk.description,
        owner=body.owner or risk.owner,
        priority=body.priority or default_priority(risk.level),
        status="open",
        created_by=principal.sub,
    )
    await ISSUE.create(session, issue, principal, IssueOpened, changed=["risk_id"])
    async with RISK.change(session, risk, principal, RiskClosed, action="materialised"):
        risk.status, risk.issue_id, risk.closed_at = "closed", issue.id, utcnow()
    return issue
