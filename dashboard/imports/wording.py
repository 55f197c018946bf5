"""How an import's summary is put in words, the same on the command line and the page."""

from __future__ import annotations

from pathlib import Path

from dashboard.store.importing import ImportSummary
from measures.formatting import counted


def headline(summary: ImportSummary) -> str:
    """One line for a file's import: its counts, which add up to the rows read.

    Returns, e.g., ``a.csv (csv, import #3): 2 rows read = 2 accepted + 0
    duplicates + 0 rejected``, or that it was already imported. A FHIR file's
    entries that are no administration are counted too, by kind: ``b.json
    (fhir, import #4): 3 entries read = 1 accepted + 0 duplicates + 0 rejected
    + 2 not administrations (1 Patient, 1 Questionnaire)``.
    """
    name = Path(summary.file_name).name
    others = _not_administrations(summary)
    read = (
        f"{summary.entries:,} {'entry' if summary.entries == 1 else 'entries'} read"
        if others
        else f"{counted(summary.records, 'row')} read"
    )
    if summary.already_imported is not None:
        return (
            f"{name}: already imported (import #{summary.already_imported}); nothing changed: "
            f"{read} = {summary.duplicates:,} duplicates{others}"
        )
    extra = []
    if summary.new_versions:
        extra.append(f"{summary.new_versions:,} as new versions of earlier submissions")
    if summary.outside_episode:
        extra.append(f"{summary.outside_episode:,} dated outside every episode (kept, marked)")
    return (
        f"{name} ({summary.format}, import #{summary.import_id}): {read} = "
        f"{summary.accepted:,} accepted + {summary.duplicates:,} duplicates + "
        f"{summary.rejected:,} rejected{others}" + (f"; {'; '.join(extra)}" if extra else "")
    )


def _not_administrations(summary: ImportSummary) -> str:
    """`` + 2 not administrations (1 Patient, 1 Questionnaire)``, or nothing."""
    kinds = summary.not_administrations
    if not kinds:
        return ""
    total = sum(kinds.values())
    noun = "not an administration" if total == 1 else "not administrations"
    listed = ", ".join(f"{n:,} {kind}" for kind, n in kinds.items())
    return f" + {total:,} {noun} ({listed})"


def recognition(summary: ImportSummary) -> str | None:
    """What recognised the file's measures, counted by kind; None where nothing was told
    (a CSV or REDCap file names its measures).

    Returns, e.g., ``measures recognised by: 44 item definitions, 1 questionnaire``.
    """
    if not summary.evidence:
        return None
    listed = ", ".join(f"{n:,} {kind}" for kind, n in summary.evidence.items())
    return f"measures recognised by: {listed}"
