"""Directors: program overview."""

from dashboard.app.views.program_overview import render

render()
