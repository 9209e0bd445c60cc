from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pmo_common.examples import APPROVER, PORTFOLIO_ID, PROJECT_ID, RISK_ID, UPDATED_AT
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pmo_portfolio.baselines.schemas import FIRST_EXAMPLE as BASELINE_EXAMPLE
from pmo_portfolio.gates.schemas import READ_EXAMPLE as GATE_DECISION_EXAMPLE
from pmo_portfolio.logic.chain import seal

Kind = Literal["gate", "scenario", "baseline", "risk_acceptance", "other"]
KINDS: tuple[str, ...] = ("gate", "scenario", "baseline", "risk_acceptance", "other")
MAX_ALTERNATIVES = 20
MAX_LINKS = 20

CREATE_EXAMPLE: dict[str, Any] = {
    "portfolio_id": PORTFOLIO_ID,
    "project_id": PROJECT_ID,
    "kind": "risk_acceptance",
    "title": "Accept the risk of a late data migration",
    "rationale": "A trial migration in March bounds the slip to a month; the vendor bills it at cost.",
    "alternatives": ["Postpone go-live to September", "Migrate active customers only"],
    "links": [{"type": "risk", "id": RISK_ID}],
}
# The first two entries of the log of "Digital 2027": the gate decision that approved "CRM
# replacement" (written by the decision itself), then the risk acceptance above. Sealed here as the
# service seals them, so that the examples' `hash` and `previous_hash` can be recomputed by a reader.
_GATE_ENTRY = seal(
    {
        "id": "b8c9d0e1-f2a3-4b4c-8d5e-6f7a8b9cad04",
        "portfolio_id": PORTFOLIO_ID,
        "project_id": PROJECT_ID,
        "programme_id": None,
        "kind": "gate",
        "title": "CRM-2027: approve proposal → approved",
        "rationale": GATE_DECISION_EXAMPLE["rationale"],
        "alternatives": [],
        "decided_by": APPROVER,
        "decided_at": UPDATED_AT,
        "supersedes": None,
        "links": [
            {"type": "gate_decision", "id": GATE_DECISION_EXAMPLE["id"]},
            {"type": "project", "id": PROJECT_ID},
            {"type": "baseline", "id": BASELINE_EXAMPLE["id"]},
        ],
    },
    None,
)
_ACCEPTANCE_ENTRY = seal(
    {
        "id": "c9d0e1f2-a3b4-4c5d-9e6f-7a8b9cadbe15",
        **{key: value for key, value in CREATE_EXAMPLE.items() if key != "links"},
        "programme_id": None,
        "decided_by": APPROVER,
        "decided_at": "2026-12-20T10:00:00Z",
        "supersedes": None,
        "links": CREATE_EXAMPLE["links"],
    },
    _GATE_ENTRY,
)


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
                CREATE_EXAMPLE,
                {
                    "portfolio_id": PORTFOLIO_ID,
                    "kind": "other",
                    "title": "Correction: the acceptance covers the customer records only",
                    "rationale": "The contract data migrates with the ERP project, not with the CRM.",
                    "supersedes": _ACCEPTANCE_ENTRY["id"],
                },
            ]
        },
    )

    portfolio_id: uuid.UUID
    project_id: uuid.UUID | None = Field(default=None, description="A project of the portfolio, or null.")
    programme_id: uuid.UUID | None = Field(
        default=None,
        description="A programme of the portfolio the entry is about (a 422 naming `programme_id` "
        "otherwise), or null; the programme's dashboard in reporting lists it.",
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
    model_config = ConfigDict(json_schema_extra={"examples": [_GATE_ENTRY, _ACCEPTANCE_ENTRY]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ok": True, "entries": 12, "first_bad_sequence": None},
                {"ok": False, "entries": 12, "first_bad_sequence": 7},
            ]
        }
    )

    ok: bool = Field(description="Every entry's numbering, link and hash hold.")
    entries: int = Field(description="How many entries the portfolio's log has.")
    first_bad_sequence: int | None = Field(
        description="The first entry that was changed, removed or reordered (or follows one); null when ok."
    )
