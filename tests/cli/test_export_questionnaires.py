"""`iop export questionnaires` writes a FHIR R4 Questionnaire per catalog instrument that
validates with fhir.resources, and a response built against each (as a form tool would,
keeping only the options' codes) imports through the FHIR importer (issue 15 item 2)."""

from __future__ import annotations

import copy
import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from dashboard.importers.fhir import read_fhir
from measures import Catalog, load_catalog
from tests.cli.test_cli import iop
from tests.importers.fhir_support import reasons, scored, write


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("questionnaires") / "q"
    result = iop("export", "questionnaires", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{out}: {len(load_catalog())} Questionnaires"
    return out


def _loaded(folder, instrument) -> dict:
    (path,) = folder.glob(f"Questionnaire-{instrument.id.replace('_', '-')}.json")
    return json.loads(path.read_text())


def test_every_instrument_has_a_valid_questionnaire_with_its_codes_and_copyright(folder, catalog):
    assert len(list(folder.glob("*.json"))) == len(catalog)
    for instrument in catalog:
        resource = _loaded(folder, instrument)
        Questionnaire.model_validate(resource)
        assert resource["copyright"] == instrument.licence
        questions = [i for i in resource["item"] if i["type"] == "choice"]
        assert len(questions) == len(instrument.items)
        for question, item in zip(questions, instrument.items, strict=True):
            scores = [
                o["valueCoding"]["extension"][0]["valueDecimal"] for o in question["answerOption"]
            ]
            assert scores == list(item.values or range(item.min, item.max + 1))
            if item.loinc:
                assert question["code"][0]["code"] == item.loinc
            if instrument.show_item_wording and item.text:
                assert question["text"] == item.text
            else:
                assert item.text is None or item.text not in question["text"]
                assert "published wording is not distributed" in question["text"]
    phq9 = _loaded(folder, catalog["phq9"])
    assert phq9["code"][0]["code"] == "44249-1"
    options = phq9["item"][1]["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]


def test_a_response_to_each_questionnaire_imports_recognised_by_the_questionnaire(
    folder, catalog, tmp_path
):
    for instrument in catalog:
        resource = _loaded(folder, instrument)
        questions = [i for i in resource["item"] if i["type"] == "choice"]
        answers, expected = [], {}
        for n, (question, item) in enumerate(zip(questions, instrument.items, strict=True)):
            chosen = copy.deepcopy(question["answerOption"][n % len(question["answerOption"])])
            score = chosen["valueCoding"].pop("extension")[0]["valueDecimal"]
            answers.append({"linkId": question["linkId"], "answer": [chosen]})
            expected[item.id] = score
        response = {
            "resourceType": "QuestionnaireResponse",
            "id": "form-1",
            "questionnaire": resource["url"],
            "status": "completed",
            "subject": {"reference": "Patient/T1"},
            "authored": "2026-03-02",
            "item": answers,
        }
        paths = [
            write(tmp_path, f"response-{instrument.id}.json", response),
            folder / f"Questionnaire-{resource['id']}.json",
        ]
        batch = read_fhir(paths, catalog)
        assert reasons(batch) == [], instrument.id
        assert batch.evidence == {"questionnaire": 1}, instrument.id
        (row,) = batch.parsed.frame.to_dicts()
        assert row["measure"] == instrument.id
        assert {k: row[k] for k in expected} == expected, instrument.id
        (result,) = scored(batch, catalog)
        assert result["items_answered"] == len(instrument.items), instrument.id


def test_a_response_naming_no_generated_questionnaire_of_the_catalog_is_not_recognised(
    catalog, tmp_path
):
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": "form-2",
        "questionnaire": "http://iop-outcomes.org/fhir/Questionnaire/not-in-the-catalog",
        "status": "completed",
        "subject": {"reference": "Patient/T1"},
        "authored": "2026-03-02",
        "item": [{"linkId": "item_1", "answer": [{"valueInteger": 3}]}],
    }
    batch = read_fhir([write(tmp_path, "response.json", response)], catalog)
    (reason,) = reasons(batch)
    assert reason.startswith("not a recognised measure")
