"""The attacker's script on the cohort page: every cohort the page can define (each block,
each site or all, each track or all), every count it prints and every table of the program
overview it shares its release with, subtracted every way: nothing withheld comes out.

A cohort of several sites or tracks is a sum of the release's cells and is printed only
when each of them is (``tests/cohorts/test_cohort_figures.py``), so it gives an attacker
nothing these single cells do not."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dashboard.auth.viewer import Role, Viewer
from dashboard.cohorts.cohort_figures import PAGE_BLOCKS, cohort_counts
from dashboard.cohorts.cohort_release import CohortData, read_cohort_data
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.overview import overview_of
from dashboard.review.outcome_queue import refresh
from measures import load_catalog
from tests.conftest import demo_program
from tests.privacy.attacker import Cell, Observation, attack
from tests.privacy.views import observe_overview, splits_of

UNTIL = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def data(demo_engine: sa.Engine) -> CohortData:
    catalog = load_catalog()
    refresh(demo_engine, catalog, demo_program(catalog))
    with demo_engine.connect() as connection:
        sites = frozenset(r[0] for r in connection.execute(sa.text("SELECT id FROM sites")))
        viewer = Viewer(
            user_id=1, username="dr", role=Role.DIRECTOR, display_name="Dr", site_ids=sites
        )
        return read_cohort_data(connection, viewer, catalog, until=UNTIL)


def observe_cohort_page(data: CohortData) -> Observation:
    """Every count of every cohort of one site or all and one track or all, in every block."""
    observation = Observation()
    sites = [None, *data.release.values("site", "site")]
    tracks = [None, *sorted(data.track_names)]
    for granularity in PAGE_BLOCKS:
        for block in data.release.values("period", granularity.value):
            first, last = Cohort(name="c", granularity=granularity, block=block).span()
            period = (first, min(last, data.until))
            for site in sites:
                for track in tracks:
                    categories = {}
                    if site is not None:
                        categories["site"] = (site,)
                    if track is not None:
                        categories["track"] = (track,)
                    cohort = Cohort(
                        name="c", granularity=granularity, block=block, categories=categories
                    )
                    name = None if track is None else data.track_names[track]
                    for population, count in cohort_counts(data, cohort).items():
                        cell = Cell(period, (site, name), population)
                        if count is None:
                            observation.withhold(cell)
                        else:
                            observation.show(cell, count)
    return observation


def test_no_cohort_of_the_page_nor_the_overview_beside_it_gives_anything_away(data):
    observation = observe_cohort_page(data)
    assert observation.shown
    assert observation.withheld
    observation.merge(observe_overview(overview_of(data.release, load_catalog(), until=UNTIL)))
    splits = splits_of(data.release.spec)
    for release in data.score_releases.values():
        splits += splits_of(release.spec)
    assert attack(observation, splits, threshold=data.release.spec.threshold) == []
