"""Administration: accounts, imports and their quarantine, the audit log."""
