"""The result of one generation: every table as a polars frame, and the demo ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from dashboard.synthetic.schedule import MEASURES

#: Bumped whenever the same arguments would give different files.
GENERATOR_VERSION = "2"


@dataclass(frozen=True)
class SyntheticData:
    """Everything one generation produced, as polars frames in file order.

    ``administrations`` has item columns as Int8 (null = missing); the cells of
    the ``text_in_item`` bad rows are null there and hold the text listed in
    ``bad_rows`` in the CSV. ``trajectories`` is the hidden truth per episode
    (never written to the CSV files).
    """

    seed: int
    as_of: dt.date
    clients: int
    instruments: tuple[str, ...]
    clinicians: pl.DataFrame
    episodes: pl.DataFrame
    client_attributes: pl.DataFrame
    care_levels: pl.DataFrame
    attendance: pl.DataFrame
    administrations: pl.DataFrame
    bad_rows: pl.DataFrame
    trajectories: pl.DataFrame
    demo_client_id: str
    demo_episode_id: str

    @property
    def command(self) -> str:
        """The ``iop fixtures`` command that generates these files (into ``--out``).

        Examples
        --------
        >>> import polars as pl
        >>> empty = pl.DataFrame()
        >>> SyntheticData(7, dt.date(2026, 1, 5), 10, ("phq9",), *[empty] * 8,
        ...               "C0001", "E0001").command
        'iop fixtures --clients 10 --seed 7 --as-of 2026-01-05 --instruments phq9'
        """
        command = f"iop fixtures --clients {self.clients} --seed {self.seed} --as-of {self.as_of}"
        if self.instruments != MEASURES:
            command += f" --instruments {','.join(self.instruments)}"
        return command
