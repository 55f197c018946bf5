"""Placeholder until issue 5."""

import streamlit as st


def render() -> None:
    """Draw the page."""
    st.title("Coming soon")
