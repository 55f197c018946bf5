"""Submitting a check-in: validated once, by the write; a rejected answer saves nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import sqlalchemy as sa

from dashboard.checkin.submit import load_draft, save_draft, submit_checkin
from measures import load_catalog, validate_administrations
from tests.conftest import viewer_of

CATALOG = load_catalog()
TABLES = {
    "answers": "SELECT COUNT(*) FROM administrations WHERE source = 'self-report'",
    "notes": "SELECT COUNT(*) FROM checkin_notes",
    "imports": "SELECT COUNT(*) FROM imports WHERE kind = 'check-in'",
    "quarantine": "SELECT COUNT(*) FROM rejected_rows",
    "audit": (
        "SELECT COUNT(*) FROM audit_log WHERE action = 'check-in' AND resource_type = 'client'"
    ),
}
PHQ9 = {f"item_{n}": 1 for n in range(1, 10)} | {"item_9": 0}


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.execute(sa.text(sql)).scalar_one() for name, sql in TABLES.items()}


@contextmanager
def calls_of(function: Callable[..., Any]) -> Iterator[list[int]]:
    """Count the calls of ``function`` while the block runs (a profiler hook: nothing replaced)."""
    calls: list[int] = []
    code = function.__code__

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code is code:
            calls.append(1)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(previous)


def _submit(engine: sa.Engine, answers: dict[str, dict[str, int | None]]):
    return submit_checkin(
        engine,
        viewer_of(engine, "client"),
        answers=answers,
        triggers=[{"category": "social", "text": ""}],
        coping=[],
        reflection="A steady week.",
        catalog=CATALOG,
    )


def test_a_rejected_answer_saves_nothing_not_even_the_notes_and_keeps_the_draft(demo_copy):
    client = viewer_of(demo_copy, "client")
    save_draft(demo_copy, client, {"answers": {"mood_nrs": {"item_1": 6}}})
    before = _counts(demo_copy)
    result = _submit(demo_copy, {"mood_nrs": {"item_1": 6}, "phq9": PHQ9 | {"item_3": 7}})
    assert not result.saved
    assert result.errors == ("item_3 is 7; PHQ-9 answers are 0-3",)
    assert _counts(demo_copy) == before
    assert load_draft(demo_copy, client) == {"answers": {"mood_nrs": {"item_1": 6}}}


def test_a_good_check_in_is_validated_once_and_saved_whole(demo_copy):
    before = _counts(demo_copy)
    with calls_of(validate_administrations) as calls:
        result = _submit(demo_copy, {"mood_nrs": {"item_1": 6}, "phq9": PHQ9})
    assert (result.saved, result.errors, result.administrations) == (True, (), 2)
    assert len(calls) == 1
    after = _counts(demo_copy)
    assert {name: after[name] - before[name] for name in TABLES} == {
        "answers": 2,
        "notes": 1,
        "imports": 1,
        "quarantine": 0,
        "audit": 1,
    }
    assert load_draft(demo_copy, viewer_of(demo_copy, "client")) is None
