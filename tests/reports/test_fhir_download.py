"""A clinician's FHIR download of a client (Client progress): the client's administrations
and scores as a valid FHIR R4 Bundle, read with the clinician's access and audited with
the client; a client outside the caseload is refused, and the refusal audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from dashboard import access
from dashboard.auth.permissions import NotPermitted
from dashboard.reports.export import export_client_fhir
from dashboard.store import tables as t
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
DEMO_CLIENT = "C0215"  # at Hillcrest, the demo clinician's site
OTHER_SITE_CLIENT = "C0003"  # treated at Riverside


def _audited(engine: sa.Engine) -> list[tuple[str | None, str, dict]]:
    with read(engine) as connection:
        rows = connection.execute(
            sa.select(t.audit_log).where(t.audit_log.c.action == "export-fhir")
        ).all()
    return [(r.resource_id, r.outcome, json.loads(r.detail or "{}")) for r in rows]


def test_the_clinician_downloads_the_clients_administrations_as_a_valid_bundle(demo_copy):
    viewer = viewer_of(demo_copy, "clinician")
    data = export_client_fhir(demo_copy, viewer, DEMO_CLIENT, catalog=CATALOG)
    bundle = json.loads(data)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    assert {r["subject"]["reference"] for r in resources if "subject" in r} == {
        f"Patient/{DEMO_CLIENT}"
    }
    with read(demo_copy) as connection:
        pk = access.client_pk_of(connection, viewer, DEMO_CLIENT)
        stored = access.scored_administrations(connection, viewer, CATALOG, client_pks=[pk])
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    answered = stored.filter(stored["items_answered"] > 0).height
    assert len(responses) == answered > 0
    (audit,) = _audited(demo_copy)
    assert audit == (DEMO_CLIENT, "ok", {"administrations": answered, "bytes": len(data)})
    # the same data gives the same file
    assert export_client_fhir(demo_copy, viewer, DEMO_CLIENT, catalog=CATALOG) == data


@pytest.mark.parametrize("client", [OTHER_SITE_CLIENT, "C9999"])
def test_a_client_outside_the_caseload_is_refused_and_the_refusal_audited(demo_copy, client):
    viewer = viewer_of(demo_copy, "clinician")
    with pytest.raises(NotPermitted, match="no client with this id in your caseload"):
        export_client_fhir(demo_copy, viewer, client, catalog=CATALOG)
    assert _audited(demo_copy) == [(client, "refused", {})]
