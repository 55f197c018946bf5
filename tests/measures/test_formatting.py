"""Numbers written by polars expressions read exactly as Python writes them."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from measures.formatting import (
    counted,
    counted_text,
    num,
    num_text,
    percent_text,
    tenths_text,
    track_words,
    track_words_text,
)

#: Values whose first decimal is decided by the binary value, not the digits shown:
#: 0.15 and 0.35 are a little below (0.1, 0.3), 0.25 is exact (half to even: 0.2), 0.45
#: a little above (0.5).
HALVES = [0.05, 0.15, 0.25, 0.35, 0.45, 2.675, 1.005, -0.05, -0.15, -0.25, 12.25, 1e14 + 0.5]
floats = st.one_of(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    st.integers(-(10**6), 10**6).map(lambda n: n / 20),
    st.sampled_from(HALVES),
)


def texts(expression, values, dtype=pl.Float64) -> list[str | None]:
    frame = pl.DataFrame({"x": values}, schema={"x": dtype})
    return frame.select(expression(pl.col("x")).alias("text"))["text"].to_list()


@settings(max_examples=300, deadline=None)
@given(st.lists(floats, min_size=1, max_size=50))
def test_numbers_read_as_num_writes_them(values):
    assert texts(num_text, values) == [num(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(floats, min_size=1, max_size=50))
def test_rounded_numbers_read_as_num_of_round_writes_them(values):
    assert texts(tenths_text, values) == [num(round(v, 1)) for v in values]


def test_edge_values_and_nulls():
    values = [*HALVES, 0.0, -0.0, -0.04, 1e-300, float("nan"), float("inf"), float("-inf")]
    assert texts(num_text, [*values, None]) == [*(num(v) for v in values), None]
    assert texts(num_text, [0.15, 0.25, 0.35, 0.45, -0.04]) == ["0.1", "0.2", "0.3", "0.5", "-0.0"]


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 400)).filter(lambda p: p[0] <= p[1]),
        min_size=1,
        max_size=50,
    )
)
def test_shares_read_as_a_percent_format_writes_them(pairs):
    shares = [float(Fraction(a, b)) for a, b in pairs]
    assert texts(percent_text, shares) == [f"{s:.0%}" for s in shares]


@settings(deadline=None)
@given(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=50))
def test_counts_read_as_counted_writes_them(counts):
    frame = pl.DataFrame({"n": counts}, schema={"n": pl.Int64})
    found = frame.select(counted_text(pl.col("n"), "safety flag").alias("t"))["t"].to_list()
    assert found == [counted(n, "safety flag") for n in counts]


def test_tracks_read_as_track_words_writes_them():
    tracks = ["co_occurring", "mental_health", "substance_use", "co_co_x"]
    assert texts(track_words_text, tracks, pl.String) == [track_words(t) for t in tracks]
