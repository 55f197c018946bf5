"""What each cohort figure serves among accreditation requirements, read from
``accreditation.toml`` (each requirement paraphrased with its source and address, and where
a requirement this report does not serve is served): kept as data, never in code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Any, cast

EVIDENCE = ("official", "secondary")


@dataclass(frozen=True)
class Requirement:
    """One accreditation requirement: ``wording`` paraphrases it, ``source`` and ``url``
    cite it; ``elsewhere`` says where it is served when this report does not serve it."""

    id: str
    body: str
    name: str
    wording: str
    source: str
    url: str
    evidence: str
    elsewhere: str | None = None

    @property
    def title(self) -> str:
        """The accreditor and the requirement's name, e.g. ``The Joint Commission CTS...``."""
        return f"{self.body} {self.name}"


@dataclass(frozen=True)
class FigureGroup:
    """Figures of the report (``labels``: shell-style patterns of their labels) and the
    requirements they serve."""

    group: str
    labels: tuple[str, ...]
    serves: tuple[str, ...]
    note: str | None = None

    def covers(self, label: str) -> bool:
        """Whether the figure labelled ``label`` is one of the group's.

        Examples
        --------
        >>> FigureGroup("Completeness", ("*: paired scores",), ()).covers("PHQ-9: paired scores")
        True
        """
        return any(fnmatchcase(label, pattern) for pattern in self.labels)


@dataclass(frozen=True)
class Accreditation:
    """Every requirement, and the figure groups that serve them."""

    requirements: tuple[Requirement, ...]
    figures: tuple[FigureGroup, ...]

    def requirement(self, id_: str) -> Requirement:
        """The requirement with the id ``id_``."""
        return next(r for r in self.requirements if r.id == id_)

    def group_of(self, label: str) -> FigureGroup | None:
        """The first group covering the figure ``label``, or None (it serves none listed).

        Examples
        --------
        >>> load_accreditation().group_of("GAD-7: paired scores").group
        'Paired-data completeness'
        """
        return next((g for g in self.figures if g.covers(label)), None)

    def not_served(self) -> tuple[Requirement, ...]:
        """The requirements no figure group serves (each says where it is served)."""
        served = {i for g in self.figures for i in g.serves}
        return tuple(r for r in self.requirements if r.id not in served)


def _checked(raw: dict[str, Any], kind: type, optional: set[str], where: str) -> dict[str, Any]:
    keys = {f.name for f in fields(kind)}
    unknown = sorted(set(raw) - keys)
    lacking = sorted(k for k in keys - optional if not raw.get(k))
    if unknown or lacking:
        parts = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
        parts += [f"missing {', '.join(lacking)}"] if lacking else []
        msg = f"{where}: {'; '.join(parts)}"
        raise ValueError(msg)
    return raw


def load_accreditation(path: Path | None = None) -> Accreditation:
    """The mapping of ``path`` (default: the ``accreditation.toml`` shipped here).

    A malformed entry is refused with a message naming it: a requirement without its
    source or address, a figure serving an unknown requirement, a requirement that no
    figure serves and that does not say where it is served.

    Examples
    --------
    >>> mapping = load_accreditation()
    >>> [r.name.split(" (")[0] for r in mapping.not_served()][:2]
    ['CTS.03.01.09 EP 1', 'CTS.03.01.09 EP 2']
    """
    if path is None:
        package = resources.files("dashboard.cohorts")
        text = package.joinpath("accreditation.toml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    requirements = []
    for i, raw in enumerate(cast("list[dict[str, Any]]", document.get("requirement", []))):
        where = f"requirement {raw.get('id', i + 1)}"
        requirement = Requirement(**_checked(raw, Requirement, {"elsewhere"}, where))
        if requirement.evidence not in EVIDENCE:
            msg = f"{where}: evidence {requirement.evidence!r} is not official or secondary"
            raise ValueError(msg)
        if not requirement.url.startswith(("https://", "http://")):
            msg = f"{where}: url is not a web address"
            raise ValueError(msg)
        requirements.append(requirement)
    ids = {r.id for r in requirements}
    if len(ids) < len(requirements):
        msg = "requirement ids must be unique"
        raise ValueError(msg)
    groups = []
    for i, raw in enumerate(cast("list[dict[str, Any]]", document.get("figure", []))):
        where = f"figure {raw.get('group', i + 1)}"
        checked = _checked(raw, FigureGroup, {"note"}, where)
        group = FigureGroup(
            checked["group"], tuple(checked["labels"]), tuple(checked["serves"]), raw.get("note")
        )
        unknown = sorted(set(group.serves) - ids)
        if unknown:
            msg = f"{where}: serves unknown requirement(s) {', '.join(unknown)}"
            raise ValueError(msg)
        groups.append(group)
    mapping = Accreditation(tuple(requirements), tuple(groups))
    silent = [r.id for r in mapping.not_served() if not r.elsewhere]
    if silent:
        msg = f"requirement(s) {', '.join(silent)}: no figure serves them and no elsewhere says why"
        raise ValueError(msg)
    return mapping
