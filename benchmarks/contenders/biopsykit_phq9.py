"""Contender: score a wide PHQ-9 CSV with pandas and BioPsyKit's ``phq`` (run in .venv/bench)."""

from __future__ import annotations

import sys

import pandas as pd
from biopsykit.questionnaires import phq

ITEMS = [f"item_{i}" for i in range(1, 10)]
BANDS = [-1, 4, 9, 14, 19, 27]
LABELS = ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]


def main(source: str, target: str) -> None:
    """Read ``source``, score every row, write client_id ... severity to ``target``."""
    frame = pd.read_csv(source, dtype={"client_id": str, "measure": str, "administered_on": str})
    score = phq(frame, columns=ITEMS)["PHQ9"]
    out = frame[["client_id", "measure", "administered_on"]].assign(
        score=score, severity=pd.cut(score, bins=BANDS, labels=LABELS)
    )
    out.to_csv(target, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
