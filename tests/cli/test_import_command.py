"""`iop import` as people use it: FHIR files with their Questionnaires, what is set aside, exits."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.cli.test_cli import iop

ROOT = Path(__file__).resolve().parents[2]
STU3_BUNDLE = ROOT / "tests" / "importers" / "data" / "fhir" / "phq9_stu3_bundle.json"
LFORMS = ROOT / "tests" / "data" / "conformance" / "lhncbc-lforms"
QUESTIONNAIRE = LFORMS / "sdc-2.8.0-Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'iop.db'}"
    assert iop("db", "upgrade", "--db", url).returncode == 0
    return url


def exported(db: str) -> pl.DataFrame:
    """The stored administrations, as `iop export scores` gives them."""
    result = iop("export", "scores", "--db", db)
    assert result.returncode == 0, result.stderr
    return pl.read_csv(result.stdout.encode(), infer_schema=False)


def split_stu3_bundle(folder: Path) -> tuple[Path, Path]:
    """The STU3 bundle's Questionnaire and its response (local answer codes) as two files."""
    bundle = json.loads(STU3_BUNDLE.read_text(encoding="utf-8"))
    questionnaire, response = (entry["resource"] for entry in bundle["entry"])
    paths = folder / "questionnaire.json", folder / "response.json"
    for path, resource in zip(paths, (questionnaire, response), strict=True):
        path.write_text(json.dumps(resource, indent=2), encoding="utf-8")
    return paths


def test_a_stu3_bundle_with_its_questionnaire_imports_its_response(db):
    result = iop("import", str(STU3_BUNDLE), "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "phq9_stu3_bundle.json (fhir, import #1): 2 entries read = 1 accepted + 0 duplicates + "
        "0 rejected + 1 not an administration (1 Questionnaire); 1 dated outside every episode "
        "(kept, marked)"
    )
    assert result.stderr == ""
    (row,) = exported(db).iter_rows(named=True)
    assert (row["client_id"], row["measure"], row["administered_on"]) == (
        "fict-3003",
        "phq9",
        "2024-12-02",
    )
    assert (row["score"], row["critical"], row["source"]) == ("17", "true", "fhir")
    assert row["source_id"] == "QuestionnaireResponse/stu3-qr-1"


def test_a_questionnaire_alone_is_reported_and_exits_2(db):
    result = iop("import", str(QUESTIONNAIRE), "--db", db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {QUESTIONNAIRE.name}: holds only Questionnaire/ValueSet/CodeSystem resources: "
        "nothing to import"
    ]
    assert result.stdout == ""
    assert exported(db).height == 0


def test_a_questionnaire_given_with_its_responses_is_used_to_read_them(db, tmp_path):
    questionnaire, response = split_stu3_bundle(tmp_path)
    result = iop("import", str(questionnaire), str(response), "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "questionnaire.json: used to read the responses in response.json"
    ]
    assert result.stdout.startswith("response.json (fhir, import #1): 1 row read = 1 accepted")
    assert exported(db)["score"].to_list() == ["17"]


# --- the issue's Bundle, as a new user would import it ------------------------------------

AHRQ = ROOT / "tests" / "data" / "conformance" / "smart-on-fhir"
AHRQ /= "ahrq-depression-patient-phq9.STU3.json"
AHRQ_SYSTEM = "urn:oid:2.16.840.1.113883.6.1000"


def test_the_issues_bundle_imports_with_what_recognised_its_measures(db):
    result = iop("import", str(AHRQ), "--patient-system", AHRQ_SYSTEM, "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "ahrq-depression-patient-phq9.STU3.json (fhir, import #1): 64 entries read = "
        "45 accepted + 0 duplicates + 0 rejected + 19 not administrations (19 Patient)"
    )
    assert lines[1] == "  measures recognised by: 45 item definitions"
    assert lines[3].startswith(
        "  row 1 (accepted): answer values that disagree with the standard values of their "
        "codes (the file's are used): item_1 LA6568-5 'Yes': 3 (its ordinal value), not 0 (LOINC)"
    )
    clients = exported(db)["client_id"].unique().sort().to_list()
    assert clients == sorted(f"TEST-{n}" for n in range(2, 20))


def test_the_patient_system_comes_from_the_program_file(db, tmp_path):
    program = tmp_path / "program.toml"
    program.write_text(f'[fhir]\npatient_identifier_system = "{AHRQ_SYSTEM}"\n', encoding="utf-8")
    result = iop("import", str(AHRQ), "--db", db, env={"IOP_PROGRAM_CONFIG": str(program)})
    assert result.returncode == 0, result.stderr
    assert "TEST-12" in exported(db)["client_id"].to_list()


def test_a_patient_system_that_is_no_uri_is_refused(db):
    result = iop("import", str(AHRQ), "--patient-system", "MRN", "--db", db)
    assert result.returncode == 2
    assert "--patient-system 'MRN' is not an identifier system's URI" in result.stderr
