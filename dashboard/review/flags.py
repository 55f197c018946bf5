"""Safety flags: endorsed and unknown safety answers per client, instrument and day, followed up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from dashboard.review.follow_up_options import ACTIONS, CLOSING, ELEVATED, OUTCOMES
from measures import Catalog, Instrument

#: What identifies a flag (the follow-ups' key too).
FLAG_KEY = ["client_id", "measure", "kind", "flagged_on"]
ENDORSED, UNKNOWN = "endorsed", "unknown"
_ACTION_LABELS = {a.key: a.label for a in ACTIONS}
_OUTCOME_LABELS = {o.key: o.label for o in OUTCOMES}

FLAG_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.String(),
    "measure": pl.String(),
    "kind": pl.String(),
    "flagged_on": pl.Date(),
    "flagged_at": pl.Datetime("us"),
    "administration_id": pl.Int64(),
    "item": pl.String(),
    "value": pl.Int64(),
    "answer": pl.String(),
    "pending": pl.Boolean(),
    "given": pl.String(),
    "acknowledged_by": pl.String(),
    "acknowledged_at": pl.Datetime("us"),
    "follow_ups": pl.UInt32(),
    "action": pl.String(),
    "outcome": pl.String(),
    "risk_level": pl.String(),
    "followed_up_by": pl.String(),
    "followed_up_at": pl.Datetime("us"),
    "follow_up_note": pl.String(),
    "closed": pl.Boolean(),
    "elevated": pl.Boolean(),
}


def safety_flags(
    scored: pl.DataFrame,
    catalog: Catalog,
    *,
    pending: pl.DataFrame,
    follow_ups: pl.DataFrame,
    acknowledgements: pl.DataFrame,
) -> pl.DataFrame:
    """One row per flag (:data:`FLAG_KEY`): a safety item answered above its threshold
    (in ``scored``, or in ``pending``: answers of a check-in as they were given), or
    an administration of an instrument with safety items whose ``critical`` is null
    (kind ``unknown``: an item unanswered, a total only). ``pending``: the answer is
    in no saved administration; ``given`` says why (the check-in not finished, or
    the answer changed before it was saved). An instrument without
    safety items never asked: it raises no flag. Each flag has its latest follow-up
    (``closed`` when that one's outcome closes it, ``elevated`` when any found
    elevated risk) and any old acknowledgement (history: it closes nothing).
    """
    parts = [_endorsed(scored, catalog), _unknown(scored, catalog), _pending(pending, catalog)]
    raised = pl.concat([p for p in parts if not p.is_empty()] or [parts[0]], how="diagonal")
    if raised.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    flags = (
        raised.with_columns(pl.col("at").dt.date().alias("flagged_on"))
        .sort("at")
        .group_by(FLAG_KEY, maintain_order=True)
        .agg(
            pl.col("at").min().alias("flagged_at"),
            pl.col("administration_id").drop_nulls().first(),
            pl.col("item").unique(maintain_order=True).sort().str.join(", "),
            pl.col("value").max(),
            pl.col("administration_id").is_null().all().alias("pending"),
        )
    )
    flags = flags.with_columns(_item_text(catalog), _answer_text(catalog))
    saved = scored.select(
        "client_id", "measure", pl.col("administered_at").dt.date().alias("flagged_on")
    ).unique()
    flags = flags.join(
        saved.with_columns(pl.lit(True).alias("saved")),
        on=["client_id", "measure", "flagged_on"],
        how="left",
    ).with_columns(
        pl.when(~pl.col("pending"))
        .then(None)
        .when(pl.col("saved"))
        .then(pl.lit("changed before the check-in was saved"))
        .otherwise(pl.lit("check-in not finished"))
        .alias("given")
    )
    return (
        flags.join(_latest(follow_ups), on=FLAG_KEY, how="left")
        .join(acknowledgements.drop("ack_note", strict=False), on="administration_id", how="left")
        .with_columns(
            pl.col("follow_ups").fill_null(0),
            pl.col("closed").fill_null(False),
            pl.col("elevated").fill_null(False),
        )
        .select(list(FLAG_SCHEMA))
        .cast(pl.Schema(FLAG_SCHEMA))
        .sort("flagged_at")
    )


def _checked(catalog: Catalog) -> list[Instrument]:
    return [i for i in catalog if i.critical_items]


def _endorsed(scored: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    parts = []
    for instrument in _checked(catalog):
        for critical in instrument.critical_items:
            if critical.item not in scored.columns:
                continue
            rows = scored.filter(
                (pl.col("measure") == instrument.id) & (pl.col(critical.item) > critical.above)
            )
            parts.append(
                rows.select(
                    "client_id",
                    "measure",
                    pl.lit(ENDORSED).alias("kind"),
                    pl.col("administered_at").alias("at"),
                    pl.col("administration_id").cast(pl.Int64),
                    pl.lit(critical.item).alias("item"),
                    pl.col(critical.item).cast(pl.Int64).alias("value"),
                )
            )
    return pl.concat(parts) if parts else _empty()


def _unknown(scored: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    checked = [i.id for i in _checked(catalog)]
    if "critical" not in scored.columns or scored.is_empty():
        return _empty()
    return scored.filter(pl.col("measure").is_in(checked) & pl.col("critical").is_null()).select(
        "client_id",
        "measure",
        pl.lit(UNKNOWN).alias("kind"),
        pl.col("administered_at").alias("at"),
        pl.col("administration_id").cast(pl.Int64),
        pl.lit(None, pl.String).alias("item"),
        pl.lit(None, pl.Int64).alias("value"),
    )


def _pending(pending: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    if pending.is_empty():
        return _empty()
    checked = [i.id for i in _checked(catalog)]
    return pending.filter(pl.col("measure").is_in(checked)).select(
        "client_id",
        "measure",
        pl.lit(ENDORSED).alias("kind"),
        pl.col("answered_at").alias("at"),
        pl.lit(None, pl.Int64).alias("administration_id"),
        "item",
        pl.col("value").cast(pl.Int64),
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "client_id": pl.String,
            "measure": pl.String,
            "kind": pl.String,
            "at": pl.Datetime("us"),
            "administration_id": pl.Int64,
            "item": pl.String,
            "value": pl.Int64,
        }
    )


def _item_text(catalog: Catalog) -> pl.Expr:
    """ "PHQ-9 item 9"; "C-SSRS Screener items 4, 5"; the safety items of an unknown."""
    names = {i.id: i.abbreviation for i in catalog}
    safety_items = {
        i.id: ", ".join(c.item.removeprefix("item_") for c in i.critical_items)
        for i in _checked(catalog)
    }
    items = (
        pl.when(pl.col("kind") == UNKNOWN)
        .then(pl.col("measure").replace_strict(safety_items, default=""))
        .otherwise(pl.col("item").str.replace_all("item_", ""))
    )
    word = pl.when(items.str.contains(",")).then(pl.lit("items")).otherwise(pl.lit("item"))
    return pl.format(
        "{} {} {}", pl.col("measure").replace_strict(names, default=pl.col("measure")), word, items
    ).alias("item")


def _answer_text(catalog: Catalog) -> pl.Expr:
    """The answer in words: "2 (More than half the days)"; "unanswered" for an unknown."""
    labels = {}
    for instrument in _checked(catalog):
        for critical in instrument.critical_items:
            item = instrument.item(critical.item)
            for value in item.allowed_values:
                anchor = item.option_label(value)
                labels[f"{instrument.id}|{value}"] = f"{value} ({anchor})" if anchor else str(value)
    key = pl.format("{}|{}", "measure", "value")
    return (
        pl.when(pl.col("kind") == UNKNOWN)
        .then(pl.lit("unanswered (safety unknown)"))
        .otherwise(key.replace_strict(labels, default=pl.col("value").cast(pl.String)))
        .alias("answer")
    )


def _latest(follow_ups: pl.DataFrame) -> pl.DataFrame:
    """Per flag: how many follow-ups, the latest, whether it closes, any elevated."""
    return (
        follow_ups.sort("recorded_at", "follow_up_id")
        .group_by(FLAG_KEY)
        .agg(
            pl.len().alias("follow_ups"),
            pl.col("action").last(),
            pl.col("outcome").last(),
            pl.col("risk_level").last(),
            pl.col("recorded_by").last().alias("followed_up_by"),
            pl.col("recorded_at").last().alias("followed_up_at"),
            pl.col("note").last().alias("follow_up_note"),
            pl.col("outcome").last().is_in(list(CLOSING)).alias("closed"),
            pl.col("outcome").is_in(list(ELEVATED)).any().alias("elevated"),
        )
    )


def readiness_frames(
    flags: pl.DataFrame, follow_ups: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The flags and follow-ups as :func:`measures.readiness.assess_caseload` reads them."""
    flags = flags if flags.columns else pl.DataFrame(schema=FLAG_SCHEMA)
    if not follow_ups.columns:
        follow_ups = pl.DataFrame(
            schema={"client_id": pl.String, "measure": pl.String, "kind": pl.String}
            | {"flagged_on": pl.Date, "recorded_at": pl.Datetime("us"), "outcome": pl.String}
        )
    raised = flags.select(
        "client_id", "measure", "kind", pl.col("flagged_at").alias("administered_at")
    )
    done = follow_ups.select(
        *FLAG_KEY,
        "recorded_at",
        pl.col("outcome").is_in(list(CLOSING)).alias("closes"),
        pl.col("outcome").is_in(list(ELEVATED)).alias("elevated"),
    )
    return raised, done


def follow_up_text(flag: dict[str, Any]) -> str:
    """A flag's follow-up in one line: open, or what was done, its outcome, who and when."""
    history = ""
    if flag.get("acknowledged_at") is not None:
        by = f" by {flag['acknowledged_by']}" if flag.get("acknowledged_by") else ""
        history = f"; acknowledged{by} on {_day(flag['acknowledged_at'])} (not a follow-up)"
    if not flag.get("follow_ups"):
        return "no follow-up yet" + history
    action = _ACTION_LABELS.get(flag["action"], flag["action"])
    outcome = _OUTCOME_LABELS.get(flag["outcome"], flag["outcome"])
    by = f" by {flag['followed_up_by']}" if flag.get("followed_up_by") else ""
    done = f"{action}: {outcome}{by} on {_day(flag['followed_up_at'])}"
    if not flag.get("closed"):
        return f"still open ({done})" + history
    return f"closed: {done}" + (" (elevated risk)" if flag.get("elevated") else "") + history


def _day(moment: dt.datetime | dt.date | None) -> str:
    return f"{moment:%d %b %Y}" if moment is not None else "an unknown day"
