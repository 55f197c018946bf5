"""Phone numbers found in a plan's contacts and the crisis lines, so a phone can call them."""

from __future__ import annotations

import pytest

from dashboard.app.text import with_call_links
from dashboard.checkin.calls import has_number, split_numbers
from dashboard.program_settings import DEFAULT_CRISIS_MESSAGE


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("555-0100", ["5550100"]),
        ("Sam (sponsor): (555) 010-0100, or 555.010.0101", ["5550100100", "5550100101"]),
        ("+44 20 7946 0958 (evenings)", ["+442079460958"]),
        ("Samaritans 116 123", ["116123"]),
        ("call or text **988**", ["988"]),
        ("chat at 988lifeline.org or https://example.org/555-0100", []),
        ("sam@555-0100.example", []),
        ("after 6 pm, or 10:30 on Sundays", []),
        ("since 2026-11-26", []),
        ("a 20-digit id 12345678901234567890", []),
    ],
)
def test_phone_numbers_are_found_and_nothing_else(text, numbers):
    assert [n for _piece, n in split_numbers(text) if n] == numbers
    assert "".join(piece for piece, _n in split_numbers(text)) == text  # nothing lost
    assert has_number(text) == bool(numbers)


def test_the_default_crisis_lines_are_a_tap_to_call():
    linked = with_call_links(DEFAULT_CRISIS_MESSAGE, typed=False)
    assert "**[988](tel:988)**" in linked
    assert "**[911](tel:911)**" in linked
    assert "988lifeline.org" in linked  # the web address left as it was


def test_typed_text_stays_text_around_its_links():
    linked = with_call_links("[click](javascript:alert(1)) <b>Sam</b>: 555-0100")
    assert linked.endswith("[555\\-0100](tel:5550100)")
    assert "<b>" not in linked
    assert "\\[click\\]" in linked
