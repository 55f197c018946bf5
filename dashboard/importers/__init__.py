"""Readers that turn CSV, REDCap and FHIR files into administration batches."""
