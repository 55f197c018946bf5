"""Administrators: import files, see every import and its quarantined rows."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import access
from dashboard.app.admin_tables import (
    IMPORT_WIDTHS,
    QUARANTINE_WIDTHS,
    imports_table,
    quarantine_choice,
    quarantine_table,
)
from dashboard.app.context import AppContext
from dashboard.app.downloads import built_on_click
from dashboard.app.guard import page_viewer
from dashboard.app.views.admin_notifications import undelivered_banner
from dashboard.app.views.admin_table import show_table
from dashboard.auth.viewer import Viewer
from dashboard.imports import (
    FORMATS,
    ImportOptions,
    ImportResult,
    headline,
    import_files,
    looks_like_redcap,
    recognition,
    refresh_expected_ranges,
)
from dashboard.store.engine import read
from measures.formatting import counted
from measures.printable import printable, printable_columns

#: The format choice that leaves each file's format to detection.
DETECTED = "detected from each file"
#: Bytes of an upload read to tell a REDCap export by its header.
HEAD_BYTES = 1 << 16


def render() -> None:
    """Draw the imports page."""
    context, viewer = page_viewer("admin_imports")
    st.title("Imports")
    undelivered_banner(context, viewer)
    with st.expander("Import files", expanded=False):
        _import_form(context, viewer)
    with read(context.engine) as connection:
        imports = access.imports(connection, viewer)
    st.caption(
        f"The latest {counted(imports.height, 'import')}, newest first: files, and each "
        "client's check-in."
    )
    show_table(printable_columns(imports_table(imports)), IMPORT_WIDTHS)
    choices = quarantine_choice(imports)
    if not choices:
        st.caption("No import has rejected rows.")
        return
    chosen = st.selectbox("Rejected rows of", list(choices), format_func=choices.__getitem__)
    with read(context.engine) as connection:
        rows = access.quarantine(connection, viewer, int(chosen))
    kept = (
        "its reason and the row as it was"
        if rows.height == 1
        else "their reasons and the rows as they were"
    )
    st.write(f"{counted(rows.height, 'rejected row')}, kept with {kept} in the file.")
    show_table(printable_columns(quarantine_table(rows)), QUARANTINE_WIDTHS)
    _quarantine_download(context, int(chosen), quarantine_table(rows))


def _quarantine_download(context: AppContext, import_id: int, table: pl.DataFrame) -> None:
    """The rejected rows shown, as a spreadsheet: built and audited when downloaded."""
    from dashboard.reports.spreadsheet import XLSX_MIME

    def build(now: Viewer) -> bytes:
        from dashboard.reports.export import audit_quarantine_export
        from dashboard.reports.spreadsheet import xlsx_bytes

        audit_quarantine_export(context.engine, now, import_id, table.height)
        return xlsx_bytes({"Rejected rows": table})

    st.download_button(
        "Download the rejected rows (XLSX)",
        data=built_on_click(context, build),
        file_name=f"import-{import_id}-rejected-rows.xlsx",
        mime=XLSX_MIME,
        icon=":material/table_view:",
        on_click="ignore",
    )


def _import_form(context: AppContext, viewer: Viewer) -> None:
    """The upload widgets; on Import, the import use-case and what it did."""
    chosen = st.selectbox("Format", [DETECTED, *FORMATS], key="import_format")
    uploads = st.file_uploader(
        "Files: CSV (administrations, clinicians, episodes, care levels, attendance), "
        "a REDCap records export, or FHIR JSON/ndjson with the Questionnaires they use",
        type=["csv", "json", "ndjson"],
        accept_multiple_files=True,
        key="import_files",
    )
    redcap = chosen == "redcap" or any(
        looks_like_redcap(u.name, u.getvalue()[:HEAD_BYTES]) for u in uploads
    )
    dictionary = mapping = None
    if redcap:
        dictionary = st.file_uploader(
            "REDCap data dictionary (CSV)", type=["csv"], key="redcap_dictionary"
        )
        mapping = st.file_uploader(
            "REDCap field mapping (TOML)", type=["toml"], key="redcap_mapping"
        )
    register = st.checkbox(
        "Register new clients: client ids not known yet become new clients",
        value=False,
        key="register_new_clients",
    )
    if not register:
        st.caption(
            "A row whose client id is not registered yet is rejected and kept in the "
            "quarantine with its reason: a mistyped id never becomes a new client."
        )
    if not uploads or not st.button("Import", type="primary"):
        return
    with _staged(uploads, dictionary, mapping) as (paths, dictionary_path, mapping_path):
        options = ImportOptions(
            format=None if chosen == DETECTED else chosen,
            known_clients_only=not register,
            redcap_dictionary=dictionary_path,
            redcap_mapping=mapping_path,
            patient_identifier_system=context.settings.patient_identifier_system,
        )
        bar = st.progress(0.0, text="Importing...")
        result = import_files(
            context.engine,
            paths,
            viewer=viewer,
            catalog=context.catalog,
            program=context.program,
            options=options,
            progress=_progress(bar),
        )
        bar.empty()
    _draw(result, patient_system=context.settings.patient_identifier_system)
    # drawn first: the import has committed and is shown before the program's ranges
    # are brought up to date (only when it changed what they rest on)
    if result.accepted and refresh_expected_ranges(
        context.engine, catalog=context.catalog, program=context.program
    ):
        st.caption("The program's expected ranges were updated.")


def _progress(bar: DeltaGenerator) -> Callable[[int], Callable[[int], None]]:
    """The use-case's progress callback, drawn on ``bar`` for each file in turn."""

    def start(total: int) -> Callable[[int], None]:
        written = 0

        def step(count: int) -> None:
            nonlocal written
            written += count
            bar.progress(min(written / max(total, 1), 1.0), text=f"{written:,} of {total:,} rows")

        return step

    return start


def _draw(result: ImportResult, *, patient_system: str | None) -> None:
    """Each file's summary, then every file set aside with its reason (the values from
    the files with their control and invisible characters as escapes)."""
    fhir = any(s.format == "fhir" and s.new_clients for s in result.summaries)
    for summary in result.summaries:
        if summary.already_imported is not None:
            st.info(printable(headline(summary)))
            continue
        if summary.rejected:
            st.warning(
                f"{printable(headline(summary))}. The rejected rows are kept in the quarantine "
                "below."
            )
        else:
            st.success(printable(headline(summary)))
        told = recognition(summary)
        if told:
            st.caption(told)
        if summary.new_clients:
            st.warning(printable(f"New client ids registered: {', '.join(summary.new_clients)}"))
    if fhir:
        st.caption(
            f"FHIR clients are named by their Patient's identifier of {patient_system}."
            if patient_system
            else "FHIR clients are named by their Patient's resource id. To name them by an "
            "identifier such as the MRN, set [fhir] patient_identifier_system in the program "
            "file."
        )
    for item in result.set_aside:
        (st.error if item.problem else st.info)(printable(item.message))


@contextmanager
def _staged(
    uploads: Sequence[UploadedFile], dictionary: UploadedFile | None, mapping: UploadedFile | None
) -> Iterator[tuple[list[Path], Path | None, Path | None]]:
    """The uploaded files written to a private folder (under their own names) for the
    length of the import; yields the files' paths, the dictionary's and the mapping's."""
    with tempfile.TemporaryDirectory(prefix="iop-upload-") as folder:

        def keep(upload: UploadedFile, where: str) -> Path:
            path = Path(folder) / where / Path(upload.name).name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(upload.getvalue())
            return path

        paths = [keep(upload, str(number)) for number, upload in enumerate(uploads)]
        yield (
            paths,
            keep(dictionary, "dictionary") if dictionary is not None else None,
            keep(mapping, "mapping") if mapping is not None else None,
        )
