"""client_attributes: the attributes a program imports for its cohorts

One row per client: age band, gender, primary substance and payer, each the
program's own category as written (NULL: not given), and the import that last
set them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_attributes",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=60), nullable=True),
        sa.Column("gender", sa.String(length=60), nullable=True),
        sa.Column("primary_substance", sa.String(length=60), nullable=True),
        sa.Column("payer", sa.String(length=60), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_attributes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_client_attributes_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_attributes")),
    )


def downgrade() -> None:
    op.drop_table("client_attributes")
