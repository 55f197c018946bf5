"""my_plan page."""

from dashboard.app.views.my_plan import render

render()
