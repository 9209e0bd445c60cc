from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EntityType = Literal["portfolio", "criterion", "project", "scenario"]


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="Position in the audit log; increases with every entry.")
    entity_type: str
    entity_id: uuid.UUID
    version: int = Field(description="The entity's version after the change.")
    action: str = Field(
        description="created, updated, deleted, scores_set, stage_changed, weights_set, approved"
    )
    actor: str = Field(description="The `sub` of the principal who made the change.")
    at: datetime
    changes: dict[str, Any] = Field(
        description="For `created`/`deleted` the entity's state; otherwise `{field: {from, to}}`."
    )
