"""kpi targets per portfolio; status reports without percent complete or actual cost

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:37:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NULLABLE_FIGURES = (
    ("percent_complete", sa.Float()),
    ("actual_cost", pmo_common.db.MoneyType()),
    ("ev_effective", pmo_common.db.MoneyType()),
)


def upgrade() -> None:
    op.create_table(
        "kpi_targets",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("spi_green_bp", sa.Integer(), nullable=False),
        sa.Column("spi_amber_bp", sa.Integer(), nullable=False),
        sa.Column("cpi_green_bp", sa.Integer(), nullable=False),
        sa.Column("cpi_amber_bp", sa.Integer(), nullable=False),
        sa.Column("report_age_green_days", sa.Integer(), nullable=False),
        sa.Column("report_age_amber_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f("pk_kpi_targets")),
    )
    # A report may omit percent complete and actual cost (§7.1); EV is then unknown too.
    with op.batch_alter_table("status_reports", schema=None) as batch_op:
        for name, type_ in NULLABLE_FIGURES:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    # Reports without the figures cannot go back to NOT NULL columns: the downgrade refuses them
    # rather than inventing zeros.
    with op.batch_alter_table("status_reports", schema=None) as batch_op:
        for name, type_ in NULLABLE_FIGURES:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
    op.drop_table("kpi_targets")
