"""Who a record is about: its subject, resolved as FHIR does, as a client id.

A subject reference (``Patient/123``, a Bundle's ``urn:uuid:...``, ``#contained``,
``Patient?identifier=system|value``) is resolved to the Patient resource of the
import it points to. With a patient identifier system set (the program's MRN
system, say), the client id is that Patient's identifier of the system, so the
same person in two files, with two resource ids, is one client; a subject whose
identifier of that system cannot be found is rejected, never guessed from
another id. Without one, the client id is the Patient's resource id, else the
id in the reference, else the value of a logical (identifier) reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from dashboard.importers.fhir.files import Json, objects
from dashboard.importers.fhir.references import ResourceIndex

#: An identifier as (system, value); a system of None where it names none.
Identifier = tuple[str | None, str]


@dataclass(frozen=True)
class Subject:
    """The client id of a record's subject, or why there is none."""

    client_id: str | None
    problem: str | None = None


class Subjects:
    """The Patients of an import, and the client id each subject reference names."""

    def __init__(self, identifier_system: str | None = None) -> None:
        self.system = identifier_system or None
        self._patients = ResourceIndex("Patient")
        self._by_identifier: dict[Identifier, list[Json]] = {}

    def add(self, patient: Json, full_url: str | None) -> None:
        """Make a Patient of the import findable by reference and by identifier."""
        self._patients.add(patient, full_url)
        for identifier in _identifiers(patient):
            self._by_identifier.setdefault(identifier, []).append(patient)

    def client(self, subject: object, referrer: Json, kind: str) -> Subject:
        """The client id of ``subject`` (a Reference) of ``referrer``, a ``kind`` resource.

        Examples
        --------
        >>> subjects = Subjects("urn:oid:1.2.3")
        >>> subjects.add({"resourceType": "Patient", "id": "384",
        ...               "identifier": [{"system": "urn:oid:1.2.3", "value": "TEST-12"}]},
        ...              "urn:uuid:Patient/TEST-12")
        >>> subjects.client({"reference": "urn:uuid:Patient/TEST-12"}, {}, "Observation")
        Subject(client_id='TEST-12', problem=None)
        >>> Subjects().client({"reference": "urn:uuid:Patient/TEST-12"}, {}, "Observation")
        Subject(client_id='TEST-12', problem=None)
        """
        if not isinstance(subject, Mapping):
            return Subject(None, _no_subject(kind))
        reference = subject.get("reference")
        reference = reference.strip() if isinstance(reference, str) else ""
        logical = _identifier(subject.get("identifier"))
        if reference.startswith("Patient?"):
            logical = logical or _conditional(reference)
        if not reference and logical is None:
            return Subject(None, _no_subject(kind))
        patient = self._patient(reference, referrer, logical)
        if self.system is not None:
            return self._by_system(reference or _shown(logical), patient, logical)
        if patient is not None and isinstance(patient.get("id"), str) and patient["id"].strip():
            return Subject(patient["id"].strip())
        if reference and not reference.startswith("Patient?"):
            rid = reference_id(reference)
            return Subject(rid) if rid else Subject(None, _no_subject(kind))
        if logical is not None:
            return Subject(logical[1])
        return Subject(None, _no_subject(kind))

    def _patient(self, reference: str, referrer: Json, logical: Identifier | None) -> Json | None:
        if reference and not reference.startswith("Patient?"):
            found = self._patients.resolve(reference, referrer)
            if found is not None:
                return found
        if logical is not None:
            matches = self._by_identifier.get(logical, [])
            if logical[0] is None:
                matches = [
                    p
                    for (_, v), held in self._by_identifier.items()
                    if v == logical[1]
                    for p in held
                ]
            distinct = {id(p): p for p in matches}
            if len(distinct) == 1:
                return next(iter(distinct.values()))
        return None

    def _by_system(self, named: str, patient: Json | None, logical: Identifier | None) -> Subject:
        system = self.system
        if patient is not None:
            values = sorted({v for s, v in _identifiers(patient) if s == system})
            if len(values) == 1:
                return Subject(values[0])
            rid = patient.get("id")
            which = f"Patient/{rid}" if isinstance(rid, str) and rid else named
            if values:
                listed = ", ".join(values)
                return Subject(
                    None,
                    f"the subject {which} has {len(values)} identifiers of "
                    f"system {system} ({listed}): which one names the client cannot be told",
                )
            return Subject(
                None,
                f"the subject {which} has no identifier of system {system} "
                "(the patient identifier system set for this import), so the client "
                "cannot be told",
            )
        if logical is not None and logical[0] == system:
            return Subject(logical[1])
        if logical is not None:
            return Subject(
                None,
                f"the subject's identifier is of system {logical[0] or '(none)'}, "
                f"not {system} (the patient identifier system set for this import)",
            )
        return Subject(
            None,
            f"the subject {named} is not among the files given, so its identifier "
            f"of system {system} cannot be read; import it with its Patient resource",
        )


def reference_id(reference: str) -> str:
    """The id part of a reference.

    >>> [reference_id(r) for r in ("Patient/123", "http://hl7.org/fhir/Patient/proband",
    ...                            "urn:uuid:6f1c", "Patient/7/_history/2",
    ...                            "urn:uuid:Patient/TEST-12")]
    ['123', 'proband', '6f1c', '7', 'TEST-12']
    """
    text = reference.strip().split("/_history/")[0].rstrip("/")
    for prefix in ("urn:uuid:", "urn:oid:"):
        text = text.removeprefix(prefix)
    return text.rsplit("/", 1)[-1]


def _identifiers(resource: Json) -> list[Identifier]:
    found = [_identifier(i) for i in objects(resource.get("identifier"))]
    return [i for i in found if i is not None]


def _identifier(value: object) -> Identifier | None:
    if not isinstance(value, Mapping):
        return None
    text = value.get("value")
    if not isinstance(text, str) or not text.strip():
        return None
    system = value.get("system")
    return (system.strip() if isinstance(system, str) and system.strip() else None, text.strip())


def _conditional(reference: str) -> Identifier | None:
    """``Patient?identifier=system|value`` (a transaction Bundle's conditional reference)."""
    values = parse_qs(reference.partition("?")[2]).get("identifier", [])
    if len(values) != 1:
        return None
    system, bar, value = values[0].rpartition("|")
    if not value.strip():
        return None
    return (system.strip() or None if bar else None, value.strip())


def _shown(logical: Identifier | None) -> str:
    if logical is None:
        return "(no reference)"
    return f"{logical[0]}|{logical[1]}" if logical[0] else logical[1]


def _no_subject(kind: str) -> str:
    return f"no subject: the client cannot be identified ({kind}.subject has no reference)"
