"""check-ins: notes, drafts, versioned relapse-prevention plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "saved_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_checkin_drafts_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_drafts")),
        sa.UniqueConstraint("client_id", name=op.f("uq_checkin_drafts_client_id")),
    )
    op.create_table(
        "relapse_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_by_role", sa.String(length=20), nullable=False),
        sa.Column(
            "saved_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_relapse_plans_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relapse_plans")),
        sa.UniqueConstraint(
            "client_id", "version", name=op.f("uq_relapse_plans_client_id_version")
        ),
    )
    op.create_table(
        "checkin_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column(
            "submitted_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("triggers", sa.Text(), server_default="[]", nullable=False),
        sa.Column("coping", sa.Text(), server_default="[]", nullable=False),
        sa.Column("reflection", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_checkin_notes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_checkin_notes_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_notes")),
    )
    with op.batch_alter_table("checkin_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_notes_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_notes_client_id"))

    op.drop_table("checkin_notes")
    op.drop_table("relapse_plans")
    op.drop_table("checkin_drafts")
