"""Covering index for least-loaded routing: open leads counted per owner without reading rows.

Revision ID: 0014_lead_load_index
Revises: 0001_foundation
"""

from alembic import op

revision = "0014_lead_load_index"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_leads_owner_status", "leads", ["owner_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_leads_owner_status", table_name="leads")
