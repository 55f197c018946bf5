"""administrations.source_problems: problems a record was found to have when it was read

A FHIR answer whose explicit ordinal disagrees with the standard value of its
LOINC code is scored by the ordinal, and the disagreement is kept with the
administration (a JSON array of text) so that it is shown with its scores.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_problems", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_column("source_problems")
