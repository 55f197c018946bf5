"""Printable reports: the client progress report and the weekly review packet (PDF)."""
