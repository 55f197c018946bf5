"""The weekly review's list: one compact row per client, the client pinned; a row opens
the client's review. Which client is open is kept by id, so the row follows the client
when the order changes (a follow-up moves them to another group). A caseload larger
than a page is shown a page at a time, most urgent first; the page follows "Next client"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl
import streamlit as st

from dashboard.figures.palette import band_fills
from dashboard.review.agenda import Agenda
from dashboard.review.score_cells import FALL, FALLING, RISE, RISING, STEADY
from measures import Catalog

#: Session-state keys: the open client's id (the one truth), the list widget's
#: selection, what the last run drew (the page's order, and the row it selected), the
#: page shown, and whether the page should move to the open client (after "Next client").
OPEN = "review_client"
LIST = "agenda_list"
PAGE = "agenda_list_page"
_DRAWN = "agenda_list_drawn"
_FOLLOW = "agenda_list_follow"
#: Rows per page: a caseload up to this size is one list. Drawing a row's styled cells
#: costs the server about 0.2 ms, so a whole program's 5,000 clients in one list would
#: take a second on every run of the page.
PAGE_ROWS = 500

#: Headings of the columns shown on demand (the table's column menu), in order.
ON_DEMAND = {
    "client_id": "Id",
    "priority_label": "Group",
    "program_week": "Week",
    "track": "Track",
    "clinician": "Clinician",
    "attendance_2w": "Attendance, 2 weeks",
    "flags": "Flags",
    "readiness": "Step-down readiness",
    "decision": "Decision this week",
    "plan": "Relapse-prevention plan",
}
ROW_HEIGHT = 35
#: Column widths in pixels: at 1280 x 800 the list fits beside the client's review.
CLIENT_WIDTH, WHY_WIDTH, SCORE_WIDTH = 120, 165, 52
#: Rows drawn before the list scrolls inside itself (a caseload of 30 scrolls a little).
VISIBLE_ROWS = 18
_TEXT = "color: #262730"  # the pinned column in the text colour, not the index's grey


@dataclass(frozen=True)
class Drawn:
    """What a run drew: the clients in list order and the row it showed selected."""

    order: tuple[str, ...]
    row: int | None


def picked_client(state: Any, drawn: Drawn | None) -> str | None:
    """The client a person picked in the list since the last run, or None.

    ``state`` is the list's selection (a row, or a cell: a click anywhere on a row
    picks it); a selection that is the row the last run drew picks nothing new.

    Examples
    --------
    >>> drawn = Drawn(("C1", "C2", "C3"), 0)
    >>> picked_client({"selection": {"rows": [2], "cells": []}}, drawn)
    'C3'
    >>> picked_client({"selection": {"rows": [], "cells": [[1, "PHQ-9"]]}}, drawn)
    'C2'
    >>> picked_client({"selection": {"rows": [0], "cells": []}}, drawn) is None
    True
    """
    if drawn is None or not isinstance(state, dict):
        return None
    selection = state.get("selection") or {}
    rows = list(selection.get("rows") or [])
    cells = [cell[0] for cell in selection.get("cells") or []]
    picked = next((r for r in [*rows, *cells] if r != drawn.row), None)
    if picked is None or not 0 <= int(picked) < len(drawn.order):
        return None
    return drawn.order[int(picked)]


def open_client(agenda: Agenda) -> tuple[str | None, int]:
    """The client whose review is open (picked in the list, or kept from before while
    they are on the filtered list) and the page of the list to draw; the list's
    selection is set to their row when it is on that page."""
    order = tuple(agenda.rows["client_id"].to_list())
    picked = picked_client(st.session_state.get(LIST), st.session_state.get(_DRAWN))
    if picked is not None:
        st.session_state[OPEN] = picked
    client = st.session_state.get(OPEN)
    if client not in order:
        st.session_state.pop(OPEN, None)
        client = None
    place = order.index(client) if client is not None else None
    page = st.session_state.get(PAGE, 0)
    if st.session_state.pop(_FOLLOW, False) and place is not None:
        page = place // PAGE_ROWS
    page = min(max(int(page), 0), page_count(len(order)) - 1)
    st.session_state[PAGE] = page
    start, stop = page_bounds(len(order), page)
    row = place - start if place is not None and start <= place < stop else None
    st.session_state[LIST] = {
        "selection": {"rows": [] if row is None else [row], "columns": [], "cells": []}
    }
    st.session_state[_DRAWN] = Drawn(order[start:stop], row)
    return client, page


def page_count(rows: int) -> int:
    """Pages of the list for ``rows`` clients (at least one).

    Examples
    --------
    >>> page_count(0), page_count(PAGE_ROWS), page_count(PAGE_ROWS + 1)
    (1, 1, 2)
    """
    return max(1, -(-rows // PAGE_ROWS))


def page_bounds(rows: int, page: int) -> tuple[int, int]:
    """The first and past-the-last row of ``page`` (from 0) of a list of ``rows``.

    Examples
    --------
    >>> page_bounds(1_234, 2)
    (1000, 1234)
    """
    start = page * PAGE_ROWS
    return start, min(start + PAGE_ROWS, rows)


def go_to(client: str | None) -> None:
    """Open ``client``'s review (a button's callback: before the list is drawn); the list
    turns to the page they are on."""
    if client is not None:
        st.session_state[OPEN] = client
        st.session_state[_FOLLOW] = True


def turn_to(page: int) -> None:
    """Show ``page`` of the list (a button's callback); the open review stays open."""
    st.session_state[PAGE] = page


def neighbours(agenda: Agenda, client: str) -> tuple[str | None, str | None, int]:
    """The clients before and after ``client`` in agenda order, and ``client``'s place."""
    order = agenda.rows["client_id"].to_list()
    place = order.index(client)
    before = order[place - 1] if place > 0 else None
    after = order[place + 1] if place + 1 < len(order) else None
    return before, after, place + 1


def draw_list(agenda: Agenda, catalog: Catalog, *, page: int = 0) -> None:
    """The list: client (pinned), why now and a compact cell for each questionnaire with
    published bands; the rest (daily ratings, attendance, flags...) on demand. ``page``
    of a caseload larger than :data:`PAGE_ROWS`, with buttons to turn the pages."""
    start, stop = page_bounds(agenda.rows.height, page)
    shown, styles = list_frame(replace(agenda, rows=agenda.rows.slice(start, stop - start)))
    measures = [c for c in shown.columns if c in set(agenda.cells["heading"].to_list())]
    banded = {
        i.abbreviation
        for i in catalog
        if not i.display.daily and i.primary is not None and i.primary.bands
    }
    config: dict[str, Any] = {
        "Client": st.column_config.TextColumn(
            pinned=True,
            width=CLIENT_WIDTH,
            help="Select a row (or any cell of it) to open the client's review beside the list.",
        ),
        "Why now": st.column_config.TextColumn(
            width=WHY_WIDTH,
            help=(
                "Why the client is at this place: their group's reason; (+2) means two more "
                "reasons hold, listed in the client's review. The order is explained under "
                "'How the agenda is ordered'."
            ),
        ),
        **{
            m: st.column_config.TextColumn(help=_cell_help(m, catalog), width=SCORE_WIDTH)
            for m in measures
        },
    }
    st.dataframe(
        shown.to_pandas().style.apply(lambda _: styles.to_pandas(), axis=None),
        key=LIST,
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        hide_index=True,
        column_order=["Client", "Why now", *(m for m in measures if m in banded)],
        column_config=config,
        row_height=ROW_HEIGHT,
        height=min(shown.height, VISIBLE_ROWS) * ROW_HEIGHT + ROW_HEIGHT + 3,
        placeholder="",
        alt="The weekly review agenda, most urgent first",
    )
    if agenda.rows.height > PAGE_ROWS:
        _pager(agenda.rows.height, page)
    st.caption(
        "Scores: the latest, shaded by its severity band (darker is more severe), in bold "
        f"when past the instrument's cut-off; {RISE} {FALL} a reliable rise or fall since the "
        f"first score of the episode; {RISING} {FALLING} {STEADY} the trend where no "
        "reliable-change threshold is published. More columns (the id, daily ratings, "
        "attendance, flags, plan...) are in the table's column menu (the eye icon)."
    )


def _pager(rows: int, page: int) -> None:
    start, stop = page_bounds(rows, page)
    last = page_count(rows) - 1
    back, where, onward = st.columns([2, 3, 2], vertical_alignment="center")
    back.button(
        f"Previous {PAGE_ROWS}",
        on_click=turn_to,
        args=(page - 1,),
        disabled=page == 0,
        icon=":material/navigate_before:",
        key="agenda_previous_page",
        width="stretch",
    )
    where.caption(f"Clients {start + 1:,}-{stop:,} of {rows:,}")
    onward.button(
        f"Next {min(PAGE_ROWS, rows - stop) if page < last else PAGE_ROWS}",
        on_click=turn_to,
        args=(page + 1,),
        disabled=page == last,
        icon=":material/navigate_next:",
        key="agenda_next_page",
        width="stretch",
    )


def list_frame(agenda: Agenda) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The list's rows in agenda order and the CSS of each of its cells (bands shaded).

    Columns: ``Client``, ``Why now``, one compact cell per agenda measure (its
    abbreviation), then the columns shown on demand (:data:`ON_DEMAND`).
    """
    rows = agenda.rows
    cells = agenda.cells.filter(pl.col("client_id").is_in(rows["client_id"].to_list()))
    headings = list(dict.fromkeys(cells["heading"].to_list()))
    order = [h for h in _measure_order(agenda) if h in headings]
    wide = (
        cells.pivot(on="heading", index="client_id", values="text")
        if not cells.is_empty()
        else pl.DataFrame(schema={"client_id": pl.String})
    )
    shown = (
        rows.select("client_id")
        .join(wide, on="client_id", how="left")
        .with_columns(pl.col(h).fill_null("") for h in order)
    )
    table = pl.concat(
        [
            rows.select(
                pl.coalesce("display_name", "client_id").alias("Client"),
                pl.col("why_now").alias("Why now"),
            ),
            shown.select(order),
            rows.select(
                pl.col(c).cast(pl.String).fill_null("").alias(h)
                for c, h in ON_DEMAND.items()
                if c in rows.columns
            ),
        ],
        how="horizontal",
    )
    return table, _styles(table, rows, cells, order)


def _measure_order(agenda: Agenda) -> list[str]:
    """The agenda measures' headings in the rows' column order (the catalog's order)."""
    headings = set(agenda.cells["heading"].to_list())
    return [c for c in agenda.rows.columns if c in headings]


def _styles(
    table: pl.DataFrame, rows: pl.DataFrame, cells: pl.DataFrame, order: list[str]
) -> pl.DataFrame:
    """CSS per cell: the pinned client in the text colour, each score in its band's fill
    and in bold past its instrument's cut-off."""
    fills = {(c["client_id"], c["heading"]): _cell_css(c) for c in cells.iter_rows(named=True)}
    clients = rows["client_id"].to_list()
    return pl.DataFrame(
        {
            column: [_TEXT] * len(clients)
            if column == "Client"
            else [fills.get((c, column), "") if column in order else "" for c in clients]
            for column in table.columns
        },
        schema=dict.fromkeys(table.columns, pl.String),
    )


def _cell_css(cell: dict[str, Any]) -> str:
    css = []
    if cell["band_index"] is not None:
        fills = band_fills(cell["band_count"], worst_first=bool(cell["higher_is_better"]))
        css += [f"background-color: {fills[cell['band_index']]}", "color: #000000"]
    if cell["clinical"]:
        css.append("font-weight: bold")
    return "; ".join(css)


def _cell_help(heading: str, catalog: Catalog) -> str:
    instrument = next((i for i in catalog if i.abbreviation == heading), None)
    if instrument is None:
        return heading
    score = instrument.primary
    direction = (
        "higher is better" if score is not None and score.higher_is_better else "higher is worse"
    )
    if instrument.display.daily:
        return f"{instrument.name} ({direction}): the mean of the last 7 days and its trend."
    bands = ", ".join(b.label for b in score.bands) if score is not None and score.bands else None
    return (
        f"{instrument.name} ({direction}): the latest score"
        + (f"; bands: {bands}" if bands else "; no published bands")
        + "."
    )
