"""Small-cell suppression that holds across every table a page can show.

Pure functions on polars frames (no Streamlit, no SQL): describe what is counted
(:class:`CubeSpec`: dimensions with levels, populations split by outcomes, summaries),
build the cube and withhold small counts and their complements (:func:`release_of`), then
draw every table from the :class:`Release`.
"""

from dashboard.privacy.cube import SMALL_CELL, CubeSpec, Dimension, Split, Summary
from dashboard.privacy.release import TOTAL, Release, release_of
from dashboard.privacy.suppress import SuppressionError

__all__ = [
    "SMALL_CELL",
    "TOTAL",
    "CubeSpec",
    "Dimension",
    "Release",
    "Split",
    "Summary",
    "SuppressionError",
    "release_of",
]
