"""Hostile FHIR files: each is unusable with one clear line, or its bad entries are rejected
with their reasons while the others are read; every entry is accounted for."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.importers.fhir import read_fhir
from dashboard.store.batch import ImportBatch, UnusableFile
from measures import Catalog, load_catalog

DATA = Path(__file__).parent / "data" / "fhir"
RESPONSE: dict[str, Any] = json.loads((DATA / "phq9_r4_loinc.json").read_text(encoding="utf-8"))
DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def response(**changes: Any) -> dict[str, Any]:
    """The PHQ-9 response of the test data, changed."""
    return copy.deepcopy(RESPONSE) | changes


def reasons(batch: ImportBatch) -> dict[int, list[str]]:
    errors = batch.parsed.errors
    return {
        int(row): errors.filter(errors["row"] == row)["reason"].to_list()
        for row in errors["row"].unique().sort()
    }


def ndjson(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "export.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_file(tmp_path: Path, text: str, name: str = "hostile.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_nested_10000_deep_is_unusable_with_one_line(catalog, tmp_path):
    path = one_file(tmp_path, '{"resourceType": "QuestionnaireResponse", "item": ' + DEEP + "}")
    with pytest.raises(UnusableFile) as caught:
        read_fhir([path], catalog)
    assert str(caught.value) == (
        "hostile.json is nested more than 100 levels deep: no FHIR resource is"
    )


def test_an_ndjson_line_nested_10000_deep_is_rejected_and_the_others_read(catalog, tmp_path):
    path = ndjson(
        tmp_path,
        json.dumps(response()),
        '{"resourceType": "QuestionnaireResponse", "item": ' + DEEP + "}",
        json.dumps(response(id="second", authored="2025-03-04")),
    )
    batch = read_fhir([path], catalog)
    assert batch.records == 3
    assert reasons(batch)[2][0] == (
        "line 2 of export.ndjson is nested more than 100 levels deep: no FHIR resource is"
    )
    assert set(reasons(batch)) == {2}


def test_a_resource_nested_deeper_than_any_fhir_resource_is_rejected(catalog, tmp_path):
    deep: Any = {"linkId": "x"}
    for _ in range(150):
        deep = {"linkId": "x", "item": [deep]}
    path = ndjson(tmp_path, json.dumps(response(item=[deep])), json.dumps(response(id="ok")))
    batch = read_fhir([path], catalog)
    assert list(reasons(batch)) == [1]
    assert "nested more than 100 levels deep" in reasons(batch)[1][0]


@pytest.mark.parametrize("status", [{}, ["completed"], 7])
def test_a_status_that_is_no_code_rejects_the_response(catalog, tmp_path, status):
    path = ndjson(tmp_path, json.dumps(response(status=status)))
    batch = read_fhir([path], catalog)
    assert reasons(batch)[1] == [
        "the QuestionnaireResponse's status is not a code; only completed or amended "
        "responses are scored"
    ]


def test_an_integer_of_5000_digits_is_no_answer(catalog, tmp_path):
    text = json.dumps(response()).replace(
        '"valueCoding"', '"valueInteger": 1' + "0" * 5000 + ', "x"', 1
    )
    batch = read_fhir([ndjson(tmp_path, text)], catalog)
    assert reasons(batch)[1] == [
        "item_1 (/44250-9): valueInteger 1000000000... (5,001 characters) is no usable number "
        "(too large, or not finite)"
    ]


@pytest.mark.parametrize("number", ["1e309", "-1e309", "NaN", "Infinity"])
def test_a_number_beyond_a_float_is_no_answer_not_inf(catalog, tmp_path, number):
    text = json.dumps(response()).replace('"valueCoding"', f'"valueDecimal": {number}, "x"', 1)
    batch = read_fhir([one_file(tmp_path, text)], catalog)
    (reason,) = reasons(batch)[1]
    assert reason == (
        f"item_1 (/44250-9): valueDecimal {number} is no usable number (too large, or not finite)"
    )
    assert "inf" not in reason.lower().replace("infinity", "")


def test_an_answer_that_is_not_a_list_rejects_the_response(catalog, tmp_path):
    changed = response()
    changed["item"][0]["answer"] = changed["item"][0]["answer"][0]
    batch = read_fhir([one_file(tmp_path, json.dumps(changed))], catalog)
    assert reasons(batch)[1] == ["item '/44250-9': 'answer' is not a list"]


def test_an_item_that_is_not_a_list_rejects_the_response(catalog, tmp_path):
    batch = read_fhir([one_file(tmp_path, json.dumps(response(item={"linkId": "x"})))], catalog)
    assert reasons(batch)[1] == ["the QuestionnaireResponse: 'item' is not a list"]


def test_an_answer_that_is_no_object_rejects_the_response(catalog, tmp_path):
    changed = response()
    changed["item"][0]["answer"] = [2]
    batch = read_fhir([one_file(tmp_path, json.dumps(changed))], catalog)
    assert reasons(batch)[1] == [
        "item '/44250-9': 'answer' holds something that is not a JSON object"
    ]


def test_an_unpaired_surrogate_rejects_the_entry(catalog, tmp_path):
    text = json.dumps(response()).replace('"Patient/', '"Patient/\\ud800', 1)
    batch = read_fhir([ndjson(tmp_path, text, json.dumps(response(id="ok")))], catalog)
    assert reasons(batch)[1][0] == (
        "line 1 of export.ndjson holds text that is not valid Unicode (an unpaired "
        "surrogate escape)"
    )
    assert set(reasons(batch)) == {1}


# --- every entry of a Bundle accounted for -------------------------------------------------


def bundle(*entries: object) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


def test_every_entry_of_a_bundle_is_a_record_or_counted_as_not_an_administration(catalog, tmp_path):
    path = one_file(
        tmp_path,
        json.dumps(
            bundle(
                {"resource": response()},
                "x",
                {"fullUrl": "urn:uuid:1"},
                {"resource": {"foo": 1}},
                {"resource": {"resourceType": "Patient", "id": "p"}},
                {"resource": {"resourceType": "OperationOutcome"}},
            )
        ),
    )
    batch = read_fhir([path], catalog)
    assert batch.records == 4
    assert batch.not_administrations == {"OperationOutcome": 1, "Patient": 1}
    assert {row: found[0] for row, found in reasons(batch).items()} == {
        2: "entry 2 of hostile.json is not a JSON object",
        3: "entry 3 of hostile.json has no resource",
        4: "entry 4 of hostile.json holds no FHIR resource (no resourceType)",
    }
    assert batch.raw["raw"].to_list()[1:] == [
        '"x"',
        '{"fullUrl":"urn:uuid:1"}',
        '{"resource":{"foo":1}}',
    ]


def test_a_bundle_whose_entry_is_not_a_list_is_unusable(catalog, tmp_path):
    path = one_file(tmp_path, '{"resourceType":"Bundle","entry":"x"}')
    with pytest.raises(UnusableFile) as caught:
        read_fhir([path], catalog)
    assert str(caught.value) == "hostile.json is a Bundle whose 'entry' is not a list"


def test_an_empty_bundle_holds_nothing_to_import(catalog, tmp_path):
    path = one_file(tmp_path, '{"resourceType":"Bundle","type":"searchset","entry":[]}')
    with pytest.raises(UnusableFile, match=r"^hostile\.json: no resources .*nothing to import$"):
        read_fhir([path], catalog)


def test_an_ndjson_bundle_whose_entry_is_not_a_list_is_one_rejected_line(catalog, tmp_path):
    path = ndjson(
        tmp_path, '{"resourceType":"Bundle","entry":{"resource":{}}}', json.dumps(response())
    )
    batch = read_fhir([path], catalog)
    assert batch.records == 2
    assert reasons(batch)[1][0] == "line 1 of export.ndjson is a Bundle whose 'entry' is not a list"
    assert set(reasons(batch)) == {1}


def test_panel_members_and_the_patient_of_a_bundle_are_counted(catalog):
    batch = read_fhir([DATA / "phq9_panel_bundle.json"], catalog)
    assert batch.records == 1
    assert batch.not_administrations == {"Observation (panel member)": 11, "Patient": 1}


def test_supporting_files_given_alongside_are_not_counted_as_the_files_own(catalog, tmp_path):
    stu3 = json.loads((DATA / "phq9_stu3_bundle.json").read_text(encoding="utf-8"))
    questionnaire, answers = (entry["resource"] for entry in stu3["entry"])
    paths = (
        one_file(tmp_path, json.dumps(questionnaire), "q.json"),
        one_file(tmp_path, json.dumps(answers), "r.json"),
    )
    batch = read_fhir(list(paths), catalog)
    assert (batch.records, batch.not_administrations) == (1, {})
    in_one = read_fhir([DATA / "phq9_stu3_bundle.json"], catalog)
    assert (in_one.records, in_one.not_administrations) == (1, {"Questionnaire": 1})


def test_crlf_and_cr_ended_ndjson_lines_are_read(catalog, tmp_path):
    lines = [json.dumps(response()), json.dumps(response(id="b", authored="2025-03-04"))]
    for end in ("\r\n", "\r"):
        path = tmp_path / "e.ndjson"
        path.write_text(end.join(lines) + end, encoding="utf-8", newline="")
        batch = read_fhir([path], catalog)
        assert (batch.records, batch.parsed.errors.height) == (2, 0)


def test_a_line_separator_inside_a_string_does_not_split_an_ndjson_line(catalog, tmp_path):
    text = json.dumps(response(id="a\u2028b"), ensure_ascii=False)
    batch = read_fhir([ndjson(tmp_path, text)], catalog)
    assert (batch.records, batch.parsed.errors.height) == (1, 0)
