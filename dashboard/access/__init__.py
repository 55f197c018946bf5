"""Viewer-scoped reads: every query a page or command runs for a person, filtered in SQL."""

from dashboard.access.admin import (
    accounts,
    audit_actions,
    audit_log,
    imports,
    quarantine,
    site_names,
)
from dashboard.access.caseload import (
    EPISODE_COLUMNS,
    client_pk_of,
    episodes,
    episodes_select,
    own_client_code,
)
from dashboard.access.client_notes import checkin_notes, plans_reviewed
from dashboard.access.clinical import (
    attendance,
    care_levels,
    last_administered,
    safety_answers,
    scored_administrations,
)
from dashboard.access.program import (
    data_version,
    discharged_episode_pks,
    discharged_episodes,
    episode_administrations,
    reference_episodes,
)
from dashboard.access.team import acknowledgements, decisions, follow_ups

__all__ = [
    "EPISODE_COLUMNS",
    "accounts",
    "acknowledgements",
    "attendance",
    "audit_actions",
    "audit_log",
    "care_levels",
    "checkin_notes",
    "client_pk_of",
    "data_version",
    "decisions",
    "discharged_episode_pks",
    "discharged_episodes",
    "episode_administrations",
    "episodes",
    "episodes_select",
    "follow_ups",
    "imports",
    "last_administered",
    "own_client_code",
    "plans_reviewed",
    "quarantine",
    "reference_episodes",
    "safety_answers",
    "scored_administrations",
    "site_names",
]
