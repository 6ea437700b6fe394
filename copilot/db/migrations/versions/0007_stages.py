"""stages: pipeline versions, evidence, holds, confirmed payments

Revision ID: 0007_stages
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

import copilot.db.types

revision = "0007_stages"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stage_pipelines",
        sa.Column("id", PK, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", copilot.db.types.JSONType, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", PK, nullable=True),
        sa.Column("created_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_stage_pipelines_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_pipelines")),
        sa.UniqueConstraint("version", name=op.f("uq_stage_pipelines_version")),
    )
    op.create_table(
        "stage_evidence",
        sa.Column("id", PK, nullable=False),
        sa.Column("opportunity_id", PK, nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("requirement", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("uploaded_by", PK, nullable=True),
        sa.Column("uploaded_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attached", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_stage_evidence_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_stage_evidence_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_evidence")),
    )
    op.create_index(op.f("ix_stage_evidence_opportunity_id"), "stage_evidence", ["opportunity_id"])
    op.create_index(op.f("ix_stage_evidence_sha256"), "stage_evidence", ["sha256"])
    op.create_table(
        "stage_holds",
        sa.Column("id", PK, nullable=False),
        sa.Column("opportunity_id", PK, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_stage", sa.String(length=60), nullable=False),
        sa.Column("to_stage", sa.String(length=60), nullable=False),
        sa.Column("requested_by", PK, nullable=True),
        sa.Column("requested_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("request", copilot.db.types.JSONType, nullable=False),
        sa.Column("reasons", copilot.db.types.JSONType, nullable=False),
        sa.Column("confirm_role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", PK, nullable=True),
        sa.Column("decided_at", copilot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_stage_holds_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_stage_holds_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_stage_holds_decided_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_holds")),
    )
    op.create_index(op.f("ix_stage_holds_opportunity_id"), "stage_holds", ["opportunity_id"])
    op.create_index(op.f("ix_stage_holds_kind"), "stage_holds", ["kind"])
    op.create_index(op.f("ix_stage_holds_requested_at"), "stage_holds", ["requested_at"])
    op.create_index(op.f("ix_stage_holds_status"), "stage_holds", ["status"])
    op.create_table(
        "stage_payments",
        sa.Column("id", PK, nullable=False),
        sa.Column("opportunity_id", PK, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("evidence_ids", copilot.db.types.JSONType, nullable=False),
        sa.Column("confirmed_by", PK, nullable=True),
        sa.Column("confirmed_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_stage_payments_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["users.id"],
            name=op.f("fk_stage_payments_confirmed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_payments")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_stage_payments_opportunity_id")),
    )
    op.create_index(op.f("ix_stage_payments_paid_on"), "stage_payments", ["paid_on"])


def downgrade() -> None:
    op.drop_table("stage_payments")
    op.drop_table("stage_holds")
    op.drop_table("stage_evidence")
    op.drop_table("stage_pipelines")
