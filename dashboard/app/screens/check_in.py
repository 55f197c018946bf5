"""check_in page."""

from dashboard.app.views.check_in import render

render()
