"""Days of substance use from the BAM-R's day items, and abstinence over its 30-day recall."""

from __future__ import annotations

import polars as pl

from measures.catalog import Catalog
from measures.definition import Source

#: The instrument the substance-use outcomes are read from.
USE_MEASURE = "bam_r"
#: Its items asked as days of use in the past 30 days: "Days drank any alcohol" (item 4)
#: and "Days used illegal drugs or misused prescription drugs" (item 6), on the VA form.
USE_DAY_ITEMS = ("item_4", "item_6")
#: The columns :func:`use_days` adds.
USE_COLUMNS = ("use_days_low", "use_days_high", "abstinent")
#: Where the items, their 30-day recall and their day bins come from (the instrument's own
#: ``va_form`` source; the bounds below are arithmetic on those bins, not a published rule).
USE_SOURCE_KEY = "va_form"


def use_source(catalog: Catalog) -> Source:
    """The source of the day items and their bins, as the instrument definition cites it.

    Examples
    --------
    >>> from measures import load_catalog
    >>> use_source(load_catalog()).label
    'VA, Brief Addiction Monitor form'
    """
    return catalog[USE_MEASURE].source(USE_SOURCE_KEY)


def use_days(scored: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Days with any alcohol or drug use in the past 30 days, as bounds, per administration.

    The form records each day item as a bin (0, 1-3, 4-8, 9-15 or 16-30 days, coded
    0-4), so the days of any use are known only within bounds: at least the larger of
    the two items' lower bounds (the days overlap at most completely) and at most the
    sum of their upper bounds, capped at the 30 days asked about (they overlap not at
    all). ``abstinent``: neither alcohol nor drugs on any day (both items 0 days), the
    only bin that is exact. All three are null where either item is unanswered. Rows of
    other instruments are left out.

    Examples
    --------
    >>> from measures import load_catalog
    >>> scored = pl.DataFrame({"measure": ["bam_r", "bam_r", "bam_r", "phq9"],
    ...                        "item_4": [0, 2, 4, None], "item_6": [0, 1, 4, None]})
    >>> use_days(scored, load_catalog()).select(USE_COLUMNS).rows()
    [(0, 0, True), (4, 11, False), (16, 30, False)]
    """
    bins = catalog[USE_MEASURE].day_bins
    if bins is None:
        msg = f"{USE_MEASURE} has no day bins"
        raise ValueError(msg)
    lows = {b.code: b.min for b in bins.bins}
    highs = {b.code: b.max for b in bins.bins}
    items = [pl.col(item).cast(pl.Int64) for item in USE_DAY_ITEMS]
    low = pl.max_horizontal(i.replace_strict(lows, default=None) for i in items)
    high = pl.min_horizontal(
        pl.sum_horizontal(i.replace_strict(highs, default=None) for i in items),
        pl.lit(bins.max_days),
    )
    answered = pl.all_horizontal(i.is_not_null() for i in items)
    rows = scored.filter(pl.col("measure") == USE_MEASURE)
    return rows.with_columns(
        pl.when(answered).then(low).cast(pl.Int64).alias("use_days_low"),
        pl.when(answered).then(high).cast(pl.Int64).alias("use_days_high"),
        pl.when(answered).then(pl.all_horizontal(i == 0 for i in items)).alias("abstinent"),
    )
