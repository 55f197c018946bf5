"""Read FHIR JSON, Bundle and ndjson files into a flat list of resources."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

from dashboard.store.batch import UnusableFile

#: A FHIR resource or element as parsed from JSON.
Json = Mapping[str, Any]

_NDJSON_SUFFIXES = frozenset({".ndjson", ".jsonl"})


@dataclass(frozen=True)
class Entry:
    """A resource found in a file, or an ndjson line that is not a usable resource.

    ``resource`` is None for a broken line; ``text`` then keeps the line and
    ``problem`` says what is wrong with it.
    """

    file: Path
    resource: Json | None
    full_url: str | None = None
    text: str | None = None
    problem: str | None = None


def load_files(paths: Sequence[Path]) -> list[Entry]:
    """Every resource in ``paths``, in reading order, Bundles unpacked (nested ones too)."""
    return [entry for path in paths for entry in load_file(Path(path))]


def load_file(path: Path) -> list[Entry]:
    """The resources of one file: a single resource, a Bundle, or ndjson.

    ndjson is recognised by the suffix (``.ndjson``, ``.jsonl``) or by content
    (several JSON resources, one per line). Raises :class:`UnusableFile` when a
    JSON file as a whole cannot be read; a broken ndjson line is an entry with
    a ``problem`` instead, so the other lines are still read.
    """
    text = _read_text(path)
    if path.suffix.lower() in _NDJSON_SUFFIXES:
        return list(_ndjson(path, text))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _first_line_is_resource(text):
            return list(_ndjson(path, text))
        raise UnusableFile(_json_message(path.name, text, exc)) from None
    if not _is_resource(document):
        msg = f"{path.name} is JSON but not a FHIR resource (no resourceType)"
        raise UnusableFile(msg)
    entries = list(_flatten(path, document, None))
    for entry in entries:
        if entry.problem is not None:
            msg = f"{path.name} {entry.problem}"
            raise UnusableFile(msg)
    return entries


def resource_types(path: Path) -> Iterator[str | None]:
    """The ``resourceType`` of each resource in a file, in reading order, lazily.

    Yields the file's own resource type, or each entry's for a Bundle (nested
    Bundles unpacked) and each line's for ndjson; None for an ndjson line that
    is not a resource. Raises :class:`UnusableFile` as :func:`load_file` does
    when the file as a whole cannot be read.
    """
    text = _read_text(path)
    if path.suffix.lower() not in _NDJSON_SUFFIXES:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if not (exc.msg == "Extra data" and _first_line_is_resource(text)):
                raise UnusableFile(_json_message(path.name, text, exc)) from None
        else:
            yield from _types(document)
            return
    for line in text.splitlines():
        if line.strip():
            try:
                yield from _types(json.loads(line))
            except json.JSONDecodeError:
                yield None


def _types(document: object) -> Iterator[str | None]:
    if not _is_resource(document):
        yield None
    elif document["resourceType"] != "Bundle":
        yield str(document["resourceType"])
    else:
        for item in document.get("entry") or ():
            inner = item.get("resource") if isinstance(item, Mapping) else None
            yield from _types(inner)


def release_problem(resource: Json) -> str | None:
    """Why a resource is from a FHIR release this reader does not read (DSTU2), if it is.

    R4 and STU3 (and R5, which reads like R4 here) are accepted; the release is
    taken from a declared ``fhirVersion`` where present, else from the shape.

    >>> release_problem({"resourceType": "Observation", "fhirVersion": "1.0.2"})
    'is FHIR DSTU2 (fhirVersion 1.0.2); only R4 and STU3 are read'
    """
    meta = resource.get("meta")
    declared = resource.get("fhirVersion") or (
        meta.get("fhirVersion") if isinstance(meta, Mapping) else None
    )
    why = None
    if isinstance(declared, str) and declared.startswith(("0.", "1.0")):
        why = f"fhirVersion {declared}"
    kind = resource.get("resourceType")
    if kind in ("QuestionnaireResponse", "Questionnaire") and "group" in resource:
        why = f"a {kind} with 'group' instead of 'item'"
    return None if why is None else f"is FHIR DSTU2 ({why}); only R4 and STU3 are read"


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {path.name}: {exc.strerror or exc}"
        raise UnusableFile(msg) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f"{path.name} is not UTF-8 text; FHIR JSON is always UTF-8"
        raise UnusableFile(msg) from None
    if not text.strip():
        msg = f"{path.name} is empty"
        raise UnusableFile(msg)
    return text


def _json_message(what: str, text: str, exc: json.JSONDecodeError, *, line: bool = True) -> str:
    where = f"at line {exc.lineno} column {exc.colno}" if line else f"at column {exc.colno}"
    if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
        return f"{what} is not valid JSON (truncated?) {where}"
    return f"{what} is not valid JSON {where}: {exc.msg}"


def _is_resource(document: object) -> TypeGuard[Json]:
    return isinstance(document, Mapping) and isinstance(document.get("resourceType"), str)


def _first_line_is_resource(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return _is_resource(json.loads(first))
    except json.JSONDecodeError:
        return False


def _ndjson(path: Path, text: str) -> Iterator[Entry]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number} of {path.name}"
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = _json_message(where, line, exc, line=False)
            yield Entry(path, None, text=line, problem=problem)
            continue
        if not _is_resource(document):
            problem = f"{where} is not a FHIR resource (no resourceType)"
            yield Entry(path, None, text=line, problem=problem)
            continue
        for entry in _flatten(path, document, None):
            if entry.problem is None:
                yield entry
            else:
                yield replace(entry, text=line, problem=f"{where} {entry.problem}")


def _flatten(path: Path, resource: Json, full_url: str | None) -> Iterator[Entry]:
    problem = release_problem(resource)
    if problem is not None:
        yield Entry(path, None, full_url, text=json.dumps(resource), problem=problem)
        return
    if resource.get("resourceType") != "Bundle":
        yield Entry(path, resource, full_url)
        return
    for item in resource.get("entry") or ():
        inner = item.get("resource") if isinstance(item, Mapping) else None
        if _is_resource(inner):
            url = item.get("fullUrl")
            yield from _flatten(path, inner, url if isinstance(url, str) else None)
