"""rm_projects keeps the cost profile its latest event carried, so an event that leaves it as it was
does not rewrite the project's current-plan periods

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:20:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL on the rows already there: their profile is not known here, so their next event
    # rewrites the periods, as every event did before.
    with op.batch_alter_table("rm_projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_profile", pmo_common.db.JSONText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rm_projects", schema=None) as batch_op:
        batch_op.drop_column("cost_profile")
