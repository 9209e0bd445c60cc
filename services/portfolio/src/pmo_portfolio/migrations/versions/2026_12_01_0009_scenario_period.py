"""scenario period budgets and groups

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:39:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Scenarios solved before this revision keep their budget and get no period budgets, no groups and
    # no start period (null: they counted in_progress projects in full); their results have no monthly
    # costs, so comparing one answers 409 "re-solve".
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period_budgets", pmo_common.db.JSONText(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("groups", pmo_common.db.JSONText(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("start_period", sa.String(length=7), nullable=True))
        batch_op.alter_column("budget", existing_type=pmo_common.db.MoneyType(), nullable=True)


def downgrade() -> None:
    # A scenario without an overall budget has no value for the old NOT NULL column (the sum of its
    # period budgets would be a guess): the downgrade refuses instead of inventing one.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM scenarios WHERE budget IS NULL")).scalar():
        raise RuntimeError("scenarios without an overall budget exist; delete them before downgrading")
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.alter_column("budget", existing_type=pmo_common.db.MoneyType(), nullable=False)
        batch_op.drop_column("start_period")
        batch_op.drop_column("groups")
        batch_op.drop_column("period_budgets")
