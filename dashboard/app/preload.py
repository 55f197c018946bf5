"""What the server imports as it starts, so that the first viewer does not wait for it."""

from __future__ import annotations

import importlib

#: What the pages draw with that Streamlit does not import as it starts: pandas and its
#: Styler (the weekly review's coloured bands), about 0.5 s.
PRELOAD = ("pandas.io.formats.style",)


def preload() -> None:
    """Import the modules of :data:`PRELOAD` (a start or a deploy pays for them, not the
    first page)."""
    for name in PRELOAD:
        importlib.import_module(name)
