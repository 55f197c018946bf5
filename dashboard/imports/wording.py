"""How an import is put in words, the same on the command line and the page."""

from __future__ import annotations

from pathlib import Path

from dashboard.store.importing import ImportSummary
from measures.formatting import counted
from measures.printable import printable

#: What each kind of import holds, in words (a check-in and a follow-up screener are
#: stored as imports of their own, with no file).
KIND_WORDS = {
    "administrations": "Questionnaire answers",
    "clinicians": "Clinicians",
    "episodes": "Episodes of care",
    "care_levels": "Level-of-care changes",
    "attendance": "Attendance",
    "client_attributes": "Client attributes",
    "check-in": "A client's check-in",
    "follow-up": "A safety follow-up screener",
}
#: How each format is written.
FORMAT_WORDS = {"csv": "CSV", "redcap": "REDCap", "fhir": "FHIR"}
#: Imports that are not files: shown without a file name.
NO_FILE = ("check-in", "follow-up")


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
            f"{read} = {counted(summary.duplicates, 'duplicate')}{others}"
        )
    extra = []
    if summary.new_versions:
        extra.append(f"{summary.new_versions:,} as new versions of earlier submissions")
    if summary.outside_episode:
        extra.append(f"{summary.outside_episode:,} dated outside every episode (kept, marked)")
    return (
        f"{name} ({summary.format}, import #{summary.import_id}): {read} = "
        f"{summary.accepted:,} accepted + {counted(summary.duplicates, 'duplicate')} + "
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


def what_was_imported(kind: str, format: str) -> str:
    """What an import held, in words, with the file's format where it had a file.

    Examples
    --------
    >>> what_was_imported("administrations", "redcap")
    'Questionnaire answers (REDCap)'
    >>> what_was_imported("check-in", "self-report")
    "A client's check-in"
    """
    words = KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())
    if kind in NO_FILE:
        return words
    return f"{words} ({FORMAT_WORDS.get(format, format)})"


def file_shown(file_name: str, kind: str) -> str:
    """The file's own name, without the folder it was read from; blank for a check-in.

    Examples
    --------
    >>> file_shown("/tmp/iop-upload-1x2/0/week 48.csv", "administrations")
    'week 48.csv'
    >>> file_shown("check-in", "check-in")
    ''
    """
    return "" if kind in NO_FILE else Path(file_name).name


def rows_in_words(*, records: int, accepted: int, duplicates: int, rejected: int) -> str:
    """An import's counts in one short phrase; the parts add up to the rows read.

    Duplicates and rejected rows are named only when there are any.

    Examples
    --------
    >>> rows_in_words(records=1, accepted=0, duplicates=0, rejected=1)
    '1 row: 0 accepted, 1 rejected'
    >>> rows_in_words(records=19954, accepted=19940, duplicates=2, rejected=12)
    '19,954 rows: 19,940 accepted, 2 duplicates, 12 rejected'
    >>> rows_in_words(records=2, accepted=1, duplicates=1, rejected=0)
    '2 rows: 1 accepted, 1 duplicate'
    """
    parts = [f"{accepted:,} accepted"]
    if duplicates:
        parts.append(counted(duplicates, "duplicate"))
    if rejected:
        parts.append(f"{rejected:,} rejected")
    return f"{counted(records, 'row')}: {', '.join(parts)}"


#: Accepted rows with problems, and rejected rows, listed under a file's summary.
ROWS_SHOWN = 10


def summary_lines(summary: ImportSummary) -> list[str]:
    """A file's import in lines, as ``iop import`` prints it: the headline, then what
    recognised its measures, new client ids, and the first accepted rows with problems
    and rejected rows (control characters shown as escapes)."""
    lines = [printable(headline(summary))]
    if summary.already_imported is not None:
        return lines
    told = recognition(summary)
    if told:
        lines.append(f"  {told}")
    if summary.new_clients:
        shown = printable(", ".join(summary.new_clients[:20]))
        more = f" and {len(summary.new_clients) - 20} more" if len(summary.new_clients) > 20 else ""
        lines.append(
            f"  new client ids registered ({len(summary.new_clients)}): {shown}{more} "
            "(check for typos; --known-clients-only rejects them instead)"
        )
    for row in summary.warnings.head(ROWS_SHOWN).iter_rows(named=True):
        lines.append(f"  row {row['row']} (accepted): {printable('; '.join(row['problems']))}")
    if summary.warnings.height > ROWS_SHOWN:
        lines.append(
            f"  ... {summary.warnings.height - ROWS_SHOWN:,} more accepted rows with problems"
        )
    for row in summary.rejections.head(ROWS_SHOWN).iter_rows(named=True):
        lines.append(f"  row {row['row']}: {printable('; '.join(row['reasons']))}")
    if summary.rejected > ROWS_SHOWN:
        lines.append(
            f"  ... {summary.rejected - ROWS_SHOWN:,} more rejected rows: see the import's "
            "quarantine"
        )
    return lines
