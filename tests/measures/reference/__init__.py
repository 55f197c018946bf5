"""Today's per-client readiness and per-row not-on-track words, kept as test oracles."""
