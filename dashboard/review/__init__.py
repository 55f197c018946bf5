"""What the treatment team reviews: viewer-scoped data, the agenda, a client's record."""
