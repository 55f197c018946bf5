"""How the FHIR reader recognises an instrument, reads an answer's value and names a client:
fictional records (the real files are in test_fhir_real_world.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.importers.fhir import read_fhir
from measures import Catalog, load_catalog
from tests.importers.fhir_support import CONFORMANCE, reasons, scored, write

LFORMS = CONFORMANCE / "lhncbc-lforms"
ARGONAUT_STU3 = LFORMS / "argonaut-phq9-ish.STU3.json"
ARGONAUT_R5 = LFORMS / "argonaut-phq9-ish.R5.json"
LOINC = "http://loinc.org"
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2"]
PHQ9_ITEMS += ["44252-5", "44253-3", "44260-8"]
#: The LOINC answer list LL358-3: LA6568-5 = 0 ... LA6571-9 = 3.
ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
#: The PHQ-9's published item texts (as the catalog's definition holds them).
PHQ9_TEXTS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed. Or the opposite - "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
]
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
MRN = "https://hospital.example/mrn"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def coding(value: int, *, system: bool = True, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"code": ANSWERS[value], **extra}
    return {"system": LOINC, **found} if system else found


def response(items: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "qr-1",
        "status": "completed",
        "subject": {"reference": "Patient/fict-1"},
        "authored": "2025-03-03T10:15:00Z",
        "item": items,
        **fields,
    }


def answered(link_id: str, value: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"linkId": link_id, "answer": [value], **fields}


# --- recognising the instrument ------------------------------------------------------------


def test_a_malformed_definition_url_still_names_its_loinc_code(catalog, tmp_path):
    items = [
        answered(
            str(n), {"valueCoding": coding(1)}, definition=f"http://loinc.orgfhir/DataElement/{c}"
        )
        for n, c in enumerate(PHQ9_ITEMS, start=1)
    ]
    batch = read_fhir([write(tmp_path, "r.json", response(items))], catalog)
    assert batch.evidence == {"item definitions": 1}
    (result,) = scored(batch, catalog)
    assert (result["measure"], result["score"]) == ("phq9", 9)


def test_the_published_item_texts_recognise_a_response_with_no_code(catalog, tmp_path):
    # typography aside: a question mark, curly quotes and a dash without spaces still match
    texts = [*PHQ9_TEXTS]
    texts[0] += "?"
    texts[5] = texts[5].replace(" - ", "-")
    items = [
        answered(f"q{n}", {"valueCoding": coding(n % 4)}, text=text)
        for n, text in enumerate(texts, start=1)
    ]
    items.append(
        answered("difficulty", {"valueString": "Somewhat difficult"}, text="How difficult?")
    )
    batch = read_fhir([write(tmp_path, "r.json", response(items))], catalog)
    assert batch.evidence == {"item texts": 1}
    row = batch.parsed.frame.row(0, named=True)
    # answers 1, 2, 3, 0, 1, 2, 3, 0, 1: a sum of 13
    assert [row[f"item_{n}"] for n in range(1, 10)] == [1, 2, 3, 0, 1, 2, 3, 0, 1]
    (result,) = scored(batch, catalog)
    assert (result["measure"], result["score"]) == ("phq9", 13)
    assert result["problems"] == [
        "the PHQ-9 items were told by their published texts only; answers not read (no PHQ-9 "
        "item code or text): 'difficulty' ('How difficult?')"
    ]


def test_the_first_two_texts_alone_are_a_phq2(catalog, tmp_path):
    items = [
        answered(f"q{n}", {"valueCoding": coding(2)}, text=text)
        for n, text in enumerate(PHQ9_TEXTS[:2], start=1)
    ]
    (result,) = scored(read_fhir([write(tmp_path, "r.json", response(items))], catalog), catalog)
    assert (result["measure"], result["score"]) == ("phq2", 4)


def test_a_reworded_item_is_not_guessed_from_the_other_texts(catalog, tmp_path):
    texts = [*PHQ9_TEXTS]
    texts[7] = "Moving slowly or being restless"
    items = [
        answered(f"q{n}", {"valueCoding": coding(1)}, text=text)
        for n, text in enumerate(texts, start=1)
    ]
    batch = read_fhir([write(tmp_path, "r.json", response(items))], catalog)
    assert reasons(batch) == [
        "the PHQ-9 items were told by their published texts, but item_8 was not found while "
        "the answers 'q8' ('Moving slowly or being restless') have no PHQ-9 item text: which "
        "item they are cannot be told"
    ]


def test_texts_of_items_shared_by_instruments_are_not_enough(catalog, tmp_path):
    # items 1-7 are the PHQ-9's and the PHQ-8's alike
    items = [
        answered(f"q{n}", {"valueCoding": coding(1)}, text=text)
        for n, text in enumerate(PHQ9_TEXTS[:7], start=1)
    ]
    batch = read_fhir([write(tmp_path, "r.json", response(items))], catalog)
    (reason,) = reasons(batch)
    assert reason.startswith("not a recognised measure: no questionnaire")
    assert reason.endswith(
        "its answer codes are used by GAD-7, PHQ-2 and PHQ-9 alike; "
        "the 7 item texts found are items of PHQ-8 and PHQ-9 alike"
    )


def test_a_questionnaire_named_by_its_identifier_only_stu3(catalog, tmp_path):
    # the Argonaut PHQ-9 (LHC-Forms' STU3 copy) has identifier http://acme.org/q-identifiers|phq9
    items = [answered(f"g1.q{n}", {"valueCoding": coding(min(n, 3))}) for n in range(1, 10)]
    stu3 = response(
        [{"linkId": "g1", "item": items}],
        questionnaire={"identifier": {"system": "http://acme.org/q-identifiers", "value": "phq9"}},
    )
    batch = read_fhir([write(tmp_path, "r.json", stu3), ARGONAUT_STU3], catalog)
    assert batch.evidence == {"questionnaire": 1}
    (result,) = scored(batch, catalog)
    # 1 + 2 + 3 x 7 = 24
    assert (result["score"], result["severity"]) == (24, "Severe")


def test_an_identifier_that_names_no_questionnaire_given_is_reported(catalog, tmp_path):
    stu3 = response(
        [answered("1", {"valueCoding": coding(1)})],
        questionnaire={"identifier": {"system": "https://forms.example", "value": "case_1"}},
    )
    batch = read_fhir([write(tmp_path, "r.json", stu3)], catalog)
    (reason,) = reasons(batch)
    assert reason.startswith(
        "not a recognised measure: questionnaire 'https://forms.example|case_1' is not among "
        "the files given"
    )


# --- reading an answer's value -------------------------------------------------------------


def test_an_r5_item_weight_that_disagrees_with_the_code_is_used_and_noted(catalog, tmp_path):
    # the R5 Argonaut PHQ-9 (items of type coding), by its canonical URL
    weighted = coding(0, display="Not at all", extension=[{"url": ITEM_WEIGHT, "valueDecimal": 2}])
    items = [answered("g1.q1", {"valueCoding": weighted})]
    items += [answered(f"g1.q{n}", {"valueCoding": coding(1)}) for n in range(2, 10)]
    r5 = response(
        [{"linkId": "g1", "item": items}],
        questionnaire="http://fhir.org/guides/argonaut-questionnaire/Questionnaire/"
        "questionnaire-example-phq9",
    )
    batch = read_fhir([write(tmp_path, "r.json", r5), ARGONAUT_R5], catalog)
    (result,) = scored(batch, catalog)
    # 2 (the weight, not the code's 0) + 8 x 1 = 10
    assert (result["rejected"], result["score"]) == (False, 10)
    assert result["problems"] == [
        "answer values that disagree with the standard values of their codes (the file's are "
        "used): item_1 LA6568-5 'Not at all': 2 (its ordinal value), not 0 (the questionnaire's "
        "answer option and LOINC)"
    ]


def test_an_r4_ordinal_value_on_a_local_code_scores_it(catalog, tmp_path):
    local = {"system": "https://forms.example/answers", "code": "often"}
    items = [
        answered(
            f"/{c}", {"valueCoding": {**local, "extension": [{"url": ORDINAL, "valueDecimal": 2}]}}
        )
        for c in PHQ9_ITEMS
    ]
    (result,) = scored(read_fhir([write(tmp_path, "r.json", response(items))], catalog), catalog)
    assert (result["score"], result["problems"]) == (18, [])


def test_loinc_answer_codes_without_a_system_are_read(catalog, tmp_path):
    items = [answered(f"/{c}", {"valueCoding": coding(3, system=False)}) for c in PHQ9_ITEMS]
    (result,) = scored(read_fhir([write(tmp_path, "r.json", response(items))], catalog), catalog)
    assert result["score"] == 27


def test_a_questionnaire_option_weight_that_disagrees_with_loinc_is_used_and_noted(
    catalog, tmp_path
):
    questions = [
        {
            "linkId": f"/{c}",
            "code": [{"system": LOINC, "code": c}],
            "type": "choice",
            "answerOption": [
                {"valueCoding": coding(v), "extension": [{"url": ORDINAL, "valueDecimal": 3 - v}]}
                for v in range(4)
            ],
        }
        for c in PHQ9_ITEMS
    ]
    questionnaire = {
        "resourceType": "Questionnaire",
        "url": "https://forms.example/q/reversed",
        "status": "active",
        "item": questions,
    }
    items = [answered(f"/{c}", {"valueCoding": coding(0)}) for c in PHQ9_ITEMS]
    r4 = response(items, questionnaire="https://forms.example/q/reversed")
    paths = [write(tmp_path, "r.json", r4), write(tmp_path, "q.json", questionnaire)]
    (result,) = scored(read_fhir(paths, catalog), catalog)
    assert result["score"] == 27
    (note,) = result["problems"]
    assert note.endswith("item_9 LA6568-5: 3 (the questionnaire's answer option), not 0 (LOINC)")


def test_a_gad7_panel_component_ordinal_that_disagrees_is_noted(catalog, tmp_path):
    codes = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
    extension = [
        {"url": "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value", "valueDecimal": 1}
    ]
    components = [
        {
            "code": {"coding": [{"system": LOINC, "code": c}]},
            "valueCodeableConcept": {"coding": [coding(0, extension=extension)]},
        }
        for c in codes
    ]
    panel = {
        "resourceType": "Observation",
        "id": "gad7-panel",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "69737-5"}]},
        "subject": {"reference": "Patient/fict-1"},
        "effectiveDateTime": "2025-03-03",
        "component": components,
    }
    (result,) = scored(read_fhir([write(tmp_path, "o.json", panel)], catalog), catalog)
    assert (result["measure"], result["score"]) == ("gad7", 7)
    assert result["problems"][0].count("1 (its ordinal value), not 0 (LOINC)") == 7


# --- who the record is about ----------------------------------------------------------------


def patient(rid: str, mrn: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"resourceType": "Patient", "id": rid}
    if mrn is not None:
        found["identifier"] = [{"system": MRN, "value": mrn}]
    return found


def bundle(*entries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"fullUrl": url, "resource": r} for url, r in entries],
    }


def phq9(subject: dict[str, Any]) -> dict[str, Any]:
    items = [answered(f"/{c}", {"valueCoding": coding(1)}) for c in PHQ9_ITEMS]
    return response(items, subject=subject)


@pytest.mark.parametrize(
    ("subject", "system", "client"),
    [
        ({"reference": "urn:uuid:6f1c-p"}, None, "p-1"),
        ({"reference": "urn:uuid:6f1c-p"}, MRN, "MRN-0042"),
        ({"reference": "Patient/p-1"}, MRN, "MRN-0042"),
        ({"reference": f"Patient?identifier={MRN}|MRN-0042"}, None, "p-1"),
        ({"reference": f"Patient?identifier={MRN}|MRN-0042"}, MRN, "MRN-0042"),
        ({"identifier": {"system": MRN, "value": "MRN-0042"}}, MRN, "MRN-0042"),
        ({"reference": "Patient/elsewhere"}, None, "elsewhere"),
    ],
)
def test_a_subject_is_resolved_within_the_bundle(catalog, tmp_path, subject, system, client):
    files = bundle(("urn:uuid:6f1c-p", patient("p-1", "MRN-0042")), ("urn:uuid:qr", phq9(subject)))
    batch = read_fhir([write(tmp_path, "b.json", files)], catalog, patient_identifier_system=system)
    assert batch.parsed.errors.is_empty()
    assert batch.parsed.frame["client_id"].to_list() == [client]


@pytest.mark.parametrize(
    ("subject", "patient_mrn", "reason"),
    [
        (
            {"reference": "Patient/p-1"},
            None,
            f"the subject Patient/p-1 has no identifier of system {MRN} (the patient "
            "identifier system set for this import), so the client cannot be told",
        ),
        (
            {"reference": "Patient/elsewhere"},
            "MRN-0042",
            "the subject Patient/elsewhere is not among the files given, so its identifier of "
            f"system {MRN} cannot be read; import it with its Patient resource",
        ),
        (
            {"display": "A. Person"},
            "MRN-0042",
            "no subject: the client cannot be identified (QuestionnaireResponse.subject has no "
            "reference)",
        ),
        (
            {"identifier": {"system": "urn:oid:1.2.3", "value": "77"}},
            "MRN-0042",
            f"the subject's identifier is of system urn:oid:1.2.3, not {MRN} (the patient "
            "identifier system set for this import)",
        ),
    ],
)
def test_a_subject_without_the_identifier_of_the_system_is_rejected(
    catalog, tmp_path, subject, patient_mrn, reason
):
    files = bundle(("urn:uuid:p", patient("p-1", patient_mrn)), ("urn:uuid:qr", phq9(subject)))
    batch = read_fhir([write(tmp_path, "b.json", files)], catalog, patient_identifier_system=MRN)
    assert reasons(batch) == [reason]
    assert scored(batch, catalog)[0]["rejected"] is True
