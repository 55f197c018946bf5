"""Clinicians: one client's progress."""

from dashboard.app.views.client_progress import render

render()
