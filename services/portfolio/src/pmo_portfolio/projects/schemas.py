from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pmo_common.contracts.events import BaselineTerms, PeriodAmount
from pmo_common.contracts.types import Month, NonNegativeMoney
from pmo_common.examples import (
    CREATED_AT,
    MANAGER,
    PORTFOLIO_ID,
    PROGRAMME_ID,
    PROJECT_ID,
    UPDATED_AT,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.criteria.schemas import CUSTOMER_VALUE_ID, DELIVERY_RISK_ID, STRATEGIC_FIT_ID
from pmo_portfolio.logic.fields import MAX_FIELDS, MAX_TAG_LENGTH, MAX_TAGS
from pmo_portfolio.logic.lifecycle import STAGES, Stage
from pmo_portfolio.logic.profiles import MAX_PERIODS

CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$"
MAX_LINKS = 100
MAX_SCORES = 100

# Accepted by the schema so that the service can explain how a stage really changes.
StageField = Annotated[str | None, Field(default=None, max_length=20, description="Read-only here.")]
Score = Annotated[float, Field(allow_inf_nan=False, ge=-1e9, le=1e9)]

# "CRM replacement" and the two other candidates of "Digital 2027": the customer portal, which needs
# the new CRM, and a data warehouse competing with both for the budget.
PORTAL_PROJECT_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
WAREHOUSE_PROJECT_ID = "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
COST_PROFILE_EXAMPLE: list[Any] = [
    {"period": "2027-01", "amount": "150000.00"},
    {"period": "2027-02", "amount": "200000.00"},
    {"period": "2027-03", "amount": "250000.00"},
    {"period": "2027-04", "amount": "250000.00"},
    {"period": "2027-05", "amount": "200000.00"},
    {"period": "2027-06", "amount": "150000.00"},
]
SCORES_EXAMPLE: dict[str, float] = {STRATEGIC_FIT_ID: 8.0, CUSTOMER_VALUE_ID: 9.0, DELIVERY_RISK_ID: 4.0}
CREATE_EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "code": "CRM-2027",
    "name": "CRM replacement",
    "description": "Replace the legacy CRM by a hosted one and migrate every customer record.",
    "sponsor": "olga",
    "manager": MANAGER,
    "budget": "1200000.00",
    "start_date": "2027-01-04",
    "finish_date": "2027-06-30",
    "mandatory": False,
    "value": "2500000.00",
    "wsjf": {"business_value": 8, "time_criticality": 8, "risk_reduction": 5, "job_size": 5},
    "cost_profile": COST_PROFILE_EXAMPLE,
    "programme_id": PROGRAMME_ID,
    "fields": {"phase": "Build", "vendor": "Northwind CRM", "cost_centre": 4711},
    "tags": ["crm", "customer"],
}
# As served once approved: baseline 1 was taken from the plan when `pat` approved it.
READ_EXAMPLE: dict[str, Any] = {
    "id": PROJECT_ID,
    **CREATE_EXAMPLE,
    "wsjf": {"business_value": 8.0, "time_criticality": 8.0, "risk_reduction": 5.0, "job_size": 5.0},
    "stage": "approved",
    "held_from": None,
    "depends_on": [],
    "excludes": [],
    "scores": SCORES_EXAMPLE,
    "baseline": {
        "number": 1,
        "budget": "1200000.00",
        "start_date": "2027-01-04",
        "finish_date": "2027-06-30",
        "cost_profile": COST_PROFILE_EXAMPLE,
        "approved_at": UPDATED_AT,
    },
    "version": 3,
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}


class WsjfIn(BaseModel):
    """Weighted Shortest Job First inputs (SAFe, usually Fibonacci-like 1–20 values)."""

    model_config = ConfigDict(extra="forbid")

    business_value: float = Field(ge=0, le=1000, allow_inf_nan=False)
    time_criticality: float = Field(ge=0, le=1000, allow_inf_nan=False)
    risk_reduction: float = Field(ge=0, le=1000, allow_inf_nan=False)
    job_size: float = Field(gt=0, le=1000, allow_inf_nan=False)


Links = Annotated[list[uuid.UUID], Field(max_length=MAX_LINKS)]


class PeriodAmountIn(BaseModel):
    """One month of a cost profile."""

    model_config = ConfigDict(extra="forbid")

    period: Month
    amount: NonNegativeMoney


CostProfile = Annotated[
    list[PeriodAmountIn],
    Field(
        max_length=MAX_PERIODS,
        description=f"The time-phased cost: at most {MAX_PERIODS} months, each once and within the months of "
        "`start_date`..`finish_date` (both required with a profile), amounts >= 0 summing exactly to "
        "`budget`; a 422 names `cost_profile[i].period` or `cost_profile`. Empty (or null): cost is spread "
        "linearly by day over the dates.",
        examples=[[{"period": "2027-01", "amount": "40000.00"}, {"period": "2027-02", "amount": "60000.00"}]],
    ),
]


CustomFields = Annotated[
    dict[str, Any],
    Field(
        max_length=MAX_FIELDS,
        description="Custom field values `{key: value}` against the portfolio's definitions "
        "(`GET /portfolios/{id}/fields`): a number, a `YYYY-MM-DD` date, a text, or one of a choice "
        "field's `choices`; null or absent: no value. An unknown key, a wrong type, a value outside "
        "`choices` or a missing required field is a 422 naming `fields.<key>`. A PATCH replaces the whole "
        "object.",
        examples=[{"phase": "Design", "cost_centre": 4711}],
    ),
]
Tags = Annotated[
    list[str],
    Field(
        max_length=100,
        description=f"At most {MAX_TAGS} tags of 1 to {MAX_TAG_LENGTH} characters (trimmed); a repeated "
        "tag is kept once, in first-seen order. Tags are case-sensitive. A 422 names `tags[i]` or `tags`.",
        examples=[["capital", "bridges"]],
    ),
]
ProgrammeId = Annotated[
    uuid.UUID | None,
    Field(description="A programme of the same portfolio (422 naming `programme_id` otherwise), or null."),
]


class _Dates(BaseModel):
    start_date: date | None = None
    finish_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.finish_date and self.finish_date < self.start_date:
            raise ValueError("finish_date must not be before start_date")
        return self


class ProjectFields(_Dates):
    """Every field a client may set (also used to re-check a PATCH merged with the stored values)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE, description="Unique within the portfolio.", examples=["CRM-2027"])
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    sponsor: str | None = Field(default=None, max_length=200)
    manager: str | None = Field(default=None, max_length=200, description="The manager's `sub`.")
    budget: NonNegativeMoney = Field(description="Budget at completion (BAC).")
    mandatory: bool = False
    depends_on: Links = Field(default_factory=list)
    excludes: Links = Field(default_factory=list)
    value: NonNegativeMoney | None = Field(default=None, description="Expected benefit.")
    wsjf: WsjfIn | None = None
    cost_profile: CostProfile | None = Field(default_factory=list)
    programme_id: ProgrammeId = None
    fields: CustomFields = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)


class ProjectCreate(ProjectFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                CREATE_EXAMPLE,
                {
                    "portfolio_id": PORTFOLIO_ID,
                    "code": "PORTAL-2027",
                    "name": "Customer portal",
                    "budget": "650000.00",
                    "start_date": "2027-07-01",
                    "finish_date": "2027-12-17",
                    "depends_on": [PROJECT_ID],
                    "fields": {"phase": "Discovery"},
                },
            ]
        }
    )

    portfolio_id: uuid.UUID
    stage: StageField = Field(default=None, description="Always `proposal` at creation; may be omitted.")


class ProjectUpdate(_Dates):
    """Any subset; omit a field to keep it. A changed budget or date must still fit the cost profile
    (send `cost_profile` with it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"manager": "bob"},
                {
                    "budget": "1300000.00",
                    "cost_profile": [
                        *COST_PROFILE_EXAMPLE[:5],
                        {"period": "2027-06", "amount": "250000.00"},
                    ],
                },
                {"fields": {"phase": "Run", "vendor": "Northwind CRM", "cost_centre": 4711}, "tags": ["crm"]},
            ]
        },
    )

    code: str | None = Field(default=None, pattern=CODE)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    sponsor: str | None = Field(default=None, max_length=200)
    manager: str | None = Field(default=None, max_length=200)
    budget: NonNegativeMoney | None = None
    mandatory: bool | None = None
    depends_on: Links | None = None
    excludes: Links | None = None
    value: NonNegativeMoney | None = None
    wsjf: WsjfIn | None = None
    cost_profile: CostProfile | None = None
    programme_id: ProgrammeId = None
    fields: CustomFields | None = Field(default=None, description="Replaces every value; null: none.")
    tags: Tags | None = Field(default=None, description="Replaces the tags; null: none.")
    stage: StageField = Field(default=None, description="Not changeable here: use gate decisions.")


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [READ_EXAMPLE]})

    id: uuid.UUID
    portfolio_id: uuid.UUID
    code: str
    name: str
    description: str
    sponsor: str | None
    manager: str | None
    budget: NonNegativeMoney
    start_date: date | None
    finish_date: date | None
    stage: str = Field(description=f"One of {', '.join(STAGES)}.")
    held_from: str | None = Field(description="For on_hold projects: the stage a resume returns to.")
    mandatory: bool
    depends_on: list[uuid.UUID]
    excludes: list[uuid.UUID]
    value: NonNegativeMoney | None
    wsjf: WsjfIn | None
    scores: dict[str, float] = Field(description="{criterion_id: score}")
    cost_profile: list[PeriodAmount] = Field(
        description="The forecast's time-phased cost in month order; empty: linear by day over the dates."
    )
    baseline: BaselineTerms | None = Field(
        description="The baseline in force (the latest approved; baseline 1 is taken when the project is "
        "first approved), or null before approval. Editing budget, dates or cost profile changes the "
        "forecast above, never this; see `GET /projects/{id}/baselines` for every baseline."
    )
    programme_id: uuid.UUID | None = Field(description="The project's programme, or null.")
    fields: dict[str, Any] = Field(description="Custom field values `{key: value}`.")
    tags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


# A bare mapping has no class to carry its examples: the type carries them.
ScoresIn = Annotated[dict[uuid.UUID, Score], Field(max_length=MAX_SCORES, examples=[SCORES_EXAMPLE])]


SORT_KEYS = ("code", "name", "budget", "start_date", "finish_date", "stage")
Sort = Literal[
    "code", "-code", "name", "-name", "budget", "-budget",
    "start_date", "-start_date", "finish_date", "-finish_date", "stage", "-stage",
]  # fmt: skip


class ProjectFilters(BaseModel):
    """`GET /projects` narrowed down; every filter given must hold."""

    portfolio_id: uuid.UUID | None = None
    stage: Stage | None = Field(default=None, description="Only this stage.")
    q: str | None = Field(default=None, max_length=200, description="Case-insensitive text in code or name.")
    programme_id: uuid.UUID | None = Field(default=None, description="Only this programme's projects.")
    manager: str | None = Field(default=None, max_length=200, description="Only projects this `sub` manages.")
    tag: list[Annotated[str, Field(min_length=1, max_length=MAX_TAG_LENGTH)]] | None = Field(
        default=None,
        max_length=MAX_TAGS,
        description="Repeatable; a project must carry every tag given (`?tag=capital&tag=bridges`).",
    )
    sort: Sort | None = Field(
        default=None,
        description="One of code, name, budget, start_date, finish_date, stage; `-` first for descending. "
        "`stage` sorts in lifecycle order (proposal, approved, in_progress, on_hold, closed, cancelled, "
        "rejected); code and name by Unicode code point (case-sensitive); ties by id; projects without a "
        "start or finish date come last in both directions. Without `sort`: oldest first.",
    )
