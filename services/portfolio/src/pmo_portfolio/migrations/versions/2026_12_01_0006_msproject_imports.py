"""msproject imports: the GUID of the Microsoft Project file a project was imported from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for every project that was not imported; a re-import finds its project by the GUID.
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("msproject_guid", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_projects_portfolio_id_msproject_guid", ["portfolio_id", "msproject_guid"]
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint("uq_projects_portfolio_id_msproject_guid", type_="unique")
        batch_op.drop_column("msproject_guid")
