"""How an import's summary is put in words, the same on the command line and the page."""

from __future__ import annotations

from pathlib import Path

from dashboard.store.importing import ImportSummary
from measures.formatting import counted


def headline(summary: ImportSummary) -> str:
    """One line for a file's import: its counts, which add up to the rows read.

    Returns, e.g., ``a.csv (csv, import #3): 2 rows read = 2 accepted + 0
    duplicates + 0 rejected``, or that it was already imported.
    """
    name = Path(summary.file_name).name
    if summary.already_imported is not None:
        return (
            f"{name}: already imported (import #{summary.already_imported}); nothing changed: "
            f"{counted(summary.records, 'row')} read = {summary.duplicates:,} duplicates"
        )
    extra = []
    if summary.new_versions:
        extra.append(f"{summary.new_versions:,} as new versions of earlier submissions")
    if summary.outside_episode:
        extra.append(f"{summary.outside_episode:,} dated outside every episode (kept, marked)")
    return (
        f"{name} ({summary.format}, import #{summary.import_id}): "
        f"{counted(summary.records, 'row')} read = "
        f"{summary.accepted:,} accepted + {summary.duplicates:,} duplicates + "
        f"{summary.rejected:,} rejected" + (f"; {'; '.join(extra)}" if extra else "")
    )
