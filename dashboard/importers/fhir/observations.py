"""Read Observations: a measure's total, or a panel with item components or members."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dashboard.importers.fhir.answers import Answers
from dashboard.importers.fhir.codes import LOINC, CatalogCodes
from dashboard.importers.fhir.files import Json, objects
from dashboard.importers.fhir.recognition import BY_OBSERVATION
from dashboard.importers.fhir.record import Problem, Record, Unreadable, elements
from dashboard.importers.fhir.references import ResourceIndex, related_references
from dashboard.importers.fhir.scales import total_scale
from dashboard.importers.fhir.support import Support
from measures.definition import Instrument

#: Statuses of a usable result; any other is rejected.
ACCEPTED = frozenset({"final", "amended", "corrected"})


class ObservationIndex(ResourceIndex):
    """The Observations of an import, found by the references a panel uses."""

    def __init__(self) -> None:
        super().__init__("Observation")

    def members(self) -> set[int]:
        """The ``id()`` of every Observation some other Observation has as a member.

        A member given twice (in a Bundle and again on its own) is a member both times.
        """
        member_keys: set[str] = set()
        found: set[int] = set()
        for observation, _ in self.resources():
            for reference in member_references(observation):
                member = self.resolve(reference, observation)
                if member is not None and member is not observation:
                    found.add(id(member))
                    member_keys.update(self.keys_of(member))
        for observation, keys in self.resources():
            if any(k in member_keys for k in keys):
                found.add(id(observation))
        return found


def member_references(observation: Json) -> Iterator[str]:
    """R4 ``hasMember``, STU3 ``related`` of type has-member."""
    return related_references(observation, "hasMember", "has-member")


def derived_references(observation: Json) -> Iterator[str]:
    """R4 ``derivedFrom``, STU3 ``related`` of type derived-from."""
    return related_references(observation, "derivedFrom", "derived-from")


def read_observation(
    observation: Json,
    record: Record,
    codes: CatalogCodes,
    support: Support,
    index: ObservationIndex,
) -> None:
    """Fill ``record`` from an Observation: a panel's items and total, or a total alone.

    An Observation of an item code outside any panel, or of a code that is no
    catalog measure, is rejected with its code.
    """
    coded = _loinc_codes(observation)
    panel = next((codes.panels[c] for c in coded if c in codes.panels), None)
    if panel is not None:
        record.evidence = BY_OBSERVATION
        _read_panel(observation, panel, record, codes, support, index)
        return
    total = next((c for c in coded if c in codes.totals), None)
    if total is not None:
        instrument = codes.totals[total]
        record.measure = instrument.id
        record.evidence = BY_OBSERVATION
        where = f"total ({total})"
        try:
            record.total = Answers(instrument, codes, support).read(observation, "total", where)
            if record.total is not None:
                record.total_scale = total_scale(instrument, observation, coded, where)
        except Unreadable as exc:
            record.problems.append(exc.problem)
            return
        if record.total is None:
            record.reject(f"{where}: the Observation has no value", "total")
        return
    item = next((c for c in coded if c in codes.items), None)
    if item is not None:
        names = " / ".join(i.abbreviation for i in codes.items[item])
        record.reject(
            f"a single {names} item Observation (code {item}) that is no member of a panel "
            "in the files given; import it together with its panel",
            "measure",
            item,
        )
        return
    label = _code_label(observation)
    record.reject(f"not a recognised measure (code {label})", "measure", label)


def _read_panel(
    observation: Json,
    instrument: Instrument,
    record: Record,
    codes: CatalogCodes,
    support: Support,
    index: ObservationIndex,
) -> None:
    record.measure = instrument.id
    answers = Answers(instrument, codes, support)
    by_code = codes.columns(instrument)
    try:
        components = elements(observation, "component", f"the {instrument.abbreviation} panel")
        elements(observation, "hasMember", f"the {instrument.abbreviation} panel")
    except Unreadable as exc:
        record.problems.append(exc.problem)
        return
    parts: list[tuple[str, Json]] = [("a component", c) for c in components]
    for reference in member_references(observation):
        member = index.resolve(reference, observation)
        if member is None:
            record.reject(
                f"member {reference} is not in the files given; import the Bundle that "
                "holds the panel together with its members",
                value=reference,
            )
        else:
            parts.append((f"member {reference}", member))
    seen: dict[str, str] = {}
    total_problems: list[Problem] = []
    for label, part in parts:
        code = next((c for c in _loinc_codes(part) if c in by_code), None)
        if code is None:
            continue
        column = by_code[code]
        where = f"{column} ({code})"
        if column in seen:
            record.reject(f"{where} is given twice ({seen[column]} and {label})", column)
            continue
        seen[column] = label
        status = part.get("status")
        if isinstance(status, str) and status not in ACCEPTED:
            record.reject(f"{where}: {label} has status '{status}'", column, status)
            continue
        try:
            record.put(column, answers.read(part, column, where))
            if column == "total" and record.total is not None:
                record.total_scale = total_scale(instrument, part, _loinc_codes(part), where)
        except Unreadable as exc:
            (total_problems if column == "total" else record.problems).append(exc.problem)
    has_value = any(k.startswith("value") for k in observation)
    if "total" not in seen and has_value:
        where = f"total ({instrument.abbreviation})"
        try:
            record.total = answers.read(observation, "total", where)
            if record.total is not None:
                record.total_scale = total_scale(instrument, observation, (), where)
        except Unreadable as exc:
            total_problems.append(exc.problem)
    record.total_unread(total_problems)
    note = answers.note()
    record.notes += [note] if note else []
    if not seen and not has_value and not record.problems:
        record.reject(f"the {instrument.abbreviation} panel has no items and no total")


def _loinc_codes(resource: Json) -> list[str]:
    concept = resource.get("code")
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    return [
        str(c["code"])
        for c in objects(codings)
        if c.get("code") and c.get("system") in (None, "", LOINC)
    ]


def _code_label(resource: Json) -> str:
    concept = resource.get("code")
    if not isinstance(concept, Mapping):
        return "none"
    codings = [c for c in objects(concept.get("coding")) if c.get("code")]
    if codings:
        return ", ".join(str(c["code"]) for c in codings)
    return str(concept.get("text") or "none")
