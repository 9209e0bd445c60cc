from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pmo_common.examples import MANAGER
from pydantic import BaseModel, ConfigDict, Field

from pmo_reporting.webhooks.models import MAX_URL_LENGTH
from pmo_reporting.webhooks.subjects import MAX_PATTERN_LENGTH

MAX_SUBJECTS = 50

WEBHOOK_ID = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"
WEBHOOK_READ_EXAMPLE: dict[str, Any] = {
    "id": WEBHOOK_ID,
    "url": "https://hooks.example.com/pmo",
    "subjects": ["pmo.risk.risk.escalated", "pmo.portfolio.action.*"],
    "matches": [
        "pmo.portfolio.action.created",
        "pmo.portfolio.action.overdue",
        "pmo.portfolio.action.updated",
        "pmo.risk.risk.escalated",
    ],
    "created_by": MANAGER,
    "created_at": "2026-11-26T09:30:00Z",
    "version": 1,
}
# The escalation of "Cloud contract not signed by January": refused once (503), delivered on the retry.
# A delivery's id is uuid5(webhook id, event id): the same `webhook-id` on every attempt.
DELIVERED_EXAMPLE: dict[str, Any] = {
    "id": "d93b31bb-b535-581b-b3d0-f3edd9c0e085",
    "event_id": "7c1d9e2a-4b3f-4a5e-9d8c-0b1a2f3e4d5c",
    "subject": "pmo.risk.risk.escalated",
    "status": "delivered",
    "created_at": "2026-12-01T10:00:07Z",
    "attempt_count": 2,
    "next_attempt_at": None,
    "delivered_at": "2026-12-01T10:00:11.2Z",
    "attempts": [
        {"attempt": 1, "started_at": "2026-12-01T10:00:07.1Z", "duration_ms": 12.5, "status_code": 503,
         "error": "HTTP 503", "next_attempt_at": "2026-12-01T10:00:11Z"},
        {"attempt": 2, "started_at": "2026-12-01T10:00:11.1Z", "duration_ms": 48.3, "status_code": 200,
         "error": None, "next_attempt_at": None},
    ],
}  # fmt: skip
# An overdue action the receiver has not answered yet: no connection, then no answer; retried.
PENDING_EXAMPLE: dict[str, Any] = {
    "id": "2609c4f5-b338-5610-ab69-02da8f898040",
    "event_id": "2b4d6f8a-0c1e-4a3b-8d5f-7a9c1e3b5d7f",
    "subject": "pmo.portfolio.action.overdue",
    "status": "pending",
    "created_at": "2026-12-01T00:00:03Z",
    "attempt_count": 2,
    "next_attempt_at": "2026-12-01T00:00:31Z",
    "delivered_at": None,
    "attempts": [
        {"attempt": 1, "started_at": "2026-12-01T00:00:03.2Z", "duration_ms": 3001.4, "status_code": None,
         "error": "ConnectTimeout: timed out", "next_attempt_at": "2026-12-01T00:00:11Z"},
        {"attempt": 2, "started_at": "2026-12-01T00:00:11.1Z", "duration_ms": 10000.2, "status_code": None,
         "error": "no answer within 10 s", "next_attempt_at": "2026-12-01T00:00:31Z"},
    ],
}  # fmt: skip


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
                },
                # Everything the risk service publishes, signed with a secret of your own.
                {
                    "url": "https://erp.example.com/hooks/risk",
                    "subjects": ["pmo.risk.>"],
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                },
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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [WEBHOOK_READ_EXAMPLE]})

    id: uuid.UUID
    url: str
    subjects: list[str] = Field(description="The patterns, as given.")
    matches: list[str] = Field(description="The catalogue subjects the patterns match today.")
    created_by: str
    created_at: datetime = Field(description="Events that happened before this are not delivered.")
    version: int


class WebhookCreated(WebhookRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**WEBHOOK_READ_EXAMPLE, "secret": "whsec_e6UZziggQqUBcAA1Hp2uSkDS866/b1+9At4ua+d/dKY="}
            ]
        }
    )

    secret: str | None = Field(
        description="The generated signing secret, shown only here (keep it); null when you gave one."
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": DELIVERED_EXAMPLE["attempts"]}
    )

    attempt: int = Field(description="1 for the first attempt, then 2, 3, …")
    started_at: datetime
    duration_ms: float
    status_code: int | None = Field(description="The receiver's HTTP status; null when none came back.")
    error: str | None = Field(description="Why the attempt failed (a refused target, a timeout, a status).")
    next_attempt_at: datetime | None = Field(
        description="When it is tried again; null: delivered or given up."
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [DELIVERED_EXAMPLE, PENDING_EXAMPLE]}
    )

    id: uuid.UUID = Field(description="Sent as `webhook-id` on every attempt: deduplicate by it.")
    event_id: str = Field(description="The CloudEvent `id`.")
    subject: str
    status: DeliveryStatus
    created_at: datetime
    attempt_count: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[AttemptRead] = Field(description="The delivery log, oldest attempt first.")
