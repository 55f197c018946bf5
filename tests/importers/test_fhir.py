"""The FHIR reader: real conformance files and small fictional R4/STU3 records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.importers.fhir import read_fhir
from dashboard.store.batch import RAW_SCHEMA, UnusableFile
from measures import Catalog, load_catalog
from tests.importers.fhir_support import CONFORMANCE, reasons, scored, write

DATA = Path(__file__).parent / "data" / "fhir"
LFORMS = CONFORMANCE / "lhncbc-lforms"
SDC_QUESTIONNAIRE = LFORMS / "sdc-2.8.0-Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
SDC_RESPONSE = (
    LFORMS / "sdc-2.8.0-QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
)
SDC_CODE_SYSTEM = LFORMS / "sdc-2.8.0-CodeSystem-CSPHQ9.json"
LFORMS_PHQ9 = LFORMS / "phq9.R4.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def conformance() -> Path:
    assert LFORMS.is_dir(), f"the FHIR conformance files are missing: expected {LFORMS.resolve()}"
    return LFORMS


def load(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return resource


# --- conformance files written by others -------------------------------------------------


def test_sdc_response_scores_from_its_answers_and_reports_the_stored_total(catalog, conformance):
    batch = read_fhir([SDC_QUESTIONNAIRE, SDC_CODE_SYSTEM, SDC_RESPONSE], catalog)
    assert batch.records == 1
    assert batch.parsed.errors.is_empty()
    row = batch.parsed.frame.row(0, named=True)
    assert row["client_id"] == "proband"
    assert row["administered_on"] == "2019-08-21T20:36:57"
    assert [row[f"item_{n}"] for n in range(1, 10)] == [0, 0, 0, 1, 2, 1, 3, 2, 1]
    assert row["total"] == 13
    (result,) = scored(batch, catalog)
    assert result["score"] == 10
    assert result["critical"] is True
    assert result["rejected"] is False
    assert (
        "stored total 13 disagrees with the answers (10); the computed score is used"
        in result["problems"]
    )


def test_sdc_response_without_its_questionnaire_is_rejected_not_guessed(catalog, conformance):
    batch = read_fhir([SDC_RESPONSE], catalog)
    assert batch.records == 1
    (reason,) = reasons(batch)
    assert reason.startswith("not a recognised measure: questionnaire 'http://hl7.org/fhir/uv/")
    assert "is not among the files given" in reason
    assert scored(batch, catalog)[0]["rejected"] is True


def test_sdc_questionnaire_whose_choices_do_not_match_the_items_is_rejected(
    catalog, conformance, tmp_path
):
    questionnaire = json.loads(SDC_QUESTIONNAIRE.read_text(encoding="utf-8"))
    group = questionnaire["item"][0]["item"]
    group.insert(9, {**group[8], "linkId": "H1/T1/Q10", "text": "How difficult?"})
    changed = write(tmp_path, "q.json", questionnaire)
    batch = read_fhir([changed, SDC_RESPONSE], catalog)
    assert reasons(batch) == [
        "questionnaire 'http://hl7.org/fhir/uv/sdc/Questionnaire/questionnaire-sdc-profile-"
        "example-PHQ9' has 10 choice questions without item codes but the PHQ-9 has 9 items, "
        "so they cannot be matched by position"
    ]


def test_lforms_questionnaire_is_supporting_and_not_a_record(catalog, conformance):
    alone = read_fhir([LFORMS_PHQ9], catalog)
    assert (alone.records, alone.parsed.frame.height, alone.raw.height) == (0, 0, 0)
    batch = read_fhir([LFORMS_PHQ9, DATA / "phq9_r4_loinc.json"], catalog)
    assert batch.records == 1
    assert scored(batch, catalog)[0]["score"] == 8


# --- fictional records ------------------------------------------------------------------


def test_r4_phq9_with_loinc_link_ids_and_answer_codes(catalog):
    batch = read_fhir([DATA / "phq9_r4_loinc.json"], catalog)
    assert batch.format == "fhir"
    assert batch.records == 1
    row = batch.parsed.frame.row(0, named=True)
    assert row["row"] == 1
    assert row["client_id"] == "fict-1001"
    assert row["measure"] == "phq9"
    assert row["administered_on"] == "2025-03-03T10:15:00"
    assert row["source_id"] == "QuestionnaireResponse/phq9-r4-1/_history/2"
    assert [row[f"item_{n}"] for n in range(1, 11)] == [1, 2, 1, 0, 2, 1, 0, 1, 0, None]
    assert row["total"] == 8
    (result,) = scored(batch, catalog)
    assert (result["score"], result["severity"], result["critical"]) == (8, "Mild", False)
    assert result["problems"] == []
    assert batch.raw.schema == RAW_SCHEMA
    assert json.loads(batch.raw["raw"][0])["id"] == "phq9-r4-1"


def test_gad7_is_recognised_from_its_item_codes_alone(catalog):
    batch = read_fhir([DATA / "gad7_r4.json"], catalog)
    (result,) = scored(batch, catalog)
    assert (result["measure"], result["score"], result["severity"]) == ("gad7", 12, "Moderate")
    assert result["administered_on"] == "2025-03-03"


def test_phq2_with_its_panel_code(catalog):
    (result,) = scored(read_fhir([DATA / "phq2_r4.json"], catalog), catalog)
    assert (result["measure"], result["score"], result["total"]) == ("phq2", 5, 5)
    assert result["severity"].startswith("Screen positive")


def test_phq9_items_one_and_two_are_a_phq2_only_without_the_phq9_panel(catalog, tmp_path):
    response = load("phq2_r4.json")
    del response["questionnaire"]
    response["item"] = response["item"][:2]
    bare = read_fhir([write(tmp_path, "bare.json", response)], catalog)
    assert bare.parsed.frame["measure"].to_list() == ["phq2"]
    response["questionnaire"] = "http://loinc.org/q/44249-1"
    panel = read_fhir([write(tmp_path, "panel.json", response)], catalog)
    assert panel.parsed.frame["measure"].to_list() == ["phq9"]


def test_panel_with_member_observations_is_one_record(catalog):
    batch = read_fhir([DATA / "phq9_panel_bundle.json"], catalog)
    assert batch.records == 1
    (result,) = scored(batch, catalog)
    assert result["source_id"] == "Observation/phq9-panel-1"
    assert result["administered_on"] == "2025-02-10T09:00:00"
    assert (result["score"], result["total"], result["critical"]) == (11, 11, True)
    assert result["problems"] == []
    kept = json.loads(batch.raw["raw"][0])
    assert kept["resourceType"] == "Bundle"
    assert len(kept["entry"]) == 12


def test_panel_member_missing_from_the_files_rejects_the_panel(catalog, tmp_path):
    bundle = load("phq9_panel_bundle.json")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["id"] != "phq9-item-4"]
    batch = read_fhir([write(tmp_path, "partial.json", bundle)], catalog)
    assert reasons(batch) == [
        "member Observation/phq9-item-4 is not in the files given; import the Bundle that "
        "holds the panel together with its members"
    ]


def test_stu3_panel_members_and_a_member_given_twice(catalog, tmp_path):
    bundle = load("phq9_panel_bundle.json")
    panel = bundle["entry"][0]["resource"]
    panel["related"] = [{"type": "has-member", "target": m} for m in panel.pop("hasMember")]
    item = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "phq9-item-1")
    batch = read_fhir(
        [write(tmp_path, "stu3.json", bundle), write(tmp_path, "item.json", item)], catalog
    )
    assert batch.records == 1
    assert scored(batch, catalog)[0]["score"] == 11


def test_panel_with_components(catalog, tmp_path):
    panel = load("phq9_panel_bundle.json")["entry"][0]["resource"]
    del panel["hasMember"]
    panel["component"] = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "44250-9"}]},
            "valueCodeableConcept": {
                "coding": [{"system": "http://loinc.org", "code": "LA6571-9"}]
            },
        },
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "44255-8"}]},
            "valueInteger": 2,
        },
    ]
    panel["code"]["coding"][0]["code"] = "55757-9"
    (result,) = scored(read_fhir([write(tmp_path, "panel.json", panel)], catalog), catalog)
    assert (result["measure"], result["score"]) == ("phq2", 5)


def test_total_only_observation(catalog):
    batch = read_fhir([DATA / "phq9_total_observation.json"], catalog)
    row = batch.parsed.frame.row(0, named=True)
    assert row["administered_on"] == "2025-01-20T14:30:00"
    assert [row[f"item_{n}"] for n in range(1, 10)] == [None] * 9
    (result,) = scored(batch, catalog)
    assert (result["score"], result["critical"]) == (17, None)
    assert result["problems"] == ["total only (no item answers): item-level flags unknown"]


def test_stu3_response_scored_through_its_questionnaire_options(catalog):
    batch = read_fhir([DATA / "phq9_stu3_bundle.json"], catalog)
    assert batch.records == 1
    (result,) = scored(batch, catalog)
    assert (result["client_id"], result["measure"], result["score"]) == ("fict-3003", "phq9", 17)
    assert result["critical"] is True


def test_ndjson_broken_line_is_a_rejected_record(catalog):
    batch = read_fhir([DATA / "mixed.ndjson"], catalog)
    assert batch.records == 4
    assert batch.raw["row"].to_list() == [1, 2, 3, 4]
    assert batch.parsed.frame["row"].to_list() == [1, 2, 3, 4]
    assert batch.raw["raw"][1].startswith('{"resourceType": "QuestionnaireResponse", "id": "nd-')
    assert reasons(batch, 2) == [
        "line 2 of mixed.ndjson is not valid JSON (truncated?) at column 72"
    ]
    assert reasons(batch, 3) == ["not a recognised measure (code 8867-4)"]
    results = scored(batch, catalog)
    assert [r["measure"] for r in results] == ["phq9", None, None, "gad7"]
    assert [r["rejected"] for r in results] == [False, True, True, False]
    assert [r["score"] for r in results] == [2, None, None, 12]


def test_ndjson_is_recognised_by_content(catalog, tmp_path):
    path = tmp_path / "export.json"
    path.write_text((DATA / "mixed.ndjson").read_text(encoding="utf-8"), encoding="utf-8")
    assert read_fhir([path], catalog).records == 4


def test_rows_are_numbered_across_files(catalog):
    batch = read_fhir([DATA / "phq9_r4_loinc.json", DATA / "mixed.ndjson"], catalog)
    assert batch.records == 5
    assert batch.parsed.errors["row"].unique().to_list() == [3, 4]


def test_unresolvable_answer_code_rejects_the_record_naming_item_and_code(catalog):
    batch = read_fhir([DATA / "unresolvable_code.json"], catalog)
    assert reasons(batch) == [
        "item_3 (/44259-0): answer code 'sometimes' (system http://clinic.example.org/answers) "
        "has no score: it is not a LOINC answer of the PHQ-9 and no ordinal value for it is "
        "given in the files"
    ]
    assert scored(batch, catalog)[0]["rejected"] is True


def test_entered_in_error_is_rejected_and_raises_no_safety_flag(catalog):
    batch = read_fhir([DATA / "entered_in_error.json"], catalog)
    assert reasons(batch) == [
        "QuestionnaireResponse status is 'entered-in-error': only completed or amended "
        "responses are scored"
    ]
    (result,) = scored(batch, catalog)
    assert (result["rejected"], result["score"], result["critical"]) == (True, None, None)


def test_display_text_is_never_scored(catalog):
    batch = read_fhir([DATA / "display_only.json"], catalog)
    found = reasons(batch)
    assert len(found) == 9
    assert found[0] == (
        "item_1 (/44250-9): the answer has no code, only the text 'Several days'; "
        "answers are never scored from their text"
    )
    assert batch.parsed.frame.select(f"item_{n}" for n in range(1, 10)).row(0) == (None,) * 9
    assert scored(batch, catalog)[0]["score"] is None


def test_text_answer_is_never_scored(catalog, tmp_path):
    response = load("gad7_r4.json")
    response["item"][0]["answer"] = [{"valueString": "2"}]
    batch = read_fhir([write(tmp_path, "text.json", response)], catalog)
    assert reasons(batch) == [
        "item_1 (69725-0): the answer is text ('2'), not a code or a number; "
        "answers are never scored from their text"
    ]


def test_in_progress_response_and_preliminary_observation_are_rejected(catalog, tmp_path):
    response = load("gad7_r4.json") | {"status": "in-progress"}
    total = load("phq9_total_observation.json") | {"status": "preliminary"}
    del total["subject"]
    batch = read_fhir(
        [write(tmp_path, "a.json", response), write(tmp_path, "b.json", total)], catalog
    )
    assert reasons(batch, 1) == [
        "QuestionnaireResponse status is 'in-progress': only completed or amended responses "
        "are scored"
    ]
    assert reasons(batch, 2) == [
        "Observation status is 'preliminary': only final, amended or corrected results are scored",
        "no subject: the client cannot be identified (Observation.subject has no reference)",
    ]


def test_instrument_codes_come_from_the_catalog(tmp_path):
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "sleep.toml").write_text(SLEEP_TOML, encoding="utf-8")
    catalog = load_catalog(folder)
    items = [("/90002-9", "LA9003-7"), ("/90003-7", "LA9002-9")]
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": "s1",
        "status": "completed",
        "questionnaire": "http://clinic.example.org/q/90001-1",
        "subject": {"reference": "Patient/fict-1"},
        "authored": "2025-01-02",
        "item": [
            {"linkId": link, "answer": [{"valueCoding": {"code": code}}]} for link, code in items
        ],
    }
    (result,) = scored(read_fhir([write(tmp_path, "r.json", response)], catalog), catalog)
    assert (result["measure"], result["score"]) == ("clinic_sleep", 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.json", "hello", "notes.json is not valid JSON at line 1 column 1: Expecting value"),
        ("other.json", '{"id": 1}', "other.json is JSON but not a FHIR resource (no resourceType)"),
        ("empty.json", "  \n", "empty.json is empty"),
        (
            "patient.json",
            '{"resourceType": "Patient", "id": "p"}',
            "patient.json: no QuestionnaireResponse or Observation (found: Patient)",
        ),
    ],
)
def test_unusable_files(catalog, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnusableFile) as caught:
        read_fhir([path], catalog)
    assert str(caught.value) == message


def test_truncated_json_is_unusable(catalog):
    with pytest.raises(
        UnusableFile,
        match=r"^truncated\.json is not valid JSON \(truncated\?\) "
        r"at line \d+ column \d+$",
    ):
        read_fhir([DATA / "truncated.json"], catalog)


def test_dstu2_is_unusable_and_says_so(catalog):
    with pytest.raises(UnusableFile, match=r"is FHIR DSTU2 .*only R4 and STU3 are read"):
        read_fhir([DATA / "dstu2_response.json"], catalog)


SLEEP_TOML = """
id = "clinic_sleep"
name = "Clinic sleep check"
abbreviation = "Sleep-2"
construct = "Sleep problems (fictional instrument for tests)"
domain = "other"
recall_period = "Past week"

[licence]
text = "Fictional instrument written for tests."
show_item_wording = false
source = "test"

[codes]
source = "test"
loinc_panel = "90001-1"
loinc_total = "90004-5"
loinc_answers = { "LA9001-1" = 0, "LA9002-9" = 1, "LA9003-7" = 2 }

[item_defaults]
min = 0
max = 2

[[items]]
id = "item_1"
label = "Falling asleep"
loinc = "90002-9"

[[items]]
id = "item_2"
label = "Waking early"
loinc = "90003-7"

[[scores]]
id = "clinic_sleep_total"
label = "Sleep total"
primary = true
items = "all"
formula = "sum"
min = 0
max = 4
higher_is_better = false
source = "test"
missing = { max_missing = 0 }

[sources]
test.label = "FHIR reader tests, fictional"
test.text = "Fictional instrument for the FHIR reader tests."
"""


# --- Observations derived from a response ------------------------------------------------


def response_with_derived_total(
    value: int, *, own_total: bool, stu3: bool = False, reference: str = "urn:uuid:qr-1"
) -> dict[str, Any]:
    """A Bundle: the R4 PHQ-9 response (items sum to 8) and a total Observation derived from it."""
    response = load("phq9_r4_loinc.json")
    if not own_total:
        response["item"] = [i for i in response["item"] if i["linkId"] != "/44261-6"]
    source = {"reference": reference}
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "phq9-total-derived",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
        "subject": {"reference": "Patient/fict-1001"},
        "effectiveDateTime": "2025-03-03T10:15:00-05:00",
        "valueQuantity": {"value": value},
    }
    if stu3:
        observation["related"] = [{"type": "derived-from", "target": source}]
    else:
        observation["derivedFrom"] = [source]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:qr-1", "resource": response},
            {"fullUrl": "urn:uuid:obs-1", "resource": observation},
        ],
    }


def test_a_total_observation_derived_from_a_response_is_its_stored_total(catalog, tmp_path):
    path = write(tmp_path, "b.json", response_with_derived_total(11, own_total=False))
    batch = read_fhir([path], catalog)
    assert batch.records == 1
    assert batch.parsed.frame["total"].to_list() == [11]
    (result,) = scored(batch, catalog)
    assert (result["score"], result["critical"]) == (8, False)
    assert result["problems"] == [
        "stored total 11 disagrees with the answers (8); the computed score is used"
    ]
    kept = json.loads(batch.raw["raw"][0])
    assert [e["resource"]["resourceType"] for e in kept["entry"]] == [
        "QuestionnaireResponse",
        "Observation",
    ]


def test_stu3_derived_from_by_id_and_the_responses_own_total_wins(catalog, tmp_path):
    bundle = response_with_derived_total(
        11, own_total=True, stu3=True, reference="QuestionnaireResponse/phq9-r4-1"
    )
    batch = read_fhir([write(tmp_path, "b.json", bundle)], catalog)
    assert batch.records == 1
    assert batch.parsed.frame["total"].to_list() == [8]
    assert scored(batch, catalog)[0]["problems"] == []


def test_an_observation_derived_from_a_response_not_given_is_a_record(catalog, tmp_path):
    bundle = response_with_derived_total(11, own_total=False, reference="urn:uuid:elsewhere")
    bundle["entry"] = bundle["entry"][1:]
    batch = read_fhir([write(tmp_path, "b.json", bundle)], catalog)
    assert batch.records == 1
    (result,) = scored(batch, catalog)
    assert (result["score"], result["critical"]) == (11, None)


# --- totals on two scales (a program's own WHO-5-like instrument with fictional codes) ----

TWO_SCALES = load_catalog(Path(__file__).parent / "data" / "instruments")


def test_a_total_whose_code_names_its_scale_is_read_on_that_scale():
    batch = read_fhir([DATA / "two_scale_total_raw.json"], TWO_SCALES)
    assert batch.parsed.frame["total_scale"].to_list() == ["raw"]
    (result,) = scored(batch, TWO_SCALES)
    assert (result["rejected"], result["score"], result["twb_raw"]) == (False, 80, 20)


def test_a_total_whose_unit_is_percent_is_a_percentage(tmp_path):
    panel = load("two_scale_total_raw.json")
    panel["code"]["coding"][0]["code"] = "99990-1"  # the panel: its code says no scale
    panel["valueQuantity"] = {"value": 80, "unit": "%", "system": "http://unitsofmeasure.org"}
    panel["valueQuantity"]["code"] = "%"
    (result,) = scored(read_fhir([write(tmp_path, "a.json", panel)], TWO_SCALES), TWO_SCALES)
    assert (result["rejected"], result["score"], result["twb_raw"]) == (False, 80, 20)


def test_a_total_whose_code_and_unit_do_not_say_its_scale_is_rejected(tmp_path):
    panel = load("two_scale_total_raw.json")
    panel["code"]["coding"][0]["code"] = "99990-1"
    batch = read_fhir([write(tmp_path, "a.json", panel)], TWO_SCALES)
    assert reasons(batch) == [
        "total (TWB): a TWB total may be percentage (0-100) or raw (0-25), and neither its code "
        "nor its unit says which (unit '%': percentage; code 99991-9: percentage; "
        "code 99992-7: raw)"
    ]
    (result,) = scored(batch, TWO_SCALES)
    assert (result["rejected"], result["score"]) == (True, None)


def test_a_total_whose_code_and_unit_disagree_is_rejected(tmp_path):
    raw = load("two_scale_total_raw.json")
    raw["valueQuantity"] |= {"unit": "%", "code": "%"}
    batch = read_fhir([write(tmp_path, "a.json", raw)], TWO_SCALES)
    assert reasons(batch) == [
        "total (99992-7): the code and the unit of the TWB total disagree (percentage and raw)"
    ]


def test_a_who5_total_observation_is_not_recognised_without_verified_codes(catalog):
    # no LOINC code of the WHO-5 was verified, so a WHO-5 Observation is never guessed
    assert not any(s.loinc for s in catalog["who5"].scores)
    assert catalog["who5"].codes.loinc_total is None
