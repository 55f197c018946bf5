"""Administrators: users."""

from dashboard.app.views.admin_users import render

render()
