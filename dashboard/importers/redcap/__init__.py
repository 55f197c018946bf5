"""Read REDCap records exports with their data dictionary and a field mapping."""

from dashboard.importers.redcap.reader import read_redcap

__all__ = ["read_redcap"]
