"""A client's full record for the pages: read within the viewer's scope, then assessed."""

from __future__ import annotations

import datetime as dt

from dashboard.app import cache
from dashboard.app.context import AppContext
from dashboard.auth.viewer import Viewer
from dashboard.review.record import ClientRecord, load_client_record, with_assessments
from dashboard.store.engine import read


def client_record(
    context: AppContext, viewer: Viewer, client_id: str, *, as_of: dt.date
) -> ClientRecord:
    """The client's record with readiness and expected ranges (raises NotPermitted)."""
    with read(context.engine) as connection:
        record = load_client_record(
            connection, viewer, client_id, catalog=context.catalog, as_of=as_of
        )
    return with_assessments(
        record,
        catalog=context.catalog,
        program=context.program,
        reference=cache.reference(context, cache.data_version(context)),
    )
