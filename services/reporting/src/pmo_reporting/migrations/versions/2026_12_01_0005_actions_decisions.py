"""actions and decisions: the portfolio's action register and decision log (contract §7.8)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Read models (a rebuild empties and replays them): no data to carry over. Events already
    # consumed before this revision reach them after `POST /admin/rebuild`.
    op.create_table(
        "rm_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", pmo_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", pmo_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rm_actions")),
    )
    with op.batch_alter_table("rm_actions", schema=None) as batch_op:
        batch_op.create_index("ix_rm_actions_portfolio", ["portfolio_id", "created_at"], unique=False)
    op.create_table(
        "rm_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rm_decisions")),
    )
    with op.batch_alter_table("rm_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rm_decisions_portfolio_at", ["portfolio_id", "decided_at", "sequence"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rm_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_decisions_portfolio_at")
    op.drop_table("rm_decisions")
    with op.batch_alter_table("rm_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_rm_actions_portfolio")
    op.drop_table("rm_actions")
