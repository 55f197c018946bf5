"""The readiness status and its reason for every client at once, from its criteria's rows.

The rules are those of :class:`measures.readiness.Readiness`, in that order; they read
the frame of one row per client and criterion that
:func:`measures.readiness.assess_caseload` builds.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from measures.readiness_criteria import CRITERIA, IMPROVING

#: The columns of a criterion's row the status reads.
STATUS_COLUMNS = (
    "client_id",
    "id",
    "label",
    "met",
    "met_at_previous_review",
    "note",
    "no_recent_data",
    "improving",
    "applicable",
)


def status_frame(
    criteria: pl.DataFrame, clients: pl.Series, *, previous_review: dt.date
) -> pl.DataFrame:
    """One row per client of ``clients`` (in that order): ``client_id``, ``status``, ``reason``.

    ``criteria`` has :data:`STATUS_COLUMNS`, each client's rows in review order
    (the order the reason names them in). A client without a row has no
    criterion that applies.
    """
    met = pl.col("met")
    # a criterion outside CRITERIA (none today) counts only where evaluated
    applicable = pl.col("applicable") & (met.is_not_null() | pl.col("id").is_in(list(CRITERIA)))
    missing = applicable & pl.col("no_recent_data")
    unevaluated = applicable & met.is_null() & ~pl.col("no_recent_data")
    not_met = applicable & met.not_().fill_null(False)
    open_ = not_met | unevaluated
    improving = open_ & pl.col("improving")
    lapsed = applicable & met.fill_null(False) & pl.col("met_at_previous_review").ne_missing(True)
    note = pl.col("note")
    described = (
        pl.when(note.is_not_null() & (note != ""))
        .then(pl.format("{} ({})", "label", note))
        .otherwise(pl.col("label"))
    )

    def names(which: pl.Expr, text: pl.Expr | None = None) -> pl.Expr:
        return (pl.col("label") if text is None else text).filter(which).str.join(", ")

    counts = criteria.group_by("client_id", maintain_order=True).agg(
        applicable.sum().alias("applicable"),
        missing.sum().alias("missing"),
        open_.sum().alias("open"),
        lapsed.sum().alias("lapsed"),
        pl.col("id").filter(open_).first().alias("first_open"),
        names(missing).alias("missing_names"),
        names(lapsed).alias("lapsed_names"),
        names(not_met & ~pl.col("improving")).alias("not_met_names"),
        names(improving).alias("improving_names"),
        names(unevaluated, described).alias("unevaluated_names"),
    )
    rows = (
        clients.cast(pl.String)
        .alias("client_id")
        .to_frame()
        .join(counts, on="client_id", how="left", maintain_order="left")
    )
    return rows.select("client_id", *_status(previous_review))


def _status(previous_review: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """The status and its reason from the counts and names of one client's criteria."""
    applicable, missing = pl.col("applicable").fill_null(0), pl.col("missing").fill_null(0)
    open_, lapsed = pl.col("open").fill_null(0), pl.col("lapsed").fill_null(0)
    groups = [
        ("not met", "not_met_names"),
        (IMPROVING, "improving_names"),
        ("not evaluated", "unevaluated_names"),
    ]
    described = pl.concat_str(
        [
            pl.when(pl.col(column) != "").then(pl.format(f"{name}: {{}}", pl.col(column)))
            for name, column in groups
        ],
        separator="; ",
        ignore_nulls=True,
    )
    count = pl.format(
        "{} {}",
        applicable,
        pl.when(applicable == 1).then(pl.lit("criterion")).otherwise(pl.lit("criteria")),
    )
    also = pl.when(open_ > 0).then(pl.format("; {}", described)).otherwise(pl.lit(""))
    single = (open_ == 1) & (pl.col("first_open") != "safety")
    status = (
        pl.when(missing > 0)
        .then(pl.lit("not enough data"))
        .when(applicable == 0)
        .then(pl.lit("not enough data"))
        .when((open_ == 0) & (lapsed == 0))
        .then(pl.lit("ready"))
        .when(open_ == 0)
        .then(pl.lit("approaching"))
        .when(single)
        .then(pl.lit("approaching"))
        .otherwise(pl.lit("not ready"))
    )
    reason = (
        pl.when(missing > 0)
        .then(pl.format("Not enough recent data for: {}{}.", "missing_names", also))
        .when(applicable == 0)
        .then(pl.lit("No criterion applies to this client."))
        .when((open_ == 0) & (lapsed == 0))
        .then(
            pl.format(
                f"All {{}} met at this review and at the previous one ({previous_review}).", count
            )
        )
        .when(open_ == 0)
        .then(
            pl.format(
                f"All {{}} met now, but not all at the previous review ({previous_review}): "
                "{} not met then.",
                count,
                "lapsed_names",
            )
        )
        .when(single)
        .then(pl.format("All but one of {} met; {}.", count, described))
        .otherwise(
            pl.format("{}{}.", described.str.slice(0, 1).str.to_uppercase(), described.str.slice(1))
        )
    )
    return status.alias("status"), reason.alias("reason")
