"""An administrator's table drawn with its columns' widths (pixels, or small/medium/large)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl
import streamlit as st

Width = int | Literal["small", "medium", "large"]


def show_table(frame: pl.DataFrame, widths: Mapping[str, Width]) -> None:
    """Draw ``frame`` without its index, each column in ``widths`` that wide."""
    st.dataframe(
        frame,
        hide_index=True,
        column_config={name: st.column_config.Column(width=w) for name, w in widths.items()},
    )
