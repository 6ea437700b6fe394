"""handover: packages and practice sessions

Revision ID: 0012_handover
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import copilot.db.types

revision = "0012_handover"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = copilot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handover_packages",
        sa.Column("id", PK, nullable=False),
        sa.Column("customer_id", PK, nullable=False),
        sa.Column("from_user_id", PK, nullable=True),
        sa.Column("to_user_id", PK, nullable=True),
        sa.Column("prepared_by", PK, nullable=True),
        sa.Column("package", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_handover_packages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"],
            ["users.id"],
            name=op.f("fk_handover_packages_from_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["users.id"],
            name=op.f("fk_handover_packages_to_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_packages")),
    )
    with op.batch_alter_table("handover_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_packages_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_packages_to_user_id"), ["to_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_packages_created_at"), ["created_at"], unique=False)
    op.create_table(
        "practice_sessions",
        sa.Column("id", PK, nullable=False),
        sa.Column("customer_id", PK, nullable=False),
        sa.Column("user_id", PK, nullable=True),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("turns", JSON, nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_practice_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_practice_sessions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_sessions")),
    )
    with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_sessions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_sessions_scenario"), ["scenario"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_sessions_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("practice_sessions")
    op.drop_table("handover_packages")
