"""Sign-in page."""

from dashboard.app.views.sign_in import render

render()
