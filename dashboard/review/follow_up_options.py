"""What the team may record about a safety flag: each action and outcome, and what it means."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a follow-up ended.

    ``closes``: the flag is closed by a follow-up with this outcome (otherwise it
    stays open: someone has to try again). ``elevated``: the outcome shows
    elevated risk; readiness's safety criterion stays unmet while the flag is in
    its window, closed or not.
    """

    key: str
    label: str
    meaning: str
    closes: bool
    elevated: bool


@dataclass(frozen=True, kw_only=True)
class FollowUpAction:
    """What was done. ``outcomes``: the outcomes it may have; ``screener``: the
    follow-up is a screener with a ``[triage]`` table, given there and then, whose
    computed risk level is the outcome (see :data:`RISK_LEVEL_OUTCOMES`)."""

    key: str
    label: str
    meaning: str
    outcomes: tuple[str, ...]
    screener: bool = False


#: Every outcome, in the order the form offers them.
OUTCOMES = (
    Outcome(
        key="no_current_risk",
        label="No current risk found",
        meaning="The client was reached and no current risk was found.",
        closes=True,
        elevated=False,
    ),
    Outcome(
        key="risk_low",
        label="Screener risk level Low",
        meaning="The screener's published triage gave the risk level Low.",
        closes=True,
        elevated=False,
    ),
    Outcome(
        key="risk_moderate",
        label="Screener risk level Moderate",
        meaning="The screener's published triage gave the risk level Moderate.",
        closes=True,
        elevated=True,
    ),
    Outcome(
        key="risk_high",
        label="Screener risk level High",
        meaning="The screener's published triage gave the risk level High.",
        closes=True,
        elevated=True,
    ),
    Outcome(
        key="risk_unknown",
        label="Screener risk level unknown",
        meaning="An answer the triage needs was not given: the risk level is unknown.",
        closes=False,
        elevated=False,
    ),
    Outcome(
        key="referred_to_crisis_services",
        label="Referred to crisis services",
        meaning="The client was referred to crisis services.",
        closes=True,
        elevated=True,
    ),
    Outcome(
        key="emergency_services_called",
        label="Emergency services called",
        meaning="Emergency services were called for the client.",
        closes=True,
        elevated=True,
    ),
    Outcome(
        key="not_reached",
        label="Not reached yet",
        meaning="Nobody could reach the client: the flag stays open.",
        closes=False,
        elevated=False,
    ),
)

_AFTER_CONTACT = ("no_current_risk", "referred_to_crisis_services", "emergency_services_called")

#: Every action, in the order the form offers them.
ACTIONS = (
    FollowUpAction(
        key="screened",
        label="Screened with a suicide-risk screener",
        meaning="The screener was given with the client; its risk level is the outcome.",
        outcomes=("risk_low", "risk_moderate", "risk_high", "risk_unknown"),
        screener=True,
    ),
    FollowUpAction(
        key="safety_plan_reviewed",
        label="Safety plan reviewed",
        meaning="The client's safety plan was reviewed with them.",
        outcomes=_AFTER_CONTACT,
    ),
    FollowUpAction(
        key="contacted",
        label="Contacted the client",
        meaning="Someone in the team spoke with the client (in person, by phone or video).",
        outcomes=_AFTER_CONTACT,
    ),
    FollowUpAction(
        key="referred_to_crisis_services",
        label="Referred to crisis services",
        meaning="The client was referred to crisis services.",
        outcomes=("referred_to_crisis_services",),
    ),
    FollowUpAction(
        key="emergency_services_called",
        label="Emergency services called",
        meaning="Emergency services were called.",
        outcomes=("emergency_services_called",),
    ),
    FollowUpAction(
        key="tried_to_reach",
        label="Tried to reach the client",
        meaning="The client could not be reached; the flag stays open.",
        outcomes=("not_reached",),
    ),
)

#: A screener's risk level (its ``[triage] levels``) to an outcome. A level not
#: named here (a program's own screener) counts as elevated risk: fail closed.
RISK_LEVEL_OUTCOMES = {"Low": "risk_low", "Moderate": "risk_moderate", "High": "risk_high"}
#: The outcome of a level no rule names.
UNNAMED_LEVEL_OUTCOME = "risk_high"
#: The outcome of a screener whose risk level could not be computed.
UNKNOWN_LEVEL_OUTCOME = "risk_unknown"


def action_named(key: str) -> FollowUpAction:
    """The action ``key``; raises ValueError for any other."""
    for action in ACTIONS:
        if action.key == key:
            return action
    msg = f"follow-up action must be one of {', '.join(a.key for a in ACTIONS)}"
    raise ValueError(msg)


def outcome_named(key: str) -> Outcome:
    """The outcome ``key``; raises ValueError for any other."""
    for outcome in OUTCOMES:
        if outcome.key == key:
            return outcome
    msg = f"follow-up outcome must be one of {', '.join(o.key for o in OUTCOMES)}"
    raise ValueError(msg)


def outcome_of_level(level: str | None) -> Outcome:
    """The outcome of a screener's computed risk level (None: unknown)."""
    if level is None:
        return outcome_named(UNKNOWN_LEVEL_OUTCOME)
    return outcome_named(RISK_LEVEL_OUTCOMES.get(level, UNNAMED_LEVEL_OUTCOME))


#: Which outcomes close a flag, and which show elevated risk (for the data reads).
CLOSING = tuple(o.key for o in OUTCOMES if o.closes)
ELEVATED = tuple(o.key for o in OUTCOMES if o.elevated)
