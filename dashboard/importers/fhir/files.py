"""Read FHIR JSON, Bundle and ndjson files into a flat list of entries.

Every resource of a file is one :class:`Entry`, and so is everything where a
resource should be but is not (a broken ndjson line, a Bundle entry without a
resource): nothing a file holds goes unaccounted for.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from dashboard.store.batch import UnusableFile

#: A FHIR resource or element as parsed from JSON.
Json = Mapping[str, Any]

_NDJSON_SUFFIXES = frozenset({".ndjson", ".jsonl"})
#: JSON nesting deeper than this is no FHIR resource: a QuestionnaireResponse with
#: groups five deep needs about 25 levels.
MAX_DEPTH = 100
#: Bundles inside Bundles deeper than this are not read.
MAX_BUNDLE_NESTING = 8
#: Whole numbers with more digits than this are no score, count or code.
MAX_DIGITS = 18
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")
_LINE_END = re.compile(r"\r\n|\r|\n")
#: How JSON text writes half of a UTF-16 surrogate pair (valid in pairs, never alone).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Entry:
    """A resource found in a file, or something that should have been one and is not.

    ``resource`` is None for a broken ndjson line, a Bundle entry without a
    usable resource, or a resource that cannot be read (FHIR DSTU2, nested too
    deep); ``text`` then keeps what was there and ``problem`` says what is wrong.
    """

    file: Path
    resource: Json | None
    full_url: str | None = None
    text: str | None = None
    problem: str | None = None


class OutOfRange:
    """A JSON number that no score can be: more than :data:`MAX_DIGITS` digits, beyond
    a float (1e309), or NaN/Infinity. It is neither an ``int`` nor a ``float``, so
    every reader takes it for what it is: not a usable number.

    >>> OutOfRange("1e309"), OutOfRange("9" * 5000)
    (1e309, 9999999999... (5,000 characters))
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text if len(text) <= 24 else f"{text[:10]}... ({len(text):,} characters)"

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def parse_json(text: str) -> Any:
    """JSON text as Python values, numbers no score can be as :class:`OutOfRange`.

    Raises :class:`json.JSONDecodeError` as :func:`json.loads` does, and
    RecursionError for nesting deeper than Python's parser goes.

    >>> parse_json('{"a": 2, "b": 1e309, "c": 1.5}')
    {'a': 2, 'b': 1e309, 'c': 1.5}
    """
    return json.loads(text, parse_int=_integer, parse_float=_decimal, parse_constant=OutOfRange)


def _integer(text: str) -> int | OutOfRange:
    return int(text) if len(text.lstrip("-")) <= MAX_DIGITS else OutOfRange(text)


def _decimal(text: str) -> float | OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else OutOfRange(text)


def objects(value: object) -> list[Json]:
    """The JSON objects of a list, for reading what is merely looked up (references,
    supporting resources); anything else holds none.

    >>> objects([{"a": 1}, "b", 3]), objects({"a": 1})
    ([{'a': 1}], [])
    """
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def dump(value: object) -> str:
    """A JSON value as one line of JSON (for the quarantine); what cannot be written
    as JSON is said so instead of lost silently."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        return '"(not kept: nested too deeply to be written back as JSON)"'
    if _text_problem(text) is None:
        return text
    # half a surrogate pair: kept escaped, as it was written
    return json.dumps(value, separators=(",", ":"), default=str)


def load_files(paths: Sequence[Path]) -> list[Entry]:
    """Every resource in ``paths``, in reading order, Bundles unpacked (nested ones too)."""
    return [entry for path in paths for entry in load_file(Path(path))]


def load_file(path: Path) -> list[Entry]:
    """The entries of one file: a single resource, a Bundle, or ndjson.

    ndjson is recognised by the suffix (``.ndjson``, ``.jsonl``) or by content
    (several JSON resources, one per line). Raises :class:`UnusableFile` when a
    JSON file as a whole cannot be read (not JSON, truncated, nested too deep,
    no resource, a Bundle whose ``entry`` is no list, FHIR DSTU2); a broken
    ndjson line or Bundle entry is an entry with a ``problem`` instead, so the
    others are still read.
    """
    text = _read_text(path)
    if path.suffix.lower() in _NDJSON_SUFFIXES:
        return list(_ndjson(path, text))
    try:
        document = parse_json(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _first_line_is_resource(text):
            return list(_ndjson(path, text))
        raise UnusableFile(_json_message(path.name, text, exc)) from None
    except RecursionError:
        msg = f"{path.name} {_too_deep()}"
        raise UnusableFile(msg) from None
    if not _is_resource(document):
        msg = f"{path.name} is JSON but not a FHIR resource (no resourceType)"
        raise UnusableFile(msg)
    problem = _bundle_problem(document) or release_problem(document)
    if problem is None and document["resourceType"] != "Bundle":
        problem = _resource_problem(document, escapes=_has_surrogate_escape(text))
    if problem is not None:
        msg = f"{path.name} {problem}"
        raise UnusableFile(msg)
    return list(
        _flatten(path, document, None, where=path.name, escapes=_has_surrogate_escape(text))
    )


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
            document = parse_json(text)
        except json.JSONDecodeError as exc:
            if not (exc.msg == "Extra data" and _first_line_is_resource(text)):
                raise UnusableFile(_json_message(path.name, text, exc)) from None
        except RecursionError:
            msg = f"{path.name} {_too_deep()}"
            raise UnusableFile(msg) from None
        else:
            yield from _types(document)
            return
    for line in _lines(text):
        if line.strip():
            try:
                yield from _types(parse_json(line))
            except (ValueError, RecursionError):
                yield None


def _types(document: object, level: int = 0) -> Iterator[str | None]:
    if not _is_resource(document):
        yield None
    elif document["resourceType"] != "Bundle":
        yield str(document["resourceType"])
    elif _bundle_problem(document) or level >= MAX_BUNDLE_NESTING:
        yield None
    else:
        for item in document.get("entry") or ():
            inner = item.get("resource") if isinstance(item, Mapping) else None
            yield from _types(inner, level + 1)


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
    first = next((line for line in _lines(text) if line.strip()), "")
    try:
        return _is_resource(parse_json(first))
    except (ValueError, RecursionError):
        return False


def _lines(text: str) -> list[str]:
    """ndjson lines, ended by LF, CRLF or CR: JSON text never holds a raw CR or LF
    (inside a string they are escaped), but it may hold a raw Unicode line
    separator, at which :meth:`str.splitlines` would break a line."""
    return _LINE_END.split(text)


def _ndjson(path: Path, text: str) -> Iterator[Entry]:
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        where = f"line {number} of {path.name}"
        try:
            document = parse_json(line)
        except json.JSONDecodeError as exc:
            problem = _json_message(where, line, exc, line=False)
            yield Entry(path, None, text=line, problem=problem)
            continue
        except RecursionError:
            yield Entry(path, None, text=line, problem=f"{where} {_too_deep()}")
            continue
        if not _is_resource(document):
            problem = f"{where} is not a FHIR resource (no resourceType)"
            yield Entry(path, None, text=line, problem=problem)
            continue
        escapes = _has_surrogate_escape(line)
        yield from _flatten(path, document, None, where=where, text=line, escapes=escapes)


def _flatten(
    path: Path,
    resource: Json,
    full_url: str | None,
    *,
    where: str,
    text: str | None = None,
    level: int = 0,
    escapes: bool = True,
) -> Iterator[Entry]:
    """The entries of a resource: itself, or a Bundle's entries (nested ones too).

    ``where`` names the resource in messages; ``text`` is its original text
    where it has one of its own (an ndjson line); ``escapes`` is False where the
    text escapes no surrogate (``\\ud800``), so that no string needs checking.
    """
    problem = release_problem(resource) or _bundle_problem(resource)
    if problem is None and resource["resourceType"] != "Bundle":
        problem = _resource_problem(resource, escapes=escapes)
    if problem is None and level > MAX_BUNDLE_NESTING:
        problem = f"is a Bundle nested more than {MAX_BUNDLE_NESTING} deep in other Bundles"
    if problem is not None:
        yield Entry(path, None, full_url, text=text or dump(resource), problem=f"{where} {problem}")
        return
    if resource["resourceType"] != "Bundle":
        yield Entry(path, resource, full_url)
        return
    for number, item in enumerate(resource.get("entry") or (), start=1):
        at = f"entry {number} of {where}"
        inner = item.get("resource") if isinstance(item, Mapping) else None
        url = item.get("fullUrl") if isinstance(item, Mapping) else None
        url = url if isinstance(url, str) and not _text_problem(url) else None
        if _is_resource(inner):
            yield from _flatten(path, inner, url, where=at, level=level + 1, escapes=escapes)
            continue
        if not isinstance(item, Mapping):
            why = "is not a JSON object"
        elif inner is None:
            why = "has no resource"
        else:
            why = "holds no FHIR resource (no resourceType)"
        yield Entry(path, None, url, text=dump(item), problem=f"{at} {why}")


def _bundle_problem(resource: Json) -> str | None:
    """Why a Bundle's entries cannot be read: ``entry`` that is no list."""
    if resource.get("resourceType") != "Bundle":
        return None
    entries = resource.get("entry")
    if entries is None or isinstance(entries, list):
        return None
    return "is a Bundle whose 'entry' is not a list"


def _resource_problem(resource: Json, *, escapes: bool = True) -> str | None:
    """Why a resource (not a Bundle) cannot be read at all: a resourceType that is no
    FHIR name, nesting deeper than :data:`MAX_DEPTH`, text that is not Unicode (looked
    for only where the file ``escapes`` a surrogate)."""
    if not _RESOURCE_TYPE.fullmatch(resource["resourceType"]):
        return "has a resourceType that is no FHIR resource type"
    if _deeper_than(resource, MAX_DEPTH):
        return _too_deep()
    if escapes:
        stack: list[object] = [resource]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                problem = _text_problem(value)
                if problem is not None:
                    return problem
            elif isinstance(value, Mapping):
                stack.extend(value)
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
    return None


def _deeper_than(value: object, limit: int) -> bool:
    """Whether JSON objects and lists nest in ``value`` more than ``limit`` deep (level by
    level, without recursion: a few times faster than a walk of every value)."""
    level: list[Any] = [value]
    for _ in range(limit):
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, Mapping) else node
            below += [v for v in children if isinstance(v, Mapping | list)]
        if not below:
            return False
        level = below
    return True


def _has_surrogate_escape(text: str) -> bool:
    return _SURROGATE_ESCAPE.search(text) is not None


def _text_problem(text: str) -> str | None:
    """JSON may escape half of a surrogate pair alone (``\\ud800``): no text holds that."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds text that is not valid Unicode (an unpaired surrogate escape)"
    return None


def _too_deep() -> str:
    return f"is nested more than {MAX_DEPTH} levels deep: no FHIR resource is"
