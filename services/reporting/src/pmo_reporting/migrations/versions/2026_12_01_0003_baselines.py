"""baselines: each project's approved baselines and the cost profiles of its plans (contract §7.3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:30:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Read models (a rebuild empties and replays them): no data to carry over.
    op.create_table(
        "rm_baselines",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("budget", pmo_common.db.MoneyType(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("finish_date", sa.Date(), nullable=True),
        sa.Column("approved_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("superseded_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "number", name=op.f("pk_rm_baselines")),
    )
    op.create_table(
        "rm_plan_periods",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount", pmo_common.db.MoneyType(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "number", "period", name=op.f("pk_rm_plan_periods")),
    )
    # Existing reports keep their figures until the portfolio's events bring baselines: a rebuild
    # (POST /admin/rebuild) replays them and re-derives every report against its plan.


def downgrade() -> None:
    op.drop_table("rm_plan_periods")
    op.drop_table("rm_baselines")
