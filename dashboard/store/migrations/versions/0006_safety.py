"""safety: answers recorded as given, follow-ups of flags, the notification outbox

Existing flag acknowledgements stay in flag_acknowledgements as history: an
acknowledgement is not a follow-up, so a flag that was only acknowledged is open
again until the team records what was done and its outcome.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("instrument", sa.String(length=50), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_safety_answers_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_safety_answers_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_answers")),
        sa.UniqueConstraint(
            "client_id",
            "instrument",
            "item",
            "answered_on",
            name=op.f("uq_safety_answers_client_id_instrument_item_answered_on"),
        ),
    )
    op.create_table(
        "safety_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("flagged_on", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("risk_level", sa.String(length=20), nullable=True),
        sa.Column("administration_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('endorsed', 'unknown')", name=op.f("ck_safety_follow_ups_kind")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_safety_follow_ups_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
            name=op.f("fk_safety_follow_ups_administration_id_administrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_follow_ups")),
    )
    with op.batch_alter_table("safety_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_follow_ups_client_id"), ["client_id"], unique=False
        )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("safety_answer_id", sa.Integer(), nullable=True),
        sa.Column("site", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=300), nullable=False),
        sa.Column("destination_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=100), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed')",
            name=op.f("ck_notification_outbox_status"),
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'webhook')", name=op.f("ck_notification_outbox_channel")
        ),
        sa.ForeignKeyConstraint(
            ["safety_answer_id"],
            ["safety_answers.id"],
            name=op.f("fk_notification_outbox_safety_answer_id_safety_answers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_safety_answer_id"),
            ["safety_answer_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notification_outbox_status", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_status")
        batch_op.drop_index(batch_op.f("ix_notification_outbox_safety_answer_id"))
    op.drop_table("notification_outbox")
    with op.batch_alter_table("safety_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_follow_ups_client_id"))
    op.drop_table("safety_follow_ups")
    op.drop_table("safety_answers")
