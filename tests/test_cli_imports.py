"""The command line starts fast: `iop score` does not load the database or the app stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "streamlit", "plotly", "pandera", "fpdf", "kaleido", "alembic")


def test_importing_the_cli_loads_no_heavy_stack():
    code = f"import sys, dashboard.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_scoring_a_clean_file_loads_neither_the_stack_nor_pydantic(tmp_path: Path):
    # typer 0.29 coerces every parameter through pydantic, 60 ms on each start
    # (benchmarks/README.md); pyproject.toml keeps typer below it
    source = tmp_path / "in.csv"
    source.write_text("client_id,measure,administered_on,item_1,item_2\nC1,phq2,2025-01-05,1,2\n")
    heavy = (*HEAVY, "pydantic")
    code = (
        "import sys\n"
        "from dashboard.cli import main\n"
        f"sys.argv = ['iop', 'score', {str(source)!r}, '--out', {str(tmp_path / 'o.csv')!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    assert (tmp_path / "o.csv").read_text().splitlines()[1].startswith("C1,phq2,2025-01-05,3,")
