"""FHIR files as real systems write them (tests/data/conformance/README.md): every
administration scored as worked out by hand from the file, every defect reported."""

from __future__ import annotations

import json

import pytest

from dashboard.importers.fhir import read_fhir
from measures import Catalog, load_catalog
from tests.importers.fhir_support import CONFORMANCE, reasons, scored

AHRQ = CONFORMANCE / "smart-on-fhir" / "ahrq-depression-patient-phq9.STU3.json"
MII = CONFORMANCE / "mii-pro"
MII_RESPONSE = MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"
MII_QUESTIONNAIRE = MII / "Questionnaire-mii-qst-pro-phq-9.json"
MII_VALUE_SET = MII / "ValueSet-mii-vs-pro-phq-9-answer-list-ll358-3.json"
MII_OBSERVATION = MII / "Observation-mii-exa-pro-phq-9-observation.json"
US_CORE = CONFORMANCE / "us-core"
US_CORE_RESPONSE = US_CORE / "QuestionnaireResponse-phq-9-example.json"
US_CORE_QUESTIONNAIRE = US_CORE / "Questionnaire-phq-9-example.json"
US_CORE_OBSERVATIONS = sorted(US_CORE.glob("Observation-PHQ9-*.json"))
SDC_2019 = CONFORMANCE / "hl7-sdc-2019"
SDC_2019_RESPONSE = SDC_2019 / "questionnaireresponse-sdc-example-PHQ9.json"
SDC_2019_QUESTIONNAIRE = SDC_2019 / "questionnaire-sdc-profile-example-PHQ9.json"
#: The AHRQ Bundle's patient identifier system (its Patients' MRN-like TEST-n).
AHRQ_SYSTEM = "urn:oid:2.16.840.1.113883.6.1000"

# Every response of the AHRQ Bundle, read by hand from the file, in file order: the
# Patient's identifier (AHRQ_SYSTEM) and resource id, `authored`, the iso21090-CO-value
# ordinals of items 1-9 (every answer's code is LA6568-5, "Not at all" = 0), their sum
# (the PHQ-9 total), and the total the file stores in item 10.
AHRQ_BY_HAND: list[tuple[str, str, str, list[int], int, int]] = [
    # 3 + 2 + 0 + 2 + 0 + 1 + 2 + 3 + 2 = 15, as stored
    ("TEST-12", "384", "2020-02-28T07:06:36", [3, 2, 0, 2, 0, 1, 2, 3, 2], 15, 15),
    ("TEST-12", "384", "2020-10-04T23:47:56", [0, 0, 0, 0, 0, 1, 1, 1, 0], 3, 3),
    ("TEST-12", "384", "2020-11-23T17:47:57", [2, 2, 3, 0, 3, 2, 1, 1, 3], 17, 17),
    # 2 + 0 + 0 + 1 + 3 + 1 + 3 + 0 + 1 = 11; the stored 36 is no PHQ-9 total (0-27)
    ("TEST-15", "397", "2020-03-09T21:14:26", [2, 0, 0, 1, 3, 1, 3, 0, 1], 11, 36),
    ("TEST-15", "397", "2020-09-26T00:17:22", [0, 3, 0, 0, 0, 2, 0, 0, 0], 5, 5),
    ("TEST-15", "397", "2020-12-09T10:44:39", [3, 0, 0, 0, 1, 2, 3, 2, 1], 12, 12),
    ("TEST-9", "375", "2020-01-24T12:06:48", [3, 0, 0, 0, 0, 0, 0, 0, 0], 3, 3),
    ("TEST-9", "375", "2020-05-07T10:07:20", [2, 2, 3, 0, 3, 2, 0, 2, 0], 14, 14),
    ("TEST-7", "369", "2020-05-24T07:52:16", [0, 1, 0, 3, 2, 0, 0, 3, 3], 12, 12),
    ("TEST-14", "393", "2020-03-27T14:33:27", [2, 2, 2, 3, 3, 0, 0, 0, 2], 14, 14),
    ("TEST-14", "393", "2020-10-24T06:13:35", [0, 0, 0, 0, 0, 0, 0, 0, 1], 1, 1),
    ("TEST-14", "393", "2020-12-18T05:44:12", [3, 3, 0, 3, 2, 0, 3, 0, 1], 15, 15),
    ("TEST-13", "390", "2020-02-16T20:48:40", [2, 2, 3, 3, 3, 2, 1, 0, 2], 18, 18),
    ("TEST-13", "390", "2020-07-31T17:49:47", [0, 0, 0, 0, 1, 0, 1, 0, 0], 2, 2),
    ("TEST-13", "390", "2020-09-02T01:26:49", [3, 1, 3, 1, 2, 2, 1, 3, 2], 18, 18),
    ("TEST-6", "366", "2020-03-13T11:34:51", [3, 2, 3, 1, 2, 2, 3, 1, 0], 17, 17),
    # 0 + 2 + 2 + 2 + 3 + 1 + 1 + 0 + 2 = 13; the stored 12 disagrees
    ("TEST-8", "373", "2020-02-19T04:11:59", [0, 2, 2, 2, 3, 1, 1, 0, 2], 13, 12),
    ("TEST-8", "373", "2020-12-19T15:22:32", [0, 0, 1, 1, 0, 0, 0, 0, 1], 3, 3),
    # the subject is urn:uuid:Patient/362, the fullUrl of the Patient whose id is TEST-4
    ("TEST-4", "TEST-4", "2020-05-04T01:35:06", [1, 0, 1, 2, 0, 1, 3, 0, 1], 9, 34),
    # 1 + 3 + 3 + 2 + 1 + 0 + 0 + 0 + 1 = 11; the stored 13 disagrees
    ("TEST-4", "TEST-4", "2020-09-01T23:17:54", [1, 3, 3, 2, 1, 0, 0, 0, 1], 11, 13),
    ("TEST-4", "TEST-4", "2020-12-09T23:19:08", [1, 1, 2, 1, 1, 2, 3, 1, 3], 15, 15),
    ("TEST-3", "TEST-3", "2020-01-05T15:42:22", [2, 2, 1, 1, 0, 3, 2, 2, 1], 14, 35),
    ("TEST-3", "TEST-3", "2020-09-13T16:13:30", [0, 3, 3, 3, 3, 2, 0, 0, 1], 15, 15),
    ("TEST-16", "399", "2020-01-21T10:30:14", [1, 1, 3, 1, 1, 1, 0, 3, 2], 13, 13),
    ("TEST-16", "399", "2020-07-10T09:38:49", [0, 0, 1, 0, 0, 0, 0, 0, 0], 1, 1),
    ("TEST-16", "399", "2020-07-28T17:22:55", [0, 2, 2, 2, 0, 3, 1, 0, 1], 11, 11),
    ("TEST-16", "399", "2020-10-04T06:37:38", [1, 0, 0, 0, 2, 0, 1, 0, 0], 4, 4),
    ("TEST-11", "382", "2020-07-29T21:26:31", [3, 2, 0, 3, 0, 1, 0, 0, 3], 12, 36),
    ("TEST-11", "382", "2020-09-11T19:29:22", [1, 1, 1, 3, 0, 0, 3, 2, 0], 11, 11),
    ("TEST-18", "404", "2020-05-06T06:02:32", [0, 2, 1, 0, 2, 2, 1, 1, 1], 10, 10),
    ("TEST-18", "404", "2020-05-29T05:45:26", [0, 0, 0, 1, 0, 0, 0, 1, 0], 2, 2),
    ("TEST-18", "404", "2020-09-24T11:58:11", [0, 1, 3, 1, 3, 0, 0, 1, 1], 10, 10),
    ("TEST-18", "404", "2020-10-14T15:48:24", [0, 0, 0, 0, 0, 0, 1, 0, 0], 1, 1),
    # 1 + 2 + 2 + 3 + 3 + 1 + 3 + 3 + 0 = 18; the stored 35 is no PHQ-9 total
    ("TEST-2", "TEST-2", "2020-01-13T05:23:34", [1, 2, 2, 3, 3, 1, 3, 3, 0], 18, 35),
    ("TEST-5", "364", "2020-10-30T05:36:57", [3, 3, 0, 1, 2, 2, 3, 0, 1], 15, 15),
    ("TEST-19", "408", "2020-02-15T00:35:58", [2, 0, 0, 3, 1, 2, 2, 3, 1], 14, 14),
    ("TEST-19", "408", "2020-06-13T18:16:16", [1, 1, 1, 1, 1, 0, 0, 0, 0], 5, 5),
    ("TEST-19", "408", "2020-10-06T10:27:34", [0, 0, 0, 3, 3, 0, 1, 1, 0], 8, 8),
    ("TEST-19", "408", "2020-12-11T15:17:52", [1, 0, 0, 1, 1, 0, 1, 0, 0], 4, 4),
    ("TEST-10", "378", "2020-05-12T17:31:33", [2, 1, 2, 1, 2, 2, 2, 2, 0], 14, 14),
    ("TEST-10", "378", "2020-07-15T00:03:00", [1, 0, 0, 2, 0, 0, 0, 0, 0], 3, 3),
    ("TEST-17", "401", "2020-03-22T09:01:06", [2, 2, 2, 1, 0, 0, 2, 2, 0], 11, 11),
    # every ordinal 0, as the code says: nothing disagrees
    ("TEST-17", "401", "2020-07-17T14:47:41", [0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0),
    ("TEST-17", "401", "2020-08-26T20:08:05", [3, 1, 2, 1, 3, 2, 0, 3, 3], 18, 18),
    ("TEST-17", "401", "2020-12-21T08:04:25", [1, 0, 0, 1, 1, 1, 1, 0, 0], 5, 5),
]
#: The first response's problem in full (TEST-12, 2020-02-28: ordinals 3, 2, 0, 2, 0, 1, 2,
#: 3, 2 on answers all coded LA6568-5, 0).
AHRQ_FIRST_PROBLEM = (
    "answer values that disagree with the standard values of their codes (the file's are "
    "used): item_1 LA6568-5 'Yes': 3 (its ordinal value), not 0 (LOINC); "
    "item_2 LA6568-5 'Yes': 2 (its ordinal value), not 0 (LOINC); "
    "item_4 LA6568-5 'Yes': 2 (its ordinal value), not 0 (LOINC); "
    "item_6 LA6568-5 'Yes': 1 (its ordinal value), not 0 (LOINC); "
    "item_7 LA6568-5 'Yes': 2 (its ordinal value), not 0 (LOINC); "
    "item_8 LA6568-5 'Yes': 3 (its ordinal value), not 0 (LOINC); "
    "item_9 LA6568-5 'Yes': 2 (its ordinal value), not 0 (LOINC)"
)
PHQ9_BANDS = [(4, "Minimal"), (9, "Mild"), (14, "Moderate"), (19, "Moderately severe")]
DISAGREEMENT = (
    "answer values that disagree with the standard values of their codes (the file's are used): "
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def ahrq_disagreement(items: list[int]) -> str:
    """The problem the hand-read ordinals give: each one above 0 disagrees with LA6568-5."""
    parts = [
        f"item_{n} LA6568-5 'Yes': {value} (its ordinal value), not 0 (LOINC)"
        for n, value in enumerate(items, start=1)
        if value
    ]
    return DISAGREEMENT + "; ".join(parts)


# --- the Bundle: smart-on-fhir generated sample data, STU3 ------------------------


def test_ahrq_bundle_every_response_is_scored_as_worked_out_by_hand(catalog):
    batch = read_fhir([AHRQ], catalog, patient_identifier_system=AHRQ_SYSTEM)
    assert batch.records == 45
    assert batch.not_administrations == {"Patient": 19}
    assert batch.evidence == {"item definitions": 45}
    assert batch.parsed.errors.is_empty()
    results = scored(batch, catalog)
    assert len(results) == len(AHRQ_BY_HAND) == 45
    for number, (mrn, _, authored, items, total, stored) in enumerate(AHRQ_BY_HAND, start=1):
        row = batch.parsed.frame.row(number - 1, named=True)
        result = results[number - 1]
        assert (row["row"], row["client_id"], row["measure"]) == (number, mrn, "phq9")
        assert row["administered_on"] == authored
        assert [row[f"item_{n}"] for n in range(1, 10)] == items, number
        assert result["rejected"] is False
        assert result["score"] == total, number
        assert result["severity"] == next(b for top, b in PHQ9_BANDS if total <= top)
        assert result["critical"] is (items[8] > 0)
        expected = [ahrq_disagreement(items)] if any(items) else []
        if stored > 27:
            assert row["total"] is None
            expected.append(
                f"the stored total was not kept (total is {stored}; PHQ-9 totals are 0-27); "
                "the score is computed from the answers"
            )
        else:
            assert row["total"] == stored
        if stored != total and stored <= 27:
            expected.append(
                f"stored total {stored} disagrees with the answers ({total}); "
                "the computed score is used"
            )
        assert result["problems"] == expected, number
    # 18 clients: every Patient but TEST-1, who has no response
    assert len({r[0] for r in AHRQ_BY_HAND}) == 18


def test_ahrq_bundle_reports_each_disagreement_in_full(catalog):
    batch = read_fhir([AHRQ], catalog, patient_identifier_system=AHRQ_SYSTEM)
    results = scored(batch, catalog)
    assert results[0]["problems"] == [AHRQ_FIRST_PROBLEM]
    assert results[3]["problems"][1] == (
        "the stored total was not kept (total is 36; PHQ-9 totals are 0-27); "
        "the score is computed from the answers"
    )


def test_ahrq_bundle_without_an_identifier_system_names_clients_by_patient_resource_id(catalog):
    batch = read_fhir([AHRQ], catalog)
    ids = batch.parsed.frame["client_id"].to_list()
    assert ids == [patient_id for _, patient_id, *_ in AHRQ_BY_HAND]
    # urn:uuid:Patient/362 is resolved within the Bundle to its Patient, whose id is TEST-4
    assert ids[18:21] == ["TEST-4"] * 3
    assert "362" not in ids


def test_ahrq_bundle_with_another_identifier_system_is_rejected_not_guessed(catalog):
    batch = read_fhir([AHRQ], catalog, patient_identifier_system="https://hospital.example/mrn")
    assert reasons(batch, 1) == [
        "the subject Patient/384 has no identifier of system https://hospital.example/mrn (the "
        "patient identifier system set for this import), so the client cannot be told"
    ]
    assert all(r["rejected"] for r in scored(batch, catalog))


# --- the German Medical Informatics Initiative's PROM module (R4) -------------------------


def test_mii_response_whose_link_ids_are_not_its_questionnaires_is_rejected(catalog):
    batch = read_fhir([MII_RESPONSE, MII_QUESTIONNAIRE, MII_VALUE_SET], catalog)
    assert batch.records == 1
    assert batch.evidence == {"questionnaire": 1}
    (reason,) = reasons(batch)
    assert reason.startswith(
        "the answers' linkIds (PHQ.1, PHQ.2, PHQ.3, PHQ.4, PHQ.5, PHQ.6, PHQ.7, PHQ.8, PHQ.9, "
        "PHQ.10, PHQ.Score) are not questions of questionnaire 'https://www.medizininformatik-"
        "initiative.de/fhir/ext/modul-pro/Questionnaire/mii-qst-pro-phq-9' (its linkIds: "
        "PHQ-9.Description, PHQ-9.1, "
    )
    assert reason.endswith("and carry no PHQ-9 item code or text: the items cannot be told")
    assert scored(batch, catalog)[0]["rejected"] is True


def test_mii_response_alone_names_the_questionnaire_it_needs(catalog):
    batch = read_fhir([MII_RESPONSE], catalog)
    assert reasons(batch) == [
        "not a recognised measure: questionnaire 'Questionnaire/mii-qst-pro-phq-9' is not "
        "among the files given and the answers carry no LOINC codes (linkId, code or "
        "definition) or published item texts of a catalog instrument"
    ]


def test_mii_response_read_through_its_questionnaire_once_the_link_ids_agree(catalog, tmp_path):
    # the Questionnaire as the response names its items (a copy changed here, not the file):
    # its LOINC answer codes carry no system; LA6571-9 is 3 on the PHQ-9's list
    questionnaire = json.loads(MII_QUESTIONNAIRE.read_text(encoding="utf-8"))
    for item in questionnaire["item"]:
        item["linkId"] = item["linkId"].replace("PHQ-9.", "PHQ.")
    path = tmp_path / "q.json"
    path.write_text(json.dumps(questionnaire), encoding="utf-8")
    batch = read_fhir([MII_RESPONSE, path, MII_VALUE_SET], catalog)
    assert batch.parsed.errors.is_empty()
    (result,) = scored(batch, catalog)
    # nine answers of LA6571-9 (3 each): 9 x 3 = 27, as stored in PHQ.Score
    assert (result["score"], result["severity"], result["critical"]) == (27, "Severe", True)
    assert result["problems"] == []
    assert batch.parsed.frame["total"].to_list() == [27]


def test_mii_total_observation_is_a_total_only(catalog):
    batch = read_fhir([MII_OBSERVATION], catalog)
    assert batch.evidence == {"Observation code": 1}
    (result,) = scored(batch, catalog)
    # the panel code 44249-1 with its value: the total 27 alone
    assert (result["rejected"], result["score"], result["critical"]) == (False, 27, None)
    assert result["problems"] == ["total only (no item answers): item-level flags unknown"]


# --- US Core 9.0.0 (R4) ---------------------------------------------------------------------

# LA6570-1 = 2 for items 1-4 and 7, LA6569-3 = 1 for items 5 and 6, LA6568-5 = 0 for 8 and 9
US_CORE_ITEMS = [2, 2, 2, 2, 1, 1, 2, 0, 0]  # 2 x 5 + 1 x 2 = 12


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        ([US_CORE_RESPONSE], "item codes"),
        ([US_CORE_RESPONSE, US_CORE_QUESTIONNAIRE], "questionnaire"),
    ],
)
def test_us_core_response(catalog, files, evidence):
    batch = read_fhir(files, catalog)
    assert batch.evidence == {evidence: 1}
    row = batch.parsed.frame.row(0, named=True)
    assert [row[f"item_{n}"] for n in range(1, 10)] == US_CORE_ITEMS
    assert row["total"] == 12
    (result,) = scored(batch, catalog)
    assert (result["score"], result["severity"], result["critical"]) == (12, "Moderate", False)
    assert result["problems"] == []


def test_us_core_panel_whose_total_is_text_is_scored_from_its_members(catalog):
    batch = read_fhir(US_CORE_OBSERVATIONS, catalog)
    assert batch.records == 1
    assert batch.evidence == {"Observation code": 1}
    assert batch.not_administrations == {"Observation (panel member)": 11}
    row = batch.parsed.frame.row(0, named=True)
    assert [row[f"item_{n}"] for n in range(1, 10)] == US_CORE_ITEMS
    (result,) = scored(batch, catalog)
    assert (result["rejected"], result["score"]) == (False, 12)
    assert result["problems"] == [
        "the stored total was not read (total (44261-6): the answer is text ('12'), not a code "
        "or a number; answers are never scored from their text); the score is computed from "
        "the answers"
    ]


def test_us_core_response_with_its_panel_is_one_administration(catalog):
    batch = read_fhir([US_CORE_RESPONSE, *US_CORE_OBSERVATIONS], catalog)
    assert batch.records == 1
    assert batch.not_administrations == {
        "Observation (derived from a response)": 1,
        "Observation (panel member)": 11,
    }
    (result,) = scored(batch, catalog)
    assert (result["score"], result["problems"]) == (12, [])


# --- HL7 SDC, 2019: no LOINC code anywhere ---------------------------------------------------


def test_sdc_2019_response_alone_is_recognised_by_its_texts_and_its_local_codes_reported(
    catalog,
):
    batch = read_fhir([SDC_2019_RESPONSE], catalog)
    assert batch.evidence == {"item texts": 1}
    found = reasons(batch)
    assert len(found) == 9
    assert found[0] == (
        "item_1 (H1/T1/Q1): answer code 'Several days' (no system) has no score: it is not a "
        "LOINC answer of the PHQ-9 and no ordinal value for it is given in the files"
    )
    assert scored(batch, catalog)[0]["rejected"] is True


def test_sdc_2019_response_with_its_questionnaire_names_the_codes_that_do_not_match(catalog):
    batch = read_fhir([SDC_2019_RESPONSE, SDC_2019_QUESTIONNAIRE], catalog)
    assert batch.evidence == {"questionnaire": 1}
    options = "Not-at-all, Several-days, More than half the days, Nearly every day"
    # items 5, 7 and 8 ("More than half the days", "Nearly every day") match an option
    assert reasons(batch) == [
        f"item_{n} (H1/T1/Q{n}): answer code '{code}' (no system) has no score: it is not a "
        f"LOINC answer of the PHQ-9 and it is not among the question's answer options "
        f"({options})"
        for n, code in [
            (1, "Several days"),
            (2, "Not at all"),
            (3, "Not at all"),
            (4, "Several days"),
            (6, "Several days"),
            (9, "Several days"),
        ]
    ]
