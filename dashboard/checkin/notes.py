"""What check-in notes add up to: the triggers that came up and the coping that helped."""

from __future__ import annotations

import polars as pl

#: The category of a trigger the client wrote in their own words.
OWN_WORDS = "own words"


def trigger_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """How often each trigger came up, most first (``trigger``, ``own_words``, ``times``).

    A trigger is its category, or for one written in the client's own words the
    words themselves (as written, spaces trimmed), so the summary says what the
    client said rather than "own words".

    Examples
    --------
    >>> social = {"category": "social", "text": ""}
    >>> payday = {"category": OWN_WORDS, "text": "payday "}
    >>> notes = pl.DataFrame({"triggers": [[social, payday], [social]]})
    >>> trigger_summary(notes).rows()
    [('social', False, 2), ('payday', True, 1)]
    """
    rows = notes.select(pl.col("triggers")).explode("triggers").drop_nulls().unnest("triggers")
    if rows.is_empty():
        return pl.DataFrame(
            schema={"trigger": pl.String, "own_words": pl.Boolean, "times": pl.UInt32}
        )
    own = pl.col("category") == OWN_WORDS
    return (
        rows.with_columns(
            pl.when(own)
            .then(pl.col("text").str.strip_chars())
            .otherwise("category")
            .alias("trigger"),
            own.alias("own_words"),
        )
        .filter(pl.col("trigger").is_not_null() & (pl.col("trigger") != ""))
        .group_by("trigger", "own_words")
        .agg(pl.len().alias("times"))
        .sort(["times", "trigger"], descending=[True, False])
    )


def coping_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """Each coping action: times used, and what the client said about whether it helped.

    ``helped``, ``somewhat`` and ``not_helped`` count the answers "yes",
    "somewhat" and "no"; ``not_answered`` the times "did it help?" was left
    blank, which is no answer, never a "no".

    Examples
    --------
    >>> notes = pl.DataFrame(
    ...     {
    ...         "coping": [
    ...             [{"action": "Walk", "helped": "yes"}, {"action": "Call", "helped": ""}],
    ...             [{"action": "Walk", "helped": "no"}],
    ...         ]
    ...     }
    ... )
    >>> coping_summary(notes).rows()
    [('Walk', 2, 1, 0, 1, 0), ('Call', 1, 0, 0, 0, 1)]
    """
    columns = ("used", "helped", "somewhat", "not_helped", "not_answered")
    rows = notes.select(pl.col("coping")).explode("coping").drop_nulls().unnest("coping")
    if rows.is_empty():
        return pl.DataFrame(schema={"action": pl.String} | dict.fromkeys(columns, pl.UInt32))
    said = pl.col("helped").fill_null("")
    return (
        rows.group_by("action")
        .agg(
            pl.len().alias("used"),
            (said == "yes").sum().alias("helped"),
            (said == "somewhat").sum().alias("somewhat"),
            (said == "no").sum().alias("not_helped"),
            (said == "").sum().alias("not_answered"),
        )
        .with_columns(pl.col(c).cast(pl.UInt32) for c in columns)
        .sort(["helped", "used", "action"], descending=[True, True, False])
    )


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def trigger_words(summary: pl.DataFrame) -> str:
    """The triggers of :func:`trigger_summary` in a sentence for the client ('' if none).

    Examples
    --------
    >>> summary = pl.DataFrame(
    ...     {"trigger": ["social", "payday"], "own_words": [False, True], "times": [3, 1]}
    ... )
    >>> trigger_words(summary)
    'Triggers that came up most: social (3 times), "payday" (once, in your words).'
    """
    if summary.is_empty():
        return ""
    parts = [
        f'"{trigger}" ({_times(times)}, in your words)' if own else f"{trigger} ({_times(times)})"
        for trigger, own, times in summary.select("trigger", "own_words", "times").iter_rows()
    ]
    return f"Triggers that came up most: {', '.join(parts)}."


def coping_words(summary: pl.DataFrame) -> list[str]:
    """One line per coping action of :func:`coping_summary`, in plain words for the client.

    Examples
    --------
    >>> summary = pl.DataFrame(
    ...     {
    ...         "action": ["Walk"],
    ...         "used": [4],
    ...         "helped": [2],
    ...         "somewhat": [1],
    ...         "not_helped": [0],
    ...         "not_answered": [1],
    ...     }
    ... )
    >>> coping_words(summary)
    ['Walk: used 4 times. It helped twice and helped somewhat once. Once you did not say.']
    """
    lines = []
    for row in summary.iter_rows(named=True):
        said = [
            f"{words} {_times(row[column])}"
            for column, words in (
                ("helped", "helped"),
                ("somewhat", "helped somewhat"),
                ("not_helped", "did not help"),
            )
            if row[column]
        ]
        line = f"{row['action']}: used {_times(row['used'])}."
        if said:
            line += " It " + " and ".join(said) + "."
        if row["not_answered"]:
            line += f" {_times(row['not_answered']).capitalize()} you did not say."
        lines.append(line)
    return lines
