"""The import use-case, shared by the command line, the upload page and the demo builder."""

from dashboard.imports.kinds import FORMATS, KIND_ORDER, looks_like_redcap
from dashboard.imports.plan import (
    DEFAULT_OPTIONS,
    ImportOptions,
    ImportPlan,
    PlannedFile,
    SetAside,
    plan_imports,
)
from dashboard.imports.run import ImportResult, Progress, import_files, refresh_expected_ranges
from dashboard.imports.wording import (
    file_shown,
    headline,
    recognition,
    rows_in_words,
    what_was_imported,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "FORMATS",
    "KIND_ORDER",
    "ImportOptions",
    "ImportPlan",
    "ImportResult",
    "PlannedFile",
    "Progress",
    "SetAside",
    "file_shown",
    "headline",
    "import_files",
    "looks_like_redcap",
    "plan_imports",
    "recognition",
    "refresh_expected_ranges",
    "rows_in_words",
    "what_was_imported",
]
