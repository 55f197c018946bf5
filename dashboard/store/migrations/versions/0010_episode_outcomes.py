"""episode outcomes: one row per episode (and per episode and score), kept by a queue

The outcomes the directors' figures aggregate, computed once per episode instead of
rescoring every administration on every view. Triggers on the tables they are computed
from queue the episode in the writing transaction; every existing episode is queued
here, so the first drain (`iop db upgrade` runs it) computes them all.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dashboard.store import outcome_triggers

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _episode_key() -> sa.Column[int]:
    return sa.Column("episode_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "episode_outcomes",
        _episode_key(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column("discharge_reason", sa.String(length=20), nullable=True),
        sa.Column("level_of_care", sa.String(length=20), nullable=True),
        sa.Column("length_days", sa.Integer(), nullable=True),
        sa.Column("days_scheduled", sa.Integer(), nullable=False),
        sa.Column("days_attended", sa.Integer(), nullable=False),
        sa.Column("case_at_start", sa.Boolean(), nullable=True),
        sa.Column("recovered", sa.Boolean(), nullable=True),
        sa.Column("reliable_improvement", sa.Boolean(), nullable=True),
        sa.Column("reliable_deterioration", sa.Boolean(), nullable=True),
        sa.Column("reliable_recovery", sa.Boolean(), nullable=True),
        sa.Column("index_elevated", sa.Boolean(), nullable=True),
        sa.Column("response", sa.Boolean(), nullable=True),
        sa.Column("remission", sa.Boolean(), nullable=True),
        sa.Column("use_first_on", sa.Date(), nullable=True),
        sa.Column("use_first_low", sa.Integer(), nullable=True),
        sa.Column("use_first_high", sa.Integer(), nullable=True),
        sa.Column("abstinent_first", sa.Boolean(), nullable=True),
        sa.Column("use_last_on", sa.Date(), nullable=True),
        sa.Column("use_last_low", sa.Integer(), nullable=True),
        sa.Column("use_last_high", sa.Integer(), nullable=True),
        sa.Column("abstinent_last", sa.Boolean(), nullable=True),
        sa.Column("readiness_weeks", sa.Integer(), nullable=False),
        sa.Column("first_ready_on", sa.Date(), nullable=True),
        sa.Column("days_to_ready", sa.Integer(), nullable=True),
        sa.Column("safety_flags", sa.Integer(), nullable=False),
        sa.Column("safety_flags_closed_in_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_outcomes_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_episode_outcomes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_episode_outcomes_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_episode_outcomes_track_id_tracks")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_episode_outcomes_clinician_id_clinicians"),
        ),
        sa.PrimaryKeyConstraint("episode_id", name=op.f("pk_episode_outcomes")),
    )
    op.create_index(
        op.f("ix_episode_outcomes_site_id"), "episode_outcomes", ["site_id"], unique=False
    )
    op.create_index(
        op.f("ix_episode_outcomes_discharged_on"),
        "episode_outcomes",
        ["discharged_on"],
        unique=False,
    )
    op.create_table(
        "episode_scores",
        _episode_key(),
        sa.Column("measure", sa.String(length=50), nullable=False),
        sa.Column("score_id", sa.String(length=50), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("baseline_at", sa.DateTime(), nullable=False),
        sa.Column("latest", sa.Float(), nullable=False),
        sa.Column("latest_at", sa.DateTime(), nullable=False),
        sa.Column("change", sa.Float(), nullable=False),
        sa.Column("change_class", sa.String(length=30), nullable=True),
        sa.Column("baseline_case", sa.Boolean(), nullable=True),
        sa.Column("latest_case", sa.Boolean(), nullable=True),
        sa.Column("recovered", sa.Boolean(), nullable=True),
        sa.Column("reliably_recovered", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_scores_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "episode_id", "measure", "score_id", name=op.f("pk_episode_scores")
        ),
    )
    op.create_index(
        "ix_episode_scores_measure", "episode_scores", ["measure", "score_id"], unique=False
    )
    op.create_table(
        "episode_outcome_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_outcome_queue")),
    )
    connection = op.get_bind()
    outcome_triggers.install(connection)
    key = "id, " if connection.dialect.name == "sqlite" else ""
    connection.exec_driver_sql(
        f"INSERT INTO episode_outcome_queue ({key}episode_id) SELECT {key}id FROM episodes"
    )


def downgrade() -> None:
    outcome_triggers.remove(op.get_bind())
    op.drop_table("episode_outcome_queue")
    op.drop_index("ix_episode_scores_measure", table_name="episode_scores")
    op.drop_table("episode_scores")
    op.drop_index(op.f("ix_episode_outcomes_discharged_on"), table_name="episode_outcomes")
    op.drop_index(op.f("ix_episode_outcomes_site_id"), table_name="episode_outcomes")
    op.drop_table("episode_outcomes")
