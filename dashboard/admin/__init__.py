"""Administration: what only the operator (the command line) does."""
