"""The issue's FHIR Bundle imported into the database, on both back ends: every response
accepted and scored, the disagreements stored with each administration and shown with its
scores, and the same person in two files one client."""

from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from dashboard.imports import headline, recognition
from dashboard.store import tables as t
from dashboard.store.engine import read
from dashboard.store.exports import scores_table
from measures import load_catalog
from tests.importers.test_fhir_real_world import AHRQ, AHRQ_FIRST_PROBLEM, AHRQ_SYSTEM

from .conftest import count

CATALOG = load_catalog()


def test_the_issues_bundle_imports_every_response(engine, do_import):
    summary = do_import(AHRQ, patient_identifier_system=AHRQ_SYSTEM)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (45, 0, 0)
    assert summary.entries == 64
    assert len(summary.new_clients) == 18
    assert headline(summary).startswith(
        "ahrq-depression-patient-phq9.STU3.json (fhir, import #1): 64 entries read = "
        "45 accepted + 0 duplicates + 0 rejected + 19 not administrations (19 Patient)"
    )
    assert recognition(summary) == "measures recognised by: 45 item definitions"
    # every response but one (all answers 0) has an ordinal that disagrees with its code
    assert summary.warnings.height == 44
    assert count(engine, "administrations", "WHERE source_problems IS NOT NULL") == 44
    with engine.connect() as connection:
        detail = connection.execute(
            sa.select(t.audit_log.c.detail).where(t.audit_log.c.action == "import")
        ).scalar_one()
    assert json.loads(detail)["recognised_by"] == {"item definitions": 45}


def test_the_disagreements_are_stored_and_shown_with_the_scores(engine, do_import):
    do_import(AHRQ, patient_identifier_system=AHRQ_SYSTEM)
    with read(engine) as connection:
        exported = scores_table(connection, CATALOG)  # what `iop export scores` writes
    assert exported.height == 45
    first = exported.filter(
        (pl.col("client_id") == "TEST-12") & (pl.col("administered_on") == "2020-02-28T07:06:36")
    ).row(0, named=True)
    assert [first[f"item_{n}"] for n in range(1, 10)] == [3, 2, 0, 2, 0, 1, 2, 3, 2]
    assert (first["score"], first["severity"], first["critical"]) == (15, "Moderately severe", True)
    assert first["problems"] == [AHRQ_FIRST_PROBLEM]
    # TEST-15's first response stores 36, no PHQ-9 total: its answers give 11
    row = exported.filter(
        (pl.col("client_id") == "TEST-15") & (pl.col("administered_on") == "2020-03-09T21:14:26")
    ).row(0, named=True)
    assert (row["score"], row["total"]) == (11, None)
    assert row["problems"][-1] == (
        "the stored total was not kept (total is 36; PHQ-9 totals are 0-27); "
        "the score is computed from the answers"
    )


def test_the_same_person_in_two_files_is_one_client(engine, do_import, tmp_path):
    do_import(AHRQ, patient_identifier_system=AHRQ_SYSTEM)
    # another system's export: its own Patient id for TEST-12, an R4 PHQ-9 with LOINC linkIds
    codes = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5"]
    codes += ["44253-3", "44260-8"]
    later = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b7e6d5a-patient",
                "resource": {
                    "resourceType": "Patient",
                    "id": "ehr-5521",
                    "identifier": [{"system": AHRQ_SYSTEM, "value": "TEST-12"}],
                },
            },
            {
                "fullUrl": "urn:uuid:0b7e6d5a-response",
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "id": "ehr-qr-1",
                    "status": "completed",
                    "questionnaire": "http://loinc.org/q/44249-1",
                    "subject": {"reference": "urn:uuid:0b7e6d5a-patient"},
                    "authored": "2021-01-04T09:00:00Z",
                    "item": [
                        {
                            "linkId": f"/{code}",
                            "answer": [
                                {"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}
                            ],
                        }
                        for code in codes
                    ],
                },
            },
        ],
    }
    path = tmp_path / "ehr.json"
    path.write_text(json.dumps(later), encoding="utf-8")
    summary = do_import(path, patient_identifier_system=AHRQ_SYSTEM)
    assert (summary.accepted, summary.new_clients) == (1, ())
    assert count(engine, "clients") == 18
    with engine.connect() as connection:
        client = connection.execute(
            sa.select(t.clients.c.id).where(t.clients.c.code == "TEST-12")
        ).scalar_one()
    assert count(engine, "administrations", f"WHERE client_id = {client}") == 4
