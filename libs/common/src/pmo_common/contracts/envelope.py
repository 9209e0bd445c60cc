"""The CloudEvents 1.0 envelope every event travels in (contract §4)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CloudEvent(BaseModel):
    """`subject` is the aggregate id; `sequence` its version after the change."""

    model_config = ConfigDict(extra="allow")

    specversion: str = Field(default="1.0", pattern=r"^1\.0$")
    id: str
    source: str = Field(pattern=r"^pmo/[a-z]+$")
    type: str
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    sequence: int = Field(ge=0)
    data: dict[str, Any]
    # Carried over from the HTTP request that caused the event (a CloudEvents extension attribute).
    requestid: str | None = None

    @property
    def nats_subject(self) -> str:
        return self.type.removesuffix(".v1")


def new_event_id() -> str:
    return str(uuid.uuid4())
