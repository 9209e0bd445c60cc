"""Programme rules (contract §7.2). Never commits: the request's session dependency is the transaction
boundary. A programme groups projects of one portfolio; it is written by admin and pmo."""

from __future__ import annotations

import uuid

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import ProgrammeCreated, ProgrammeDeleted, ProgrammeUpdated
from pmo_common.contracts.problem import FieldError
from pmo_common.errors import Conflict, invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.portfolios import repository as portfolio_repository
from pmo_portfolio.programmes import repository
from pmo_portfolio.programmes.models import Programme
from pmo_portfolio.programmes.schemas import ProgrammeCreate, ProgrammeRead, ProgrammeUpdate
from pmo_portfolio.projects import repository as project_repository

PROGRAMMES = Aggregate[Programme]("programme", read=ProgrammeRead.model_validate)


def read(programme: Programme) -> ProgrammeRead:
    return ProgrammeRead.model_validate(programme)


async def _check_code(
    session: AsyncSession, portfolio_id: uuid.UUID, code: str, exclude_id: uuid.UUID | None = None
) -> None:
    if await repository.code_taken(session, portfolio_id, code, exclude_id):
        message = f"the portfolio already has a programme with code {code!r}; codes are unique per portfolio"
        raise Conflict(f"code: {message}", errors=[FieldError(field="code", message=message)])


async def create(session: AsyncSession, body: ProgrammeCreate, principal: Principal) -> Programme:
    if await portfolio_repository.get(session, body.portfolio_id) is None:
        raise invalid("portfolio_id", f"no portfolio with id {body.portfolio_id}")
    await _check_code(session, body.portfolio_id, body.code)
    programme = Programme(id=uuid.uuid4(), **body.model_dump())
    await PROGRAMMES.create(
        session, programme, principal, ProgrammeCreated, changed=sorted(body.model_fields_set)
    )
    return programme


async def update(
    session: AsyncSession, programme: Programme, body: ProgrammeUpdate, principal: Principal
) -> Programme:
    values = body.model_dump(exclude_unset=True)
    if "code" in values and values["code"] != programme.code:
        await _check_code(session, programme.portfolio_id, values["code"], programme.id)
    await PROGRAMMES.update(session, programme, principal, values, ProgrammeUpdated)
    return programme


async def delete(session: AsyncSession, programme: Programme, principal: Principal) -> None:
    """Refused (409) while projects belong to the programme: moving them is a decision about each."""
    count = await project_repository.count_in_programme(session, programme.id)
    if count:
        raise Conflict(
            f"The programme has {count} project(s); move them to another programme or to none "
            '(PATCH /projects/{id} with `"programme_id": null`) before deleting it.'
        )
    await PROGRAMMES.delete(session, programme, principal, ProgrammeDeleted)
