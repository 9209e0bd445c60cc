"""audit entries, upstream stage width, project health without its report pointer

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The shared audit trail of `pmo_common.audit` (the same DDL as every service's).
    op.create_table(
        "audit_entries",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", pmo_common.db.JSONText(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_entity", ["entity_id", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_entity_type"), ["entity_type"], unique=False)

    # Stages as wide as `pmo_common.upstream` keeps them (what the portfolio service accepts).
    for table in ("rm_projects", "rm_project_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "stage",
                existing_type=sa.String(length=20),
                type_=sa.String(length=30),
                existing_nullable=False,
            )

    # A report is the latest by its place in the timeline (`superseded_on`): health needs no pointer.
    with op.batch_alter_table("project_health", schema=None) as batch_op:
        batch_op.drop_column("latest_report_id")


def downgrade() -> None:
    with op.batch_alter_table("project_health", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_report_id", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE project_health SET latest_report_id = (SELECT r.id FROM status_reports r"
        " WHERE r.project_id = project_health.project_id"
        " ORDER BY r.as_of DESC, r.submitted_at DESC, r.id DESC LIMIT 1)"
    )
    with op.batch_alter_table("project_health", schema=None) as batch_op:
        batch_op.alter_column("latest_report_id", existing_type=sa.Uuid(), nullable=False)

    for table in ("rm_project_history", "rm_projects"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "stage",
                existing_type=sa.String(length=30),
                type_=sa.String(length=20),
                existing_nullable=False,
            )

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_entity_type"))
        batch_op.drop_index("ix_audit_entries_entity")

    op.drop_table("audit_entries")
