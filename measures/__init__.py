"""IOP Outcomes measures: instrument definitions, scoring, validation and change."""

from measures.catalog import Catalog, DefinitionError, load_catalog, load_definition
from measures.definition import Instrument, Item, Score
from measures.parsing import FormatError, Parsed, parse_administrations, read_administrations_csv
from measures.rules import Rule, Validation
from measures.scoring import score_administrations
from measures.validation import administration_schema, validate_administrations

__all__ = [
    "Catalog",
    "DefinitionError",
    "FormatError",
    "Instrument",
    "Item",
    "Parsed",
    "Rule",
    "Score",
    "Validation",
    "administration_schema",
    "load_catalog",
    "load_definition",
    "parse_administrations",
    "read_administrations_csv",
    "score_administrations",
    "validate_administrations",
]
