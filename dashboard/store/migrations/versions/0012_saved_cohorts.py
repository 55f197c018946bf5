"""saved_cohorts: cohort definitions saved by directors and shared among them

A definition (JSON: a calendar block and categories) holds no client data; the
figures of a cohort are read under each viewer's own scope.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column(
            "saved_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_cohorts")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_cohorts_name")),
    )


def downgrade() -> None:
    op.drop_table("saved_cohorts")
