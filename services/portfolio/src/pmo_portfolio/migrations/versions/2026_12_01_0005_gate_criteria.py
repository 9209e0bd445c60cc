"""gate criteria: per-portfolio criteria and approval policy, pending approvals, and the facts gate
criteria read from the risk and reporting services' events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:30:00.000000
"""

from collections.abc import Sequence

import pmo_common.db
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _settings_table(name: str, column: str) -> None:
    """A portfolio's gate criteria or gate policy: one row per portfolio, replaced as a whole."""
    op.create_table(
        name,
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column(column, pmo_common.db.JSONText(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f(f"fk_{name}_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _settings_table("gate_criteria", "criteria")
    _settings_table("gate_policies", "approvals_required")
    op.create_table(
        "gate_approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("stage_entry", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=False),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("override_rationale", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("project_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_gate_approvals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_approvals")),
        sa.UniqueConstraint(
            "project_id",
            "to_stage",
            "stage_entry",
            "decided_by",
            name=op.f("uq_gate_approvals_project_id_to_stage_stage_entry_decided_by"),
        ),
    )
    with op.batch_alter_table("gate_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_approvals_project_id"), ["project_id"], unique=False)

    op.create_table(
        "gate_fact_risks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_fact_risks")),
    )
    with op.batch_alter_table("gate_fact_risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_fact_risks_project_id"), ["project_id"], unique=False)

    op.create_table(
        "gate_fact_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("risk_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_fact_responses")),
    )
    with op.batch_alter_table("gate_fact_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_fact_responses_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "gate_fact_status_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("overall", sa.String(length=20), nullable=False),
        sa.Column("spi", sa.Float(), nullable=True),
        sa.Column("cpi", sa.Float(), nullable=True),
        sa.Column("submitted_at", pmo_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_fact_status_reports")),
    )
    with op.batch_alter_table("gate_fact_status_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gate_fact_status_reports_project_as_of", ["project_id", "as_of"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gate_fact_status_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_gate_fact_status_reports_project_as_of")
    op.drop_table("gate_fact_status_reports")
    with op.batch_alter_table("gate_fact_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_fact_responses_risk_id"))
    op.drop_table("gate_fact_responses")
    with op.batch_alter_table("gate_fact_risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_fact_risks_project_id"))
    op.drop_table("gate_fact_risks")
    with op.batch_alter_table("gate_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_approvals_project_id"))
    op.drop_table("gate_approvals")
    op.drop_table("gate_policies")
    op.drop_table("gate_criteria")
