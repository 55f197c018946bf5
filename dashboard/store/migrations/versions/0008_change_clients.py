"""data changes name the clients they touched: a kept weekly review rebuilds only theirs

data_changes.every_client is true for a change that did not say which clients
it touched (every change before this revision, and any write that names none):
a kept page then rebuilds everything, as before. agenda_snapshots keeps the
built weekly review of each viewer scope and day for new server processes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_changes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("every_client", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "data_change_clients",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["data_changes.id"],
            name=op.f("fk_data_change_clients_change_id_data_changes"),
        ),
        sa.PrimaryKeyConstraint("change_id", "client_id", name=op.f("pk_data_change_clients")),
    )
    op.create_table(
        "agenda_snapshots",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "saved_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_agenda_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("agenda_snapshots")
    op.drop_table("data_change_clients")
    with op.batch_alter_table("data_changes", schema=None) as batch_op:
        batch_op.drop_column("every_client")
