"""Read FHIR R4/STU3 QuestionnaireResponses and Observations into an import batch."""

from dashboard.importers.fhir.reader import read_fhir

__all__ = ["read_fhir"]
