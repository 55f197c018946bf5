"""my_progress page."""

from dashboard.app.views.my_progress import render

render()
