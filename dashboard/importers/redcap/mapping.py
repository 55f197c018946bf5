"""The REDCap mapping file: which REDCap fields are which instrument items.

REDCap projects name their fields freely (``phq9_1``, ``no_interest``...), so a
small TOML file says, per instrument of the catalog, which field holds each
item, where the date is, and how to read choice codes that are not scores::

    project = "pid_1234"             # required: names the REDCap project (its
                                     # project id, or a short name); part of each
                                     # administration's source id, so that two
                                     # projects' record 1 are not taken for one
    record_id = "record_id"          # optional: default = first dictionary field

    [instruments.phq9]               # a catalog instrument id
    form = "phq9"                    # optional: the REDCap form (instrument) name;
                                     # default = the form of the item fields
    date_field = "phq9_timestamp"    # required: a date-validated text field, or the
                                     # form's survey timestamp "<form>_timestamp"
    total_field = "phq9_total"       # optional: a total REDCap computed (calc field);
                                     # compared with the score of the answers
    total_scale = "raw"              # required with a total_field of an instrument
                                     # whose total has two scales (WHO-5: "raw" or
                                     # "percentage"); not allowed otherwise
    events = ["baseline_arm_1"]      # optional: read only these events

    [instruments.phq9.items]         # every item, except those marked optional
    item_1 = "no_interest"
    item_2 = "phq9_2"

    [instruments.phq9.codes]         # optional: choice code -> score, for every
    a = 0                            # field of the instrument whose choices use
    b = 1                            # these codes (non-numeric or 1-based codes);
    "99" = "missing"                 # "missing": the code means no answer

    [instruments.bam_r.field_codes.bam_14]   # optional: the same, for one field
    "1" = 4                          # (a yes/no field scored 0 or 4)
    "0" = 0

A table that scores any choice code of a field must score (or call missing)
all of them; a field none of whose codes it scores is read as integer codes,
checked against the item's range, and only its "missing" codes apply. Choice
codes that are not numbers are never read as scores.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.store.batch import UnusableFile

#: The score that marks a choice code as "no answer" in a codes table.
MISSING = "missing"

_TOP_KEYS = {"project", "record_id", "instruments"}
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_NO_PROJECT = (
    'no project = "..." line: name the REDCap project (its project id, e.g. project = '
    '"pid_1234", or a short name), so that its record ids are not taken for another '
    "project's"
)
_INSTRUMENT_KEYS = {
    "form",
    "date_field",
    "total_field",
    "total_scale",
    "events",
    "items",
    "codes",
    "field_codes",
}


@dataclass(frozen=True)
class InstrumentMapping:
    """Where one instrument lives in the REDCap project."""

    instrument: str
    items: Mapping[str, str]
    date_field: str
    form: str | None = None
    total_field: str | None = None
    total_scale: str | None = None
    events: tuple[str, ...] | None = None
    codes: Mapping[str, int | None] = field(default_factory=dict)
    field_codes: Mapping[str, Mapping[str, int | None]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """The TOML table of this instrument, for messages."""
        return f"[instruments.{self.instrument}]"

    def table_for(self, field_name: str) -> tuple[str, Mapping[str, int | None]]:
        """The code translation table that applies to ``field_name``, and its name."""
        if field_name in self.field_codes:
            where = f"[instruments.{self.instrument}.field_codes.{field_name}]"
            return where, self.field_codes[field_name]
        return f"[instruments.{self.instrument}.codes]", self.codes


@dataclass(frozen=True)
class RedcapMapping:
    """A whole mapping file: the project, the record id field and the mapped instruments."""

    project: str
    instruments: tuple[InstrumentMapping, ...]
    record_id: str | None = None


def load_mapping(path: Path) -> RedcapMapping:
    """Read and shape-check a mapping file; :class:`UnusableFile` says what is wrong.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "mapping.toml"
    ...     _ = path.write_text('project = "pid_12"\\n'
    ...                         '[instruments.craving_nrs]\\ndate_field = "d"\\n'
    ...                         '[instruments.craving_nrs.items]\\nitem_1 = "craving"\\n')
    ...     mapping = load_mapping(path)
    >>> mapping.project, mapping.instruments[0].items
    ('pid_12', {'item_1': 'craving'})
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the REDCap mapping {path}: {exc}"
        raise UnusableFile(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path.name} is not valid TOML: {exc}"
        raise UnusableFile(msg) from None
    except RecursionError:  # arrays or tables nested thousands deep
        msg = f"{path.name} is nested too deeply to be a REDCap mapping"
        raise UnusableFile(msg) from None
    try:
        return _build(data)
    except ValueError as exc:
        msg = f"{path.name}: {exc}"
        raise UnusableFile(msg) from None


def _build(data: dict[str, Any]) -> RedcapMapping:
    _only(data, _TOP_KEYS, "the mapping")
    if "project" not in data:
        raise ValueError(_NO_PROJECT)
    project = data["project"]
    if isinstance(project, int) and not isinstance(project, bool):
        project = str(project)
    if not isinstance(project, str) or not _PROJECT.fullmatch(project.strip()):
        msg = (
            "project must be a REDCap project id or short name in quotes: letters, digits, "
            "'_', '-' or '.', at most 40"
        )
        raise ValueError(msg)
    record_id = data.get("record_id")
    if record_id is not None:
        record_id = _text(record_id, "record_id")
    instruments = data.get("instruments")
    if not isinstance(instruments, dict) or not instruments:
        msg = "no [instruments.<id>] table: map at least one instrument"
        raise ValueError(msg)
    return RedcapMapping(
        project=project.strip(),
        instruments=tuple(_instrument(name, table) for name, table in instruments.items()),
        record_id=record_id,
    )


def _instrument(name: str, table: Any) -> InstrumentMapping:
    where = f"[instruments.{name}]"
    if not isinstance(table, dict):
        msg = f"{where} must be a table"
        raise ValueError(msg)
    _only(table, _INSTRUMENT_KEYS, where)
    if "date_field" not in table:
        msg = f'{where} has no date_field (a date field, or "<form>_timestamp")'
        raise ValueError(msg)
    items = table.get("items")
    if not isinstance(items, dict) or not items:
        msg = f'{where} has no [instruments.{name}.items] table (item_1 = "<field>" ...)'
        raise ValueError(msg)
    events = table.get("events")
    if events is not None and (
        not isinstance(events, list) or not all(isinstance(e, str) and e for e in events)
    ):
        msg = f"{where} events must be a list of REDCap unique event names"
        raise ValueError(msg)
    field_codes = table.get("field_codes", {})
    if not isinstance(field_codes, dict):
        msg = f"{where} field_codes must hold one table per field"
        raise ValueError(msg)
    return InstrumentMapping(
        instrument=name,
        items={item: _text(f, f"{where} {item}") for item, f in items.items()},
        date_field=_text(table["date_field"], f"{where} date_field"),
        form=_text(table["form"], f"{where} form") if "form" in table else None,
        total_field=(
            _text(table["total_field"], f"{where} total_field") if "total_field" in table else None
        ),
        total_scale=(
            _text(table["total_scale"], f"{where} total_scale").lower()
            if "total_scale" in table
            else None
        ),
        events=tuple(events) if events is not None else None,
        codes=_codes(table.get("codes", {}), f"[instruments.{name}.codes]"),
        field_codes={
            f: _codes(codes, f"[instruments.{name}.field_codes.{f}]")
            for f, codes in field_codes.items()
        },
    )


def _codes(table: Any, where: str) -> dict[str, int | None]:
    """Choice code -> score; the text "missing" becomes None (no answer)."""
    if not isinstance(table, dict):
        msg = f"{where} must be a table of choice code = score"
        raise ValueError(msg)
    bad = [
        k
        for k, v in table.items()
        if v != MISSING and (isinstance(v, bool) or not isinstance(v, int))
    ]
    if bad:
        msg = f'{where}: the score of code(s) {", ".join(bad)} must be a whole number or "missing"'
        raise ValueError(msg)
    return {str(k).strip(): None if v == MISSING else int(v) for k, v in table.items()}


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = f"{where} must be a REDCap name in quotes"
        raise ValueError(msg)
    return value.strip()


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        msg = f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})"
        raise ValueError(msg)
