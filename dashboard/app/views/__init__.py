"""Page bodies: read the widgets, call plain functions, draw."""
