from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pmo_reporting.webhooks.models import MAX_URL_LENGTH
from pmo_reporting.webhooks.subjects import MAX_PATTERN_LENGTH

MAX_SUBJECTS = 50


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/pmo",
                    "subjects": ["pmo.risk.risk.escalated", "pmo.portfolio.action.*"],
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An http(s) URL whose host is in `PMO_WEBHOOK_ALLOWED_HOSTS` (and not private, "
        "unless its address is listed too).",
    )
    subjects: list[Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_LENGTH)]] = Field(
        min_length=1,
        max_length=MAX_SUBJECTS,
        description="Subject patterns over the event catalogue: `*` is one token, a final `>` the rest "
        "(`pmo.risk.>`). Each must match at least one catalogue subject.",
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="Write-only. A Standard Webhooks secret, `whsec_` + base64 of 24–64 bytes; left out, "
        "one is generated and returned once, in the response to this request.",
    )


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    subjects: list[str] = Field(description="The patterns, as given.")
    matches: list[str] = Field(description="The catalogue subjects the patterns match today.")
    created_by: str
    created_at: datetime = Field(description="Events that happened before this are not delivered.")
    version: int


class WebhookCreated(WebhookRead):
    secret: str | None = Field(
        description="The generated signing secret, shown only here (keep it); null when you gave one."
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int = Field(description="1 for the first attempt, then 2, 3, …")
    started_at: datetime
    duration_ms: float
    status_code: int | None = Field(description="The receiver's HTTP status; null when none came back.")
    error: str | None = Field(description="Why the attempt failed (a refused target, a timeout, a status).")
    next_attempt_at: datetime | None = Field(
        description="When it is tried again; null: delivered or given up."
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Sent as `webhook-id` on every attempt: deduplicate by it.")
    event_id: str = Field(description="The CloudEvent `id`.")
    subject: str
    status: DeliveryStatus
    created_at: datetime
    attempt_count: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[AttemptRead] = Field(description="The delivery log, oldest attempt first.")
