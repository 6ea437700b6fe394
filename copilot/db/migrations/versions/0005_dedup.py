"""dedup: merges with before/after snapshots for undo

Revision ID: 0005_dedup
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import copilot.db.types

revision = "0005_dedup"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dedup_merges",
        sa.Column("id", PK, nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("master_id", PK, nullable=False),
        sa.Column("duplicate_ids", JSON, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("master_before", JSON, nullable=False),
        sa.Column("master_after", JSON, nullable=False),
        sa.Column("duplicates_before", JSON, nullable=False),
        sa.Column("filled", JSON, nullable=False),
        sa.Column("moved", JSON, nullable=False),
        sa.Column("actor_id", PK, nullable=True),
        sa.Column("created_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", copilot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by", PK, nullable=True),
        sa.Column("undo_report", JSON, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["undone_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dedup_merges_entity_master", "dedup_merges", ["entity", "master_id"])
    op.create_index("ix_dedup_merges_status", "dedup_merges", ["status"])


def downgrade() -> None:
    op.drop_index("ix_dedup_merges_status", table_name="dedup_merges")
    op.drop_index("ix_dedup_merges_entity_master", table_name="dedup_merges")
    op.drop_table("dedup_merges")
