"""The benefits register (contract §7.7): `/benefits` and their measurements. Thin: rules live in
`benefits.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.auth import ProjectWriter, Reader
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import (
    CONFLICT,
    CREATE_RESPONSES,
    DELETE_RESPONSES,
    GET_RESPONSES,
    NOT_FOUND,
    PATCH_RESPONSES,
    PRECONDITIONS,
)

from pmo_portfolio.benefits import repository, service
from pmo_portfolio.benefits.dependencies import BenefitDep
from pmo_portfolio.benefits.schemas import (
    BenefitCreate,
    BenefitFilters,
    BenefitRead,
    BenefitUpdate,
    MeasurementCreate,
    MeasurementRead,
)

router = APIRouter(prefix="/benefits", tags=["benefits"])

WRITERS = (
    "Written by admin and pmo, and by a project manager for the benefits of projects they manage "
    "(benefits without `project_id` — of the portfolio or a programme — by admin and pmo only)."
)
SERVED = (
    "Served with `latest` (the newest measurement on or before today, UTC) and `realised_percent` = "
    "(latest − baseline) / (target − baseline) × 100 — 50 for a cost falling from 12 towards 8 that "
    "stands at 10; null without a measurement or when target equals baseline."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BenefitRead,
    responses=CREATE_RESPONSES,
    summary="Add a benefit to the register",
    description=(
        'E.g. `{"portfolio_id": "…", "project_id": "…", "name": "Cost per support ticket", "kind": '
        '"financial", "unit": "EUR", "baseline_value": 12, "target_value": 8, "target_date": '
        '"2027-12-31", "owner": "olga"}`. A programme or project must be of the same portfolio (else a '
        "422 naming `programme_id` / `project_id`); values are finite numbers within ±1e12. The "
        "benefit keeps its `project_id` if the project is later deleted: benefits outlive the projects "
        f"meant to deliver them. {WRITERS}"
    ),
)
async def create_benefit(
    body: BenefitCreate, session: SessionDep, request: Request, response: Response, principal: ProjectWriter
) -> BenefitRead:
    benefit = await service.create(session, body, principal)
    set_etag(response, benefit.version)
    set_location(request, response, "benefits", benefit.id)
    return service.read(benefit)


@router.get(
    "",
    response_model=Page[BenefitRead],
    summary="List the benefits register",
    description="Oldest first, a page at a time (`limit`, `cursor`); filters combine with AND: "
    f"`portfolio_id`, `programme_id`, `project_id`, e.g. `GET /benefits?programme_id=…`. {SERVED} "
    "Every reader role.",
)
async def list_benefits(
    session: SessionDep,
    _: Reader,
    filters: Annotated[BenefitFilters, Query()],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BenefitRead]:
    rows, next_cursor = await repository.list_page(session, filters, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{benefit_id}",
    response_model=BenefitRead,
    responses=GET_RESPONSES,
    summary="Get a benefit",
    description=f"The benefit with its `ETag` (what `PATCH` and `DELETE` send as `If-Match`). {SERVED} An "
    "unknown id is a 404. Every reader role.",
)
async def get_benefit(benefit: BenefitDep, response: Response, _: Reader) -> BenefitRead:
    set_etag(response, benefit.version)
    return service.read(benefit)


@router.patch(
    "/{benefit_id}",
    response_model=BenefitRead,
    responses=PATCH_RESPONSES,
    summary="Change a benefit",
    description=(
        'Any subset of the fields, e.g. `{"target_value": 7.5}` or `{"project_id": null}`; omitting a field '
        "keeps it. A programme or project must be of the benefit's portfolio (422 naming it); "
        "`portfolio_id` is fixed. Needs `If-Match` (428 without, 412 when stale). Publishes "
        f"`benefit.updated`. {WRITERS}"
    ),
)
async def update_benefit(
    body: BenefitUpdate,
    benefit: BenefitDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> BenefitRead:
    check_if_match(request, benefit.version, required=True)
    benefit = await service.update(session, benefit, body, principal)
    set_etag(response, benefit.version)
    return service.read(benefit)


@router.delete(
    "/{benefit_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Delete a benefit",
    description="Deletes the benefit with its measurements. Needs `If-Match` (428 without, 412 when stale); "
    f"publishes `benefit.deleted`. {WRITERS}",
)
async def delete_benefit(
    benefit: BenefitDep, session: SessionDep, request: Request, principal: ProjectWriter
) -> None:
    check_if_match(request, benefit.version, required=True)
    await service.delete(session, benefit, principal)


@router.post(
    "/{benefit_id}/measurements",
    status_code=status.HTTP_201_CREATED,
    response_model=MeasurementRead,
    responses={**NOT_FOUND, **CONFLICT, 412: PRECONDITIONS[412]},
    summary="Record a measurement",
    description=(
        'E.g. `{"as_of": "2027-06-30", "value": 10, "note": "Q2 ticket costs"}`. One measurement per '
        "date: a second one for a date that has one supersedes it (how a wrong value is corrected; the "
        "audit trail keeps the old one) and the same value and note again change nothing. Each change "
        "publishes `benefit.measured` and raises the benefit's version (the `ETag` answered is the "
        "benefit's; `If-Match` is honoured when sent). A benefit holds at most 1,000 measurements (409). "
        f"{WRITERS}"
    ),
)
async def record_measurement(
    body: MeasurementCreate,
    benefit: BenefitDep,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProjectWriter,
) -> MeasurementRead:
    check_if_match(request, benefit.version, required=False)
    measurement = await service.measure(session, benefit, body, principal)
    set_etag(response, benefit.version)
    return MeasurementRead.model_validate(measurement)


@router.get(
    "/{benefit_id}/measurements",
    response_model=Page[MeasurementRead],
    responses=NOT_FOUND,
    summary="List a benefit's measurements",
    description="In date order (`as_of`), those dated after today included (`latest` ignores them), a "
    "page at a time (`limit`, `cursor`). An unknown benefit is a 404. Every reader role.",
)
async def list_measurements(
    benefit: BenefitDep, session: SessionDep, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[MeasurementRead]:
    rows, next_cursor = await repository.measurements_page(session, benefit.id, limit=limit, cursor=cursor)
    return Page(items=[MeasurementRead.model_validate(r) for r in rows], next_cursor=next_cursor)
