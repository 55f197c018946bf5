"""administrations.raw: the record as its source gave it, where the reader keeps it

A check-in keeps the client's answers as entered: the number of days of a
BAM-R day item before it was scored into its bin, so nothing is lost.

Numbered 0007 so as not to take the id of a migration written beside it on
another branch; it revises 0005, the newest on this one.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_column("raw")
