"""Program directors: cohort outcomes as aggregates, with small cells suppressed."""
