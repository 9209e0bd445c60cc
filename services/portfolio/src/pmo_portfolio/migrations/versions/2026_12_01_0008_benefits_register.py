"""benefits register and measurements

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:38:00.000000
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
    op.create_table(
        "benefits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_benefits_portfolio_id_portfolios"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefits")),
    )
    with op.batch_alter_table("benefits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benefits_portfolio_id"), ["portfolio_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_benefits_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_benefits_project_id"), ["project_id"], unique=False)

    op.create_table(
        "benefit_measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("benefit_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefits.id"],
            name=op.f("fk_benefit_measurements_benefit_id_benefits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_measurements")),
        # Also the index of a benefit's measurements (its leading column).
        sa.UniqueConstraint("benefit_id", "as_of", name=op.f("uq_benefit_measurements_benefit_id_as_of")),
    )


def downgrade() -> None:
    op.drop_table("benefit_measurements")
    with op.batch_alter_table("benefits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefits_project_id"))
        batch_op.drop_index(batch_op.f("ix_benefits_programme_id"))
        batch_op.drop_index(batch_op.f("ix_benefits_portfolio_id"))

    op.drop_table("benefits")
