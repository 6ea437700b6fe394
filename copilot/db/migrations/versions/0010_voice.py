"""voice notes and profile tags

Revision ID: 0010_voice
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import copilot.db.types

revision = "0010_voice"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = copilot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voice_notes",
        sa.Column("id", PK, nullable=False),
        sa.Column("customer_id", PK, nullable=False),
        sa.Column("author_id", PK, nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("file_bytes", PK, nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("language_hint", sa.String(length=10), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("segments", JSON, nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("job_id", PK, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_voice_notes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_voice_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_notes")),
    )
    with op.batch_alter_table("voice_notes") as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_notes_customer_id"), ["customer_id"])
        batch_op.create_index(batch_op.f("ix_voice_notes_author_id"), ["author_id"])
        batch_op.create_index(batch_op.f("ix_voice_notes_file_sha256"), ["file_sha256"])
        batch_op.create_index(batch_op.f("ix_voice_notes_status"), ["status"])

    op.create_table(
        "profile_tags",
        sa.Column("id", PK, nullable=False),
        sa.Column("note_id", PK, nullable=False),
        sa.Column("customer_id", PK, nullable=False),
        sa.Column("tag_id", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("span_key", sa.String(length=200), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", PK, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["voice_notes.id"],
            name=op.f("fk_profile_tags_note_id_voice_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_profile_tags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_profile_tags_decided_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_tags")),
    )
    with op.batch_alter_table("profile_tags") as batch_op:
        batch_op.create_index("ix_profile_tags_customer_tag", ["customer_id", "tag_id"])
        batch_op.create_index(batch_op.f("ix_profile_tags_note_id"), ["note_id"])
        batch_op.create_index(batch_op.f("ix_profile_tags_customer_id"), ["customer_id"])
        batch_op.create_index(batch_op.f("ix_profile_tags_tag_id"), ["tag_id"])
        batch_op.create_index(batch_op.f("ix_profile_tags_span_key"), ["span_key"])
        batch_op.create_index(batch_op.f("ix_profile_tags_status"), ["status"])


def downgrade() -> None:
    op.drop_table("profile_tags")
    op.drop_table("voice_notes")
