"""Administrators: import files, see every import and its quarantined rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import access
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.importers.run import ImportRequest, import_file
from dashboard.store.batch import UnusableFile
from dashboard.store.engine import DatabaseLocked, read
from measures.formatting import counted


def render() -> None:
    """Draw the imports page."""
    context, viewer = page_viewer("admin_imports")
    st.title("Imports")
    with st.expander("Import a file", expanded=False):
        upload = st.file_uploader(
            "CSV (administrations, episodes, clinicians, care levels, attendance) or FHIR JSON",
            type=["csv", "json", "ndjson"],
        )
        known_only = st.checkbox("Reject rows of client ids not yet registered")
        if upload is not None and st.button("Import", type="primary"):
            _import(context, viewer.username, upload, known_only=known_only)
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


def _import(context: AppContext, username: str, upload: UploadedFile, *, known_only: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="iop-upload-") as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            with st.spinner("Importing..."):
                summary = import_file(
                    context.engine,
                    ImportRequest(path=path, known_clients_only=known_only),
                    catalog=context.catalog,
                    imported_by=username,
                )
        except (UnusableFile, DatabaseLocked) as exc:
            st.error(str(exc))
            return
    if summary.already_imported is not None:
        st.info(f"Already imported (import #{summary.already_imported}); nothing changed.")
        return
    st.success(
        f"{counted(summary.records, 'row')} read = {summary.accepted:,} accepted + "
        f"{summary.duplicates:,} duplicates + {summary.rejected:,} rejected."
    )
    if summary.new_clients:
        st.warning(f"New client ids registered: {', '.join(summary.new_clients)}")
