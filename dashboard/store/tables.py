"""The database schema as SQLAlchemy Core tables; alembic migrations follow it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

DISCHARGE_REASONS = ("completed", "stepped_down", "left_early", "stepped_up", "other")
LEVELS_OF_CARE = ("php", "iop", "op", "residential", "other")
SOURCES = ("csv", "redcap", "fhir", "self-report")
#: The import kind of a client's own check-in (every other kind is a file).
CHECK_IN = "check-in"


def _now() -> sa.ColumnElement[dt.datetime]:
    return sa.func.current_timestamp()


sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
)

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(50), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
)

clinicians = sa.Table(
    "clinicians",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(50), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("site_id", sa.ForeignKey("sites.id"), nullable=True),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("registered_by_import_id", sa.ForeignKey("imports.id"), nullable=True),
)

#: The client attributes a program may import (``client_attributes.csv``), for cohorts;
#: each is the program's own category as written (e.g. an age band "25-34").
CLIENT_ATTRIBUTES = ("age_band", "gender", "primary_substance", "payer")

client_attributes = sa.Table(
    "client_attributes",
    metadata,
    sa.Column("client_id", sa.ForeignKey("clients.id"), primary_key=True),
    *(sa.Column(name, sa.String(60), nullable=True) for name in CLIENT_ATTRIBUTES),
    sa.Column("import_id", sa.ForeignKey("imports.id"), nullable=True),
)

episodes = sa.Table(
    "episodes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False, index=True),
    sa.Column("site_id", sa.ForeignKey("sites.id"), nullable=False, index=True),
    sa.Column("track_id", sa.ForeignKey("tracks.id"), nullable=False),
    sa.Column("clinician_id", sa.ForeignKey("clinicians.id"), nullable=True),
    sa.Column("admitted_on", sa.Date, nullable=False),
    sa.Column("discharged_on", sa.Date, nullable=True),
    sa.Column("discharge_reason", sa.String(20), nullable=True),
    sa.CheckConstraint(
        "discharge_reason IS NULL OR discharge_reason IN "
        + str(DISCHARGE_REASONS).replace('"', "'"),
        name="discharge_reason",
    ),
    sa.CheckConstraint(
        "discharged_on IS NULL OR discharged_on >= admitted_on", name="discharge_after_admission"
    ),
)

care_levels = sa.Table(
    "care_levels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=False, index=True),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("level_of_care", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.UniqueConstraint("episode_id", "changed_on", "level_of_care"),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("imported_by", sa.String(100), nullable=False),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("new_versions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("new_client_codes", sa.Text, nullable=True),
)

administrations = sa.Table(
    "administrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=True, index=True),
    sa.Column("instrument", sa.String(50), nullable=False),
    sa.Column("administered_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("is_current", sa.Boolean, nullable=False, server_default=sa.true()),
    # raw item answers as a JSON array, null = unanswered; never only a total
    sa.Column("items", sa.Text, nullable=False),
    # a total the source gave, on the primary score's scale (a WHO-5 raw 20 as 80)
    sa.Column("stored_total", sa.Float, nullable=True),
    sa.Column("total_only", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("outside_episode", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("import_id", sa.ForeignKey("imports.id"), nullable=True, index=True),
    sa.Column("recorded_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    # the record as its source gave it, where the reader keeps it (a check-in: the
    # answers as entered, e.g. the days of a BAM-R day item before its bin)
    sa.Column("raw", sa.Text, nullable=True),
    # problems its source's record was found to have when it was read, as a JSON
    # array of text (an answer's ordinal that disagrees with its code); shown with
    # the scorer's own problems
    sa.Column("source_problems", sa.Text, nullable=True),
    sa.UniqueConstraint(
        "client_id",
        "instrument",
        "administered_at",
        "source_id",
        "version",
        name="uq_administrations_natural_key",
    ),
    sa.Index(
        "ix_administrations_current", "client_id", "instrument", "administered_at", "is_current"
    ),
)

attendance = sa.Table(
    "attendance",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=True, index=True),
    sa.Column("session_on", sa.Date, nullable=False),
    sa.Column("session_type", sa.String(30), nullable=False),
    sa.Column("attended", sa.Boolean, nullable=False),
    sa.Column("import_id", sa.ForeignKey("imports.id"), nullable=True),
    sa.UniqueConstraint("client_id", "session_on", "session_type"),
)

rejected_rows = sa.Table(
    "rejected_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("import_id", sa.ForeignKey("imports.id"), nullable=False, index=True),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("resource_type", sa.String(50), nullable=True),
    sa.Column("resource_id", sa.String(100), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False, server_default="ok"),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Index("ix_audit_log_at", "at"),
)

ROLES = ("client", "clinician", "director", "admin")
DECISIONS = ("continue", "step_down", "step_up", "discharge", "discuss_again")

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("role", sa.String(20), nullable=False),
    # argon2id hash; empty for accounts that only sign in through the identity provider
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("email", sa.String(200), nullable=True, unique=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=True),
    sa.Column("clinician_id", sa.ForeignKey("clinicians.id"), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("last_sign_in_at", sa.DateTime, nullable=True),
    sa.CheckConstraint("role IN " + str(ROLES).replace('"', "'"), name="role"),
    sa.CheckConstraint("role != 'client' OR client_id IS NOT NULL", name="client_has_record"),
)

user_sites = sa.Table(
    "user_sites",
    metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", sa.ForeignKey("sites.id"), primary_key=True),
)

SESSION_END_REASONS = ("user", "idle", "disabled")

# One row per signed-in session. The browser keeps a random token; only its
# SHA-256 is stored, and who the viewer is gets read from users on every run.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("end_reason", sa.String(20), nullable=True),
    sa.CheckConstraint(
        "end_reason IS NULL OR end_reason IN " + str(SESSION_END_REASONS).replace('"', "'"),
        name="end_reason",
    ),
)

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=False, index=True),
    sa.Column("week_of", sa.Date, nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(100), nullable=False),
    sa.Column("decided_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.CheckConstraint("decision IN " + str(DECISIONS).replace('"', "'"), name="decision"),
)

flag_acknowledgements = sa.Table(
    "flag_acknowledgements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "administration_id", sa.ForeignKey("administrations.id"), nullable=False, unique=True
    ),
    sa.Column("acknowledged_by", sa.String(100), nullable=False),
    sa.Column("acknowledged_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("note", sa.Text, nullable=True),
)

app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

checkin_drafts = sa.Table(
    "checkin_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False, unique=True),
    # answers so far and the optional notes, as JSON; a draft is never an administration
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False, server_default=_now()),
)

checkin_notes = sa.Table(
    "checkin_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False, index=True),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False, server_default=_now()),
    # [{"category": "emotional", "text": "..."}] and [{"action": "...", "helped": "yes"}]
    sa.Column("triggers", sa.Text, nullable=False, server_default="[]"),
    sa.Column("coping", sa.Text, nullable=False, server_default="[]"),
    # free text exactly as the client wrote it; always shown escaped
    sa.Column("reflection", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

relapse_plans = sa.Table(
    "relapse_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # triggers, warning signs, goals, go-to actions and contacts, as JSON
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("saved_by", sa.String(100), nullable=False),
    sa.Column("saved_by_role", sa.String(20), nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.UniqueConstraint("client_id", "version"),
)

# One row per committed transaction that changed data the pages show: its
# largest id is the data version cached pages key on (inserts never block
# each other, unlike a counter row). A change names the clients it touched in
# data_change_clients; every_client is true when it did not say (it may have
# changed anything), so a cached page rebuilds everything (store/changes.py).
data_changes = sa.Table(
    "data_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("every_client", sa.Boolean, nullable=False, server_default=sa.true()),
)

# The clients whose data a change touched (ids only: what changed is read from
# the tables themselves).
data_change_clients = sa.Table(
    "data_change_clients",
    metadata,
    sa.Column("change_id", sa.ForeignKey("data_changes.id"), primary_key=True),
    sa.Column("client_id", sa.Integer, primary_key=True),
)

# The program's expected-response ranges (aggregates of every episode with a score, no
# identities), stored so a fresh server does not recompute them on its first page.
reference_cache = sa.Table(
    "reference_cache",
    metadata,
    sa.Column("fingerprint", sa.String(200), primary_key=True),
    sa.Column("ranges", sa.LargeBinary, nullable=False),
    sa.Column("gaps", sa.LargeBinary, nullable=False),
    sa.Column("computed_at", sa.DateTime, nullable=False, server_default=_now()),
)

# The weekly review's built caseload of a viewer scope and day, saved so that a new
# server process starts from it and catches up from its data version instead of
# building it anew (dashboard/review/agenda_snapshot.py): one row per scope, replaced.
# It holds what that scope's viewers see on the page, for their scope key only.
agenda_snapshots = sa.Table(
    "agenda_snapshots",
    metadata,
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # the code and settings it was built with: another never reads it
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False, server_default=_now()),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

FLAG_KINDS = ("endorsed", "unknown")

# A safety item answered above its threshold in a check-in, written the moment it is
# answered (the check-in may never be finished): one row per client, instrument,
# item and day, keeping the highest answer given that day.
safety_answers = sa.Table(
    "safety_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("episode_id", sa.ForeignKey("episodes.id"), nullable=True),
    sa.Column("instrument", sa.String(50), nullable=False),
    sa.Column("item", sa.String(20), nullable=False),
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("answered_on", sa.Date, nullable=False),
    sa.Column("answered_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.UniqueConstraint("client_id", "instrument", "item", "answered_on"),
)

# What the team did about a safety flag and its outcome. A flag is one client's
# endorsed (or unknown) safety answer on one instrument on one day; its latest
# follow-up decides whether it is closed (dashboard/review/follow_up_options.py).
# The acknowledgements of flag_acknowledgements are kept as history only.
safety_follow_ups = sa.Table(
    "safety_follow_ups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False, index=True),
    sa.Column("instrument", sa.String(50), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("flagged_on", sa.Date, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    # the risk level of a screener recorded with the follow-up, and its administration
    sa.Column("risk_level", sa.String(20), nullable=True),
    sa.Column("administration_id", sa.ForeignKey("administrations.id"), nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.CheckConstraint("kind IN " + str(FLAG_KINDS).replace('"', "'"), name="kind"),
)

NOTIFICATION_STATUSES = ("queued", "sending", "sent", "failed")
CHANNELS = ("email", "webhook")

# On-call notifications waiting to leave, and what became of them. A row names only
# the site and where it goes: the message says no more than that a safety answer at
# the site needs follow-up. A webhook's URL (it may hold a secret) is not stored: its
# host for people to read, and its SHA-256 to find it in the program file when sent.
notification_outbox = sa.Table(
    "notification_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("safety_answer_id", sa.ForeignKey("safety_answers.id"), nullable=True, index=True),
    sa.Column("site", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("destination", sa.String(300), nullable=False),
    sa.Column("destination_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="queued"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(100), nullable=True),
    sa.Column("queued_at", sa.DateTime, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("claimed_at", sa.DateTime, nullable=True),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.CheckConstraint("status IN " + str(NOTIFICATION_STATUSES).replace('"', "'"), name="status"),
    sa.CheckConstraint("channel IN " + str(CHANNELS).replace('"', "'"), name="channel"),
    sa.Index("ix_notification_outbox_status", "status", "next_attempt_at"),
)

# Directors' figures rest on one row of outcomes per episode, computed from the episode's
# scores, attendance, safety flags and level of care by dashboard/review/outcomes.py (the
# rules of measures/), never edited by hand. Triggers on every table it is computed from
# queue the episode in the same transaction as the write (store/outcome_triggers.py);
# the queue is drained soon after, and always before the outcomes are read.
episode_outcomes = sa.Table(
    "episode_outcomes",
    metadata,
    sa.Column("episode_id", sa.ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("site_id", sa.ForeignKey("sites.id"), nullable=False, index=True),
    sa.Column("track_id", sa.ForeignKey("tracks.id"), nullable=False),
    sa.Column("clinician_id", sa.ForeignKey("clinicians.id"), nullable=True),
    sa.Column("admitted_on", sa.Date, nullable=False),
    sa.Column("discharged_on", sa.Date, nullable=True, index=True),
    sa.Column("discharge_reason", sa.String(20), nullable=True),
    sa.Column("level_of_care", sa.String(20), nullable=True),
    sa.Column("length_days", sa.Integer, nullable=True),
    sa.Column("days_scheduled", sa.Integer, nullable=False),
    sa.Column("days_attended", sa.Integer, nullable=False),
    # the NHS Talking Therapies paired outcome: null unless both measures were paired
    sa.Column("case_at_start", sa.Boolean, nullable=True),
    sa.Column("recovered", sa.Boolean, nullable=True),
    sa.Column("reliable_improvement", sa.Boolean, nullable=True),
    sa.Column("reliable_deterioration", sa.Boolean, nullable=True),
    sa.Column("reliable_recovery", sa.Boolean, nullable=True),
    # PHQ-9 response and remission so far: null without two scores of the measure
    sa.Column("index_elevated", sa.Boolean, nullable=True),
    sa.Column("response", sa.Boolean, nullable=True),
    sa.Column("remission", sa.Boolean, nullable=True),
    # days of any substance use in the 30 days before the first and the last BAM-R, as
    # bounds (its day items are bins), and whether there was none
    sa.Column("use_first_on", sa.Date, nullable=True),
    sa.Column("use_first_low", sa.Integer, nullable=True),
    sa.Column("use_first_high", sa.Integer, nullable=True),
    sa.Column("abstinent_first", sa.Boolean, nullable=True),
    sa.Column("use_last_on", sa.Date, nullable=True),
    sa.Column("use_last_low", sa.Integer, nullable=True),
    sa.Column("use_last_high", sa.Integer, nullable=True),
    sa.Column("abstinent_last", sa.Boolean, nullable=True),
    # step-down readiness at each program week of a discharged episode: how many weeks
    # were assessed, and the first at which the checklist read "ready"
    sa.Column("readiness_weeks", sa.Integer, nullable=False),
    sa.Column("first_ready_on", sa.Date, nullable=True),
    sa.Column("days_to_ready", sa.Integer, nullable=True),
    sa.Column("safety_flags", sa.Integer, nullable=False),
    sa.Column("safety_flags_closed_in_day", sa.Integer, nullable=False),
)

# Per episode and score (a measure's primary score and each subscale): first and latest
# value, their times, how many, and the change rules of measures/change.py. Long, not
# wide: the catalog is open (a program adds its own instruments), a migration is not.
episode_scores = sa.Table(
    "episode_scores",
    metadata,
    sa.Column("episode_id", sa.ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("measure", sa.String(50), primary_key=True),
    sa.Column("score_id", sa.String(50), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("baseline", sa.Float, nullable=False),
    sa.Column("baseline_at", sa.DateTime, nullable=False),
    sa.Column("latest", sa.Float, nullable=False),
    sa.Column("latest_at", sa.DateTime, nullable=False),
    sa.Column("change", sa.Float, nullable=False),
    sa.Column("change_class", sa.String(30), nullable=True),
    sa.Column("baseline_case", sa.Boolean, nullable=True),
    sa.Column("latest_case", sa.Boolean, nullable=True),
    sa.Column("recovered", sa.Boolean, nullable=True),
    sa.Column("reliably_recovered", sa.Boolean, nullable=True),
    sa.Index("ix_episode_scores_measure", "measure", "score_id"),
)

# Episodes whose outcomes are to be computed again, appended by triggers in the writing
# transaction (store/outcome_triggers.py). On SQLite ``id`` is the episode's id, one row
# per episode (a trigger skips an episode already queued: the drain works under the write
# lock, so no write can slip between its reading and its deleting a row); on PostgreSQL
# it comes from a sequence, a row per writing statement and episode (the drain computes
# outside any lock and deletes exactly the rows it read: see review/outcome_queue.py).
episode_outcome_queue = sa.Table(
    "episode_outcome_queue",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("episode_id", sa.Integer, nullable=False),
)

#: Cohort definitions saved by directors, shared among every director of the program
#: (a definition holds no client data: what it shows is read under each viewer's scope).
saved_cohorts = sa.Table(
    "saved_cohorts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("saved_by", sa.String(100), nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False, server_default=_now()),
)
