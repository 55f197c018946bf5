"""Hypothesis strategies for hostile input files: every reader's format, near valid and not.

Files are drawn as bytes. Cells mix what a program really exports with what an adversary
sends: control characters, carriage returns, quotes and commas, look-alike characters,
numbers no answer can be, dates outside every plausible range, bytes that are not UTF-8.
FHIR documents start from a real resource and have parts of them replaced, deleted or
nested; numbers JSON can write but no score can be are put in as text.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from dashboard.importers.csv_tables import TABLES
from tests.importers.test_redcap import PHQ2_HEADER, PHQ2_MAPPING, PHQ_CHOICES

ROOT = Path(__file__).resolve().parents[2]
FHIR = ROOT / "tests" / "importers" / "data" / "fhir"

#: Cells as programs and adversaries write them.
CELLS = (
    "",
    " ",
    "0",
    "1",
    "3",
    "27",
    "-1",
    "2.5",
    "1e20",
    "1e309",
    "NaN",
    "inf",
    "9" * 30,
    "2026-01-05",
    "2026-01-05T10:30",
    "1969-12-31",
    "0001-01-01",
    "2999-01-01",
    "2026-02-30",
    "05/01/2026",
    "phq9",
    "PHQ-9",
    "mood_nrs",
    "gad7",
    "who5",
    "raw",
    "percentage",
    "yes",
    "no",
    "group",
    "completed",
    "iop",
    "C1",
    "CL1",
    "E1",
    "Riverside",
    "substance_use",
    "=1+1",
    "C\u202e1000",
    "C\u200b1",
    "\uff23\uff11",
    "\x00",
    "\x1b[31mC1",
    '"',
    'a,"b"',
    "a,b",
    "\r",
    "\n",
    "\r\n",
    "é",
)
cells = st.one_of(st.sampled_from(CELLS), st.text(max_size=6))
line_ends = st.sampled_from(["\n", "\r\n", "\r"])


#: What a column usually holds, for rows that are mostly right.
_DAYS = st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 26)).map(dt.date.isoformat)
GOOD: dict[str, st.SearchStrategy[str]] = {
    "client_id": st.one_of(st.sampled_from(["C1", "C2"]), st.integers(3, 10**6).map("C{}".format)),
    "measure": st.sampled_from(["phq9", "gad7", "phq2", "mood_nrs", "who5"]),
    "administered_on": st.one_of(_DAYS, st.sampled_from(["2026-01-06T09:30", "2025-12-31"])),
    "total": st.sampled_from(["", "5", "12"]),
    "total_scale": st.sampled_from(["", "", "", "raw", "percentage"]),
    "source_id": st.sampled_from(["", "s1", "s2"]),
    "clinician_id": st.sampled_from(["", "CL1", "CL2"]),
    "display_name": st.sampled_from(["Fern Test", "Dr. Test Heron", ""]),
    "site": st.sampled_from(["Riverside", "Hillcrest"]),
    "track": st.sampled_from(["substance_use", "mental_health", "co_occurring"]),
    "episode_id": st.sampled_from(["", "E1", "E2"]),
    "admitted_on": _DAYS,
    "discharged_on": st.sampled_from(["", "2025-03-01"]),
    "discharge_reason": st.sampled_from(["", "completed", "left_early"]),
    "changed_on": _DAYS,
    "level_of_care": st.sampled_from(["iop", "op", "php"]),
    "reason": st.sampled_from(["", "step down"]),
    "session_on": _DAYS,
    "session_type": st.sampled_from(["group", "individual"]),
    "attended": st.sampled_from(["yes", "no", "true"]),
    "record_id": st.integers(1, 10**6).map("RC-{}".format),
    "redcap_event_name": st.sampled_from(["baseline_arm_1", "week_2_arm_1", ""]),
    "phq2_date": st.one_of(_DAYS, st.sampled_from(["2026-01-06 10:15", ""])),
    "phq2_complete": st.sampled_from(["2", "1", "0", ""]),
}
_ANSWER = st.sampled_from(["0", "1", "2", "3", ""])


def good_cell(column: str, good: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """A value ``column`` usually holds (an answer for an item or a choice field)."""
    return (GOOD | good).get(column.strip().lower(), _ANSWER)


@st.composite
def csv_bytes(
    draw: st.DrawFn, columns: list[str], good: dict[str, st.SearchStrategy[str]] | None = None
) -> bytes:
    """A CSV file: a header of ``columns`` (maybe changed), rows mostly right with
    some hostile cells, each row quoted properly or joined raw; maybe a ragged
    row, a line end of another kind, a byte that is not UTF-8."""
    header = list(columns)
    if draw(st.integers(0, 4)) == 0:
        extra = draw(st.sampled_from(["notes", "Site", "item_21", "CLIENT_ID", " measure ", ""]))
        header.insert(draw(st.integers(0, len(header))), extra)
    if header and draw(st.integers(0, 9)) == 0:
        header.pop(draw(st.integers(0, len(header) - 1)))
    end = draw(line_ends) if draw(st.integers(0, 4)) == 0 else "\n"
    hostile = draw(st.sampled_from([0, 1, 3]))  # in ten: how often a cell is hostile
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        row = [
            draw(cells if draw(st.integers(0, 9)) < hostile else good_cell(column, good or {}))
            for column in header
        ]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(cells, max_size=2))
        if draw(st.booleans()):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(row)
            lines.append(buffer.getvalue())
        else:
            lines.append(",".join(row))
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 19)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xe9", b"\xff\xfe", b"\xc3"])) + data[at:]
    return data


ADMINISTRATION_COLUMNS = [
    "client_id",
    "measure",
    "administered_on",
    *(f"item_{n}" for n in range(1, 10)),
]


@st.composite
def administrations_csv(draw: st.DrawFn) -> bytes:
    """A wide administrations CSV: the key columns, some items, maybe a total."""
    items, measure = draw(
        st.sampled_from([(0, "phq9"), (1, "mood_nrs"), (2, "phq2"), (7, "gad7"), (9, "phq9")])
    )
    columns = ADMINISTRATION_COLUMNS[: 3 + items]
    columns += draw(st.lists(st.sampled_from(["total", "total_scale", "source_id"]), unique=True))
    good = {"measure": st.sampled_from([measure, measure, "PHQ-9", "gad7"])}
    return draw(csv_bytes(draw(st.permutations(columns)), good))


@st.composite
def table_csv(draw: st.DrawFn) -> tuple[str, bytes]:
    """A table file (clinicians, episodes, care levels, attendance) and its kind."""
    spec = draw(st.sampled_from(TABLES))
    optional = draw(st.lists(st.sampled_from(spec.optional), unique=True)) if spec.optional else []
    columns = draw(st.permutations([*spec.required, *optional]))
    return spec.kind, draw(csv_bytes(columns))


# --- REDCap ------------------------------------------------------------------------------

REDCAP_HEADER = PHQ2_HEADER.strip().split(",")
BROKEN_MAPPINGS = (
    "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "[instruments.phq2]\ndate_field = 5\n",
    "[instruments.phq2]\nitems = 3\n",
    "[instruments]\nphq2 = [1, 2]\n",
    "[instruments.phq2\n",
    '[instruments.phq2]\ndate_field = "phq2_date"\n[instruments.phq2.items]\nitem_1 = ""\n',
    '[instruments.phq2]\ndate_field = "phq2_date"\nevents = "x"\n'
    '[instruments.phq2.items]\nitem_1 = "phq2_1"\nitem_2 = "phq2_2"\n',
    '[instruments.phq2]\ndate_field = "phq2_date"\n[instruments.phq2.items]\n'
    'item_1 = "phq2_1"\nitem_2 = "phq2_2"\n[instruments.phq2.codes]\n"0" = 99999999999999999999\n',
)


def redcap_dictionary(choices: str = PHQ_CHOICES, validation: str = "date_ymd") -> bytes:
    """The data dictionary of a small PHQ-2 project (REDCap's standard header)."""
    from dashboard.importers.redcap.dictionary import STANDARD_HEADER

    fields = [
        ("record_id", "intake", "text", "", ""),
        ("phq2_date", "phq2", "text", "", validation),
        ("phq2_1", "phq2", "radio", choices, ""),
        ("phq2_2", "phq2", "radio", choices, ""),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STANDARD_HEADER)
    for name, form, kind, options, valid in fields:
        writer.writerow(
            [name, form, "", kind, name, options, "", valid, "", ""]
            + [""] * (len(STANDARD_HEADER) - 10)
        )
    return buffer.getvalue().encode()


@st.composite
def redcap_project(draw: st.DrawFn) -> tuple[bytes, bytes, bytes]:
    """A records export, its data dictionary and its mapping: each maybe hostile."""
    records = draw(csv_bytes(REDCAP_HEADER))
    choices = PHQ_CHOICES
    if draw(st.integers(0, 6)) == 0:
        choices = draw(st.one_of(st.sampled_from(CELLS), st.text(max_size=12)))
    validation = "date_ymd"
    if draw(st.integers(0, 4)) == 0:
        validation = draw(st.sampled_from(["date_mdy", "datetime_seconds_dmy", "integer", "x"]))
    dictionary = redcap_dictionary(choices, validation)
    if draw(st.integers(0, 9)) == 0:
        dictionary = draw(csv_bytes(["Variable / Field Name", "Form Name", "Field Type"]))
    mapping = PHQ2_MAPPING
    if draw(st.integers(0, 6)) == 0:
        mapping = draw(st.one_of(st.sampled_from(BROKEN_MAPPINGS), st.text(max_size=30)))
    return records, dictionary, mapping.encode("utf-8", "surrogatepass")


# --- FHIR --------------------------------------------------------------------------------


def _load(name: str) -> Any:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def _resources(bundle: Any) -> list[Any]:
    return [entry["resource"] for entry in bundle["entry"]]


TEMPLATES: list[Any] = [
    _load("phq9_r4_loinc.json"),
    _load("gad7_r4.json"),
    _load("phq9_total_observation.json"),
    _load("two_scale_total_raw.json"),
    *_resources(_load("phq9_stu3_bundle.json")),
    *_resources(_load("phq9_panel_bundle.json"))[:3],
    {"resourceType": "Patient", "id": "fict-1"},
    {"resourceType": "OperationOutcome", "issue": []},
]
#: Stand-ins for numbers JSON can write but no score can be, put in after dumping.
HUGE = {"__HUGE__": "1" + "0" * 5000, "__BEYOND__": "1e309", "__NEGBEYOND__": "-1e309"}
KEYS = (
    "resourceType",
    "status",
    "item",
    "answer",
    "linkId",
    "valueInteger",
    "valueDecimal",
    "valueCoding",
    "valueQuantity",
    "code",
    "coding",
    "system",
    "subject",
    "reference",
    "authored",
    "effectiveDateTime",
    "component",
    "hasMember",
    "derivedFrom",
    "questionnaire",
    "extension",
    "contained",
    "id",
)
STRINGS = (
    "completed",
    "final",
    "amended",
    "entered-in-error",
    "QuestionnaireResponse",
    "Observation",
    "Questionnaire",
    "Patient/fict-1",
    "http://loinc.org",
    "44250-9",
    "LA6568-5",
    "2025-03-03",
    "1899-01-01",
    "0001-01-01T00:00:00Z",
    "#q",
    "\ud800",
    "\x1b[2J",
    "",
    *HUGE,
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(STRINGS),
    st.text(max_size=5),
)
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=3)), inner, max_size=3),
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, resource: Any) -> Any:
    """``resource`` with a few parts replaced, deleted or wrapped in a list or object."""
    document = copy.deepcopy(resource)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 4]))):
        parent, key = _pick(draw, document)
        if parent is None:
            continue
        action = draw(st.sampled_from(["replace", "delete", "wrap", "deepen"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "wrap":
            parent[key] = draw(st.sampled_from([[parent[key]], {"value": parent[key]}]))
        elif action == "deepen":
            value = parent[key]
            for _ in range(draw(st.sampled_from([3, 60, 150]))):
                value = [value]
            parent[key] = value
        else:
            parent[key] = draw(json_values)
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        document["resourceType"] = "Observation"  # nested Bundles are drawn by fhir_file
    return document


def _pick(draw: st.DrawFn, document: Any) -> tuple[Any, Any]:
    """A random place in ``document``: its parent container and its key or index."""
    parent: Any = None
    key: Any = None
    node = document
    while isinstance(node, dict | list) and node and draw(st.integers(0, 2)) > 0:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        parent, key = node, draw(st.sampled_from(keys))
        node = node[key]
    if parent is None and isinstance(document, dict) and document:
        parent, key = document, draw(st.sampled_from(list(document)))
    return parent, key


def dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    for marker, number in HUGE.items():
        text = text.replace(json.dumps(marker), number)
    return text


resources = st.sampled_from(TEMPLATES).flatmap(mutated)
junk_lines = st.one_of(
    st.sampled_from(["{", "[]", "{}", "null", '{"resourceType": 5}', "x", '"Bundle"']),
    st.text(alphabet=st.characters(exclude_characters="\r\n"), max_size=10),
)


@st.composite
def fhir_file(draw: st.DrawFn) -> tuple[str, bytes, int]:
    """A FHIR file name, its bytes and how many entries it holds: one resource, a
    Bundle of resources and junk entries, or ndjson of resources and junk lines."""
    shape = draw(st.sampled_from(["resource", "bundle", "ndjson"]))
    if shape == "resource":
        return "r.json", dumps(draw(resources)).encode(), 1
    if shape == "bundle":
        entries = draw(
            st.lists(
                st.one_of(
                    resources.map(lambda r: {"resource": r}),
                    json_values,
                    st.just({"fullUrl": "urn:uuid:1"}),
                ),
                max_size=5,
            )
        )
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        return "b.json", dumps(bundle).encode(), len(entries)
    lines = draw(st.lists(st.one_of(resources.map(dumps), junk_lines), min_size=1, max_size=5))
    end = draw(line_ends)
    return (
        "e.ndjson",
        end.join(lines).encode("utf-8", "surrogatepass"),
        sum(1 for line in lines if line.strip()),
    )
