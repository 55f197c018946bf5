"""Planning an import: each file's kind, the dependency order, and every file set aside said why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.imports import ImportOptions, plan_imports

ROOT = Path(__file__).resolve().parents[2]
FHIR = ROOT / "tests" / "importers" / "data" / "fhir"
FIXTURES = ROOT / "data" / "fixtures"
LFORMS = ROOT / "tests" / "data" / "conformance" / "lhncbc-lforms"
QUESTIONNAIRE = LFORMS / "sdc-2.8.0-Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
CODE_SYSTEM = LFORMS / "sdc-2.8.0-CodeSystem-CSPHQ9.json"
RESPONSE = (
    LFORMS / "sdc-2.8.0-QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
)
NOTHING_TO_IMPORT = "holds only Questionnaire/ValueSet/CodeSystem resources: nothing to import"


def write_json(folder: Path, name: str, document: dict[str, Any] | list[dict[str, Any]]) -> Path:
    path = folder / name
    if isinstance(document, list):
        path.write_text("\n".join(json.dumps(d) for d in document) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def stu3_parts() -> tuple[dict[str, Any], dict[str, Any]]:
    """The Questionnaire and the QuestionnaireResponse of the STU3 bundle."""
    bundle = json.loads((FHIR / "phq9_stu3_bundle.json").read_text(encoding="utf-8"))
    questionnaire, response = (entry["resource"] for entry in bundle["entry"])
    return questionnaire, response


def test_a_bundle_of_a_questionnaire_and_its_response_is_an_administrations_file():
    plan = plan_imports([FHIR / "phq9_stu3_bundle.json"])
    assert [(p.path.name, p.kind, p.format) for p in plan.files] == [
        ("phq9_stu3_bundle.json", "administrations", "fhir")
    ]
    assert plan.set_aside == ()


def test_a_response_with_a_contained_questionnaire_is_not_a_supporting_file(tmp_path):
    questionnaire, response = stu3_parts()
    # the Questionnaire's resourceType comes first in the text, inside the response
    contained = {"resourceType": "QuestionnaireResponse", "contained": [questionnaire]}
    contained |= {k: v for k, v in response.items() if k != "resourceType"}
    path = write_json(tmp_path, "contained.json", contained)
    assert path.read_text()[:300].count('"resourceType": "Questionnaire"') == 1
    plan = plan_imports([path])
    assert [p.path for p in plan.files] == [path]
    assert plan.set_aside == ()


@pytest.mark.parametrize("shape", ["resource", "bundle", "ndjson"])
def test_a_file_of_questionnaires_only_is_reported_as_nothing_to_import(tmp_path, shape):
    questionnaire, _ = stu3_parts()
    code_system = json.loads(CODE_SYSTEM.read_text(encoding="utf-8"))
    document: Any = {
        "resource": questionnaire,
        "bundle": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": questionnaire}, {"resource": code_system}],
        },
        "ndjson": [questionnaire, code_system],
    }[shape]
    path = write_json(tmp_path, "q.ndjson" if shape == "ndjson" else "q.json", document)
    plan = plan_imports([path])
    assert plan.files == ()
    (note,) = plan.set_aside
    assert (note.message, note.problem) == (f"{path.name}: {NOTHING_TO_IMPORT}", True)


def test_questionnaires_given_with_responses_are_used_to_read_them():
    plan = plan_imports([QUESTIONNAIRE, RESPONSE, CODE_SYSTEM])
    (planned,) = plan.files
    assert planned.path == RESPONSE
    assert planned.supporting == (QUESTIONNAIRE, CODE_SYSTEM)
    assert [(s.message, s.problem) for s in plan.set_aside] == [
        (f"{QUESTIONNAIRE.name}: used to read the responses in {RESPONSE.name}", False),
        (f"{CODE_SYSTEM.name}: used to read the responses in {RESPONSE.name}", False),
    ]


def test_files_are_planned_in_dependency_order_whatever_the_order_given():
    given = ["attendance", "administrations", "care_levels", "episodes", "clinicians"]
    plan = plan_imports([FIXTURES / f"{name}.csv" for name in given])
    assert [p.kind for p in plan.files] == [
        "clinicians",
        "episodes",
        "care_levels",
        "administrations",
        "attendance",
    ]


def test_every_file_set_aside_is_reported_with_its_one_line_reason(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    redcap = FIXTURES / "redcap" / "records.csv"
    plan = plan_imports([tmp_path / "missing.csv", odd, redcap, FIXTURES / "clinicians.csv"])
    assert [p.kind for p in plan.files] == ["clinicians"]
    assert [s.message for s in plan.set_aside] == [
        f"{tmp_path / 'missing.csv'}: no such file",
        "odd.csv: cannot tell what this file holds (columns: a, b); give its format, one of "
        "csv, redcap, fhir, clinicians, episodes, care_levels, attendance, client_attributes",
        "records.csv looks like a REDCap records export: give its data dictionary (CSV) "
        "and its field mapping (TOML)",
    ]
    assert all(s.problem for s in plan.set_aside)


def test_a_redcap_export_with_its_dictionary_and_mapping_is_planned():
    folder = FIXTURES / "redcap"
    options = ImportOptions(
        redcap_dictionary=folder / "dictionary.csv", redcap_mapping=folder / "mapping.toml"
    )
    plan = plan_imports([folder / "records.csv"], options=options)
    assert [(p.kind, p.format) for p in plan.files] == [("administrations", "redcap")]
    assert plan.set_aside == ()


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format 'xml': use one of csv, redcap, fhir"):
        ImportOptions(format="xml")
