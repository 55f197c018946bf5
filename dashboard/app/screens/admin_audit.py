"""Administrators: audit."""

from dashboard.app.views.admin_audit import render

render()
