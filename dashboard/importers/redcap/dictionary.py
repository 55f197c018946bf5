"""Read a REDCap data dictionary: fields, forms, field types, choices and validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboard.importers.redcap.csvfile import read_csv
from dashboard.store.batch import UnusableFile

#: The header of a data dictionary downloaded from REDCap (Project Setup).
STANDARD_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
#: The columns read here; older REDCap versions lack some of the others.
_NEEDED = {
    "Variable / Field Name": "name",
    "Form Name": "form",
    "Field Type": "type",
    "Field Label": "label",
    "Choices, Calculations, OR Slider Labels": "choices_text",
    "Text Validation Type OR Show Slider Number": "validation",
    "Text Validation Min": "minimum",
    "Text Validation Max": "maximum",
}
#: Choices REDCap gives yes/no and true/false fields without listing them.
_IMPLIED_CHOICES = {
    "yesno": (("1", "Yes"), ("0", "No")),
    "truefalse": (("1", "True"), ("0", "False")),
}


@dataclass(frozen=True)
class Field:
    """One data dictionary row."""

    name: str
    form: str
    type: str
    label: str = ""
    choices_text: str = ""
    validation: str = ""
    minimum: str = ""
    maximum: str = ""

    def choices(self) -> tuple[tuple[str, str], ...]:
        """The (code, label) pairs of a choice field; ValueError if they cannot be read.

        >>> Field("q1", "phq9", "radio", choices_text="0, Not at all | 1, Several days").choices()
        (('0', 'Not at all'), ('1', 'Several days'))
        >>> Field("ok", "f", "yesno").choices()
        (('1', 'Yes'), ('0', 'No'))
        """
        if self.type in _IMPLIED_CHOICES:
            return _IMPLIED_CHOICES[self.type]
        pairs = []
        for part in self.choices_text.split("|"):
            if not part.strip():
                continue
            code, comma, label = part.partition(",")
            if not comma or not code.strip():
                msg = (
                    f"cannot read the choice {part.strip()!r} of field {self.name}: "
                    "choices are written 'code, label | code, label'"
                )
                raise ValueError(msg)
            pairs.append((code.strip(), label.strip()))
        return tuple(pairs)


@dataclass(frozen=True)
class Dictionary:
    """A REDCap project's fields, by name, in dictionary order."""

    fields: Mapping[str, Field]
    name: str = "data dictionary"

    @property
    def record_id(self) -> str:
        """The record id field: always the first field of a REDCap project."""
        return next(iter(self.fields))

    @property
    def forms(self) -> tuple[str, ...]:
        """Form (instrument) names in dictionary order."""
        return tuple(dict.fromkeys(f.form for f in self.fields.values()))


def read_dictionary(path: Path) -> Dictionary:
    """Read a data dictionary CSV; :class:`UnusableFile` if it is not one."""
    header, rows = read_csv(path, "REDCap data dictionary")
    positions = {_key(h): n for n, h in enumerate(header)}
    missing = [h for h in _NEEDED if _key(h) not in positions]
    if missing or _key(header[0]) != _key(STANDARD_HEADER[0]):
        msg = (
            f"{path.name} is not a REDCap data dictionary: its header lacks "
            f"{', '.join(repr(h) for h in missing or STANDARD_HEADER[:1])} (download it "
            "from Project Setup > Data Dictionary, as CSV)"
        )
        raise UnusableFile(msg)
    fields: dict[str, Field] = {}
    for row in rows:
        values = {attr: row.fields[positions[_key(h)]].strip() for h, attr in _NEEDED.items()}
        if not values["name"]:
            continue
        if values["name"] in fields:
            msg = f"{path.name} line {row.line}: field {values['name']} is defined twice"
            raise UnusableFile(msg)
        values["type"] = values["type"].lower()
        values["validation"] = values["validation"].lower()
        fields[values["name"]] = Field(**values)
    if not fields:
        msg = f"{path.name} is a REDCap data dictionary without any field"
        raise UnusableFile(msg)
    return Dictionary(fields, path.name)


def _key(column: str) -> str:
    return " ".join(column.split()).casefold()
