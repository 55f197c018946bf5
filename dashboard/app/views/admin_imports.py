"""Administrators: import files, see every import and its quarantined rows."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import access
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.app.views.admin_notifications import undelivered_banner
from dashboard.auth.viewer import Viewer
from dashboard.imports import (
    FORMATS,
    ImportOptions,
    ImportResult,
    headline,
    import_files,
    looks_like_redcap,
    recognition,
)
from dashboard.store.engine import read

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
    st.dataframe(imports, hide_index=True)
    with_rejections = imports.filter(imports["rejected"] > 0)["import_id"].to_list()
    if not with_rejections:
        st.caption("No import has rejected rows.")
        return
    chosen = st.selectbox("Quarantine of import #", with_rejections)
    with read(context.engine) as connection:
        rows = access.quarantine(connection, viewer, int(chosen))
    st.write(f"{rows.height} rejected rows, kept with their reasons and original text.")
    st.dataframe(rows, hide_index=True)


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
    known_only = st.checkbox("Reject rows of client ids not yet registered")
    if not uploads or not st.button("Import", type="primary"):
        return
    with _staged(uploads, dictionary, mapping) as (paths, dictionary_path, mapping_path):
        options = ImportOptions(
            format=None if chosen == DETECTED else chosen,
            known_clients_only=known_only,
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
    """Each file's summary, then every file set aside with its reason."""
    fhir = any(s.format == "fhir" and s.new_clients for s in result.summaries)
    for summary in result.summaries:
        if summary.already_imported is not None:
            st.info(headline(summary))
            continue
        st.success(headline(summary))
        told = recognition(summary)
        if told:
            st.caption(told)
        if summary.new_clients:
            st.warning(f"New client ids registered: {', '.join(summary.new_clients)}")
    if fhir:
        st.caption(
            f"FHIR clients are named by their Patient's identifier of {patient_system}."
            if patient_system
            else "FHIR clients are named by their Patient's resource id. To name them by an "
            "identifier such as the MRN, set [fhir] patient_identifier_system in the program "
            "file."
        )
    for item in result.set_aside:
        (st.error if item.problem else st.info)(item.message)
    if result.reference_refreshed:
        st.caption("The program's expected ranges were updated.")


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
