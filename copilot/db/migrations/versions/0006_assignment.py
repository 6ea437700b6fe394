"""assignment: rule sets, versions, round-robin state, routing traces

Revision ID: 0006_assignment
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import copilot.db.types

revision = "0006_assignment"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = copilot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assignment_rule_sets",
        sa.Column("id", PK, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_rule_sets")),
        sa.UniqueConstraint("name", name=op.f("uq_assignment_rule_sets_name")),
    )
    op.create_table(
        "assignment_rule_versions",
        sa.Column("id", PK, nullable=False),
        sa.Column("rule_set_id", PK, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("validation", JSON, nullable=True),
        sa.Column("simulation", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", PK, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("simulated_at", TS, nullable=True),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("published_by", PK, nullable=True),
        sa.Column("retired_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["assignment_rule_sets.id"],
            name=op.f("fk_assignment_rule_versions_rule_set_id_assignment_rule_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_rule_versions")),
        sa.UniqueConstraint(
            "rule_set_id", "version", name=op.f("uq_assignment_rule_versions_rule_set_id_version")
        ),
    )
    op.create_index(
        op.f("ix_assignment_rule_versions_status"), "assignment_rule_versions", ["status"], unique=False
    )
    op.create_table(
        "assignment_rr_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("counter", PK, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_assignment_rr_state")),
    )
    op.create_table(
        "assignment_traces",
        sa.Column("id", PK, nullable=False),
        sa.Column("lead_id", PK, nullable=False),
        sa.Column("version_id", PK, nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.String(length=120), nullable=True),
        sa.Column("owner_id", PK, nullable=True),
        sa.Column("department_id", PK, nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_assignment_traces_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_traces")),
    )
    op.create_index("ix_assignment_traces_lead_at", "assignment_traces", ["lead_id", "at"], unique=False)
    op.create_index(op.f("ix_assignment_traces_at"), "assignment_traces", ["at"], unique=False)
    op.create_index(op.f("ix_assignment_traces_outcome"), "assignment_traces", ["outcome"], unique=False)
    op.create_index(
        op.f("ix_assignment_traces_version_id"), "assignment_traces", ["version_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("assignment_traces")
    op.drop_table("assignment_rr_state")
    op.drop_table("assignment_rule_versions")
    op.drop_table("assignment_rule_sets")
