"""Directors: cohorts compared."""

from dashboard.app.views.cohorts import render

render()
