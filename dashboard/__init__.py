"""IOP Outcomes dashboard: storage, import, the Streamlit app, reports and the CLI."""
