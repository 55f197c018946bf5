"""data changes log and stored expected-response ranges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_changes")),
    )
    op.create_table(
        "reference_cache",
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("ranges", sa.LargeBinary(), nullable=False),
        sa.Column("gaps", sa.LargeBinary(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_reference_cache")),
    )


def downgrade() -> None:
    op.drop_table("reference_cache")
    op.drop_table("data_changes")
