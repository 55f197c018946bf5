"""`iop export fhir` writes administrations and scores as FHIR R4 that validates with
fhir.resources and that `iop import` takes back unchanged (issue 15 item 2)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from tests.cli.test_cli import HEADER, iop

VALIDATORS = {
    "Patient": Patient,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
}
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: PHQ-9 with every item; PHQ-9 with item 8 missing (prorated); GAD-7; a WHO-5 (no LOINC
#: codes: its items named by their ids); a stored PHQ-9 total that disagrees with its answers.
ROWS = (
    "C1,phq9,2026-01-05,1,2,3,0,1,2,3,0,1,",
    "C2,phq9,2026-01-12,1,2,3,0,1,2,3,,1,",
    "C2,gad7,2026-01-12,1,2,3,0,1,2,3,,,",
    "C2,who5,2026-01-12,1,2,3,0,1,,,,,",
    "C3,phq9,2026-02-02,0,0,0,0,0,0,0,0,0,5",
)
#: What the scores of an administration are, as `iop export scores` shows them.
SCORED = ("items_answered", "score", "severity", "prorated", "critical", "problems")


def _import(db: str, path, *extra: str) -> str:
    result = iop("import", str(path), "--db", db, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _export(db: str, out, *extra: str) -> str:
    result = iop("export", "fhir", "--db", db, "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _scores(db: str, measures: set[str] | None = None) -> dict[tuple[str, str, str], dict]:
    text = iop("export", "scores", "--db", db).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    return {
        (r["client_id"], r["measure"], r["administered_on"]): r
        for r in rows
        if measures is None or r["measure"] in measures
    }


def _validated(resources: list[dict]) -> None:
    for resource in resources:
        VALIDATORS[resource["resourceType"]].model_validate(resource)


@pytest.fixture
def stored(tmp_path, db) -> str:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER},total\n" + "".join(f"{row}\n" for row in ROWS))
    _import(db, source)
    return db


def test_each_administration_is_a_questionnaire_response_with_loinc_coded_answers(tmp_path, stored):
    out = tmp_path / "out.json"
    summary = _export(stored, out)
    bundle = json.loads(out.read_text())
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    _validated(resources)
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert "5 administrations of 3 clients" in summary
    assert "not written" not in summary
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    first = next(r for r in responses if r["subject"]["reference"] == "Patient/C1")
    assert first["status"] == "completed"
    assert first["authored"] == "2026-01-05"
    assert first["subject"]["identifier"]["value"] == "C1"
    assert first["questionnaire"].endswith("/Questionnaire/phq9")
    item = first["item"][1]  # item 2, answered 2: "More than half the days"
    assert item["linkId"] == "44255-8"
    coding = item["answer"][0]["valueCoding"]
    assert (coding["system"], coding["code"]) == ("http://loinc.org", "LA6570-1")
    assert coding["display"] == "More than half the days"
    assert coding["extension"] == [{"url": ORDINAL, "valueDecimal": 2}]
    prorated = next(
        r for r in responses if r["subject"]["reference"] == "Patient/C2" and len(r["item"]) == 8
    )
    assert "44253-3" not in [i["linkId"] for i in prorated["item"]]  # item 8 unanswered
    who5 = next(r for r in responses if r["questionnaire"].endswith("/Questionnaire/who5"))
    assert [i["linkId"] for i in who5["item"]] == ["item_1", "item_2", "item_3", "item_4", "item_5"]
    coding = who5["item"][1]["answer"][0]["valueCoding"]
    assert coding["system"].endswith("/CodeSystem/who5-answers")
    assert (coding["code"], coding["extension"]) == ("2", [{"url": ORDINAL, "valueDecimal": 2}])
    percent = next(
        r
        for r in resources
        if r["resourceType"] == "Observation" and r.get("valueQuantity", {}).get("unit") == "%"
    )
    assert percent["valueQuantity"]["value"] == 28  # the WHO-5 total as a percentage


def test_the_score_is_a_panel_whose_member_total_derives_from_the_response(tmp_path, stored):
    out = tmp_path / "out.json"
    _export(stored, out)
    resources = [e["resource"] for e in json.loads(out.read_text())["entry"]]
    by_id = {(r["resourceType"], r["id"]): r for r in resources}
    response = next(
        r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse"
        and r["subject"]["reference"] == "Patient/C1"
    )
    panels = [
        r
        for r in resources
        if r["resourceType"] == "Observation"
        and r["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response['id']}"}]
        and "hasMember" in r
    ]
    (panel,) = panels
    assert panel["code"]["coding"][0]["code"] == "44249-1"
    total = by_id["Observation", panel["hasMember"][0]["reference"].split("/")[1]]
    assert total["code"]["coding"][0]["code"] == "44261-6"
    assert total["valueInteger"] == 13
    assert total["interpretation"][0]["text"] == "Moderate"
    assert total["derivedFrom"] == panel["derivedFrom"]
    assert total["effectiveDateTime"] == "2026-01-05"


def test_two_exports_of_the_same_data_are_identical_and_ndjson_holds_the_same(tmp_path, stored):
    one, two, lines = tmp_path / "1.json", tmp_path / "2.json", tmp_path / "3.ndjson"
    _export(stored, one)
    _export(stored, two)
    _export(stored, lines)
    assert one.read_bytes() == two.read_bytes()
    resources = [json.loads(line) for line in lines.read_text().splitlines()]
    assert resources == [e["resource"] for e in json.loads(one.read_text())["entry"]]
    _validated(resources)


def test_the_export_imports_again_with_nothing_rejected_and_the_same_scores(tmp_path, stored, db):
    out = tmp_path / "out.ndjson"
    _export(stored, out)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert iop("db", "upgrade", "--db", fresh).returncode == 0
    summary = _import(fresh, out)
    assert "5 accepted + 0 duplicates + 0 rejected" in summary
    before, after = _scores(stored), _scores(fresh)
    assert before.keys() == after.keys()
    for key, row in before.items():
        again = after[key]
        items = [c for c in row if c.startswith("item_")]
        assert [again.get(c, "") for c in items] == [row[c] for c in items], key
        assert [again[c] for c in SCORED] == [row[c] for c in SCORED], key
        # a stored total travels as it was (one that disagrees stays a reported problem);
        # without one, the total Observation of a LOINC-coded total is stored
        coded = key[1] in {"phq9", "gad7"}
        assert again["total"] == (row["total"] or (row["score"] if coded else "")), key
    assert "disagree" in before["C3", "phq9", "2026-02-02"]["problems"]


def test_only_the_clients_asked_for_are_exported_and_the_export_is_audited(tmp_path, stored):
    out = tmp_path / "c2.json"
    summary = _export(stored, out, "--client", "C2")
    assert "3 administrations of 1 clients" in summary
    resources = [e["resource"] for e in json.loads(out.read_text())["entry"]]
    assert {r["subject"]["reference"] for r in resources if "subject" in r} == {"Patient/C2"}
    with sqlite3.connect(stored.removeprefix("sqlite:///")) as connection:
        (detail,) = connection.execute(
            "SELECT detail FROM audit_log WHERE action = 'export' AND resource_type = 'fhir'"
        ).fetchone()
    assert json.loads(detail) == {
        "rows": 3,
        "file": "c2.json",
        "clients_asked": ["C2"],
        "clients": 1,
    }
    unknown = iop("export", "fhir", "--db", stored, "--out", str(out), "--client", "C9")
    assert unknown.returncode == 2
    assert "no administrations stored for client(s) C9" in unknown.stderr


@pytest.mark.slow
def test_the_demo_exports_and_imports_again_unchanged(tmp_path, demo_copy):
    # a copy: an export writes its audit row, which the session's demo must not get
    demo_url = demo_copy.url.render_as_string(hide_password=False)
    clients = [f"C00{n:02d}" for n in range(20, 36)]  # every instrument of the demo
    out = tmp_path / "demo.ndjson"
    summary = _export(demo_url, out, *(a for c in clients for a in ("--client", c)))
    assert "not written: 1 administrations without any answer or total" in summary
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert iop("db", "upgrade", "--db", fresh).returncode == 0
    summary = _import(fresh, out)
    assert " 0 rejected" in summary
    after = _scores(fresh)
    before = {
        k: r for k, r in _scores(demo_url).items() if k[0] in clients and r["items_answered"] != "0"
    }
    assert {k[1] for k in before} >= {"phq9", "gad7", "who5", "pacs", "mood_nrs", "bam_r"}
    assert before.keys() == after.keys()
    for key, row in before.items():
        items = [c for c in row if c.startswith("item_")]
        assert [after[key].get(c, "") for c in items] == [row[c] for c in items], key
        assert [after[key][c] for c in SCORED] == [row[c] for c in SCORED], key


def test_a_client_id_that_is_no_fhir_id_comes_back_by_its_identifier(tmp_path, db):
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\nC_1,phq9,2026-01-05,1,2,3,0,1,2,3,0,1\n")
    _import(db, source)
    out = tmp_path / "out.json"
    summary = _export(db, out)
    system = "http://iop-outcomes.org/fhir/sid/client-id"
    assert f"import this file with --patient-system {system}" in summary
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert iop("db", "upgrade", "--db", fresh).returncode == 0
    _import(fresh, out, "--patient-system", system)
    assert list(_scores(fresh)) == [("C_1", "phq9", "2026-01-05")]
