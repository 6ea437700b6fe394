"""ingest: index ledger and call transcripts

Revision ID: 0009_ingest
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

import copilot.db.types
from copilot.db.types import JSONType

revision = "0009_ingest"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "index_documents",
        sa.Column("id", PK, nullable=False),
        sa.Column("doc_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("customer_id", PK, nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("chunk_ids", JSONType, nullable=False),
        sa.Column("previous_chunk_ids", JSONType, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("indexed_at", copilot.db.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", copilot.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doc_key"),
    )
    op.create_index("ix_index_documents_kind", "index_documents", ["kind"])
    op.create_index("ix_index_documents_source", "index_documents", ["source"])
    op.create_index("ix_index_documents_customer_id", "index_documents", ["customer_id"])
    op.create_index("ix_index_documents_state", "index_documents", ["state"])
    op.create_table(
        "transcripts",
        sa.Column("id", PK, nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", PK, nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("occurred_at", copilot.db.types.UTCDateTime(), nullable=True),
        sa.Column("participants", JSONType, nullable=False),
        sa.Column("turns", JSONType, nullable=False),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("ingested_at", copilot.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_transcripts_customer_id", "transcripts", ["customer_id"])
    op.create_index("ix_transcripts_occurred_at", "transcripts", ["occurred_at"])
    op.create_index("ix_transcripts_content_hash", "transcripts", ["content_hash"])


def downgrade() -> None:
    op.drop_table("transcripts")
    op.drop_table("index_documents")
