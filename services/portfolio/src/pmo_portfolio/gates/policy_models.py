"""A portfolio's gate policy (contract §7.5): the criteria each target stage must meet, how many
distinct approvers a stage needs, and the approvals given towards a transition that needs several."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pmo_common.db import JSONText, UTCDateTime, utcnow
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_portfolio.db import Base


class GateCriteriaSet(Base):
    """A portfolio's gate criteria, replaced as a whole; a portfolio without a row has none (version 0)."""

    __tablename__ = "gate_criteria"

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    # [{"to_stage", "key", "description", "rule"}, ...] in the order they were given.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONText)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def id(self) -> uuid.UUID:
        """The set is the portfolio's: the audit trail records it under the portfolio's id."""
        return self.portfolio_id


class GatePolicy(Base):
    """How many distinct approvers each stage needs; a stage not named (or no row) needs one."""

    __tablename__ = "gate_policies"

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    # {stage: n}
    approvals_required: Mapped[dict[str, int]] = mapped_column(JSONText)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def id(self) -> uuid.UUID:
        return self.portfolio_id


class GateApproval(Base):
    """An approval that did not yet move the project: its stage needs more distinct approvers. The
    approval that completes the count is the gate decision itself (`gate_decisions`). Approvals count
    towards a transition only while the project is still in the stage they were given in: `stage_entry`
    is the project version of the gate decision that brought it there (0: never moved), so they reset
    when the project leaves that stage, even if it returns to it later."""

    __tablename__ = "gate_approvals"
    __table_args__ = (UniqueConstraint("project_id", "to_stage", "stage_entry", "decided_by"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    stage_entry: Mapped[int]
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    override_rationale: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The project's version when approved (a pending approval does not change the project).
    project_version: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status(self) -> str:
        """What a gate decision answered with this approval is: still waiting for more approvers."""
        return "pending"
