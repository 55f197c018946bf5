"""Questionnaires, ValueSets and CodeSystems given with the records, and their answer weights."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboard.importers.fhir.files import Json, objects, resource_types

#: Resource types that describe records rather than being records.
SUPPORTING = frozenset({"Questionnaire", "ValueSet", "CodeSystem"})
#: Extensions carrying an answer's score (R4, R5 and STU3 names: on an answer, a
#: Questionnaire's option, a ValueSet's or CodeSystem's concept).
ORDINAL_URLS = frozenset(
    {
        "http://hl7.org/fhir/StructureDefinition/ordinalValue",
        "http://hl7.org/fhir/StructureDefinition/itemWeight",
        "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue",
        "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value",
        "http://hl7.org/fhir/StructureDefinition/valueset-ordinalValue",
    }
)
#: Questionnaire item types answered by picking a coded option.
CHOICE_TYPES = frozenset({"choice", "open-choice", "coding"})
_WEIGHT_PROPERTIES = frozenset({"itemWeight", "ordinalValue", "weight"})

#: A coding as (system, code); None where the coding names no system.
Key = tuple[str | None, str]
Weight = int | float


def holds_only_supporting(path: Path) -> bool:
    """Whether every resource of a file (a Bundle's entries, ndjson lines) is a
    Questionnaire, ValueSet or CodeSystem: a file that describes records, holding none.

    Decided from the parsed ``resourceType`` of each resource, stopping at the first
    other one. Raises :class:`UnusableFile` for a file that cannot be read.
    """
    kinds = resource_types(path)
    first = next(kinds, None)
    return first in SUPPORTING and all(kind in SUPPORTING for kind in kinds)


def number(element: Json, keys: Iterable[str] = ("valueDecimal", "valueInteger")) -> Weight | None:
    """The first JSON number among ``keys`` of ``element``."""
    for key in keys:
        value = element.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def ordinal(element: object) -> Weight | None:
    """The ordinalValue/itemWeight extension on ``element``, if it has one.

    >>> ordinal({"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight",
    ...                         "valueDecimal": 2}]})
    2
    """
    if not isinstance(element, Mapping):
        return None
    for extension in objects(element.get("extension")):
        if extension.get("url") in ORDINAL_URLS:
            value = number(extension)
            if value is not None:
                return value
    return None


def key_of(coding: object) -> Key | None:
    """``(system, code)`` of a coding; None when it has no code."""
    if not isinstance(coding, Mapping):
        return None
    code = coding.get("code")
    if not isinstance(code, str) or not code.strip():
        return None
    system = coding.get("system")
    return (system if isinstance(system, str) and system else None, code)


def same(a: Key, b: Key) -> bool:
    """Same code, and the same system where both name one."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


@dataclass(frozen=True)
class Question:
    """A Questionnaire item: its codes, its answer options with their weights, its ValueSet,
    its ``definition`` and its text."""

    link_id: str
    type: str | None
    codes: tuple[Key, ...]
    options: tuple[tuple[Key, Weight | None], ...]
    value_set: str | None
    definition: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class QuestionnaireView:
    """What the reader needs from a Questionnaire (R4 or STU3)."""

    resource: Json
    codes: tuple[Key, ...]
    questions: tuple[Question, ...]

    @classmethod
    def of(cls, resource: Json) -> QuestionnaireView:
        """Read a Questionnaire; its questions in document order, nested ones included."""
        codes = tuple(k for k in map(key_of, objects(resource.get("code"))) if k)
        return cls(resource, codes, tuple(_questions(objects(resource.get("item")))))

    @property
    def name(self) -> str:
        """Its url, else its id, for messages."""
        return str(self.resource.get("url") or self.resource.get("id") or "(no url)")

    def question(self, link_id: str) -> Question | None:
        """The question with ``link_id``."""
        return next((q for q in self.questions if q.link_id == link_id), None)


class Support:
    """The supporting resources of an import, indexed for look-ups."""

    def __init__(self) -> None:
        self.count = 0
        self._questionnaires: dict[str, QuestionnaireView] = {}
        self._identified: dict[tuple[str | None, str], list[QuestionnaireView]] = {}
        self._value_sets: dict[str, Json] = {}
        self._by_key: dict[Key, set[float]] = {}
        self._by_code: dict[str, set[float]] = {}

    def add(self, resource: Json, full_url: str | None = None) -> None:
        """Index a Questionnaire, ValueSet or CodeSystem (and the ones it contains)."""
        self.count += 1
        for inner in objects(resource.get("contained")):
            if inner.get("resourceType") in SUPPORTING:
                self._index(inner, [inner.get("url")])
        kind, rid, url = resource.get("resourceType"), resource.get("id"), resource.get("url")
        self._index(resource, [url, f"{kind}/{rid}" if rid else None, full_url])

    def questionnaire(self, reference: str | None, container: Json) -> QuestionnaireView | None:
        """The Questionnaire a canonical URL or reference points to, if it was given."""
        if not reference:
            return None
        if reference.startswith("#"):
            inner = _contained(container, reference, "Questionnaire")
            return QuestionnaireView.of(inner) if inner else None
        for key in _keys(reference, "Questionnaire"):
            if key in self._questionnaires:
                return self._questionnaires[key]
        return None

    def identified(self, system: str | None, value: str) -> QuestionnaireView | None:
        """The Questionnaire a logical reference (an ``identifier`` only) names, if it was
        given: by system and value, or by value alone when the reference names no system
        and one Questionnaire has it."""
        if system is not None:
            found = self._identified.get((system, value), [])
        else:
            found = [q for (_, v), views in self._identified.items() if v == value for q in views]
        distinct = {id(q.resource): q for q in found}
        return next(iter(distinct.values())) if len(distinct) == 1 else None

    def weight(
        self, key: Key, question: Question | None, questionnaire: QuestionnaireView | None
    ) -> Weight | None:
        """The score of an answer code: from the question, its ValueSet, else any given resource.

        A code found in several resources with different weights has none.
        """
        found = self.option_weight(key, question, questionnaire)
        return found if found is not None else self.any_weight(key)

    def option_weight(
        self, key: Key, question: Question | None, questionnaire: QuestionnaireView | None
    ) -> Weight | None:
        """The weight the question's own answer options, or its ValueSet, give the code."""
        if question is None:
            return None
        for option, value in question.options:
            if value is not None and same(option, key):
                return value
        value_set = self._value_set(question.value_set, questionnaire)
        if value_set is not None:
            for concept, value in concepts(value_set):
                if value is not None and same(concept, key):
                    return value
        return None

    def option_codes(
        self, question: Question | None, questionnaire: QuestionnaireView | None
    ) -> list[str]:
        """The codes of the question's answer options (or of its ValueSet), for messages."""
        if question is None:
            return []
        found = [key[1] for key, _ in question.options]
        value_set = self._value_set(question.value_set, questionnaire)
        found += [key[1] for key, _ in concepts(value_set)] if value_set is not None else []
        return list(dict.fromkeys(found))

    def any_weight(self, key: Key) -> Weight | None:
        """The weight of a code in any supporting resource given, where they agree on one."""
        if key[0] is None:
            values = self._by_code.get(key[1], set())
        else:
            values = self._by_key.get(key, set()) | self._by_key.get((None, key[1]), set())
        return next(iter(values)) if len(values) == 1 else None

    def _value_set(
        self, reference: str | None, questionnaire: QuestionnaireView | None
    ) -> Json | None:
        if not reference:
            return None
        if reference.startswith("#"):
            return (
                _contained(questionnaire.resource, reference, "ValueSet") if questionnaire else None
            )
        return next((self._value_sets[k] for k in _keys(reference) if k in self._value_sets), None)

    def _index(self, resource: Json, keys: list[str | None]) -> None:
        kind = resource.get("resourceType")
        view = QuestionnaireView.of(resource) if kind == "Questionnaire" else None
        for key in (k for k in keys if isinstance(k, str) and k):
            for variant in {key, key.split("|")[0]}:
                if view is not None:
                    self._questionnaires[variant] = view
                elif kind == "ValueSet":
                    self._value_sets[variant] = resource
        if view is not None:
            for identifier in objects(resource.get("identifier")):
                value, system = identifier.get("value"), identifier.get("system")
                if isinstance(value, str) and value.strip():
                    named = system.strip() if isinstance(system, str) and system.strip() else None
                    self._identified.setdefault((named, value.strip()), []).append(view)
        for concept, value in concepts(resource):
            if value is not None:
                self._by_key.setdefault(concept, set()).add(float(value))
                self._by_code.setdefault(concept[1], set()).add(float(value))


def concepts(resource: Json) -> Iterator[tuple[Key, Weight | None]]:
    """Every answer code a supporting resource defines, with its weight where it gives one."""
    kind = resource.get("resourceType")
    if kind == "Questionnaire":
        for question in QuestionnaireView.of(resource).questions:
            yield from question.options
    elif kind == "ValueSet":
        for include in objects(_object(resource.get("compose")).get("include")):
            system = include.get("system")
            for concept in objects(include.get("concept")):
                key = key_of({"system": system, "code": concept.get("code")})
                if key:
                    yield key, ordinal(concept)
        yield from _contains(objects(_object(resource.get("expansion")).get("contains")))
    elif kind == "CodeSystem":
        yield from _code_system(resource.get("url"), objects(resource.get("concept")))


def _questions(items: Iterable[Json]) -> Iterator[Question]:
    for item in items:
        link_id = item.get("linkId")
        if isinstance(link_id, str):
            codes = tuple(k for k in map(key_of, objects(item.get("code"))) if k)
            options = objects(item.get("answerOption")) or objects(item.get("option"))
            value_set = _text(item.get("answerValueSet")) or _text(
                _object(item.get("options")).get("reference")
            )
            kind = _text(item.get("type"))
            yield Question(
                link_id,
                kind,
                codes,
                tuple(_options(options)),
                value_set,
                _text(item.get("definition")),
                _text(item.get("text")),
            )
        yield from _questions(objects(item.get("item")))


def _options(options: Iterable[Json]) -> Iterator[tuple[Key, Weight | None]]:
    for option in options:
        coding = option.get("valueCoding")
        key = key_of(coding)
        if key is not None:
            weight = ordinal(option)
            yield key, ordinal(coding) if weight is None else weight


def _contains(entries: Iterable[Json]) -> Iterator[tuple[Key, Weight | None]]:
    for entry in entries:
        key = key_of(entry)
        if key:
            yield key, ordinal(entry)
        yield from _contains(objects(entry.get("contains")))


def _code_system(system: object, entries: Iterable[Json]) -> Iterator[tuple[Key, Weight | None]]:
    for concept in entries:
        key = key_of({"system": system, "code": concept.get("code")})
        weight = ordinal(concept)
        for prop in objects(concept.get("property")):
            if weight is None and prop.get("code") in _WEIGHT_PROPERTIES:
                weight = number(prop)
        if key:
            yield key, weight
        yield from _code_system(system, objects(concept.get("concept")))


def _object(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _keys(reference: str, kind: str | None = None) -> list[str]:
    """Ways a reference may have been indexed: as is, without version, as ``Kind/id``."""
    keys = [reference, reference.split("|")[0]]
    marker = f"{kind}/"
    if kind and marker in reference:
        tail = reference.rsplit(marker, 1)[1].split("/_history/")[0].split("|")[0]
        keys.append(f"{kind}/{tail}")
    return keys


def _contained(container: Json, reference: str, kind: str) -> Json | None:
    wanted = reference.removeprefix("#")
    return next(
        (
            inner
            for inner in objects(container.get("contained"))
            if inner.get("resourceType") == kind and inner.get("id") == wanted
        ),
        None,
    )
