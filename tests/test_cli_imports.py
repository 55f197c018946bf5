"""The command line starts fast: `iop score` does not load the database or the app stack."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "streamlit", "plotly", "pandera", "fpdf", "kaleido", "alembic")


def test_importing_the_cli_loads_no_heavy_stack():
    code = f"import sys, dashboard.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
