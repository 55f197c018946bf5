"""The suppression engine: what is withheld, what is shown, and what it refuses."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from dashboard.privacy import (
    SMALL_CELL,
    TOTAL,
    CubeSpec,
    Dimension,
    Split,
    Summary,
    SuppressionError,
    release_of,
)
from dashboard.privacy.cube import build_cube
from dashboard.privacy.suppress import check, primary
from tests.privacy.attacker import attack
from tests.privacy.views import observe_release, splits_of


def sites(counts: dict[str, int], **columns: list[object]) -> pl.DataFrame:
    """Episodes at sites: ``counts`` episodes each, extra columns row by row."""
    frame = pl.DataFrame({"site": [s for s, n in counts.items() for _ in range(n)]})
    return frame.with_columns(**{k: pl.Series(v) for k, v in columns.items()})


SITE = Dimension("site", ("site",))


def test_the_cms_threshold_is_the_default_and_cited():
    import inspect

    import dashboard.privacy.cube as cube

    assert SMALL_CELL == 11
    assert "resdac.org/articles/cms-cell-size-suppression-policy" in inspect.getsource(cube)


def test_counts_from_1_to_10_are_withheld_and_0_and_11_are_shown():
    frame = sites({"A": 1, "B": 10, "C": 11, "D": 40})
    release = release_of(frame, CubeSpec("episodes", (SITE,)))
    assert release.table({"site": "site"}).rows() == [
        ("A", None),
        ("B", None),
        ("C", 11),
        ("D", 40),
    ]
    assert release.table({"site": TOTAL}).rows() == [("All", 62)]


def test_a_zero_is_shown_and_never_withheld():
    frame = pl.DataFrame({"site": ["A"] * 20 + ["B"] * 3, "track": ["x"] * 20 + ["y"] * 3})
    spec = CubeSpec("episodes", (SITE, Dimension("track", ("track",))))
    release = release_of(frame, spec)
    table = release.table({"site": "site", "track": "track"})
    zeros = table.filter(
        ((pl.col("site") == "A") & (pl.col("track") == "y"))
        | ((pl.col("site") == "B") & (pl.col("track") == "x"))
    )
    assert zeros["episodes"].to_list() == [0, 0]


def test_the_threshold_is_configurable():
    frame = sites({"A": 4, "B": 30, "C": 30})
    assert release_of(frame, CubeSpec("episodes", (SITE,), threshold=5)).table(
        {"site": "site"}
    ).rows()[0] == ("A", None)
    assert release_of(frame, CubeSpec("episodes", (SITE,), threshold=4)).table(
        {"site": "site"}
    ).rows() == [("A", 4), ("B", 30), ("C", 30)]


def test_the_issues_subtraction_is_closed_a_small_share_withholds_a_second_cell_of_its_row():
    """Hillcrest completed 58 of 98 (59%); by track 21 of 32 and 19 of 40 shown, so the Mental
    health track's 18 of 26 followed by subtraction. Now a second track is withheld too."""
    frame = pl.DataFrame(
        {
            "site": ["Hillcrest"] * 98,
            "track": ["Co-occurring"] * 32 + ["Substance use"] * 40 + ["Mental health"] * 26,
            "completed": [True] * 21
            + [False] * 11
            + [True] * 19
            + [False] * 21
            # Mental health: 18 of 26 completed, 8 not: a small count
            + [True] * 18
            + [False] * 8,
        }
    )
    spec = CubeSpec(
        "episodes",
        (SITE, Dimension("track", ("track",))),
        (Split.binary("completed", parent="episodes", column="completed"),),
    )
    release = release_of(frame, spec)
    by_track = release.table({"site": "site", "track": "track"})
    completed = dict(zip(by_track["track"], by_track["completed"], strict=True))
    assert completed["Mental health"] is None
    assert sum(v is None for v in completed.values()) >= 2
    assert release.table({"site": "site", "track": TOTAL})["completed"].to_list() == [58]
    assert attack(observe_release(release), splits_of(spec), threshold=11) == []


def test_a_withheld_count_withholds_its_summaries():
    frame = sites({"A": 3, "B": 30, "C": 30}, weeks=[1.0] * 3 + [8.0] * 60)
    spec = CubeSpec(
        "episodes", (SITE,), summaries=(Summary("median", "episodes", pl.col("weeks").median()),)
    )
    table = release_of(frame, spec).table({"site": "site"})
    for row in table.iter_rows(named=True):
        assert (row["episodes"] is None) == (row["median"] is None)
    assert release_of(frame, spec).table({"site": TOTAL})["median"].to_list() == [8.0]


def test_a_hidden_population_never_comes_out():
    frame = sites({"A": 30, "B": 30}, scored=[True] * 50 + [False] * 10)
    split = Split(
        "episodes", "scored", ((True, "scored"), (False, "unscored")), hidden=("scored", "unscored")
    )
    table = release_of(frame, CubeSpec("episodes", (SITE,), (split,))).table({"site": "site"})
    assert table.columns == ["site", "episodes"]


def test_a_split_that_does_not_add_up_is_refused():
    frame = sites({"A": 12}, done=[True] * 11 + [None])
    spec = CubeSpec("episodes", (SITE,), (Split.binary("done", parent="episodes", column="done"),))
    with pytest.raises(ValueError, match="1 member\\(s\\) with none of its values"):
        release_of(frame, spec)


def test_a_level_that_does_not_nest_is_refused():
    frame = pl.DataFrame({"quarter": ["2026 Q1", "2026 Q1"], "year": ["2026", "2025"]})
    spec = CubeSpec("episodes", (Dimension("period", ("quarter", "year"), total=None),))
    with pytest.raises(ValueError, match="a quarter lies in two years"):
        release_of(frame, spec)


def test_a_population_named_like_a_dimension_is_refused():
    frame = sites({"A": 12}, site_done=[True] * 12)
    spec = CubeSpec(
        "episodes", (SITE,), (Split.binary("site", parent="episodes", column="site_done"),)
    )
    with pytest.raises(ValueError, match="named like a dimension"):
        release_of(frame, spec)


def test_the_check_refuses_a_relation_with_one_withheld_member():
    cube = build_cube(sites({"A": 3, "B": 30}), CubeSpec("episodes", (SITE,)))
    alone = primary(cube.counts, cube.axes, threshold=11)
    with pytest.raises(SuppressionError, match="could be derived"):
        check(alone, cube.axes)


def test_the_release_does_not_depend_on_the_order_of_the_rows():
    frame = pl.DataFrame(
        {
            "site": ["A", "B", "C"] * 20 + ["A"] * 3,
            "done": [True, False, True, True] * 15 + [True] * 3,
        }
    )
    spec = CubeSpec("episodes", (SITE,), (Split.binary("done", parent="episodes", column="done"),))
    first = release_of(frame, spec).withheld
    again = release_of(frame.reverse(), spec).withheld
    assert np.array_equal(first, again)


def test_rates_and_their_denominators_are_withheld_together_across_statistics():
    """Recovery and reliable recovery share a denominator: one pattern for both."""
    frame = sites(
        {"A": 30, "B": 30, "C": 30},
        case=[True] * 25 + [False] * 5 + [True] * 30 + [True] * 30,
        recovered=([True] * 12 + [False] * 13 + [None] * 5)
        + [True] * 15
        + [False] * 15
        + [True] * 20
        + [False] * 10,
    )
    frame = frame.with_columns(reliably=pl.col("recovered"))
    spec = CubeSpec(
        "episodes",
        (SITE,),
        (
            Split.binary("case", parent="episodes", column="case"),
            Split.binary("recovered", parent="case", column="recovered"),
            Split.binary("reliably", parent="case", column="reliably"),
        ),
    )
    release = release_of(frame, spec)
    table = release.table({"site": "site"})
    a = table.filter(pl.col("site") == "A").row(0, named=True)
    assert a["case"] is None  # 5 not cases at start: the denominator is withheld...
    assert a["recovered"] is None or a["reliably"] is None or a["case"] is None  # ...so the rates
    assert attack(observe_release(release), splits_of(spec), threshold=11) == []


def test_the_engine_benchmark_script_runs(capsys):
    """``python -m benchmarks.privacy_engine`` stays runnable (untimed here)."""
    from benchmarks import privacy_engine

    outcomes = privacy_engine.synthetic_outcomes(300, sites=2, tracks=3, years=1, seed=1)
    assert outcomes.height == 300
    privacy_engine.main(["--episodes", "300", "--repeats", "1", "--years", "1", "--sites", "2"])
    line = capsys.readouterr().out.strip()
    assert line.startswith("300 episodes, 2 sites x 5 tracks x 1 years: release ")
