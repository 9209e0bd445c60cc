from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Kind = Literal["gate", "scenario", "baseline", "risk_acceptance", "other"]
KINDS: tuple[str, ...] = ("gate", "scenario", "baseline", "risk_acceptance", "other")
MAX_ALTERNATIVES = 20
MAX_LINKS = 20


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
        description="What the link points at: `project`, `gate_decision`, `scenario`, `baseline`, `risk`, …",
        examples=["risk"],
    )
    id: str = Field(min_length=1, max_length=200, description="Its id.")


class DecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "portfolio_id": "6f1c2b9e-4a57-4f0e-9d55-2f8a1c3e7b10",
                    "project_id": "0b5d7e2a-91c4-4c38-8a5e-3d2f6b8c9a01",
                    "kind": "risk_acceptance",
                    "title": "Accept the vendor lock-in risk of the CRM platform",
                    "rationale": "Exit costs are below the three-year licence saving.",
                    "alternatives": ["Build in-house", "Dual-vendor contract"],
                    "links": [{"type": "risk", "id": "9c8e7d6f-5a4b-4c3d-2e1f-0a9b8c7d6e5f"}],
                }
            ]
        },
    )

    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = Field(default=None, description="A project of the portfolio, or null.")
    programme_id: uuid.UUID | None = Field(
        default=None, description="Always null for now: programmes do not exist yet (a value is a 422)."
    )
    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    rationale: str = Field(min_length=1, max_length=10_000, description="Why (required).")
    alternatives: list[str] = Field(
        default_factory=list, max_length=MAX_ALTERNATIVES, description="The options considered and not taken."
    )
    decided_at: AwareDatetime | None = Field(
        default=None,
        description="When it was decided (ISO 8601 with a timezone; default now; not in the future). Entries "
        "are chained in the order they are recorded, whatever their `decided_at`.",
    )
    supersedes: uuid.UUID | None = Field(
        default=None, description="The entry of the same portfolio this one corrects (entries never change)."
    )
    links: list[LinkIn] = Field(default_factory=list, max_length=MAX_LINKS)


class LinkRead(BaseModel):
    type: str
    id: str


class DecisionBody(BaseModel):
    """An entry before it is chained: what `sequence`, `previous_hash` and `hash` are added to."""

    id: uuid.UUID
    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None
    programme_id: uuid.UUID | None
    kind: str = Field(description=", ".join(KINDS))
    title: str
    rationale: str
    alternatives: list[str]
    decided_by: str = Field(description="The `sub` of who decided.")
    decided_at: datetime
    supersedes: uuid.UUID | None
    links: list[LinkRead]


class DecisionRead(DecisionBody):
    sequence: int = Field(description="1, 2, … within the portfolio, in the order entries were recorded.")
    previous_hash: str = Field(description="The previous entry's `hash`; 64 zeros for the first.")
    hash: str = Field(
        description="SHA-256 (hex) of this entry as served without `hash`, as canonical JSON (keys sorted, "
        'separators "," and ":", non-ASCII unescaped, UTF-8).'
    )


class DecisionFilters(BaseModel):
    portfolio_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    programme_id: uuid.UUID | None = None
    kind: Kind | None = None
    first: date | None = None
    last: date | None = None


class VerificationRead(BaseModel):
    ok: bool = Field(description="Every entry's numbering, link and hash hold.")
    entries: int = Field(description="How many entries the portfolio's log has.")
    first_bad_sequence: int | None = Field(
        description="The first entry that was changed, removed or reordered (or follows one); null when ok."
    )
