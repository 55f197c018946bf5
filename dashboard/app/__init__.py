"""The Streamlit app: thin pages that read settings, call plain functions and draw."""
