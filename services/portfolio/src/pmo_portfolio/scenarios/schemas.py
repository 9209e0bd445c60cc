from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pmo_common.contracts.types import Money, Month, NonNegativeMoney
from pmo_common.examples import APPROVER, PORTFOLIO_ID, PROJECT_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field

from pmo_portfolio.criteria.schemas import CUSTOMER_VALUE_ID, DELIVERY_RISK_ID, STRATEGIC_FIT_ID
from pmo_portfolio.projects.schemas import PORTAL_PROJECT_ID, WAREHOUSE_PROJECT_ID

MAX_FORCED = 1000
MAX_WEIGHTS = 100
MAX_FRONTIER_POINTS = 50
MAX_PERIOD_BUDGETS = 20
MAX_GROUPS = 200
MAX_GROUP_SIZE = 1000

Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
GroupRule = Literal["all_or_none", "at_most_one", "at_least_one"]

# Two scenarios of "Digital 2027": one overall budget; then the warehouse first — half-year budgets,
# the portal and the warehouse as alternatives, and strategic fit and customer value weighed alike.
PERIOD_BUDGETS_EXAMPLE: list[dict[str, Any]] = [
    {"from": "2027-01", "to": "2027-06", "amount": "1700000.00", "name": "H1 2027"},
    {"from": "2027-07", "to": "2027-12", "amount": "800000.00", "name": "H2 2027"},
]
GROUP_EXAMPLE: dict[str, Any] = {
    "project_ids": [PORTAL_PROJECT_ID, WAREHOUSE_PROJECT_ID],
    "rule": "at_most_one",
    "name": "one customer-data project",
}
BASE_CASE_EXAMPLE: dict[str, Any] = {"name": "Base case 2027", "budget": "2000000.00"}
WAREHOUSE_FIRST_EXAMPLE: dict[str, Any] = {
    "name": "Warehouse first",
    "period_budgets": PERIOD_BUDGETS_EXAMPLE,
    "groups": [GROUP_EXAMPLE],
    "force_in": [WAREHOUSE_PROJECT_ID],
    "start_period": "2027-01",
    "weights": {STRATEGIC_FIT_ID: 1, CUSTOMER_VALUE_ID: 1, DELIVERY_RISK_ID: 0},
}
BASE_CASE_ID = "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6b"
WAREHOUSE_FIRST_ID = "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7c"
# What the service solved for them (the CRM approved, the portal and the warehouse in proposal; the
# portal and the warehouse linear by day over their dates): the month-by-month cost of each selection.
_BASE_CASE_MONTHS = {
    "2027-01": "150000.00", "2027-02": "200000.00", "2027-03": "250000.00", "2027-04": "250000.00",
    "2027-05": "200000.00", "2027-06": "150000.00", "2027-07": "118529.41", "2027-08": "118529.41",
    "2027-09": "114705.89", "2027-10": "118529.41", "2027-11": "114705.88", "2027-12": "65000.00",
}  # fmt: skip
_WAREHOUSE_FIRST_MONTHS = {
    "2027-01": "150000.00", "2027-02": "200000.00", "2027-03": "364814.82", "2027-04": "361111.11",
    "2027-05": "314814.82", "2027-06": "261111.11", "2027-07": "114814.81", "2027-08": "114814.81",
    "2027-09": "111111.11", "2027-10": "107407.41",
}  # fmt: skip
_SCENARIO_READ: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "budget": None,
    "period_budgets": [],
    "groups": [],
    "respect_capacity": False,
    "force_in": [],
    "force_out": [],
    "weights": None,
    "created_by": APPROVER,
    "approved_by": None,
    "approved_at": None,
    "approved_projects": [],
    "version": 1,
    "created_at": UPDATED_AT,
    "updated_at": UPDATED_AT,
}
BASE_CASE_READ_EXAMPLE: dict[str, Any] = {
    **_SCENARIO_READ,
    "id": BASE_CASE_ID,
    **BASE_CASE_EXAMPLE,
    "start_period": "2026-12",
    "result": {
        "selected": [PROJECT_ID, PORTAL_PROJECT_ID],
        "excluded": [
            {
                "project_id": WAREHOUSE_PROJECT_ID,
                "reasons": [
                    "below the budget line: it costs 900,000.00 and only 150,000.00 is left; it would "
                    "displace CRM-2027"
                ],
            }
        ],
        "total_value": 152.0,
        "total_cost": "1850000.00",
        "budget_slack": "150000.00",
        "binding_constraints": ["budget"],
        "solver": {"status": "optimal", "optimal": True, "seconds": 0.04},
        "period_budgets": [],
        "cost_by_period": [{"period": m, "cost": c} for m, c in _BASE_CASE_MONTHS.items()],
    },
    "status": "approved",
    "approved_by": APPROVER,
    "approved_at": "2026-12-03T15:10:00Z",
    "approved_projects": [PORTAL_PROJECT_ID],
    "version": 2,
    "updated_at": "2026-12-03T15:10:00Z",
}
WAREHOUSE_FIRST_READ_EXAMPLE: dict[str, Any] = {
    **_SCENARIO_READ,
    "id": WAREHOUSE_FIRST_ID,
    **WAREHOUSE_FIRST_EXAMPLE,
    "weights": {STRATEGIC_FIT_ID: 1.0, CUSTOMER_VALUE_ID: 1.0, DELIVERY_RISK_ID: 0.0},
    "result": {
        "selected": [WAREHOUSE_PROJECT_ID, PROJECT_ID],
        "excluded": [
            {
                "project_id": PORTAL_PROJECT_ID,
                "reasons": [
                    'group 1 "one customer-data project" (at_most_one) already has DWH-2027, which must '
                    "be selected"
                ],
            }
        ],
        "total_value": 140.0,
        "total_cost": "2100000.00",
        "budget_slack": None,
        "binding_constraints": [],
        "solver": {"status": "optimal", "optimal": True, "seconds": 0.03},
        "period_budgets": [
            {**PERIOD_BUDGETS_EXAMPLE[0], "cost": "1651851.86", "slack": "48148.14"},
            {**PERIOD_BUDGETS_EXAMPLE[1], "cost": "448148.14", "slack": "351851.86"},
        ],
        "cost_by_period": [{"period": m, "cost": c} for m, c in _WAREHOUSE_FIRST_MONTHS.items()],
    },
    "status": "proposed",
}


class PeriodBudget(BaseModel):
    """A budget for the months `from`..`to` (both included), e.g. one fiscal year."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Month = Field(alias="from")
    to: Month
    amount: NonNegativeMoney
    name: str = Field(default="", max_length=100, description='Shown in reasons, e.g. "FY2027".')


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_ids: list[uuid.UUID] = Field(min_length=2, max_length=MAX_GROUP_SIZE)
    rule: GroupRule = Field(
        description="all_or_none: selected together or not at all; at_most_one: alternatives, one at "
        "most; at_least_one: one of them must be selected."
    )
    name: str = Field(default="", max_length=100, description="Shown in reasons beside the group's number.")


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [BASE_CASE_EXAMPLE, WAREHOUSE_FIRST_EXAMPLE]}
    )

    name: str = Field(min_length=1, max_length=200)
    budget: NonNegativeMoney | None = Field(
        default=None, description="The overall budget; may be left out when `period_budgets` are given."
    )
    period_budgets: list[PeriodBudget] = Field(
        default_factory=list,
        max_length=MAX_PERIOD_BUDGETS,
        description="Budgets for periods of months that may not overlap; a project's cost in a period is "
        "its cost profile's months in it (linear by day over its dates without a profile).",
    )
    groups: list[Group] = Field(default_factory=list, max_length=MAX_GROUPS)
    start_period: Month | None = Field(
        default=None,
        description="The month from which an in_progress project's cost counts (default: the current "
        "month, UTC); an undated project's whole cost falls in it.",
    )
    respect_capacity: bool = Field(
        default=False,
        description="Keep each role's monthly demand within the capacity from the resource service.",
    )
    force_in: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    force_out: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    weights: dict[uuid.UUID, Weight] | None = Field(
        default=None,
        max_length=MAX_WEIGHTS,
        description="{criterion_id: weight} replacing the stored weights for this scenario; criteria not "
        "named weigh 0. null uses the criteria's weights.",
    )


class ExcludedProject(BaseModel):
    project_id: uuid.UUID
    reasons: list[str]


class SolverInfo(BaseModel):
    status: str
    optimal: bool
    seconds: float


class PeriodBudgetResult(PeriodBudget):
    cost: NonNegativeMoney = Field(description="What the selection costs in the period.")
    slack: NonNegativeMoney


class PeriodCost(BaseModel):
    period: Month
    cost: NonNegativeMoney


class ScenarioResult(BaseModel):
    selected: list[uuid.UUID]
    excluded: list[ExcludedProject]
    total_value: float = Field(description="Sum of the selected projects' weighted priority scores.")
    total_cost: NonNegativeMoney = Field(
        description="What the selection counts: in_progress projects from `start_period` on."
    )
    budget_slack: NonNegativeMoney | None = Field(description="null without an overall budget.")
    binding_constraints: list[str]
    solver: SolverInfo
    period_budgets: list[PeriodBudgetResult] = Field(default_factory=list)
    cost_by_period: list[PeriodCost] | None = Field(
        default=None,
        description="The selection's counted cost month by month; null for a scenario solved before "
        "monthly costs were recorded.",
    )


class ScenarioRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [BASE_CASE_READ_EXAMPLE, WAREHOUSE_FIRST_READ_EXAMPLE]},
    )

    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    budget: NonNegativeMoney | None
    period_budgets: list[PeriodBudget]
    groups: list[Group]
    start_period: Month | None = Field(
        description="null for a scenario solved before start periods existed (in_progress projects "
        "counted in full)."
    )
    respect_capacity: bool
    force_in: list[uuid.UUID]
    force_out: list[uuid.UUID]
    weights: dict[str, float] | None
    result: ScenarioResult
    status: str = Field(
        description="proposed, approved, or superseded (a later scenario of the portfolio was approved)"
    )
    created_by: str
    approved_by: str | None
    approved_at: datetime | None
    approved_projects: list[uuid.UUID] = Field(description="The proposals approving moved to approved.")
    version: int
    created_at: datetime
    updated_at: datetime


class FrontierPointRead(BaseModel):
    budget: NonNegativeMoney
    value: float
    project_ids: list[uuid.UUID]
    optimal: bool


# `?points=4` for "Digital 2027": nothing is mandatory or committed, so the budgets run from 0 to the
# cost of all three candidates (the portal is worth nothing without the CRM it depends on).
FRONTIER_EXAMPLE: list[dict[str, Any]] = [
    {"budget": "0.00", "value": 0.0, "project_ids": [], "optimal": True},
    {"budget": "916666.66", "value": 53.0, "project_ids": [WAREHOUSE_PROJECT_ID], "optimal": True},
    {"budget": "1833333.33", "value": 79.0, "project_ids": [PROJECT_ID], "optimal": True},
    {
        "budget": "2750000.00",
        "value": 205.0,
        "project_ids": [PROJECT_ID, PORTAL_PROJECT_ID, WAREHOUSE_PROJECT_ID],
        "optimal": True,
    },
]
# A bare list has no class to carry its examples: the list type carries them (a whole list, once).
FrontierRead = Annotated[list[FrontierPointRead], Field(examples=[FRONTIER_EXAMPLE])]


class Comparison(BaseModel):
    a: float
    b: float
    delta: float = Field(description="b − a")


class CostComparison(BaseModel):
    a: NonNegativeMoney
    b: NonNegativeMoney
    delta: Money = Field(description="b − a")


class PeriodComparison(BaseModel):
    period: Month
    cost_a: NonNegativeMoney
    cost_b: NonNegativeMoney


class BindingComparison(BaseModel):
    a: list[str]
    b: list[str]


class ScenarioComparison(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "a": BASE_CASE_ID,
                    "b": WAREHOUSE_FIRST_ID,
                    "only_in_a": [PORTAL_PROJECT_ID],
                    "only_in_b": [WAREHOUSE_PROJECT_ID],
                    "in_both": [PROJECT_ID],
                    "value": {"a": 152.0, "b": 140.0, "delta": -12.0},
                    "cost": {"a": "1850000.00", "b": "2100000.00", "delta": "250000.00"},
                    "by_period": [
                        {
                            "period": month,
                            "cost_a": cost,
                            "cost_b": _WAREHOUSE_FIRST_MONTHS.get(month, "0.00"),
                        }
                        for month, cost in _BASE_CASE_MONTHS.items()
                    ],
                    "binding_constraints": {"a": ["budget"], "b": []},
                }
            ]
        }
    )

    a: uuid.UUID
    b: uuid.UUID
    only_in_a: list[uuid.UUID]
    only_in_b: list[uuid.UUID]
    in_both: list[uuid.UUID]
    value: Comparison
    cost: CostComparison
    by_period: list[PeriodComparison] = Field(description="Month by month, over the months either costs in.")
    binding_constraints: BindingComparison
