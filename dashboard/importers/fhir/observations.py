"""Read Observations: a measure's total, or a panel with item components or members."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dashboard.importers.fhir.answers import Answers
from dashboard.importers.fhir.codes import LOINC, CatalogCodes
from dashboard.importers.fhir.files import Json
from dashboard.importers.fhir.record import Record, Unreadable
from dashboard.importers.fhir.support import Support
from measures.definition import Instrument

#: Statuses of a usable result; any other is rejected.
ACCEPTED = frozenset({"final", "amended", "corrected"})


class ObservationIndex:
    """The Observations of an import, found by the references a panel uses.

    A member is found by ``Observation/id`` (also inside an absolute URL), by
    the Bundle entry's ``fullUrl`` (``urn:uuid:...``) or as ``#id`` among the
    panel's contained resources.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, Json] = {}
        self._keys: dict[int, tuple[Json, list[str]]] = {}

    def add(self, resource: Json, full_url: str | None) -> None:
        """Make ``resource`` findable."""
        rid = resource.get("id")
        keys = [f"Observation/{rid}"] if isinstance(rid, str) and rid else []
        keys += [full_url] if full_url else []
        self._keys[id(resource)] = (resource, keys)
        for key in keys:
            self._by_key[key] = resource

    def resolve(self, reference: str, panel: Json) -> Json | None:
        """The Observation ``reference`` points to, if it is in the import."""
        if reference.startswith("#"):
            return next(
                (
                    c
                    for c in panel.get("contained") or ()
                    if isinstance(c, Mapping) and c.get("id") == reference[1:]
                ),
                None,
            )
        if reference in self._by_key:
            return self._by_key[reference]
        if "Observation/" in reference:
            tail = reference.rsplit("Observation/", 1)[1].split("/_history/")[0]
            return self._by_key.get(f"Observation/{tail}")
        return None

    def members(self) -> set[int]:
        """The ``id()`` of every Observation some other Observation has as a member.

        A member given twice (in a Bundle and again on its own) is a member both times.
        """
        member_keys: set[str] = set()
        found: set[int] = set()
        for observation, _ in self._keys.values():
            for reference in member_references(observation):
                member = self.resolve(reference, observation)
                if member is not None and member is not observation:
                    found.add(id(member))
                    member_keys.update(self._keys.get(id(member), (member, []))[1])
        for observation, keys in self._keys.values():
            if any(k in member_keys for k in keys):
                found.add(id(observation))
        return found


def member_references(observation: Json) -> Iterator[str]:
    """R4 ``hasMember``, STU3 ``related`` of type has-member."""
    for member in observation.get("hasMember") or ():
        if isinstance(member, Mapping) and isinstance(member.get("reference"), str):
            yield member["reference"]
    for related in observation.get("related") or ():
        if isinstance(related, Mapping) and related.get("type") == "has-member":
            target = related.get("target")
            if isinstance(target, Mapping) and isinstance(target.get("reference"), str):
                yield target["reference"]


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
        _read_panel(observation, panel, record, codes, support, index)
        return
    total = next((c for c in coded if c in codes.totals), None)
    if total is not None:
        instrument = codes.totals[total]
        record.measure = instrument.id
        try:
            record.total = Answers(instrument, codes, support).read(
                observation, "total", f"total ({total})"
            )
        except Unreadable as exc:
            record.problems.append(exc.problem)
            return
        if record.total is None:
            record.reject(f"total ({total}): the Observation has no value", "total")
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
    parts: list[tuple[str, Json]] = [
        ("a component", c) for c in observation.get("component") or () if isinstance(c, Mapping)
    ]
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
        except Unreadable as exc:
            record.problems.append(exc.problem)
    has_value = any(k.startswith("value") for k in observation)
    if "total" not in seen and has_value:
        try:
            record.total = answers.read(observation, "total", f"total ({instrument.abbreviation})")
        except Unreadable as exc:
            record.problems.append(exc.problem)
    if not seen and not has_value and not record.problems:
        record.reject(f"the {instrument.abbreviation} panel has no items and no total")


def _loinc_codes(resource: Json) -> list[str]:
    concept = resource.get("code")
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    return [
        str(c["code"])
        for c in codings or ()
        if isinstance(c, Mapping) and c.get("code") and c.get("system") in (None, "", LOINC)
    ]


def _code_label(resource: Json) -> str:
    concept = resource.get("code")
    if not isinstance(concept, Mapping):
        return "none"
    codings = [c for c in concept.get("coding") or () if isinstance(c, Mapping) and c.get("code")]
    if codings:
        return ", ".join(str(c["code"]) for c in codings)
    return str(concept.get("text") or "none")
