"""Administrators: imports."""

from dashboard.app.views.admin_imports import render

render()
