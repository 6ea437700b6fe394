"""health: marketing lead export, kept inspection reports

Revision ID: 0013_health
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

import copilot.db.types

revision = "0013_health"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = copilot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "marketing_leads",
        sa.Column("id", PK, nullable=False),
        sa.Column("batch", sa.String(120), nullable=False),
        sa.Column("line", PK, nullable=False),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("utm_source", sa.String(120), nullable=False),
        sa.Column("company", sa.String(300), nullable=True),
        sa.Column("phone", sa.String(60), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_leads")),
    )
    op.create_index("ix_marketing_leads_received", "marketing_leads", ["received_at"])
    op.create_index(op.f("ix_marketing_leads_batch"), "marketing_leads", ["batch"])
    op.create_index(op.f("ix_marketing_leads_external_id"), "marketing_leads", ["external_id"])
    op.create_table(
        "health_reports",
        sa.Column("id", PK, nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("body", copilot.db.types.JSONType, nullable=False),
        sa.Column("recipients", copilot.db.types.JSONType, nullable=False),
        sa.Column("mailed_at", TS, nullable=True),
        sa.Column("mail_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_reports")),
    )
    op.create_index(op.f("ix_health_reports_week"), "health_reports", ["week"])
    op.create_index(op.f("ix_health_reports_created_at"), "health_reports", ["created_at"])


def downgrade() -> None:
    op.drop_table("health_reports")
    op.drop_table("marketing_leads")
