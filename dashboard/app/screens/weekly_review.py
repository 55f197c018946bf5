"""Clinicians: the weekly review."""

from dashboard.app.views.weekly_review import render

render()
