"""Issue rules, including a risk materialising into an issue. Never commits."""

from __future__ import annotations

from pmo_common.auth import Principal
from pmo_common.contracts.events import IssueData, IssueOpened, IssueUpdated, RiskClosed
from pmo_common.db import utcnow
from pmo_common.errors import Conflict, invalid
from pmo_common.events.outbox import emit_many
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk import access
from pmo_risk.issues.models import Issue
from pmo_risk.issues.schemas import IssueCreate, IssueUpdate, MaterialiseRequest, Priority
from pmo_risk.risks import repository as risks
from pmo_risk.risks.models import Risk
from pmo_risk.risks.service import event_data as risk_event_data


def event_data(issue: Issue, changed: list[str]) -> IssueData:
    return IssueData(
        id=issue.id,
        version=issue.version,
        changed=changed,
        portfolio_id=issue.portfolio_id,
        project_id=issue.project_id,
        risk_id=issue.risk_id,
        title=issue.title,
        owner=issue.owner,
        priority=issue.priority,
        status=issue.status,
    )


async def create(session: AsyncSession, body: IssueCreate, principal: Principal) -> Issue:
    portfolio_id = await access.resolve_scope(
        session, principal, body.portfolio_id, body.project_id, what="issue"
    )
    if body.risk_id is not None:
        risk = await risks.get(session, body.risk_id)
        if risk is None:
            raise invalid("risk_id", f"no risk {body.risk_id}")
        if risk.portfolio_id != portfolio_id or (body.project_id and risk.project_id != body.project_id):
            raise invalid("risk_id", "the risk belongs to another portfolio or project")
    issue = Issue(
        **body.model_dump(exclude={"portfolio_id"}), portfolio_id=portfolio_id, created_by=principal.sub
    )
    session.add(issue)
    await session.flush()
    await emit_many(session, [(IssueOpened, event_data(issue, sorted(body.model_fields_set)))])
    return issue


async def update(session: AsyncSession, issue: Issue, body: IssueUpdate, principal: Principal) -> Issue:
    await access.ensure_can_write(session, principal, issue.project_id, what="issue")
    changes = body.model_dump(exclude_unset=True)
    changed = [k for k, v in changes.items() if getattr(issue, k) != v]
    if not changed:
        return issue
    for key in changed:
        setattr(issue, key, changes[key])
    await session.flush()
    await emit_many(session, [(IssueUpdated, event_data(issue, changed))])
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
    session.add(issue)
    await session.flush()
    risk.status, risk.issue_id, risk.closed_at = "closed", issue.id, utcnow()
    await session.flush()
    await emit_many(
        session,
        [
            (IssueOpened, event_data(issue, ["risk_id"])),
            (RiskClosed, risk_event_data(risk, ["issue_id", "status"])),
        ],
    )
    return issue
