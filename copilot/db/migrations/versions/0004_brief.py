"""brief: trigger rule overrides and fired trigger cards

Revision ID: 0004_brief
Revises: 0001_foundation
Create Date: 2026-11-24 04:30:00
"""

import sqlalchemy as sa
from alembic import op

import copilot.db.types

revision = "0004_brief"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "trigger_rules",
        sa.Column("id", PK, nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("definition", copilot.db.types.JSONType, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", PK, nullable=True),
        sa.Column("updated_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_trigger_rules_updated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_rules")),
        sa.UniqueConstraint("rule_id", name=op.f("uq_trigger_rules_rule_id")),
    )
    op.create_table(
        "trigger_cards",
        sa.Column("id", PK, nullable=False),
        sa.Column("customer_id", PK, nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("why", sa.String(length=2000), nullable=False),
        sa.Column("action", sa.String(length=1000), nullable=False),
        sa.Column("evidence", copilot.db.types.JSONType, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("fired_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_trigger_cards_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_cards")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_trigger_cards_dedupe_key")),
    )
    with op.batch_alter_table("trigger_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_cards_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trigger_cards_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trigger_cards_fired_at"), ["fired_at"], unique=False)


def downgrade() -> None:
    op.drop_table("trigger_cards")
    op.drop_table("trigger_rules")
