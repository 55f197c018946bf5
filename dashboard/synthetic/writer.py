"""Write a generation as CSV files, a manifest and a README, byte for byte the same each time."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.synthetic.cohort import SITES
from dashboard.synthetic.data import GENERATOR_VERSION, SyntheticData

#: The CSV files, in the order the README describes them.
CSV_FILES = (
    "clinicians.csv",
    "episodes.csv",
    "client_attributes.csv",
    "care_levels.csv",
    "attendance.csv",
    "administrations.csv",
)
MANIFEST = "manifest.json"
README = "README.md"


def write_fixtures(data: SyntheticData, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every file of ``data`` into ``out_dir`` (created if needed); return the paths.

    Examples
    --------
    >>> import datetime as dt, tempfile
    >>> from dashboard.synthetic import generate
    >>> data = generate(clients=20, seed=3, as_of=dt.date(2026, 11, 26))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in write_fixtures(data, folder)][-2:]
    ['manifest.json', 'README.md']
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "clinicians.csv": data.clinicians,
        "episodes.csv": data.episodes,
        "client_attributes.csv": data.client_attributes,
        "care_levels.csv": data.care_levels,
        "attendance.csv": data.attendance,
        "administrations.csv": administrations_as_written(data),
    }
    paths = []
    for name in CSV_FILES:
        path = folder / name
        frames[name].write_csv(path, line_terminator="\n")
        paths.append(path)
    content = manifest_of(data)
    manifest = folder / MANIFEST
    manifest.write_bytes((json.dumps(content, indent=2) + "\n").encode())
    readme = folder / README
    readme.write_bytes(readme_of(data, content).encode())
    return [*paths, manifest, readme]


def administrations_as_written(data: SyntheticData) -> pl.DataFrame:
    """The administration frame with the text of the ``text_in_item`` bad rows put back."""
    frame = data.administrations
    texts = data.bad_rows.filter(pl.col("kind") == "text_in_item")
    for (column,), cells in texts.group_by("column", maintain_order=True):
        name = str(column)
        values = frame[name].cast(pl.String)
        values.scatter(cells["line"] - 2, cells["value"])
        frame = frame.with_columns(values.alias(name))
    return frame


def manifest_of(data: SyntheticData) -> dict[str, Any]:
    """What was generated, from which arguments, and which rows are bad on purpose."""
    episodes = data.episodes
    active = episodes.filter(pl.col("discharged_on").is_null())
    by_site = {
        site: data.clinicians.filter(pl.col("site") == site)["clinician_id"].to_list()
        for site in SITES
    }
    bad_rows = data.bad_rows.with_columns(pl.col("administered_on").cast(pl.String))
    return {
        "generator": "dashboard.synthetic",
        "generator_version": GENERATOR_VERSION,
        "command": data.command,
        "seed": data.seed,
        "as_of": data.as_of.isoformat(),
        "clients": data.clients,
        "instruments": list(data.instruments),
        "rows": {
            "clinicians.csv": data.clinicians.height,
            "episodes.csv": episodes.height,
            "client_attributes.csv": data.client_attributes.height,
            "care_levels.csv": data.care_levels.height,
            "attendance.csv": data.attendance.height,
            "administrations.csv": data.administrations.height,
        },
        "episodes": {
            "active_at_as_of": active.height,
            "by_track": _counts(episodes, "track"),
            "by_discharge_reason": _counts(
                episodes.drop_nulls("discharge_reason"), "discharge_reason"
            ),
            "by_trajectory": _counts(data.trajectories, "trajectory"),
        },
        "administrations_by_measure": _counts(
            data.administrations.with_columns(pl.col("measure").cast(pl.String)), "measure"
        ),
        "demo_client_id": data.demo_client_id,
        "demo_episode_id": data.demo_episode_id,
        "clinicians_by_site": by_site,
        "bad_rows_by_kind": _counts(data.bad_rows, "kind"),
        "bad_rows": bad_rows.to_dicts(),
    }


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counts = frame.group_by(column).len().sort(column)
    return {str(key): int(n) for key, n in counts.iter_rows()}


#: What one row of each file is, for the README.
FILE_CONTENTS = {
    "clinicians.csv": "clinician: clinician_id, display_name, site",
    "episodes.csv": "episode: client_id, display_name, site, track, clinician_id, episode_id, "
    "admitted_on, discharged_on and discharge_reason (completed, stepped_down, left_early, "
    "stepped_up, other; both blank while the episode is active)",
    "client_attributes.csv": "client: client_id, age_band, gender, primary_substance "
    "(none on the mental-health track), payer; a few gender and payer cells blank "
    "(not recorded)",
    "care_levels.csv": "level-of-care change: client_id, episode_id, changed_on, level_of_care "
    "(php, iop, op), reason; iop on admission, php when stepped up, op when stepped down",
    "attendance.csv": "scheduled session: client_id, episode_id, session_on, session_type "
    "(group, individual, family), attended (true, false)",
    "administrations.csv": "administration, in the wide format of `iop score`: client_id, "
    "measure, administered_on, item_1 ... item_N (blank = missing), sorted by "
    "administered_on then client_id",
}


def readme_of(data: SyntheticData, manifest: dict[str, Any]) -> str:
    """The fixtures folder's README: what each file holds and how it was made."""
    rows = manifest["rows"]
    table = "\n".join(
        f"| `{name}` | {rows[name]:,} | {FILE_CONTENTS[name]} |" for name in CSV_FILES
    )
    kinds = "\n".join(f"- {kind}: {n}" for kind, n in manifest["bad_rows_by_kind"].items())
    return f"""# Synthetic IOP fixtures

Entirely fictional data from the deterministic generator in `dashboard/synthetic/`,
version {GENERATOR_VERSION}. Every name is made up from word lists; no row describes
a real person. Generated with

    {data.command}

into the folder given by `--out` (default `data/fixtures`). The same command gives
byte-identical files; `tests/synthetic/test_generator.py` checks that this copy
matches a fresh generation.

{data.clients:,} clients at two sites ({" and ".join(SITES)}) in three tracks
(substance_use, mental_health, co_occurring), admitted over the 18 months before
{data.as_of}, the reference "today": no date is later, except in the deliberate
future-dated rows below. Clients attend 3-5 program days a week (Monday to Friday)
for 6-12 weeks. Some respond, some respond slowly, some do not respond, some
deteriorate and some drop out within three weeks; discharge reasons follow.

| File | Rows | One row per |
|---|---|---|
{table}
| `manifest.json` | | arguments, counts, demo client, clinicians per site, bad rows |

Measures: the daily 0-10 ratings on attended program days (mood_nrs for everyone,
craving_nrs and confidence_nrs in the substance_use and co_occurring tracks); PHQ-9
and GAD-7 weekly; WHO-5 and GSE every two weeks; PACS weekly and BAM-R at admission
and every four weeks in the substance_use and co_occurring tracks. Weekly and
two-weekly measures are given on the first attended program day of the week, and
some due measures were not done. About 1.5 % of multi-item administrations miss one
item and a few miss three to five; PHQ-9 item 9 is endorsed now and then.

Deliberate bad rows in `administrations.csv`, for the import and validation tests
(each listed in `manifest.json` under `bad_rows` with its line number, the header
being line 1, and what is wrong with it; every other row is valid):

{kinds}

Demo client: {data.demo_client_id} (episode {data.demo_episode_id}), an active
co-occurring client about six weeks in who is responding to treatment.
"""
