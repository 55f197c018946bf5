"""Administrators: on-call notifications."""

from dashboard.app.views.admin_notifications import render

render()
