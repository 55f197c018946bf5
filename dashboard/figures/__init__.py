"""Figures of a client's episode: pure Plotly builders, no Streamlit."""

from dashboard.figures.attendance import attendance_figure, weekly_attendance
from dashboard.figures.items import item_heatmap
from dashboard.figures.trajectory import trajectory_figure

__all__ = [
    "attendance_figure",
    "item_heatmap",
    "trajectory_figure",
    "weekly_attendance",
]
