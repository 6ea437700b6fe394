"""contracts: review flags, legal's actions on them, playbook versions

Revision ID: 0011_contracts
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import copilot.db.types

revision = "0011_contracts"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contract_flags",
        sa.Column("id", BIG, nullable=False),
        sa.Column("contract_id", BIG, nullable=False),
        sa.Column("flag_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("clause", sa.String(length=40), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", BIG, nullable=True),
        sa.Column("decided_at", copilot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_flags_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_contract_flags_decided_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_flags")),
        sa.UniqueConstraint("contract_id", "flag_id", name=op.f("uq_contract_flags_contract_id_flag_id")),
    )
    with op.batch_alter_table("contract_flags") as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_flags_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_flags_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_flags_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_flags_status"), ["status"], unique=False)
    op.create_table(
        "contract_flag_actions",
        sa.Column("id", BIG, nullable=False),
        sa.Column("flag_pk", BIG, nullable=False),
        sa.Column("contract_id", BIG, nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_pk"],
            ["contract_flags.id"],
            name=op.f("fk_contract_flag_actions_flag_pk_contract_flags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_flag_actions_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_contract_flag_actions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_flag_actions")),
    )
    with op.batch_alter_table("contract_flag_actions") as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_flag_actions_flag_pk"), ["flag_pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contract_flag_actions_contract_id"), ["contract_id"], unique=False
        )
    op.create_table(
        "contract_playbooks",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", copilot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_contract_playbooks_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_contract_playbooks")),
    )


def downgrade() -> None:
    op.drop_table("contract_playbooks")
    op.drop_table("contract_flag_actions")
    op.drop_table("contract_flags")
