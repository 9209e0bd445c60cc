from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

REBUILD_EXAMPLE: dict[str, Any] = {
    "status": "replaying",
    "deleted_rows": {
        "rm_portfolios": 1, "rm_programmes": 0, "rm_projects": 3, "rm_baselines": 2, "rm_plan_periods": 0,
        "rm_project_history": 5, "rm_project_facets": 0, "rm_risks": 2, "rm_risk_history": 2,
        "rm_capacity_state": 1, "rm_capacity": 1, "rm_demand_state": 2, "rm_demand": 2,
        "rm_overallocations": 1, "rm_actions": 1, "rm_decisions": 1, "rm_benefits": 1,
        "rm_benefit_measurements": 1, "inbox": 21,
    },
    "consumers": [
        "reporting--portfolio", "reporting--risk", "reporting--resource", "reporting--webhooks-portfolio",
        "reporting--webhooks-reporting", "reporting--webhooks-resource", "reporting--webhooks-risk",
    ],
    "kept": [
        "status_reports", "project_health", "rm_data_versions", "audit_entries", "outbox", "idempotency_keys",
    ],
}  # fmt: skip


class RebuildResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REBUILD_EXAMPLE]})

    status: str = Field(description="`replaying`: consumers restarted from the start of each stream.")
    deleted_rows: dict[str, int] = Field(description="Rows removed per read-model table (and the inbox).")
    consumers: list[str] = Field(description="The durable consumers deleted and recreated.")
    kept: list[str] = Field(description="Tables this service owns, left untouched.")
